// Process identity, limits and the small calls glibc makes while starting up: exit, ids,
// set_tid_address, set_robust_list, rseq, rlimits, scheduling, uname, sysinfo, getrandom,
// futex and prctl.
//
// The guest is one process with one thread, so ids are constants (kGuestPid), scheduling calls
// report one CPU, and futex needs no wait queue: nobody else can ever wake a waiter.
#include <sys/sysinfo.h>

#include <algorithm>
#include <cstddef>
#include <span>

#include "common/host_random.hpp"
#include "linux/arch_layouts.hpp"
#include "linux/guest_abi.hpp"
#include "linux/syscall_context.hpp"

namespace forkbox::os {
namespace {

// Linux's own per-call cap for getrandom on urandom (32 MiB); asking for more is a short read
// there too, and the cap bounds the host work of a single call.
constexpr uint64_t kMaxGetrandomPerCall = 32u << 20;
constexpr size_t kRandomChunk = 64u << 10;

bool is_self(int64_t pid) {
  return pid == 0 || pid == kGuestPid;
}

}  // namespace

SyscallOutcome sys_exit(SyscallContext& ctx) {
  return SyscallOutcome::exit(static_cast<int64_t>(ctx.arg(0) & 0xff));
}

SyscallOutcome sys_exit_group(SyscallContext& ctx) {
  return SyscallOutcome::exit(static_cast<int64_t>(ctx.arg(0) & 0xff));
}

SyscallOutcome sys_getpid(SyscallContext&) {
  return ok(kGuestPid);
}
SyscallOutcome sys_gettid(SyscallContext&) {
  return ok(kGuestPid);
}
SyscallOutcome sys_getppid(SyscallContext&) {
  return ok(kGuestParentPid);
}
SyscallOutcome sys_getpgrp(SyscallContext&) {
  return ok(kGuestPid);
}

SyscallOutcome sys_getpgid(SyscallContext& ctx) {
  return is_self(ctx.int_arg(0)) ? ok(kGuestPid) : fail(ESRCH);
}

SyscallOutcome sys_getsid(SyscallContext& ctx) {
  return is_self(ctx.int_arg(0)) ? ok(kGuestPid) : fail(ESRCH);
}

// The guest runs as root inside its sandbox, like a container's default user: programs that
// check for root see the truth of their own little world, and nothing outside it changes.
SyscallOutcome sys_getuid(SyscallContext&) {
  return ok(0);
}
SyscallOutcome sys_geteuid(SyscallContext&) {
  return ok(0);
}
SyscallOutcome sys_getgid(SyscallContext&) {
  return ok(0);
}
SyscallOutcome sys_getegid(SyscallContext&) {
  return ok(0);
}

SyscallOutcome sys_set_tid_address(SyscallContext&) {
  // The clear-child-tid word only matters when a thread exits while another waits for it.
  return ok(kGuestPid);
}

SyscallOutcome sys_set_robust_list(SyscallContext& ctx) {
  constexpr uint64_t kRobustListHeadSize = 24;  // struct robust_list_head on 64-bit
  return ctx.arg(1) == kRobustListHeadSize ? ok(0) : fail(EINVAL);
}

SyscallOutcome sys_rseq(SyscallContext&) {
  // glibc (2.35+) registers rseq at start-up and, on ENOSYS, just leaves it unregistered
  // (__rseq_size = 0); sched_getcpu then falls back to getcpu. No rseq area is ever touched.
  return fail(ENOSYS);
}

namespace {
SyscallOutcome rlimit_op(SyscallContext& ctx, uint64_t resource, uint64_t new_addr,
                         uint64_t old_addr) {
  if (resource >= static_cast<uint64_t>(kRlimitCount)) return fail(EINVAL);
  Rlimit& limit = ctx.proc.rlimits[resource];
  std::optional<Rlimit> wanted;
  if (new_addr != 0) {
    uint64_t raw[2];
    if (!ctx.mem.read(new_addr, raw, sizeof raw)) return fail(EFAULT);
    if (raw[0] > raw[1]) return fail(EINVAL);
    // Lowering is allowed; raising the hard limit needs privileges the guest does not have.
    if (raw[1] > limit.max) return fail(EPERM);
    wanted = Rlimit{raw[0], raw[1]};
  }
  if (old_addr != 0) {
    const uint64_t raw[2] = {limit.cur, limit.max};
    if (!ctx.mem.write(old_addr, raw, sizeof raw)) return fail(EFAULT);
  }
  if (wanted) limit = *wanted;
  return ok(0);
}
}  // namespace

SyscallOutcome sys_prlimit64(SyscallContext& ctx) {
  if (!is_self(ctx.int_arg(0))) return fail(ESRCH);
  return rlimit_op(ctx, ctx.arg(1) & 0xffffffffu, ctx.arg(2), ctx.arg(3));
}

SyscallOutcome sys_getrlimit(SyscallContext& ctx) {
  return rlimit_op(ctx, ctx.arg(0) & 0xffffffffu, 0, ctx.arg(1));
}

SyscallOutcome sys_setrlimit(SyscallContext& ctx) {
  return rlimit_op(ctx, ctx.arg(0) & 0xffffffffu, ctx.arg(1), 0);
}

SyscallOutcome sys_sched_yield(SyscallContext&) {
  return ok(0);
}

SyscallOutcome sys_sched_getaffinity(SyscallContext& ctx) {
  constexpr uint64_t kMaskBytes = 8;  // one unsigned long: the kernel's cpumask for our one CPU
  if (!is_self(ctx.int_arg(0))) return fail(ESRCH);
  const uint64_t len = ctx.arg(1) & 0xffffffffu;
  if (len < kMaskBytes || len % kMaskBytes != 0) return fail(EINVAL);
  return write_u64(ctx.mem, ctx.arg(2), 1) ? ok(kMaskBytes) : fail(EFAULT);
}

SyscallOutcome sys_uname(SyscallContext& ctx) {
  const auto buf = encode_utsname(ctx.arch());
  return ctx.mem.write(ctx.arg(0), buf.data(), buf.size()) ? ok(0) : fail(EFAULT);
}

SyscallOutcome sys_sysinfo(SyscallContext& ctx) {
  struct sysinfo host {};
  ::sysinfo(&host);
  const auto buf = encode_sysinfo(host.uptime, uint64_t{host.totalram} * host.mem_unit,
                                  uint64_t{host.freeram} * host.mem_unit);
  return ctx.mem.write(ctx.arg(0), buf.data(), buf.size()) ? ok(0) : fail(EFAULT);
}

SyscallOutcome sys_getrandom(SyscallContext& ctx) {
  constexpr uint64_t kGrndFlags = 1 | 2 | 4;  // GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE
  const uint64_t flags = ctx.arg(2) & 0xffffffffu;
  if (flags & ~kGrndFlags) return fail(EINVAL);
  const uint64_t len = std::min(ctx.arg(1), kMaxGetrandomPerCall);
  std::array<std::byte, kRandomChunk> buf;
  uint64_t done = 0;
  while (done < len) {
    const size_t n = std::min<uint64_t>(len - done, buf.size());
    if (!fill_host_random(std::span(buf.data(), n))) return done ? ok(done) : fail(EAGAIN);
    if (!ctx.mem.write(ctx.arg(0) + done, buf.data(), n)) return done ? ok(done) : fail(EFAULT);
    done += n;
  }
  return ok(static_cast<int64_t>(done));
}

SyscallOutcome sys_futex(SyscallContext& ctx) {
  constexpr uint64_t kFutexCmdMask = ~uint64_t{128 | 256};  // FUTEX_PRIVATE_FLAG, CLOCK_REALTIME
  constexpr uint64_t kWait = 0, kWake = 1, kRequeue = 3, kCmpRequeue = 4, kWakeOp = 5;
  constexpr uint64_t kWaitBitset = 9, kWakeBitset = 10;
  const uint64_t uaddr = ctx.arg(0);
  const uint64_t op = ctx.arg(1) & 0xffffffffu & kFutexCmdMask;
  if (uaddr % 4 != 0) return fail(EINVAL);
  switch (op) {
    case kWait:
    case kWaitBitset: {
      auto value = read_u32(ctx.mem, uaddr);
      if (!value) return fail(EFAULT);
      if (*value != static_cast<uint32_t>(ctx.arg(2))) return fail(EAGAIN);
      // The only thread is the waiter, so nobody can wake it: with a timeout the wait simply
      // times out (at once: waiting would change nothing); without one the program deadlocked,
      // and EINVAL makes glibc report "futex facility returned an unexpected error code" and
      // abort instead of hanging until the time limit.
      return ctx.arg(3) != 0 ? fail(ETIMEDOUT) : fail(EINVAL);
    }
    case kWake:
    case kWakeBitset:
    case kRequeue:
    case kCmpRequeue:
    case kWakeOp:
      return ok(0);  // no waiters exist
    default:
      return fail(ENOSYS);  // priority-inheritance futexes are not offered
  }
}

SyscallOutcome sys_prctl(SyscallContext& ctx) {
  constexpr uint64_t kPrSetName = 15, kPrGetName = 16, kPrSetVma = 0x53564d41;
  constexpr uint64_t kPrGetDumpable = 3, kPrSetDumpable = 4;
  switch (ctx.arg(0) & 0xffffffffu) {
    case kPrSetName:
    case kPrSetVma:  // naming anonymous memory: cosmetic
    case kPrSetDumpable:
      return ok(0);
    case kPrGetDumpable:
      return ok(0);
    case kPrGetName: {
      const char name[16] = "forkbox-guest";
      return ctx.mem.write(ctx.arg(1), name, sizeof name) ? ok(0) : fail(EFAULT);
    }
    default:
      return fail(EINVAL);
  }
}

}  // namespace forkbox::os

// Signals, recorded but never delivered. rt_sigaction, rt_sigprocmask and sigaltstack keep the
// guest's settings and return them faithfully (glibc and language runtimes read them back); a
// signal the guest sends itself is acted on at once by its disposition:
//   - SIG_IGN, or a default action of "ignore" (SIGCHLD, SIGURG, SIGWINCH, SIGCONT): dropped;
//   - blocked: left pending, and acted on when rt_sigprocmask unblocks it (glibc's raise()
//     blocks every signal around tgkill, so abort()'s SIGABRT arrives exactly that way);
//   - anything else, including a signal with a handler installed: the program ends with
//     OutcomeKind::kSignal. Running guest handlers would need the engine to build signal frames;
//     ending the run is the honest answer until it does.
// Signals aimed at any other process get ESRCH: the guest is alone.
#include <algorithm>
#include <bit>
#include <cstring>

#include "linux/arch_layouts.hpp"
#include "linux/guest_abi.hpp"
#include "linux/syscall_context.hpp"

namespace forkbox::os {
namespace {

uint64_t bit(int signal) {
  return uint64_t{1} << (signal - 1);
}

// SIGKILL and SIGSTOP can be neither caught, ignored nor blocked.
constexpr uint64_t kUnblockable =
    (uint64_t{1} << (abi::kSigKill - 1)) | (uint64_t{1} << (abi::kSigStop - 1));

bool default_is_ignore(int signal) {
  return signal == abi::kSigChld || signal == abi::kSigUrg || signal == abi::kSigWinch ||
         signal == abi::kSigCont;
}

uint64_t handler_of(const ProcessState& proc, int signal) {
  uint64_t handler = 0;  // offset 0 of the kernel sigaction on every architecture
  std::memcpy(&handler, proc.signals.actions[signal - 1].data(), sizeof handler);
  return handler;
}

// Acts on a signal that is not blocked.
SyscallOutcome deliver(SyscallContext& ctx, int signal) {
  const uint64_t handler = handler_of(ctx.proc, signal);
  if (handler == abi::kSigIgn) return ok(0);
  if (handler == abi::kSigDfl && default_is_ignore(signal)) return ok(0);
  return {OutcomeKind::kSignal, signal};
}

// After the mask changed: acts on the lowest pending signal that is now unblocked.
SyscallOutcome deliver_unblocked(SyscallContext& ctx) {
  SignalState& sig = ctx.proc.signals;
  while (const uint64_t ready = sig.pending & ~sig.blocked) {
    const int signal = std::countr_zero(ready) + 1;
    sig.pending &= ~bit(signal);
    SyscallOutcome outcome = deliver(ctx, signal);
    if (outcome.kind != OutcomeKind::kReturn) return outcome;
  }
  return ok(0);
}

bool valid_signal(int64_t signal) {
  return signal >= 1 && signal <= kSignalCount;
}

}  // namespace

SyscallOutcome raise_at_self(SyscallContext& ctx, int signal) {
  SignalState& sig = ctx.proc.signals;
  if (sig.blocked & bit(signal)) {
    // A blocked signal an ignoring disposition would drop is discarded at once, as on Linux.
    const uint64_t handler = handler_of(ctx.proc, signal);
    if (handler == abi::kSigIgn || (handler == abi::kSigDfl && default_is_ignore(signal)))
      return ok(0);
    sig.pending |= bit(signal);
    return ok(0);
  }
  return deliver(ctx, signal);
}

SyscallOutcome sys_rt_sigaction(SyscallContext& ctx) {
  const int64_t signal = ctx.int_arg(0);
  const uint64_t act = ctx.arg(1), old_act = ctx.arg(2);
  if (ctx.arg(3) != kSigsetSize || !valid_signal(signal)) return fail(EINVAL);
  const size_t size = kernel_sigaction_size(ctx.arch());
  auto& slot = ctx.proc.signals.actions[signal - 1];
  std::array<uint8_t, kMaxKernelSigactionSize> wanted{};
  if (act != 0) {
    if (!ctx.mem.read(act, wanted.data(), size)) return fail(EFAULT);
    if (signal == abi::kSigKill || signal == abi::kSigStop) return fail(EINVAL);
  }
  if (old_act != 0 && !ctx.mem.write(old_act, slot.data(), size)) return fail(EFAULT);
  if (act != 0) {
    slot = wanted;
    // Setting SIG_IGN discards a pending instance, as on Linux.
    if (handler_of(ctx.proc, static_cast<int>(signal)) == abi::kSigIgn)
      ctx.proc.signals.pending &= ~bit(static_cast<int>(signal));
  }
  return ok(0);
}

SyscallOutcome sys_rt_sigprocmask(SyscallContext& ctx) {
  const int64_t how = ctx.int_arg(0);
  const uint64_t set = ctx.arg(1), old_set = ctx.arg(2);
  if (ctx.arg(3) != kSigsetSize) return fail(EINVAL);
  SignalState& sig = ctx.proc.signals;
  std::optional<uint64_t> wanted;
  if (set != 0) {
    wanted = read_u64(ctx.mem, set);
    if (!wanted) return fail(EFAULT);
    if (how != abi::kSigBlock && how != abi::kSigUnblock && how != abi::kSigSetmask)
      return fail(EINVAL);
  }
  if (old_set != 0 && !write_u64(ctx.mem, old_set, sig.blocked)) return fail(EFAULT);
  if (!wanted) return ok(0);
  if (how == abi::kSigBlock) sig.blocked |= *wanted;
  if (how == abi::kSigUnblock) sig.blocked &= ~*wanted;
  if (how == abi::kSigSetmask) sig.blocked = *wanted;
  sig.blocked &= ~kUnblockable;
  return deliver_unblocked(ctx);
}

SyscallOutcome sys_sigaltstack(SyscallContext& ctx) {
  constexpr uint32_t kSsDisable = 2;
  constexpr uint64_t kMinSigstksz = 2048;  // MINSIGSTKSZ
  const uint64_t ss = ctx.arg(0), old_ss = ctx.arg(1);
  auto& current = ctx.proc.signals.altstack;
  std::array<uint8_t, 24> wanted{};  // stack_t: ss_sp@0, ss_flags:i32@8, ss_size@16
  if (ss != 0) {
    if (!ctx.mem.read(ss, wanted.data(), wanted.size())) return fail(EFAULT);
    uint32_t flags = 0;
    uint64_t size = 0;
    std::memcpy(&flags, wanted.data() + 8, sizeof flags);
    std::memcpy(&size, wanted.data() + 16, sizeof size);
    if (flags & ~kSsDisable) return fail(EINVAL);
    if (!(flags & kSsDisable) && size < kMinSigstksz) return fail(ENOMEM);
  }
  if (old_ss != 0 && !ctx.mem.write(old_ss, current.data(), current.size())) return fail(EFAULT);
  if (ss != 0) current = wanted;
  return ok(0);
}

namespace {
SyscallOutcome signal_self(SyscallContext& ctx, int64_t signal) {
  if (signal == 0) return ok(0);  // existence probe
  if (!valid_signal(signal)) return fail(EINVAL);
  return raise_at_self(ctx, static_cast<int>(signal));
}
}  // namespace

SyscallOutcome sys_kill(SyscallContext& ctx) {
  const int64_t pid = ctx.int_arg(0);
  // Ourselves, our process group (0 or -pgid), or "every process we may signal" (-1): all are
  // just the guest here.
  if (pid != kGuestPid && pid != 0 && pid != -kGuestPid && pid != -1) return fail(ESRCH);
  return signal_self(ctx, ctx.int_arg(1));
}

SyscallOutcome sys_tgkill(SyscallContext& ctx) {
  if (ctx.int_arg(0) <= 0 || ctx.int_arg(1) <= 0) return fail(EINVAL);
  if (ctx.int_arg(0) != kGuestPid || ctx.int_arg(1) != kGuestPid) return fail(ESRCH);
  return signal_self(ctx, ctx.int_arg(2));
}

SyscallOutcome sys_tkill(SyscallContext& ctx) {
  if (ctx.int_arg(0) <= 0) return fail(EINVAL);
  if (ctx.int_arg(0) != kGuestPid) return fail(ESRCH);
  return signal_self(ctx, ctx.int_arg(1));
}

}  // namespace forkbox::os

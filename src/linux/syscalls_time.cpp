// Clocks and sleeping. Time is the host's (a guest may learn the wall clock; nothing else is
// derived from it). Sleeps really sleep, so programs that pace themselves behave, but each is
// capped at kMaxSleep: the engine's time limit applies between system calls, and an unbounded
// sleep inside one would hold a worker beyond it.
#include <time.h>

#include <algorithm>

#include "linux/syscall_context.hpp"

namespace forkbox::os {
namespace {

// Why one second: long enough for any pacing loop, short enough that a guest asking to sleep
// for hours returns to the engine (which enforces the run's time limit) promptly.
constexpr int64_t kMaxSleepNs = 1'000'000'000;
constexpr int64_t kNsPerSec = 1'000'000'000;

// The clocks Linux offers a process (CLOCK_REALTIME .. CLOCK_BOOTTIME and the alarm clocks,
// which read like their base clocks).
std::optional<clockid_t> host_clock(int64_t id) {
  switch (id) {
    case 0:
      return CLOCK_REALTIME;
    case 1:
      return CLOCK_MONOTONIC;
    case 2:
      return CLOCK_PROCESS_CPUTIME_ID;  // forkbox's own CPU time: the guest's upper bound
    case 3:
      return CLOCK_THREAD_CPUTIME_ID;
    case 4:
      return CLOCK_MONOTONIC_RAW;
    case 5:
      return CLOCK_REALTIME_COARSE;
    case 6:
      return CLOCK_MONOTONIC_COARSE;
    case 7:
      return CLOCK_BOOTTIME;
    case 8:
      return CLOCK_REALTIME;  // CLOCK_REALTIME_ALARM
    case 9:
      return CLOCK_BOOTTIME;  // CLOCK_BOOTTIME_ALARM
    case 11:
      return CLOCK_TAI;
    default:
      return std::nullopt;
  }
}

bool write_timespec(GuestMemory& mem, uint64_t addr, const timespec& ts) {
  const int64_t raw[2] = {ts.tv_sec, ts.tv_nsec};  // struct timespec: 16 bytes on both arches
  return mem.write(addr, raw, sizeof raw);
}

std::expected<int64_t, int> read_timespec_ns(GuestMemory& mem, uint64_t addr) {
  int64_t raw[2];
  if (!mem.read(addr, raw, sizeof raw)) return std::unexpected(-EFAULT);
  if (raw[0] < 0 || raw[1] < 0 || raw[1] >= kNsPerSec) return std::unexpected(-EINVAL);
  if (raw[0] > INT64_MAX / kNsPerSec - 1) return INT64_MAX;
  return raw[0] * kNsPerSec + raw[1];
}

void host_sleep_ns(int64_t ns) {
  ns = std::clamp<int64_t>(ns, 0, kMaxSleepNs);
  timespec ts{ns / kNsPerSec, ns % kNsPerSec};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

}  // namespace

SyscallOutcome sys_clock_gettime(SyscallContext& ctx) {
  const auto clock = host_clock(ctx.int_arg(0));
  if (!clock) return fail(EINVAL);
  timespec ts{};
  ::clock_gettime(*clock, &ts);
  return write_timespec(ctx.mem, ctx.arg(1), ts) ? ok(0) : fail(EFAULT);
}

SyscallOutcome sys_clock_getres(SyscallContext& ctx) {
  const auto clock = host_clock(ctx.int_arg(0));
  if (!clock) return fail(EINVAL);
  if (ctx.arg(1) == 0) return ok(0);
  timespec ts{};
  ::clock_getres(*clock, &ts);
  return write_timespec(ctx.mem, ctx.arg(1), ts) ? ok(0) : fail(EFAULT);
}

SyscallOutcome sys_gettimeofday(SyscallContext& ctx) {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  if (ctx.arg(0) != 0) {
    const int64_t tv[2] = {ts.tv_sec, ts.tv_nsec / 1000};  // struct timeval
    if (!ctx.mem.write(ctx.arg(0), tv, sizeof tv)) return fail(EFAULT);
  }
  if (ctx.arg(1) != 0) {
    const int32_t tz[2] = {0, 0};  // struct timezone: UTC, no DST
    if (!ctx.mem.write(ctx.arg(1), tz, sizeof tz)) return fail(EFAULT);
  }
  return ok(0);
}

SyscallOutcome sys_time(SyscallContext& ctx) {
  const int64_t now = ::time(nullptr);
  if (ctx.arg(0) != 0 && !write_u64(ctx.mem, ctx.arg(0), static_cast<uint64_t>(now)))
    return fail(EFAULT);
  return ok(now);
}

SyscallOutcome sys_nanosleep(SyscallContext& ctx) {
  auto ns = read_timespec_ns(ctx.mem, ctx.arg(0));
  if (!ns) return from_neg(ns.error());
  host_sleep_ns(*ns);
  return ok(0);  // never interrupted: no signal is ever delivered, so `rem` is never written
}

SyscallOutcome sys_clock_nanosleep(SyscallContext& ctx) {
  constexpr uint64_t kTimerAbstime = 1;
  const auto clock = host_clock(ctx.int_arg(0));
  if (!clock || *clock == CLOCK_THREAD_CPUTIME_ID) return fail(EINVAL);
  auto ns = read_timespec_ns(ctx.mem, ctx.arg(2));
  if (!ns) return from_neg(ns.error());
  int64_t wait = *ns;
  if (ctx.arg(1) & kTimerAbstime) {
    timespec now{};
    ::clock_gettime(*clock, &now);
    const int64_t now_ns = now.tv_sec * kNsPerSec + now.tv_nsec;
    wait = *ns > now_ns ? *ns - now_ns : 0;
  }
  host_sleep_ns(wait);
  return ok(0);
}

}  // namespace forkbox::os

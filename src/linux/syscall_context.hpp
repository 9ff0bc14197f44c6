// What every system-call handler works with, shared by the syscalls_*.cpp files and nothing
// outside src/linux: the per-guest process state (everything but the fd table), the context a
// handler receives, small guest-memory helpers, and one declaration per handler.
//
// Handlers are free functions `sys_<name>(SyscallContext&)`, one per entry of
// FORKBOX_LINUX_SYSCALLS, so the dispatcher is a table and each family lives in its own file.
#pragma once

#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>

#include "linux/fd_table.hpp"
#include "linux/guest_memory.hpp"
#include "linux/personality.hpp"
#include "linux/syscall_ids.hpp"
#include "linux/tmpfs.hpp"
#include "linux/vfs.hpp"

namespace forkbox::os {

// The pid, tid and pgid every guest sees. Not 1: Linux protects init from signals it has no
// handler for, and glibc's abort() relies on SIGABRT's default action killing the caller, so a
// guest that believes it is init could reason differently. 2, with parent 1, is an ordinary
// child of init.
inline constexpr int64_t kGuestPid = 2;
inline constexpr int64_t kGuestParentPid = 1;

// Linux has 64 signals; rt_sigaction and friends take a sigset of exactly 8 bytes.
inline constexpr int kSignalCount = 64;
inline constexpr uint64_t kSigsetSize = 8;

// The largest kernel `struct sigaction` of any supported architecture (x86-64: handler, flags,
// restorer, mask). riscv64 has no sa_restorer and uses 24 bytes.
inline constexpr size_t kMaxKernelSigactionSize = 32;

struct SignalState {
  // Raw kernel sigaction per signal (index = signal - 1), in the guest architecture's layout;
  // all-zero is SIG_DFL with no flags. Recorded and returned, never used to run a handler.
  std::array<std::array<uint8_t, kMaxKernelSigactionSize>, kSignalCount> actions{};
  uint64_t blocked = 0;  // bit (signal - 1)
  uint64_t pending = 0;  // sent while blocked; acted on when unblocked
  // sigaltstack's stack_t (ss_sp, ss_flags, ss_size), same 24-byte layout on both arches.
  std::array<uint8_t, 24> altstack{0, 0, 0, 0, 0, 0, 0, 0, 2 /* SS_DISABLE */};
};

struct Rlimit {
  uint64_t cur;
  uint64_t max;
};
inline constexpr int kRlimitCount = 16;  // RLIMIT_CPU .. RLIMIT_RTTIME

// Everything about the guest process except its fds. Copyable: a fork copies it.
struct ProcessState {
  explicit ProcessState(const PersonalityConfig& config);

  PathPolicy paths;
  std::string cwd = "/";  // absolute, resolved (no symlinks), inside the allow-list, /tmp or "/"
  TmpFs tmp;              // the private /tmp: copied (copy-on-write) with the process
  std::string captured_stdout;
  std::string captured_stderr;
  uint64_t output_bytes = 0;  // stdout + stderr bytes so far, against output_limit
  size_t stdin_offset = 0;    // next unread byte of config.stdio.stdin_data
  SignalState signals;
  std::array<Rlimit, kRlimitCount> rlimits{};
  uint32_t umask = 022;
};

// The private State of personality.hpp is this process state (defined here so that every
// personality source file, personality.cpp and personality_image.cpp, sees it complete).
struct Personality::State : ProcessState {
  using ProcessState::ProcessState;
};

struct SyscallContext {
  const PersonalityConfig& config;
  ProcessState& proc;
  FdTable& fds;
  GuestMemory& mem;
  const SyscallRequest& req;

  [[nodiscard]] uint64_t arg(size_t i) const { return req.args[i]; }
  // Arguments the kernel declares as `int` (fds, flags): the low 32 bits, sign-extended.
  [[nodiscard]] int64_t int_arg(size_t i) const {
    return static_cast<int32_t>(static_cast<uint32_t>(req.args[i]));
  }
  [[nodiscard]] Arch arch() const { return config.arch; }
};

inline SyscallOutcome ok(int64_t value) {
  return SyscallOutcome::ret(value);
}
inline SyscallOutcome fail(int errno_value) {
  return SyscallOutcome::ret(-errno_value);
}
// For results already carrying a negative errno (GuestResult errors, 0-or--errno ints).
inline SyscallOutcome from_neg(int64_t value) {
  return SyscallOutcome::ret(value);
}

// Guest-memory helpers: each returns false / nullopt on a fault (the caller reports EFAULT).
[[nodiscard]] std::optional<uint64_t> read_u64(GuestMemory& mem, uint64_t addr);
[[nodiscard]] std::optional<uint32_t> read_u32(GuestMemory& mem, uint64_t addr);
[[nodiscard]] bool write_u64(GuestMemory& mem, uint64_t addr, uint64_t value);
[[nodiscard]] bool write_u32(GuestMemory& mem, uint64_t addr, uint32_t value);
// A NUL-terminated guest string of at most `max_len` bytes (without the NUL); -EFAULT, or
// -ENAMETOOLONG when no NUL comes within the limit.
[[nodiscard]] std::expected<std::string, int> read_guest_string(GuestMemory& mem, uint64_t addr,
                                                                size_t max_len);

// Signals: what happens when a signal is raised at the guest itself. kReturn 0 when dropped
// (ignored) or left pending (blocked); kSignal when it ends the program.
[[nodiscard]] SyscallOutcome raise_at_self(SyscallContext& ctx, int signal);

#define FORKBOX_DECLARE_HANDLER(name) SyscallOutcome sys_##name(SyscallContext& ctx);
FORKBOX_LINUX_SYSCALLS(FORKBOX_DECLARE_HANDLER)
#undef FORKBOX_DECLARE_HANDLER

}  // namespace forkbox::os

// The engine-facing shape of a system call: what an engine hands the personality (the
// architecture's number and six raw argument registers) and what it gets back (a typed outcome
// the run loop acts on). Engines never see personality internals.
#pragma once

#include <array>
#include <cstdint>

namespace forkbox::os {

enum class Arch : uint8_t { kRiscv64, kX86_64 };

struct SyscallRequest {
  uint64_t number = 0;               // the architecture's own syscall number
  std::array<uint64_t, 6> args{};    // a0..a5 (riscv) or rdi, rsi, rdx, r10, r8, r9 (x86-64)
};

enum class OutcomeKind : uint8_t {
  kReturn,       // write `value` to the return register and continue
  kExit,         // the guest ended: exit status in `value` (exit/exit_group)
  kSignal,       // the guest was ended by signal `value` (tgkill/kill to itself, default action)
  kPause,        // ready point reached (first stdin read with pausing on): stop the run loop
                 // without completing the call; resuming re-issues the same system call
  kOutputLimit,  // captured output passed its limit; the guest is stopped
};

struct SyscallOutcome {
  OutcomeKind kind = OutcomeKind::kReturn;
  int64_t value = 0;  // return value (negative errno on failure), exit status, or signal

  static SyscallOutcome ret(int64_t v) { return {OutcomeKind::kReturn, v}; }
  static SyscallOutcome exit(int64_t status) { return {OutcomeKind::kExit, status}; }
};

}  // namespace forkbox::os

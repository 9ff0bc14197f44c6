// The complete architectural state of one vCPU as a snapshot keeps it: general registers,
// segment and control registers, the FPU/SSE/AVX/AVX-512 state (XSAVE area), the extended
// control registers, every MSR a guest can reach (the syscall MSRs and the FS/GS bases the VMM
// sets for arch_prctl), the debug registers and the pending-event state (exceptions, NMIs,
// interrupt shadow). Restoring all of it, not just the registers a program visibly uses, is what
// makes every fork start from exactly the warmed machine.
//
// The time-stamp counter is deliberately not part of it: it keeps counting, as a wall clock
// would, so a fork never sees time run backwards.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <expected>
#include <vector>

#include "kvm/kvm_handles.hpp"

namespace forkbox::kvm {

struct VcpuState {
  kvm_regs regs{};
  kvm_sregs sregs{};
  Vcpu::XsaveArea xsave{};
  kvm_xcrs xcrs{};
  kvm_debugregs debugregs{};
  kvm_vcpu_events events{};
  std::vector<kvm_msr_entry> msrs;
};

// The MSR indices a snapshot saves (see vcpu_state.cpp for why each).
[[nodiscard]] const std::vector<uint32_t>& snapshot_msrs();

// Reads everything but `regs`, which the caller supplies (the machine keeps them in the kvm_run
// sync area, where KVM_GET_REGS could be stale by one system call).
[[nodiscard]] std::expected<VcpuState, KvmError> capture_vcpu(const Vcpu& vcpu,
                                                              const kvm_regs& regs);
// Writes everything but `regs` back (the caller writes regs through its own path).
[[nodiscard]] std::expected<void, KvmError> restore_vcpu(const Vcpu& vcpu, const VcpuState& s);

}  // namespace forkbox::kvm

// Capturing and restoring a vCPU's complete state; see vcpu_state.hpp.
#include "kvm/vcpu_state.hpp"

#include "kvm/cpu_setup.hpp"

namespace forkbox::kvm {

const std::vector<uint32_t>& snapshot_msrs() {
  static const std::vector<uint32_t> kMsrs = {
      msr::kEfer,          // long mode and NX, set once by cpu_setup
      msr::kStar,          // syscall segments
      msr::kLstar,         // syscall entry (the stub)
      msr::kCstar,         // compat syscall entry
      msr::kSfmask,        // flags masked on syscall
      msr::kFsBase,        // thread pointer (arch_prctl ARCH_SET_FS): glibc's TLS
      msr::kGsBase,        // arch_prctl ARCH_SET_GS
      msr::kKernelGsBase,  // swapgs partner (unused by the stub, saved for completeness)
      0x174,               // IA32_SYSENTER_CS (legacy entry; kept as configured)
      0x175,               // IA32_SYSENTER_ESP
      0x176,               // IA32_SYSENTER_EIP
      0x277,               // IA32_PAT: memory types of the guest's page tables
  };
  return kMsrs;
}

std::expected<VcpuState, KvmError> capture_vcpu(const Vcpu& vcpu, const kvm_regs& regs) {
  VcpuState s;
  s.regs = regs;
  auto sregs = vcpu.get_sregs();
  if (!sregs) return std::unexpected(sregs.error());
  s.sregs = *sregs;
  if (!vcpu.get_xsave(s.xsave) || !vcpu.get_xcrs(s.xcrs) || !vcpu.get_debugregs(s.debugregs) ||
      !vcpu.get_events(s.events))
    return std::unexpected(KvmError::kIoctlFailed);
  for (uint32_t index : snapshot_msrs()) {
    kvm_msr_entry e{};
    e.index = index;
    s.msrs.push_back(e);
  }
  if (auto r = vcpu.get_msrs(s.msrs); !r) return std::unexpected(r.error());
  return s;
}

std::expected<void, KvmError> restore_vcpu(const Vcpu& vcpu, const VcpuState& s) {
  if (auto r = vcpu.set_sregs(s.sregs); !r) return r;
  if (!vcpu.set_xcrs(s.xcrs) || !vcpu.set_xsave(s.xsave) || !vcpu.set_debugregs(s.debugregs) ||
      !vcpu.set_events(s.events))
    return std::unexpected(KvmError::kIoctlFailed);
  return vcpu.set_msrs(s.msrs);
}

}  // namespace forkbox::kvm

// Puts a fresh vCPU into the state every guest starts from: long mode with paging (CR0/CR4/EFER),
// our GDT/IDT/TSS, the system-call MSRs pointing at the stub, a CPUID view filtered to what a
// user-mode guest may use, and XCR0 enabling x87/SSE/AVX/AVX-512 state so glibc's and numpy's
// vectorised paths are taken. Starts in kernel mode at the stub's `iretq`, so entering user mode
// the first time is the same path as returning from a system call.
#pragma once

#include <cstdint>
#include <expected>
#include <vector>

#include "kvm/kvm_handles.hpp"

namespace forkbox::kvm {

// CPUID leaves as the guest sees them: KVM's supported set minus features that need kernel
// support we do not provide (MONITOR/MWAIT, VMX/SVM, SGX, MPX, PKU, AMX, WAITPKG, XSAVES, ...),
// with the XSAVE leaf restricted to `xcr0`.
[[nodiscard]] std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> supported,
                                                        uint64_t xcr0);
// The XCR0 the guest runs with: the x87/SSE/AVX/AVX-512 components KVM supports.
[[nodiscard]] uint64_t guest_xcr0(const std::vector<kvm_cpuid_entry2>& supported);
// AT_HWCAP for x86-64 (CPUID.1:EDX, as Linux reports it).
[[nodiscard]] uint64_t guest_hwcap(const std::vector<kvm_cpuid_entry2>& cpuid);

// Programs sregs, MSRs, CPUID and XCR0 of `vcpu` for a guest whose PML4 is at `cr3`.
[[nodiscard]] std::expected<void, KvmError> configure_vcpu(
    Vcpu& vcpu, const std::vector<kvm_cpuid_entry2>& cpuid, uint64_t xcr0, uint64_t cr3);

namespace msr {
inline constexpr uint32_t kEfer = 0xc0000080;
inline constexpr uint32_t kStar = 0xc0000081;
inline constexpr uint32_t kLstar = 0xc0000082;
inline constexpr uint32_t kCstar = 0xc0000083;
inline constexpr uint32_t kSfmask = 0xc0000084;
inline constexpr uint32_t kFsBase = 0xc0000100;
inline constexpr uint32_t kGsBase = 0xc0000101;
inline constexpr uint32_t kKernelGsBase = 0xc0000102;
}  // namespace msr

}  // namespace forkbox::kvm

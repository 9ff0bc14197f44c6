// vCPU initial state and the guest's CPUID view; see cpu_setup.hpp.
#include "kvm/cpu_setup.hpp"

#include "kvm/kernel_layout.hpp"

namespace forkbox::kvm {

namespace {

constexpr uint64_t kCr0 = (1u << 0) | (1u << 1) | (1u << 4) | (1u << 5) | (1u << 16) | (1u << 31);
// PAE | OSFXSR | OSXMMEXCPT | OSXSAVE. No FSGSBASE (programs use arch_prctl), no PKE.
constexpr uint64_t kCr4 = (1u << 5) | (1u << 9) | (1u << 10) | (1u << 18);
// SCE | LME | LMA | NXE.
constexpr uint64_t kEfer = (1u << 0) | (1u << 8) | (1u << 10) | (1u << 11);
// RFLAGS bits cleared on `syscall` entry: TF, IF, DF, NT, AC (as Linux).
constexpr uint64_t kSyscallMask = 0x100 | 0x200 | 0x400 | 0x4000 | 0x40000;
// XCR0 components the guest may enable: x87, SSE, AVX, AVX-512 opmask/ZMM_Hi256/Hi16_ZMM.
// Not MPX (3, 4), PKRU (9) or AMX (17, 18): they need kernel support we do not provide.
constexpr uint64_t kAllowedXcr0 = 0x1 | 0x2 | 0x4 | 0x20 | 0x40 | 0x80;

kvm_segment code_segment(uint16_t selector, uint8_t dpl) {
  kvm_segment s{};
  s.selector = selector;
  s.limit = 0xffffffff;
  s.type = 11;  // execute/read, accessed
  s.present = 1;
  s.dpl = dpl;
  s.s = 1;
  s.l = 1;
  s.g = 1;
  return s;
}

kvm_segment data_segment(uint16_t selector, uint8_t dpl) {
  kvm_segment s{};
  s.selector = selector;
  s.limit = 0xffffffff;
  s.type = 3;  // read/write, accessed
  s.present = 1;
  s.dpl = dpl;
  s.s = 1;
  s.db = 1;
  s.g = 1;
  return s;
}

kvm_cpuid_entry2* find_leaf(std::vector<kvm_cpuid_entry2>& v, uint32_t fn, uint32_t index) {
  for (auto& e : v)
    if (e.function == fn && e.index == index) return &e;
  return nullptr;
}

}  // namespace

uint64_t guest_xcr0(const std::vector<kvm_cpuid_entry2>& supported) {
  for (const auto& e : supported)
    if (e.function == 0xd && e.index == 0)
      return ((static_cast<uint64_t>(e.edx) << 32) | e.eax) & kAllowedXcr0;
  return 0x3;  // x87 + SSE: always there in long mode
}

uint64_t guest_hwcap(const std::vector<kvm_cpuid_entry2>& cpuid) {
  for (const auto& e : cpuid)
    if (e.function == 1) return e.edx;
  return 0;
}

std::vector<kvm_cpuid_entry2> guest_cpuid(std::vector<kvm_cpuid_entry2> v, uint64_t xcr0) {
  if (auto* e = find_leaf(v, 1, 0)) {
    e->ecx &= ~((1u << 3) | (1u << 5) | (1u << 6) | (1u << 24));  // MONITOR, VMX, SMX, TSC-deadline
    e->ecx |= 1u << 27;  // OSXSAVE: CR4.OSXSAVE is set
  }
  if (auto* e = find_leaf(v, 7, 0)) {
    e->ebx &= ~((1u << 2) | (1u << 14));  // SGX, MPX
    e->ecx &= ~((1u << 3) | (1u << 4) | (1u << 5));  // PKU, OSPKE, WAITPKG
    e->edx &= ~((1u << 22) | (1u << 24) | (1u << 25));  // AMX
  }
  if (auto* e = find_leaf(v, 0xd, 0)) {
    e->eax = static_cast<uint32_t>(xcr0);
    e->edx = static_cast<uint32_t>(xcr0 >> 32);
  }
  if (auto* e = find_leaf(v, 0xd, 1)) {
    e->eax &= ~(1u << 3);  // XSAVES/XRSTORS: supervisor state, not ours
    e->ecx = 0;
    e->edx = 0;
  }
  if (auto* e = find_leaf(v, 0x80000001, 0)) e->ecx &= ~(1u << 2);  // SVM
  // Drop XSAVE sub-leaves of components the guest does not have.
  std::erase_if(v, [&](const kvm_cpuid_entry2& e) {
    return e.function == 0xd && e.index >= 2 && e.index < 63 && !((xcr0 >> e.index) & 1);
  });
  return v;
}

std::expected<void, KvmError> configure_vcpu(Vcpu& vcpu,
                                             const std::vector<kvm_cpuid_entry2>& cpuid,
                                             uint64_t xcr0, uint64_t cr3) {
  if (auto r = vcpu.set_cpuid(cpuid); !r) return r;
  auto sregs = vcpu.get_sregs();
  if (!sregs) return std::unexpected(sregs.error());
  kvm_sregs& s = *sregs;
  s.cr0 = kCr0;
  s.cr3 = cr3;
  s.cr4 = kCr4;
  s.efer = kEfer;
  s.cs = code_segment(kKernelCs, 0);
  s.ss = data_segment(kKernelDs, 0);
  s.ds = data_segment(kUserDs, 3);
  s.es = data_segment(kUserDs, 3);
  s.fs = data_segment(kUserDs, 3);
  s.gs = data_segment(kUserDs, 3);
  s.tr = kvm_segment{};
  s.tr.selector = kTssSelector;
  s.tr.base = kernel_virt(kTssPhys);
  s.tr.limit = 103;
  s.tr.type = 11;  // busy 64-bit TSS
  s.tr.present = 1;
  s.ldt = kvm_segment{};
  s.ldt.unusable = 1;
  s.gdt.base = kernel_virt(kGdtPhys);
  s.gdt.limit = kGdtLimit;
  s.idt.base = kernel_virt(kIdtPhys);
  s.idt.limit = kVectorCount * 16 - 1;
  if (auto r = vcpu.set_sregs(s); !r) return r;
  if (auto r = vcpu.set_xcr0(xcr0); !r) return r;
  uint64_t stub = kernel_virt(kStubPhys + kSyscallEntryOffset);
  // STAR[47:32]: the kernel CS `syscall` loads (SS is CS + 8). STAR[63:48] is sysret's base
  // (user CS = base + 16, SS = base + 8); we never use sysret, but paravirtual hypervisors check
  // that it matches the Linux layout.
  const uint64_t star = (static_cast<uint64_t>(kUserCs - 16) << 48) |
                        (static_cast<uint64_t>(kKernelCs) << 32);
  if (auto r = vcpu.set_msr(msr::kStar, star); !r) return r;
  if (auto r = vcpu.set_msr(msr::kLstar, stub); !r) return r;
  if (auto r = vcpu.set_msr(msr::kCstar, stub); !r) return r;
  if (auto r = vcpu.set_msr(msr::kSfmask, kSyscallMask); !r) return r;
  if (auto r = vcpu.set_msr(msr::kFsBase, 0); !r) return r;
  if (auto r = vcpu.set_msr(msr::kGsBase, 0); !r) return r;
  if (auto r = vcpu.set_msr(msr::kKernelGsBase, 0); !r) return r;
  return {};
}

}  // namespace forkbox::kvm

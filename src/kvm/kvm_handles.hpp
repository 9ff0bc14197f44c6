// RAII owners for the KVM objects the engine creates: the /dev/kvm system handle, a VM, a vCPU
// together with its shared kvm_run page, and a guest memory slot. Each wraps exactly one kernel
// object, so closing order and error paths can never leak a descriptor or a mapping.
//
// Contract: a VM's descriptors only work in the process that created it (KVM ties the VM to its
// creator's mm), and a Vcpu may only be run from one thread at a time. None of these types is
// copyable; all are movable.
#pragma once

#include <linux/kvm.h>

#include <array>
#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"

namespace forkbox::kvm {

enum class KvmError : uint8_t {
  kNoDevice,          // /dev/kvm cannot be opened
  kBadApiVersion,     // KVM_GET_API_VERSION is not 12
  kMissingCapability, // a capability the engine depends on is absent
  kCreateVmFailed,    // KVM_CREATE_VM failed
  kCreateVcpuFailed,  // KVM_CREATE_VCPU or mapping its kvm_run page failed
  kMemoryFailed,      // memfd, mmap or KVM_SET_USER_MEMORY_REGION failed
  kIoctlFailed,       // a register/CPUID/MSR ioctl failed
};

[[nodiscard]] const char* describe(KvmError e);

// The system handle (/dev/kvm).
class Kvm {
 public:
  [[nodiscard]] static std::expected<Kvm, KvmError> open();
  [[nodiscard]] int fd() const { return fd_.get(); }
  // KVM_CHECK_EXTENSION; 0 when absent.
  [[nodiscard]] int check_extension(int cap) const;
  [[nodiscard]] size_t vcpu_mmap_size() const { return vcpu_mmap_size_; }
  // KVM_GET_SUPPORTED_CPUID: every leaf KVM can present to a guest.
  [[nodiscard]] std::expected<std::vector<kvm_cpuid_entry2>, KvmError> supported_cpuid() const;

 private:
  explicit Kvm(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
  size_t vcpu_mmap_size_ = 0;
};

class Vm {
 public:
  [[nodiscard]] static std::expected<Vm, KvmError> create(const Kvm& kvm);
  [[nodiscard]] int fd() const { return fd_.get(); }
  // Installs (or replaces) memory slot `slot`: guest-physical [guest_phys, +size) backed by
  // host memory at `host` (which the caller keeps mapped for the VM's lifetime).
  [[nodiscard]] std::expected<void, KvmError> set_memory(uint32_t slot, uint64_t guest_phys,
                                                         uint64_t size, void* host,
                                                         uint32_t flags = 0);
  // KVM_GET_DIRTY_LOG for a slot created with KVM_MEM_LOG_DIRTY_PAGES: fills `bitmap` (one bit
  // per page of the slot, sized by the caller) and re-arms logging.
  [[nodiscard]] std::expected<void, KvmError> dirty_log(uint32_t slot,
                                                        std::vector<uint64_t>& bitmap) const;
  // KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2: KVM_GET_DIRTY_LOG then neither clears the log nor
  // write-protects the pages it reports; clear_dirty_log() does both for the pages chosen.
  // Must be enabled before the logged slot is created. False when KVM does not offer it.
  [[nodiscard]] bool enable_manual_dirty_log() const;
  // KVM_CLEAR_DIRTY_LOG for the pages set in `bitmap` (one bit per page from page 0 of the
  // slot; `pages` is a multiple of 64 or reaches the end of the slot).
  [[nodiscard]] std::expected<void, KvmError> clear_dirty_log(uint32_t slot, uint64_t pages,
                                                              std::vector<uint64_t>& bitmap) const;

 private:
  explicit Vm(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// KVM's binary statistics (KVM_GET_STATS_FD) of one VM or vCPU: named counters such as the
// vCPU's `pf_taken`, `pf_fixed` (shadow page faults), `exits` or the VM's `mmu_cache_miss`.
// For measurement only (benchmarks, tests): reading costs a pread per counter.
class KvmStats {
 public:
  // `object_fd`: a VM or vCPU fd. Fails where KVM has no binary stats (before Linux 5.14).
  [[nodiscard]] static std::expected<KvmStats, KvmError> open(int object_fd);
  // Every single-valued counter by name (histograms are left out).
  [[nodiscard]] std::map<std::string, uint64_t> read() const;

 private:
  struct Counter {
    std::string name;
    uint64_t offset;  // from the start of the stats file
  };
  KvmStats() = default;
  UniqueFd fd_;
  std::vector<Counter> counters_;
};

// A vCPU and its kvm_run page (the page KVM fills on every exit).
class Vcpu {
 public:
  [[nodiscard]] static std::expected<Vcpu, KvmError> create(const Kvm& kvm, const Vm& vm,
                                                            uint32_t id);
  Vcpu(const Vcpu&) = delete;
  Vcpu& operator=(const Vcpu&) = delete;
  Vcpu(Vcpu&& other) noexcept;
  Vcpu& operator=(Vcpu&& other) noexcept;
  ~Vcpu();

  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] kvm_run* run_page() const { return run_; }
  // KVM_RUN; returns 0 or -errno (-EINTR when kicked by a signal or immediate_exit).
  [[nodiscard]] int run();

  [[nodiscard]] std::expected<kvm_regs, KvmError> get_regs() const;
  [[nodiscard]] std::expected<void, KvmError> set_regs(const kvm_regs& regs) const;
  [[nodiscard]] std::expected<kvm_sregs, KvmError> get_sregs() const;
  [[nodiscard]] std::expected<void, KvmError> set_sregs(const kvm_sregs& sregs) const;
  [[nodiscard]] std::expected<void, KvmError> set_cpuid(
      const std::vector<kvm_cpuid_entry2>& entries) const;
  [[nodiscard]] std::expected<void, KvmError> set_msr(uint32_t index, uint64_t value) const;
  [[nodiscard]] std::expected<uint64_t, KvmError> get_msr(uint32_t index) const;
  [[nodiscard]] std::expected<void, KvmError> set_xcr0(uint64_t value) const;
  // Several MSRs in one ioctl; false when KVM refused any of them.
  [[nodiscard]] std::expected<void, KvmError> get_msrs(std::vector<kvm_msr_entry>& entries) const;
  [[nodiscard]] std::expected<void, KvmError> set_msrs(
      const std::vector<kvm_msr_entry>& entries) const;
  // The raw state ioctls, for snapshots: KVM_{GET,SET}_{XSAVE,XCRS,DEBUGREGS,VCPU_EVENTS,FPU}.
  // The legacy 4 KiB XSAVE area (kvm_xsave's `region`; its flexible tail is only used for AMX,
  // which the guest's XCR0 never enables).
  using XsaveArea = std::array<uint32_t, 1024>;
  [[nodiscard]] bool get_xsave(XsaveArea& out) const;
  [[nodiscard]] bool set_xsave(const XsaveArea& in) const;
  [[nodiscard]] bool get_xcrs(kvm_xcrs& out) const;
  [[nodiscard]] bool set_xcrs(const kvm_xcrs& in) const;
  [[nodiscard]] bool get_debugregs(kvm_debugregs& out) const;
  [[nodiscard]] bool set_debugregs(const kvm_debugregs& in) const;
  [[nodiscard]] bool get_events(kvm_vcpu_events& out) const;
  [[nodiscard]] bool set_events(const kvm_vcpu_events& in) const;

 private:
  Vcpu(UniqueFd fd, kvm_run* run, size_t run_size) : fd_(std::move(fd)), run_(run),
                                                     run_size_(run_size) {}
  void release();
  UniqueFd fd_;
  kvm_run* run_ = nullptr;
  size_t run_size_ = 0;
};

}  // namespace forkbox::kvm

// One micro-VM: a VM with one vCPU, its guest RAM, page tables, the kernel stub and the user
// address space, plus the run loop that turns VM exits into typed events. The Machine knows
// nothing about Linux system calls: run() returns kSyscall with the registers available, the
// caller serves the call and hands back the result with finish_syscall(). Page faults the
// address space can resolve (lazy backing) are served inside run(); everything else comes back
// as a typed exit.
//
// Not thread-safe, not movable (the address space points into it): held by unique_ptr. Must be
// run from one thread at a time; kick() is the only call another context (a signal handler) may
// make, through the kvm_run page.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kvm/address_space.hpp"
#include "kvm/kvm_handles.hpp"
#include "kvm/page_tables.hpp"
#include "kvm/phys_memory.hpp"
#include "kvm/vcpu_state.hpp"

namespace forkbox::kvm {

struct MachineConfig {
  // Guest pages (data and page tables) the VM may touch.
  uint64_t memory_bytes = 2ull << 30;
};

enum class ExitKind : uint8_t {
  kSyscall,      // the guest executed `syscall`; regs() holds its registers
  kFault,        // a fatal guest exception; see Exit
  kMemoryLimit,  // a page could not be backed within the memory limit
  kInterrupted,  // KVM_RUN returned EINTR (a kick or a stray signal)
  kError,        // the VM itself failed (unexpected exit reason, ioctl failure)
};

struct Exit {
  ExitKind kind = ExitKind::kError;
  int signal = 0;        // kFault: the Linux signal this would deliver (SIGSEGV, SIGILL, ...)
  unsigned vector = 0;   // kFault: the x86 exception vector
  uint64_t address = 0;  // kFault from #PF: the faulting address
  uint64_t rip = 0;      // kFault: where
  std::string message;   // kFault/kError: one line
};

// Everything about a machine that is not in its guest memory: what a snapshot stores next to the
// memfd, and what a fork or a reset puts back.
struct MachineImage {
  VcpuState vcpu;
  PhysAllocState alloc;
  AddressSpace::State space;
  uint64_t memory_size = 0;      // bytes of the RAM slot (and of the memfd)
  uint64_t page_table_root = 0;  // guest-physical PML4
  uint64_t hwcap = 0;
  uint64_t xcr0 = 0;
  std::vector<kvm_cpuid_entry2> cpuid;  // what the guest was shown; a fork must show the same
  bool syscall_in_user_mode = false;
  bool mode_probed = false;
};

// Guest-virtual pages one execution touched, learnt in a fork whose page tables had their
// accessed and dirty bits cleared first (Machine::track_accesses, touched_pages) and replayed in
// later forks of the same snapshot before they serve a request (Machine::prewarm), so that the
// hypervisor's shadow page faults (~5 us each here, ~700 for Python's `print(1+1)`) happen
// while the fork is prepared, not while the request waits.
//
// The execution that teaches the list is a request, i.e. guest code the host does not trust, so
// the list is bounded: a program touching its whole address space must not make every later
// fork replay it. Why 4096 pages: about twice what Python's `import numpy` execution touches,
// and at ~5 us a fault about 20 ms of preparation at worst, off the request path.
struct TouchList {
  static constexpr uint64_t kWrite = 1;  // low bit of an entry: the page was written
  static constexpr size_t kMaxPages = 4096;
  std::vector<uint64_t> pages;  // page address | kWrite; at most kMaxPages
};

class Machine {
 public:
  [[nodiscard]] static std::expected<std::unique_ptr<Machine>, KvmError> create(
      const MachineConfig& config);
  // A copy-on-write fork of a snapshot: a new VM whose RAM is a MAP_PRIVATE mapping of
  // `snapshot_fd` (sealed; it must outlive the machine), with the vCPU and VMM state of `image`.
  // `dirty_log` makes reset() possible (the pooled style). `max_pages` is the memory limit.
  // `prefault`, when given, is faulted into the new mapping first (PhysMemory::prefault).
  [[nodiscard]] static std::expected<std::unique_ptr<Machine>, KvmError> create_fork(
      const MachineImage& image, int snapshot_fd, bool dirty_log, uint64_t max_pages,
      const WorkingSet* prefault = nullptr, Prefault mode = Prefault::kNone);
  // The warm-up machine becoming a snapshot: its VM is destroyed and its RAM memfd returned.
  [[nodiscard]] static UniqueFd into_memfd(std::unique_ptr<Machine> machine);
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;
  ~Machine();

  [[nodiscard]] AddressSpace& memory() { return *space_; }
  [[nodiscard]] uint64_t hwcap() const { return hwcap_; }

  // Sets the user-mode entry state (Linux's ELF entry: rsp at argc, other registers zero).
  [[nodiscard]] std::expected<void, KvmError> start(uint64_t entry, uint64_t stack_pointer);

  // The state a snapshot keeps. Call while stopped at an exit.
  [[nodiscard]] std::expected<MachineImage, KvmError> capture() const;
  // Back to `image` in place (a fork made with dirty_log): drops the pages written since the
  // last reset, restores the allocator, address space and vCPU, and flushes KVM's cached
  // translations. Returns the number of pages dropped.
  [[nodiscard]] std::expected<uint64_t, KvmError> reset(const MachineImage& image,
                                                        uint64_t max_pages);
  [[nodiscard]] uint64_t memory_size() const { return mem_->size(); }
  // Guest RAM, read-only: for diagnostics that look at pages (the dirty-page trace).
  [[nodiscard]] const PhysMemory& phys_memory() const { return *mem_; }
  // The memory limit (guest pages, page tables included) for the next run.
  void set_max_pages(uint64_t pages) { mem_->set_max_pages(pages); }
  // Pages written since the fork or the last reset (a fork made with dirty_log).
  [[nodiscard]] std::expected<uint64_t, KvmError> dirty_pages() { return mem_->count_dirty(*vm_); }
  // Private copies this fork's mapping holds (any fork; from the host page map).
  [[nodiscard]] std::expected<uint64_t, KvmError> private_pages() { return mem_->private_pages(); }

  // Runs until an event the caller must handle.
  [[nodiscard]] Exit run();

  // kSyscall: the guest's registers (number in rax, arguments in rdi, rsi, rdx, r10, r8, r9).
  [[nodiscard]] const kvm_regs& regs() const { return *regs_; }
  // Completes the system call run() returned with `result` in rax.
  void finish_syscall(uint64_t result);

  [[nodiscard]] std::expected<void, KvmError> set_fs_base(uint64_t base);
  [[nodiscard]] std::expected<uint64_t, KvmError> fs_base() const;
  [[nodiscard]] std::expected<void, KvmError> set_gs_base(uint64_t base);
  [[nodiscard]] std::expected<uint64_t, KvmError> gs_base() const;

  // The kvm_run page, for kicking the vCPU from a signal handler (immediate_exit).
  [[nodiscard]] kvm_run* run_page() const { return vcpu_->run_page(); }
  [[nodiscard]] const std::map<std::string, uint64_t>& exits_by_reason() const { return exits_; }
  [[nodiscard]] uint64_t exits() const { return exit_count_; }
  [[nodiscard]] uint64_t user_pages() const { return space_->user_pages(); }
  [[nodiscard]] bool sync_regs() const { return sync_regs_; }
  [[nodiscard]] uint64_t tlb_flushes() const { return tlb_flushes_; }
  [[nodiscard]] uint64_t full_flush_resets() const { return full_flush_resets_; }
  // KVM's own counters for this VM and its vCPU (KvmStats; vCPU names win on a clash), e.g.
  // pf_taken (shadow page faults), exits. For measurement: opens and parses the stats files on
  // every call. Empty where KVM has no binary stats.
  [[nodiscard]] std::map<std::string, uint64_t> kvm_counters() const;
  // The guest pages this machine touched since its fork (PhysMemory::working_set).
  [[nodiscard]] std::expected<WorkingSet, KvmError> working_set() { return mem_->working_set(); }
  [[nodiscard]] bool prefault(const WorkingSet& set, Prefault mode) {
    return mem_->prefault(set, mode);
  }
  // Clears the accessed and dirty bits of every present user page (a VMM write to the page
  // tables), so touched_pages() later lists what the guest itself used. Call on a new fork
  // before its first run: no translation is cached yet, so nothing needs flushing.
  void track_accesses();
  [[nodiscard]] bool tracking_accesses() const { return tracking_accesses_; }
  // The present user pages whose accessed bit is set, written ones flagged kWrite: the first
  // TouchList::kMaxPages of them, by address.
  [[nodiscard]] TouchList touched_pages();
  // Replays `list` on this new, never-run fork of the snapshot `image`: a few user-mode
  // instructions placed in the stub page's spare bytes read each listed page (and rewrite one
  // byte of each written page with its own value, an atomic OR with 0), so KVM builds the
  // translations the execution will need; then the stub page, the kernel-stack pages that
  // carried the list and the whole vCPU are put back to `image`. Pages no longer mapped as
  // listed are skipped. Only on hosts where `syscall` stays in user mode (elsewhere it returns
  // 0 without running). Returns the pages touched; an error leaves the machine unusable
  // (discard it). Precondition: the machine never ran since create_fork(image, ...).
  [[nodiscard]] std::expected<uint64_t, KvmError> prewarm(const TouchList& list,
                                                          const MachineImage& image);

 private:
  Machine() = default;
  // Slot 1 (the flush page), the vCPU with CPUID/XCR0 for `cpuid`, and sync registers.
  [[nodiscard]] std::expected<void, KvmError> add_flush_slot();
  [[nodiscard]] std::expected<void, KvmError> create_vcpu(std::vector<kvm_cpuid_entry2> cpuid,
                                                          uint64_t xcr0);
  // `full`: every ioctl of restore_vcpu. Otherwise (after a run that only made system calls)
  // only what user mode can change: sregs and events through the sync area, XSAVE by ioctl.
  [[nodiscard]] std::expected<void, KvmError> load_image(const MachineImage& image,
                                                         bool full = true);
  void count(const char* reason);
  [[nodiscard]] Exit run_until_exit();
  // Loads regs_ from KVM (sync area or KVM_GET_REGS) and marks them to be written back.
  [[nodiscard]] bool load_regs();
  [[nodiscard]] bool store_regs();
  // Sets up the return to user mode through the stub's iretq with `result` in rax.
  void return_via_iret(uint64_t result);
  // Learns (once, on the first system call) whether `syscall` entered kernel mode.
  [[nodiscard]] bool probe_syscall_mode();
  [[nodiscard]] bool flush_tlb_from_vmm();
  // nullopt when the exception was resolved (a page backed) and the guest can continue.
  [[nodiscard]] std::optional<Exit> on_exception(unsigned vector);
  [[nodiscard]] Exit fault(unsigned vector, int signal, uint64_t address, uint64_t rip,
                           std::string message);

  std::optional<Kvm> kvm_;
  std::optional<Vm> vm_;
  std::optional<PhysMemory> mem_;
  std::optional<PageTables> tables_;
  std::optional<AddressSpace> space_;
  std::optional<Vcpu> vcpu_;
  uint64_t hwcap_ = 0;
  uint64_t xcr0_ = 0;
  std::vector<kvm_cpuid_entry2> cpuid_;
  bool sync_regs_ = false;
  kvm_regs local_regs_{};
  kvm_regs* regs_ = &local_regs_;  // the sync area when KVM supports it
  bool regs_dirty_ = false;
  std::map<std::string, uint64_t> exits_;
  uint64_t exit_count_ = 0;
  uint64_t last_fault_address_ = 0;
  uint64_t tlb_flushes_ = 0;
  uint64_t full_flush_resets_ = 0;
  void* flush_page_ = nullptr;  // backs the flush slot; see kFlushSlotPhys
  // Whether the hypervisor leaves the `syscall` target in user mode (this machine's paravirtual
  // one does; hardware VMX/SVM does not). Probed on the first system call.
  bool syscall_in_user_mode_ = false;
  bool mode_probed_ = false;
  // KVM_SYNC_X86_* bits KVM_CAP_SYNC_REGS offers.
  int sync_caps_ = 0;
  // Set by anything after which user mode may have changed more than registers, segments,
  // events and the FPU: an exit other than a system call (an exception, a kick, an error) or
  // a VMM write of an MSR (arch_prctl). The next reset then restores everything.
  bool needs_full_restore_ = true;
  unsigned repeated_faults_ = 0;
  bool tracking_accesses_ = false;  // track_accesses() was called
};

}  // namespace forkbox::kvm

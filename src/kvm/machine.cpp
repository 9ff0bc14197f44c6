// The micro-VM and its run loop; see machine.hpp.
//
// A system call costs one exit: the stub's `out` brings us here with the user registers intact
// (rcx = return RIP, r11 = RFLAGS, as `syscall` leaves them); finish_syscall writes an
// interrupt-return frame onto the kernel stack directly in guest memory and points RSP/RIP at the
// stub's `iretq`, all through the kvm_run sync-register area when KVM offers it, so no register
// ioctl is spent on the common path.
#include "kvm/machine.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <cstdlib>

#include <sys/mman.h>

#include <fmt/format.h>

#include "kvm/cpu_setup.hpp"
#include "kvm/kernel_layout.hpp"
#include "kvm/kernel_stub.hpp"

namespace forkbox::kvm {

namespace {
// Why 64 GiB: far beyond what a sandboxed request should use and well below the guest-physical
// range a 4-level page table can address; it keeps a mistaken --memory-mb from asking KVM for
// an absurd slot.
constexpr uint64_t kMaxMemoryBytes = 64ull << 30;
// A page fault that the address space says is resolved but recurs at the same address this many
// times in a row is reported as a fault rather than retried forever.
constexpr unsigned kMaxRepeatedFaults = 4;

const char* vector_name(unsigned v) {
  static constexpr const char* kNames[] = {
      "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
      "invalid opcode", "device not available", "double fault", "coprocessor overrun",
      "invalid TSS", "segment not present", "stack fault", "general protection",
      "page fault", "reserved", "x87 floating point", "alignment check", "machine check",
      "SIMD floating point", "virtualization", "control protection"};
  return v < std::size(kNames) ? kNames[v] : "exception";
}

int vector_signal(unsigned v) {
  switch (v) {
    case 0: case 16: case 19: return SIGFPE;
    case 1: case 3: return SIGTRAP;
    case 6: return SIGILL;
    case 12: case 17: return SIGBUS;
    default: return SIGSEGV;
  }
}
}  // namespace

std::expected<std::unique_ptr<Machine>, KvmError> Machine::create(const MachineConfig& config) {
  std::unique_ptr<Machine> m(new Machine());
  auto kvm = Kvm::open();
  if (!kvm) return std::unexpected(kvm.error());
  m->kvm_.emplace(std::move(*kvm));
  auto vm = Vm::create(*m->kvm_);
  if (!vm) return std::unexpected(vm.error());
  m->vm_.emplace(std::move(*vm));

  uint64_t memory = std::min(os::page_ceil(config.memory_bytes), kMaxMemoryBytes);
  auto mem = PhysMemory::create(*m->vm_, kReservedBytes + memory, memory / kPageBytes);
  if (!mem) return std::unexpected(mem.error());
  m->mem_.emplace(std::move(*mem));
  auto tables = PageTables::create(*m->mem_);
  if (!tables) return std::unexpected(KvmError::kMemoryFailed);
  m->tables_.emplace(*tables);
  if (!install_kernel(*m->mem_, *m->tables_)) return std::unexpected(KvmError::kMemoryFailed);
  m->space_.emplace(*m->mem_, *m->tables_);

  if (auto r = m->add_flush_slot(); !r) return std::unexpected(r.error());
  auto supported = m->kvm_->supported_cpuid();
  if (!supported) return std::unexpected(supported.error());
  uint64_t xcr0 = guest_xcr0(*supported);
  if (auto r = m->create_vcpu(guest_cpuid(std::move(*supported), xcr0), xcr0); !r)
    return std::unexpected(r.error());
  return m;
}

std::expected<void, KvmError> Machine::add_flush_slot() {
  flush_page_ = ::mmap(nullptr, kPageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
  if (flush_page_ == MAP_FAILED) return std::unexpected(KvmError::kMemoryFailed);
  return vm_->set_memory(1, kFlushSlotPhys, kPageBytes, flush_page_);
}

std::expected<void, KvmError> Machine::create_vcpu(std::vector<kvm_cpuid_entry2> cpuid,
                                                   uint64_t xcr0) {
  auto vcpu = Vcpu::create(*kvm_, *vm_, 0);
  if (!vcpu) return std::unexpected(vcpu.error());
  vcpu_.emplace(std::move(*vcpu));
  cpuid_ = std::move(cpuid);
  xcr0_ = xcr0;
  hwcap_ = guest_hwcap(cpuid_);
  if (auto r = configure_vcpu(*vcpu_, cpuid_, xcr0_, tables_->root()); !r) return r;
  sync_caps_ = kvm_->check_extension(KVM_CAP_SYNC_REGS);
  if (sync_caps_ & KVM_SYNC_X86_REGS) {
    sync_regs_ = true;
    regs_ = &vcpu_->run_page()->s.regs.regs;
    vcpu_->run_page()->kvm_valid_regs = KVM_SYNC_X86_REGS;
  }
  return {};
}

std::expected<std::unique_ptr<Machine>, KvmError> Machine::create_fork(const MachineImage& image,
                                                                       int snapshot_fd,
                                                                       bool dirty_log,
                                                                       uint64_t max_pages,
                                                                       const WorkingSet* prefault,
                                                                       Prefault mode) {
  std::unique_ptr<Machine> m(new Machine());
  auto kvm = Kvm::open();
  if (!kvm) return std::unexpected(kvm.error());
  m->kvm_.emplace(std::move(*kvm));
  auto vm = Vm::create(*m->kvm_);
  if (!vm) return std::unexpected(vm.error());
  m->vm_.emplace(std::move(*vm));
  auto mem = PhysMemory::create_fork(*m->vm_, snapshot_fd, image.memory_size, image.alloc,
                                     max_pages, dirty_log);
  if (!mem) return std::unexpected(mem.error());
  m->mem_.emplace(std::move(*mem));
  if (prefault && !m->mem_->prefault(*prefault, mode)) return std::unexpected(KvmError::kMemoryFailed);
  m->tables_.emplace(PageTables::attach(*m->mem_, image.page_table_root));
  m->space_.emplace(*m->mem_, *m->tables_);
  if (auto r = m->add_flush_slot(); !r) return std::unexpected(r.error());
  if (auto r = m->create_vcpu(image.cpuid, image.xcr0); !r) return std::unexpected(r.error());
  if (auto r = m->load_image(image); !r) return std::unexpected(r.error());
  return m;
}

UniqueFd Machine::into_memfd(std::unique_ptr<Machine> machine) {
  machine->vcpu_.reset();
  machine->vm_.reset();  // no slot may point at the mapping once it is gone
  return machine->mem_->release_memfd();
}

std::expected<MachineImage, KvmError> Machine::capture() const {
  MachineImage image;
  auto vcpu = capture_vcpu(*vcpu_, *regs_);
  if (!vcpu) return std::unexpected(vcpu.error());
  image.vcpu = std::move(*vcpu);
  image.alloc = mem_->alloc_state();
  image.space = space_->state();
  image.memory_size = mem_->size();
  image.page_table_root = tables_->root();
  image.hwcap = hwcap_;
  image.xcr0 = xcr0_;
  image.cpuid = cpuid_;
  image.syscall_in_user_mode = syscall_in_user_mode_;
  image.mode_probed = mode_probed_;
  return image;
}

std::expected<void, KvmError> Machine::load_image(const MachineImage& image, bool full) {
  constexpr int kLightSync = KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS;
  if (full || !sync_regs_ || (sync_caps_ & kLightSync) != kLightSync) {
    if (auto r = restore_vcpu(*vcpu_, image.vcpu); !r) return r;
    needs_full_restore_ = false;
  } else {
    // User mode cannot write control, debug or extended control registers nor MSRs (each is a
    // #GP, which ends the run with a full restore); FS/GS bases travel in the segment state. So
    // after a clean run the segments, the pending events and the FPU state are all it changed;
    // the first two go through the sync area, applied by the next KVM_RUN.
    kvm_run* run = vcpu_->run_page();
    run->s.regs.sregs = image.vcpu.sregs;
    run->s.regs.events = image.vcpu.events;
    run->kvm_dirty_regs |= kLightSync;
    if (!vcpu_->set_xsave(image.vcpu.xsave)) return std::unexpected(KvmError::kIoctlFailed);
  }
  *regs_ = image.vcpu.regs;
  regs_dirty_ = true;
  if (!sync_regs_ && !store_regs()) return std::unexpected(KvmError::kIoctlFailed);
  space_->restore(image.space);
  syscall_in_user_mode_ = image.syscall_in_user_mode;
  mode_probed_ = image.mode_probed;
  last_fault_address_ = 0;
  repeated_faults_ = 0;
  return {};
}

std::expected<uint64_t, KvmError> Machine::reset(const MachineImage& image, uint64_t max_pages) {
  // The last exit may have left an instruction half done (an exception stub's `out`): KVM would
  // finish it, skipping past it, on the next entry, i.e. after the restore. Let it finish now,
  // with immediate_exit making KVM_RUN return before the guest runs.
  kvm_run* run = vcpu_->run_page();
  run->kvm_dirty_regs = 0;
  run->immediate_exit = 1;
  const int settle = vcpu_->run();
  run->immediate_exit = 0;
  if (settle != -EINTR && settle != 0) return std::unexpected(KvmError::kIoctlFailed);
  auto dropped = mem_->reset(*vm_, image.alloc);
  if (!dropped) return std::unexpected(dropped.error());
  mem_->set_max_pages(max_pages);
  // Translations KVM cached during the run point at pages the reset just dropped (every page
  // written or first handed out since the snapshot), and dropping a page makes KVM unmap it, so
  // they fault afresh and KVM re-reads the restored tables. Only translations to snapshot pages
  // whose rights the run changed (munmap, mprotect, mremap) survive that; then, and only then,
  // every cached translation goes (a full flush costs milliseconds here in re-faults).
  const bool full_flush = space_->rights_changed();
  if (auto r = load_image(image, needs_full_restore_); !r) return std::unexpected(r.error());
  if (full_flush && !flush_tlb_from_vmm()) return std::unexpected(KvmError::kMemoryFailed);
  if (full_flush) ++full_flush_resets_;
  return *dropped;
}

std::map<std::string, uint64_t> Machine::kvm_counters() const {
  std::map<std::string, uint64_t> out;
  for (int fd : {vm_->fd(), vcpu_->fd()}) {
    auto stats = KvmStats::open(fd);
    if (!stats) continue;
    for (auto& [name, value] : stats->read()) out[name] = value;
  }
  return out;
}

void Machine::track_accesses() {
  tracking_accesses_ = true;
  tables_->for_each_backed(kUserLow, kUserTop, [](uint64_t, uint64_t& e) {
    if (e & pte::kPresent) e &= ~(pte::kAccessed | pte::kDirty);
  });
}

TouchList Machine::touched_pages() {
  TouchList list;
  tables_->for_each_backed(kUserLow, kUserTop, [&](uint64_t virt, uint64_t& e) {
    if ((e & pte::kPresent) && (e & pte::kAccessed) && list.pages.size() < TouchList::kMaxPages)
      list.pages.push_back(virt | ((e & pte::kDirty) ? TouchList::kWrite : 0));
  });
  return list;
}

namespace {
// The toucher: user-mode code run from the stub page's spare bytes (hlt-filled, between the
// system-call return paths and the exception stubs). rsi = list, rcx = entries (> 0):
//   loop: mov rax, [rsi]; add rsi, 8; test al, 1; jnz write
//         mov dl, [rax]; jmp next               read: KVM maps the page
//   write: and rax, -2; lock or byte [rax], 0   write its own value back: a writable mapping
//   next: dec rcx; jnz loop; jmp <syscall entry> (the doorbell store: an exit to the VMM)
constexpr uint64_t kToucherOffset = 0x40;
constexpr std::array<uint8_t, 33> toucher_code() {
  std::array<uint8_t, 33> c = {0x48, 0x8b, 0x06, 0x48, 0x83, 0xc6, 0x08, 0xa8, 0x01, 0x75, 0x04,
                               0x8a, 0x10, 0xeb, 0x08, 0x48, 0x83, 0xe0, 0xfe, 0xf0, 0x80, 0x08,
                               0x00, 0x48, 0xff, 0xc9, 0x75, 0xe4, 0xe9, 0, 0, 0, 0};
  // rel32 from the end of the jmp (offset 33) back to the system-call entry.
  const auto rel = static_cast<uint32_t>(static_cast<int32_t>(kSyscallEntryOffset) -
                                         static_cast<int32_t>(kToucherOffset + 33));
  for (unsigned i = 0; i < 4; ++i) c[29 + i] = static_cast<uint8_t>(rel >> (8 * i));
  return c;
}
static_assert(kToucherOffset + 33 <= kVectorStubsOffset);
// The list goes in the user-accessible kernel-stack pages below the top one (which holds the
// exception and system-call frames): 3 pages, 1536 entries per pass.
constexpr uint64_t kTouchListPhys = kKernelStackPhys;
constexpr uint64_t kTouchListBytes = kKernelStackTopPhys - kPageBytes - kKernelStackPhys;
constexpr uint64_t kTouchListEntries = kTouchListBytes / sizeof(uint64_t);
}  // namespace

std::expected<uint64_t, KvmError> Machine::prewarm(const TouchList& list,
                                                   const MachineImage& image) {
  if (!image.syscall_in_user_mode || !image.mode_probed) return 0;
  // Only pages still mapped as listed: a read of an absent page or a write to a read-only one
  // would be a guest page fault, which the VMM would serve by changing the machine.
  std::vector<uint64_t> entries;
  entries.reserve(list.pages.size());
  for (uint64_t entry : list.pages) {
    const uint64_t virt = entry & ~(kPageBytes - 1);
    const bool write = (entry & TouchList::kWrite) != 0;
    if (virt < kUserLow || virt >= kUserTop) continue;
    auto t = tables_->walk(virt);
    if (!t || !(t->flags & pte::kPresent) || !(t->flags & pte::kUser)) continue;
    if (write && !(t->flags & pte::kWritable)) continue;
    entries.push_back(virt | (write ? TouchList::kWrite : 0));
  }
  if (entries.empty()) return 0;
  // What the guest must find again afterwards, byte for byte.
  std::vector<uint8_t> saved_stub(mem_->host(kStubPhys), mem_->host(kStubPhys) + kPageBytes);
  std::vector<uint8_t> saved_list(mem_->host(kTouchListPhys),
                                  mem_->host(kTouchListPhys) + kTouchListBytes);
  const PhysAllocState alloc_before = mem_->alloc_state();
  const uint64_t user_pages_before = space_->user_pages();
  constexpr auto kCode = toucher_code();
  // Inside the stub page (static_assert above); the mapping is this fork's private copy.
  std::memcpy(mem_->host(kStubPhys + kToucherOffset), kCode.data(), kCode.size());
  kvm_run* run = vcpu_->run_page();
  bool ok = true;
  for (size_t done = 0; ok && done < entries.size(); done += kTouchListEntries) {
    const size_t n = std::min<size_t>(kTouchListEntries, entries.size() - done);
    // Inside the three list pages: n <= kTouchListEntries.
    std::memcpy(mem_->host(kTouchListPhys), entries.data() + done, n * sizeof(uint64_t));
    *regs_ = image.vcpu.regs;
    regs_->rip = kernel_virt(kStubPhys + kToucherOffset);
    regs_->rsi = kernel_virt(kTouchListPhys);
    regs_->rcx = n;
    regs_->rflags = kUserRflags;
    regs_dirty_ = true;
    const Exit e = run_until_exit();
    ok = e.kind == ExitKind::kSyscall && regs_->rcx == 0;
    // Let KVM finish the doorbell store before the registers are set again.
    run->kvm_dirty_regs = 0;
    run->immediate_exit = 1;
    const int settle = vcpu_->run();
    run->immediate_exit = 0;
    ok = ok && (settle == -EINTR || settle == 0);
  }
  std::memcpy(mem_->host(kStubPhys), saved_stub.data(), saved_stub.size());
  std::memcpy(mem_->host(kTouchListPhys), saved_list.data(), saved_list.size());
  // A guest page fault served on the way would have changed the machine: unusable then.
  const PhysAllocState alloc_after = mem_->alloc_state();
  ok = ok && alloc_after.next == alloc_before.next && alloc_after.in_use == alloc_before.in_use &&
       space_->user_pages() == user_pages_before && !space_->tlb_flush_pending();
  if (!ok) return std::unexpected(KvmError::kIoctlFailed);
  if (auto r = load_image(image, true); !r) return std::unexpected(r.error());
  return entries.size();
}

Machine::~Machine() {
  vcpu_.reset();
  vm_.reset();  // the slots go with the VM; only then release the memory behind them
  if (flush_page_ && flush_page_ != MAP_FAILED) ::munmap(flush_page_, kPageBytes);
}

void Machine::count(const char* reason) {
  ++exits_[reason];
  ++exit_count_;
}

bool Machine::load_regs() {
  if (sync_regs_) return true;  // KVM filled the sync area on exit
  auto r = vcpu_->get_regs();
  if (!r) return false;
  local_regs_ = *r;
  return true;
}

bool Machine::store_regs() {
  if (!regs_dirty_) return true;
  regs_dirty_ = false;
  if (sync_regs_) {
    vcpu_->run_page()->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
    return true;
  }
  return vcpu_->set_regs(local_regs_).has_value();
}

std::expected<void, KvmError> Machine::start(uint64_t entry, uint64_t stack_pointer) {
  // The first entry to user mode is a system-call return to `entry`.
  std::memset(regs_, 0, sizeof(kvm_regs));
  regs_->rcx = entry;
  regs_->r11 = kUserRflags;
  regs_->rsp = stack_pointer;
  return_via_iret(0);  // the vCPU starts in kernel mode at the stub
  if (!sync_regs_) {
    if (!store_regs()) return std::unexpected(KvmError::kIoctlFailed);
  }
  return {};
}

void Machine::return_via_iret(uint64_t result) {
  kvm_regs& r = *regs_;
  const uint64_t frame[5] = {r.rcx, kUserCs, (r.r11 & kUserRflagsMask) | 0x2, r.rsp, kUserDs};
  std::memcpy(mem_->host(kSyscallFramePhys), frame, sizeof(frame));
  mem_->mark_dirty(kSyscallFramePhys);
  r.rax = result;
  r.rsp = kernel_virt(kSyscallFramePhys);
  r.rflags = 0x2;
  bool flush = space_->tlb_flush_pending();
  space_->clear_tlb_flush();
  r.rip = kernel_virt(kStubPhys + (flush ? kFlushReturnOffset : kSyscallReturnOffset));
  regs_dirty_ = true;
}

void Machine::finish_syscall(uint64_t result) {
  if (!syscall_in_user_mode_) {
    return_via_iret(result);
    return;
  }
  // Still in user mode at the stub: resume at the return address `syscall` saved in rcx, with
  // the flags it saved in r11, exactly as sysret would.
  kvm_regs& r = *regs_;
  r.rax = result;
  r.rip = r.rcx;
  r.rflags = (r.r11 & kUserRflagsMask) | 0x2;
  regs_dirty_ = true;
}

std::expected<void, KvmError> Machine::set_fs_base(uint64_t base) {
  needs_full_restore_ = true;
  return vcpu_->set_msr(msr::kFsBase, base);
}

std::expected<uint64_t, KvmError> Machine::fs_base() const { return vcpu_->get_msr(msr::kFsBase); }

std::expected<void, KvmError> Machine::set_gs_base(uint64_t base) {
  needs_full_restore_ = true;
  return vcpu_->set_msr(msr::kGsBase, base);
}

std::expected<uint64_t, KvmError> Machine::gs_base() const { return vcpu_->get_msr(msr::kGsBase); }

Exit Machine::fault(unsigned vector, int signal, uint64_t address, uint64_t rip,
                    std::string message) {
  Exit e;
  e.kind = ExitKind::kFault;
  e.vector = vector;
  e.signal = signal;
  e.address = address;
  e.rip = rip;
  e.message = std::move(message);
  return e;
}

std::optional<Exit> Machine::on_exception(unsigned vector) {
  uint64_t frame[6];  // error code, rip, cs, rflags, rsp, ss
  std::memcpy(frame, mem_->host(kExceptionFramePhys), sizeof(frame));
  const uint64_t error = frame[0];
  const uint64_t rip = frame[1];
  if ((frame[2] & 3) != 3) {
    return fault(vector, SIGSEGV, 0, rip,
                 fmt::format("{} in the kernel stub at {:#x}", vector_name(vector), rip));
  }
  if (vector != kPageFaultVector) {
    count("exception");
    return fault(vector, vector_signal(vector), 0, rip,
                 fmt::format("{} at rip {:#x} (error code {:#x})", vector_name(vector), rip,
                             error));
  }
  count("page_fault");
  uint64_t address;
  std::memcpy(&address, mem_->host(kKernelDataPhys), sizeof(address));
  FaultAccess access{(error & 2) != 0, (error & 16) != 0};
  FaultResolution res = space_->handle_fault(address, access);
  if (res == FaultResolution::kMemoryLimit) {
    Exit e;
    e.kind = ExitKind::kMemoryLimit;
    e.address = address;
    e.message = fmt::format("memory limit reached touching {:#x}", address);
    return e;
  }
  const char* what = access.fetch ? "execute" : access.write ? "write" : "read";
  if (res == FaultResolution::kSegv) {
    return fault(vector, SIGSEGV, address, rip,
                 fmt::format("segmentation fault: {} at {:#x}, rip {:#x} (error code {:#x}, cs {:#x})",
                             what, address, rip, error, frame[2]));
  }
  repeated_faults_ = address == last_fault_address_ ? repeated_faults_ + 1 : 0;
  last_fault_address_ = address;
  if (repeated_faults_ >= kMaxRepeatedFaults) {
    return fault(vector, SIGSEGV, address, rip,
                 fmt::format("page fault at {:#x} keeps recurring ({}), rip {:#x}", address, what,
                             rip));
  }
  // A pending flush (the entry was stale) happens in run() before the guest resumes.
  return std::nullopt;  // resolved: retry the instruction
}

bool Machine::probe_syscall_mode() {
  auto sregs = vcpu_->get_sregs();
  if (!sregs) return false;
  syscall_in_user_mode_ = (sregs->cs.selector & 3) == 3;
  mode_probed_ = true;
  return true;
}

bool Machine::flush_tlb_from_vmm() {
  // Rewriting CR3 through KVM drops the guest's cached translations (and a shadow-paging
  // hypervisor's shadow of them), as a guest `mov cr3` would.
  space_->clear_tlb_flush();
  ++tlb_flushes_;
  if (!vm_->set_memory(1, kFlushSlotPhys, 0, flush_page_).has_value()) return false;
  return vm_->set_memory(1, kFlushSlotPhys, kPageBytes, flush_page_).has_value();
}

Exit Machine::run() {
  Exit e = run_until_exit();
  if (e.kind != ExitKind::kSyscall) needs_full_restore_ = true;
  return e;
}

Exit Machine::run_until_exit() {
  while (true) {
    if (space_->tlb_flush_pending() && !flush_tlb_from_vmm())
      return Exit{ExitKind::kError, 0, 0, 0, 0, "KVM_SET_SREGS failed"};
    if (!store_regs()) return Exit{ExitKind::kError, 0, 0, 0, 0, "KVM_SET_REGS failed"};
    int r = vcpu_->run();
    if (r == -EINTR || r == -EAGAIN) {
      count("interrupted");
      Exit e;
      e.kind = ExitKind::kInterrupted;
      return e;
    }
    if (r < 0) {
      return Exit{ExitKind::kError, 0, 0, 0, 0, fmt::format("KVM_RUN failed: {}", strerror(-r))};
    }
    kvm_run* run = vcpu_->run_page();
    switch (run->exit_reason) {
      case KVM_EXIT_MMIO:
        if (run->mmio.phys_addr == kDoorbellPhys && run->mmio.is_write) {
          count("syscall");
          if (!load_regs()) return Exit{ExitKind::kError, 0, 0, 0, 0, "KVM_GET_REGS failed"};
          if (!mode_probed_ && !probe_syscall_mode())
            return Exit{ExitKind::kError, 0, 0, 0, 0, "KVM_GET_SREGS failed"};
          return Exit{ExitKind::kSyscall, 0, 0, 0, 0, {}};
        }
        count("mmio");
        return fault(14, SIGSEGV, run->mmio.phys_addr, 0,
                     fmt::format("access to unbacked guest-physical {:#x}", run->mmio.phys_addr));
      case KVM_EXIT_IO: {
        uint16_t port = run->io.port;
        if (port >= kExceptionPortBase && port < kExceptionPortBase + kVectorCount) {
          std::optional<Exit> e = on_exception(port - kExceptionPortBase);
          if (!e) continue;
          return *e;
        }
        count("io_other");
        return Exit{ExitKind::kError, 0, 0, 0, 0, fmt::format("unexpected port {:#x}", port)};
      }
      case KVM_EXIT_INTR:
        count("interrupted");
        return Exit{ExitKind::kInterrupted, 0, 0, 0, 0, {}};
      case KVM_EXIT_SHUTDOWN:
        count("shutdown");
        return fault(8, SIGSEGV, 0, 0, "triple fault (the guest's CPU state became unusable)");
      case KVM_EXIT_HLT:
        count("hlt");
        return fault(13, SIGSEGV, 0, 0, "hlt reached in kernel mode");
      case KVM_EXIT_FAIL_ENTRY:
        count("fail_entry");
        return Exit{ExitKind::kError, 0, 0, 0, 0,
                    fmt::format("VM entry failed (reason {:#x})",
                                run->fail_entry.hardware_entry_failure_reason)};
      case KVM_EXIT_INTERNAL_ERROR:
        count("internal_error");
        return Exit{ExitKind::kError, 0, 0, 0, 0,
                    fmt::format("KVM internal error (suberror {})", run->internal.suberror)};
      default:
        count("other");
        return Exit{ExitKind::kError, 0, 0, 0, 0,
                    fmt::format("unexpected VM exit reason {}", run->exit_reason)};
    }
  }
}

}  // namespace forkbox::kvm

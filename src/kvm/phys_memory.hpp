// Guest-physical memory: one memfd mapped into the VMM and installed as a single KVM memory
// slot, plus the only allocator of guest-physical pages. Keeping all of guest RAM in one slot and
// all allocation here is deliberate: a snapshot is that memfd (sealed) plus the allocator state,
// and a fork maps it MAP_PRIVATE, so the host shares every page the fork does not write.
//
// Two kinds of memory: a fresh one (MAP_SHARED of a new memfd; the warm-up run that becomes a
// snapshot) and a fork (MAP_PRIVATE of a snapshot's sealed memfd). A fork can track dirty pages:
// guest writes through KVM's dirty log (manual-protect mode, where KVM offers it) or the page
// map's private-page bits, VMM writes through mark_dirty() (KVM does not see them). reset() then
// puts them back (the pooled reset): guest-written snapshot pages by copying the snapshot's bytes
// into them, which keeps them mapped, for the guest and in the hypervisor's shadow page tables,
// so the next execution writes them without a fault (each fault costs ~25 us here); everything
// else (VMM-written pages, page tables among them, and pages first handed out during the run)
// with MADV_DONTNEED, which makes KVM forget every translation to them.
//
// The first kReservedBytes hold the fixed kernel structures (see kernel_layout.hpp); pages after
// that are handed out on demand for page tables and guest data, recycled through a free list,
// and counted so the memory limit can be enforced on pages actually touched.
//
// Not thread-safe: owned by one Machine.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <vector>

#include "common/unique_fd.hpp"
#include "kvm/kvm_handles.hpp"

namespace forkbox::kvm {

// The allocator's state, saved in a snapshot and restored on every reset.
struct PhysAllocState {
  uint64_t next = 0;
  uint64_t in_use = 0;
  std::vector<uint64_t> free;
};

// Guest pages an execution touched, recorded once per snapshot from a trial execution in a fork
// (the host page map of its mapping: what KVM or the VMM faulted in) and used by later forks to
// fault the same pages into the host mapping before the guest runs (PhysMemory::prefault), so
// KVM's fault path finds them present and maps neighbours along with each faulting page.
struct WorkingSet {
  struct Run {
    uint64_t first_page;  // guest-physical page number
    uint64_t pages;
  };
  std::vector<Run> read;     // touched, never written (still the snapshot's page)
  std::vector<Run> written;  // written (a private copy), or first handed out by the run
  uint64_t read_pages = 0;
  uint64_t written_pages = 0;
};

// How a fork's memory is faulted in before its first run.
enum class Prefault : uint8_t {
  kNone,          // lazily, by KVM and the VMM (every first touch is a fault)
  kWritten,       // private copies of the pages the trial wrote (MADV_POPULATE_WRITE)
  kWrittenRead,   // the same, plus host mappings of the pages it only read (MADV_POPULATE_READ)
  kAllWritable,   // private copies of every page it touched: KVM can prefetch neighbours of a
                  // fault only through writable host mappings
};

class PhysMemory {
 public:
  // Creates `size` bytes of guest RAM (sparse: the host only commits pages the guest touches)
  // and installs it as slot 0 at guest-physical 0. `max_pages` bounds the pages allocate() hands
  // out (the memory limit).
  [[nodiscard]] static std::expected<PhysMemory, KvmError> create(Vm& vm, uint64_t size,
                                                                  uint64_t max_pages);
  // A copy-on-write fork of `snapshot_fd` (a sealed memfd of `size` bytes) with the allocator in
  // state `alloc`, installed as slot 0. `dirty_log` turns on dirty tracking for discard_dirty().
  [[nodiscard]] static std::expected<PhysMemory, KvmError> create_fork(Vm& vm, int snapshot_fd,
                                                                       uint64_t size,
                                                                       const PhysAllocState& alloc,
                                                                       uint64_t max_pages,
                                                                       bool dirty_log);
  PhysMemory(const PhysMemory&) = delete;
  PhysMemory& operator=(const PhysMemory&) = delete;
  PhysMemory(PhysMemory&& other) noexcept;
  PhysMemory& operator=(PhysMemory&& other) noexcept;
  ~PhysMemory();

  // A zeroed page's guest-physical address, or nullopt when the limit or the slot is exhausted.
  [[nodiscard]] std::optional<uint64_t> allocate();
  void release(uint64_t phys);

  // Host pointer to guest-physical `phys`. Precondition: phys + len <= size().
  [[nodiscard]] uint8_t* host(uint64_t phys) const { return base_ + phys; }
  [[nodiscard]] uint64_t size() const { return size_; }
  [[nodiscard]] uint64_t pages_in_use() const { return in_use_; }
  [[nodiscard]] uint64_t peak_pages() const { return peak_; }
  [[nodiscard]] uint64_t max_pages() const { return max_pages_; }
  void set_max_pages(uint64_t pages) { max_pages_ = pages; }

  // Records that the VMM wrote the page holding `phys` (KVM's dirty log only sees guest writes).
  void mark_dirty(uint64_t phys) {
    if (dirty_log_) vmm_dirty_[phys / (4096 * 64)] |= 1ull << ((phys / 4096) % 64);
  }
  [[nodiscard]] PhysAllocState alloc_state() const { return {next_, in_use_, free_}; }
  // Puts every page written since the last call (guest or VMM) back to the snapshot's bytes
  // and restores the allocator to `alloc`. Pages only the guest wrote are restored by copying
  // the snapshot's bytes into them (their mappings, and the hypervisor's, stay valid, so the
  // next execution does not fault on them again); pages the VMM wrote (page tables among them)
  // and pages first handed out during the run are dropped (MADV_DONTNEED), which also makes KVM
  // forget every translation to them. Returns the number of pages whose bytes changed.
  [[nodiscard]] std::expected<uint64_t, KvmError> reset(Vm& vm, const PhysAllocState& alloc);
  // Pages of the mapping that are private copies (written by the guest or the VMM since the
  // fork), from the host page map; works without dirty tracking.
  [[nodiscard]] std::expected<uint64_t, KvmError> private_pages();
  // Pages written since the last reset (guest or VMM), without dropping them.
  [[nodiscard]] std::expected<uint64_t, KvmError> count_dirty(Vm& vm);
  // The pages of this fork's mapping that are present in the host (touched since the fork).
  // Reads /proc/self/pagemap once: for a trial execution, not a request path.
  [[nodiscard]] std::expected<WorkingSet, KvmError> working_set();
  // Faults `set` into this fork's mapping as `mode` says. Only pages inside the slot are
  // touched (runs past its end are cut). Returns false when an madvise fails.
  [[nodiscard]] bool prefault(const WorkingSet& set, Prefault mode);
  // Unmaps the memory and hands back the memfd (the warm-up run becoming a snapshot). The VM
  // using it must be gone first.
  [[nodiscard]] UniqueFd release_memfd();

 private:
  PhysMemory() = default;
  void unmap();

  UniqueFd memfd_;
  uint8_t* base_ = nullptr;
  // Forks: a read-only shared view of the snapshot memfd, the bytes a reset copies back.
  const uint8_t* source_ = nullptr;
  uint64_t size_ = 0;
  uint64_t next_ = 0;  // bump pointer for never-used pages
  uint64_t in_use_ = 0;
  uint64_t peak_ = 0;
  uint64_t max_pages_ = 0;
  std::vector<uint64_t> free_;
  // ORs the pages of the mapping that are private copies into kvm_dirty_.
  [[nodiscard]] bool collect_private_pages();

  bool dirty_log_ = false;  // dirty tracking on (reset()/count_dirty() usable)
  bool kvm_log_ = false;    // through KVM_MEM_LOG_DIRTY_PAGES rather than the page map
  // Through KVM's log in manual-protect mode (the default where KVM offers it): reading the
  // log re-protects nothing, so pages a reset copies back stay writable for the guest and in
  // the log (they are compared on every reset); dropped pages are cleared from the log.
  bool manual_log_ = false;
  std::vector<uint64_t> clear_bits_;  // pages to clear from the log after a reset
  UniqueFd pagemap_;
  bool pagemap_scan_ = true;  // PAGEMAP_SCAN works here (cleared on its first failure)
  std::vector<uint64_t> pagemap_buf_;
  std::vector<uint64_t> vmm_dirty_;  // one bit per page, written by the VMM since the last reset
  std::vector<uint64_t> kvm_dirty_;  // guest-written pages (KVM's log or the page map)
};

}  // namespace forkbox::kvm

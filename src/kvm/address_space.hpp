// The guest's user address space as the personality and the ELF loader see it (os::GuestMemory),
// implemented over x86-64 page tables the VMM owns. Region bookkeeping (what is mapped, with which
// protection, where the next mmap goes) lives in os::VmMap; pages are backed lazily: a page gets
// guest-physical memory on its first touch, either a guest #PF exit or a VMM-side copy, so the
// memory limit counts what a program really uses and a huge mmap costs nothing until touched.
//
// Page-table edits that take rights away (munmap, mprotect, mremap, MADV_DONTNEED) set
// `tlb_flush_pending`; the run loop then returns to the guest through the stub that reloads CR3.
//
// Not thread-safe; one guest, one thread.
#pragma once

#include <cstdint>

#include "kvm/page_tables.hpp"
#include "kvm/phys_memory.hpp"
#include "linux/guest_memory.hpp"
#include "linux/vm_map.hpp"

namespace forkbox::kvm {

// What kind of access a guest page fault was, decoded from the #PF error code.
struct FaultAccess {
  bool write = false;
  bool fetch = false;
};

enum class FaultResolution : uint8_t {
  kResolved,      // the page is now mapped; retry the instruction
  kSegv,          // no mapping or no permission: the guest gets SIGSEGV
  kMemoryLimit,   // the page would exceed the memory limit
};

class AddressSpace final : public os::GuestMemory {
 public:
  // `mem` and `tables` must outlive this object.
  AddressSpace(PhysMemory& mem, PageTables& tables);

  [[nodiscard]] bool read(uint64_t guest_addr, void* dst, size_t len) override;
  [[nodiscard]] bool write(uint64_t guest_addr, const void* src, size_t len) override;
  [[nodiscard]] bool poke(uint64_t guest_addr, const void* src, size_t len) override;
  [[nodiscard]] os::GuestResult map(uint64_t addr, uint64_t len, uint8_t prot,
                                    os::Placement placement) override;
  [[nodiscard]] int unmap(uint64_t addr, uint64_t len) override;
  [[nodiscard]] int protect(uint64_t addr, uint64_t len, uint8_t prot) override;
  [[nodiscard]] os::GuestResult remap(uint64_t old_addr, uint64_t old_len, uint64_t new_len,
                                      bool may_move) override;
  [[nodiscard]] int discard(uint64_t addr, uint64_t len) override;
  [[nodiscard]] uint64_t set_brk(uint64_t requested) override;

  // The bookkeeping a snapshot saves (page contents and tables live in guest memory).
  struct State {
    os::VmMap map{0, 0, 0};
    uint64_t brk_start = 0;
    uint64_t brk = 0;
    uint64_t user_pages = 0;
  };
  [[nodiscard]] State state() const { return {map_, brk_start_, brk_, user_pages_}; }
  // Back to `s` (after the memory itself was reset); also clears the limit and flush flags.
  void restore(const State& s);

  // Sets where the heap starts (the loader's brk_start); brk never moves below it.
  void init_brk(uint64_t start);

  // Serves a guest #PF at `addr`.
  [[nodiscard]] FaultResolution handle_fault(uint64_t addr, FaultAccess access);

  // True once a copy or fault was refused because the memory limit was reached; the run loop
  // reports kMemoryLimit rather than the EFAULT the personality saw.
  [[nodiscard]] bool memory_limit_hit() const { return memory_limit_hit_; }
  [[nodiscard]] bool tlb_flush_pending() const { return tlb_flush_pending_; }
  void clear_tlb_flush() { tlb_flush_pending_ = false; }
  [[nodiscard]] uint64_t user_pages() const { return user_pages_; }
  // True once rights were taken away or changed since the last restore (munmap, mprotect,
  // mremap, MADV_DONTNEED): a reset must then drop every cached translation.
  [[nodiscard]] bool rights_changed() const { return rights_changed_; }
  [[nodiscard]] const os::VmMap& regions() const { return map_; }

 private:
  enum class Access : uint8_t { kRead, kWrite, kPoke };
  // Host pointer for the byte at `virt` (valid to the end of its page), backing the page if
  // needed; nullptr when the access is not allowed or memory ran out.
  [[nodiscard]] uint8_t* host_page(uint64_t virt, Access access);
  [[nodiscard]] bool copy(uint64_t guest_addr, uint8_t* host, size_t len, Access access,
                          bool to_guest);
  // Backs the page at `virt` (page aligned) with a fresh zero page. False when out of memory.
  [[nodiscard]] bool back_page(uint64_t virt, uint8_t prot);
  // Drops the backing of every page in [start, end).
  void release_range(uint64_t start, uint64_t end);
  [[nodiscard]] static uint64_t leaf_flags(uint8_t prot);
  [[nodiscard]] bool range_ok(uint64_t addr, uint64_t len) const;

  PhysMemory* mem_;
  PageTables* tables_;
  os::VmMap map_;
  uint64_t brk_start_ = 0;
  uint64_t brk_ = 0;
  uint64_t user_pages_ = 0;
  bool memory_limit_hit_ = false;
  bool tlb_flush_pending_ = false;
  bool rights_changed_ = false;
};

}  // namespace forkbox::kvm

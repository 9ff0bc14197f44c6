// The riscv engine's guest memory: a 38-bit address space of 4 KiB pages held in a hash map
// (PageMap), with a small direct-mapped software TLB per access kind in front of it. Loads and
// stores in the interpreter hit the TLB inline (one compare, one add); misses, first touches,
// permission checks and code-page writes take the out-of-line slow path.
//
// Why this shape: a fork must cost well under a microsecond. A fork's Memory points at its
// template's frozen Memory (`base_`) and owns only the pages it wrote: reads of template pages
// go straight to the shared page, the first write copies it. Region bookkeeping (VmMap) is
// shared the same way until the fork first changes its address space. TLB entries are tagged
// with the page number XOR a salt kept with them, so flushing the TLB (on fork, reset, munmap)
// is one add instead of clearing 8 KiB. Untouched pages of a mapping read as a shared zero
// page and are never charged; a page is charged against the memory limit when first written.
//
// Not thread-safe: one Memory belongs to one machine, run by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>

#include "linux/guest_memory.hpp"
#include "linux/vm_map.hpp"
#include "riscv/page_map.hpp"

#include <optional>

namespace forkbox::riscv {

// The guest address-space layout. Addresses at or above kAddressLimit do not exist (Sv39 user
// space is 2^38 bytes; we allow the full lower half of 2^39 as the radix table spans it).
struct Layout {
  static constexpr uint64_t kAddressLimit = 1ull << 38;  // 256 GiB
  static constexpr uint64_t kLowLimit = 0x10000;         // Linux's default mmap_min_addr
  static constexpr uint64_t kStackTop = kAddressLimit - 0x1000;
  // 128 MiB between the stack's lowest possible page and the mmap area: room for the stack to
  // grow to its limit plus a guard, as Linux keeps a stack gap.
  static constexpr uint64_t kStackGap = 128ull << 20;
  static constexpr uint64_t kPieBase = 0x2aaaaab000;  // 2/3 of the address space, as Linux
};

enum class AccessKind : uint8_t { kRead, kWrite, kExecute };

enum class MemoryFault : uint8_t {
  kNone,
  kUnmapped,     // no mapping at the address
  kProtection,   // mapped without the needed permission
  kMemoryLimit,  // the write would materialize a page beyond the memory limit
  kCodeWritten,  // not a fault: a store changed an executable page (the write happened);
                 // the interpreter must re-sync with the decoded code before going on
};

struct FaultInfo {
  MemoryFault fault = MemoryFault::kNone;
  AccessKind kind = AccessKind::kRead;
  uint64_t addr = 0;
};

class Memory final : public os::GuestMemory {
 public:
  static constexpr size_t kTlbEntries = 256;
  // Pages a pooled fork keeps across resets (see kept_). Why 32 (128 KiB): the pages a typical
  // handler writes (a stack page, a response buffer, a few heap pages), while a reset restores
  // at most 32 pages, about a microsecond, whatever the previous request did.
  static constexpr size_t kKeptPagesMax = 32;

  explicit Memory(uint64_t memory_limit_bytes);
  // A fork of `base`, which must stay alive and unchanged while this Memory uses it (the
  // Template that owns it is held by the forking Machine).
  Memory(const Memory& base, uint64_t memory_limit_bytes);
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;
  ~Memory() override;

  // ---- interpreter fast paths (inline) ----
  template <typename T>
  [[nodiscard]] bool load(uint64_t addr, T& out) {
    uint64_t page = addr >> 12;
    const TlbEntry& e = tlb_->read[page & (kTlbEntries - 1)];
    if (e.tag == (page ^ tlb_->salt) && (addr & 4095) <= 4096 - sizeof(T)) [[likely]] {
      // Safe: a TLB entry is only filled for a page whose host backing is a full 4 KiB page,
      // and the check above keeps [addr, addr+sizeof(T)) inside it.
      std::memcpy(&out, reinterpret_cast<const void*>(addr + e.delta), sizeof(T));
      return true;
    }
    return load_slow(addr, &out, sizeof(T));
  }
  template <typename T>
  [[nodiscard]] bool store(uint64_t addr, T value) {
    uint64_t page = addr >> 12;
    const TlbEntry& e = tlb_->write[page & (kTlbEntries - 1)];
    if (e.tag == (page ^ tlb_->salt) && (addr & 4095) <= 4096 - sizeof(T)) [[likely]] {
      // Safe: as in load(); write entries exist only for owned, writable, non-code pages.
      std::memcpy(reinterpret_cast<void*>(addr + e.delta), &value, sizeof(T));
      return true;
    }
    return store_slow(addr, &value, sizeof(T));
  }
  // Host pointer to a writable, owned page for an atomic read-modify-write of `size` bytes at
  // an aligned address; nullptr with fault info set otherwise.
  [[nodiscard]] uint8_t* writable_pointer(uint64_t addr, size_t size);

  [[nodiscard]] bool load_slow(uint64_t addr, void* out, size_t n);
  [[nodiscard]] bool store_slow(uint64_t addr, const void* in, size_t n);
  // Instruction fetch (needs PROT_EXEC).
  [[nodiscard]] bool fetch(uint64_t addr, void* out, size_t n);

  // For translated code (jit.hpp): the TLBs (16-byte entries: the tag, then host address
  // minus guest address) and the salt their tags are XORed with. Stable for this object's
  // lifetime (the block is this Memory's until it is destroyed); the salt changes only between
  // runs and in system calls.
  [[nodiscard]] const void* read_tlb_data() const { return tlb_->read.data(); }
  [[nodiscard]] const void* write_tlb_data() const { return tlb_->write.data(); }
  [[nodiscard]] const uint64_t* salt_address() const { return &tlb_->salt; }

  [[nodiscard]] const FaultInfo& last_fault() const { return fault_; }
  void clear_fault() { fault_ = {}; }
  void set_fault_info(const FaultInfo& f) { fault_ = f; }
  [[nodiscard]] uint64_t pages_owned() const { return owned_; }
  // Pages ever materialized (first writes), including ones unmapped since.
  [[nodiscard]] uint64_t pages_touched() const { return pages_touched_; }
  [[nodiscard]] uint64_t memory_limit_pages() const { return limit_pages_; }
  void set_memory_limit(uint64_t bytes) { limit_pages_ = bytes / os::kPageSize; }
  [[nodiscard]] const os::VmMap& vm() const { return *vm_; }
  // Host bytes this Memory uses beyond its pages' contents (map slots, TLBs, a private VmMap).
  [[nodiscard]] size_t overhead_bytes() const;
  // Back to the state of `base` (forks only): frees written pages, forgets address-space
  // changes, flushes the TLB. Costs in proportion to the pages written.
  void reset_to_base();
  // Makes this (root) Memory's state the frozen base of forks: nothing may change it after.
  [[nodiscard]] bool is_fork() const { return base_ != nullptr; }
  // Calls f(page_number, data) for every page readable in this memory (own and inherited).
  template <typename F>
  void for_each_page(F&& f) const {
    own_.for_each([&](uint64_t p, uint8_t* d) {
      if (d != PageMap::hidden()) f(p, static_cast<const uint8_t*>(d));
    });
    if (base_)
      base_->own_.for_each([&](uint64_t p, uint8_t* d) {
        if (!own_.find(p)) f(p, static_cast<const uint8_t*>(d));
      });
  }
  void set_brk_start(uint64_t start);
  [[nodiscard]] uint64_t brk() const { return brk_; }

  // Called for every write that lands in an executable page and whenever executable mappings
  // change, so the machine can drop decoded instructions.
  std::function<void(uint64_t page_addr)> on_code_write;
  std::function<void(uint64_t start, uint64_t end)> on_map_change;

  // ---- os::GuestMemory ----
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

 private:
  struct TlbEntry {
    uint64_t tag = 0;      // guest page number XOR salt; 0 never matches (salt >= 2^27)
    uintptr_t delta = 0;   // host address = guest address + delta
  };
  // Guest page numbers are below 2^26 (kAddressLimit / 4 KiB), so salts that are multiples
  // of 2^27 keep tags of different generations apart: 2^37 flushes per object before reuse.
  static constexpr uint64_t kSaltStep = 1ull << 27;
  static_assert(sizeof(TlbEntry) == 16, "translated code indexes TLBs in 16-byte steps");

  // The materialized page (own, else inherited from base_), or nullptr.
  [[nodiscard]] uint8_t* find_page(uint64_t page) const {
    uint8_t* d = own_.find(page);
    if (d) return d == PageMap::hidden() ? nullptr : d;
    if (kept_.size() != 0) {
      if (uint8_t* k = kept_.find(page)) return k;  // same bytes as the base's page
    }
    return base_ ? base_->own_.find(page) : nullptr;
  }
  // Frees the pages kept by the last reset (see kept_) and drops their TLB entries.
  void release_kept();
  // A page this Memory owns for writing: copies an inherited page, or materializes a zero
  // page, charging it against the limit; nullptr past the limit.
  [[nodiscard]] uint8_t* owned_page(uint64_t page);
  // Host pointer for `kind` access to the page holding addr (zero page for untouched reads),
  // or nullptr with fault_ set.
  [[nodiscard]] uint8_t* page_for(uint64_t addr, AccessKind kind, bool ignore_write_prot);
  // Byte-range copy across pages through page_for.
  [[nodiscard]] bool copy_in(uint64_t addr, const void* src, size_t n, bool ignore_prot);
  [[nodiscard]] bool copy_out(uint64_t addr, void* dst, size_t n, AccessKind kind);
  void drop_pages(uint64_t start, uint64_t end);  // frees or hides pages in the range
  // The VmMap to change: a fork copies its template's on first change.
  os::VmMap& mutable_vm();
  [[nodiscard]] const os::Region* region_for(uint64_t addr) {
    if (last_region_ && addr - last_region_->start < last_region_->end - last_region_->start)
      return last_region_;
    const os::Region* r = vm_->find(addr);
    if (r) last_region_ = r;
    return r;
  }
  void flush_tlb();
  friend struct MemoryTestAccess;  // tests: the salt, to reach its wrap without 2^37 flushes
  friend struct TlbPool;           // memory.cpp: recycles Tlbs blocks per thread
  void set_fault(MemoryFault f, AccessKind k, uint64_t addr) { fault_ = {f, k, addr}; }
  void map_changed(uint64_t start, uint64_t end) {
    if (on_map_change) on_map_change(start, end);
  }

  // Both TLBs and their salt, in one block. Why a separate block: zeroing 8 KiB of entries was
  // a third of the cost of creating a fork, so a destroyed Memory's block goes to a per-thread
  // pool and the next Memory takes it with one flush (its old entries carry older salts and
  // never match; see flush_tlb for the wrap).
  struct Tlbs {
    std::array<TlbEntry, kTlbEntries> read{};
    std::array<TlbEntry, kTlbEntries> write{};
    uint64_t salt = kSaltStep;
  };
  struct TlbsRelease {
    void operator()(Tlbs* t) const noexcept;
  };
  static std::unique_ptr<Tlbs, TlbsRelease> acquire_tlbs();
  static void flush(Tlbs& t);

  std::unique_ptr<Tlbs, TlbsRelease> tlb_ = acquire_tlbs();
  const Memory* base_ = nullptr;  // the template's memory, for forks
  PageMap own_;                   // pages this Memory wrote (or hid)
  // Pages a fork wrote before its last reset, kept with their content restored to the base's
  // (or zeros) instead of being freed: the next write to one takes it back into own_ without a
  // copy, and its read TLB entry stays valid across the reset. Not charged against the memory
  // limit (a request is charged for the pages it writes, as without keeping). At most
  // kKeptPagesMax; released whenever the address space changes or pages are dropped.
  PageMap kept_;
  std::optional<os::VmMap> own_vm_;
  const os::VmMap* vm_ = nullptr;  // own_vm_ or the base's
  // The region found last: most TLB refills of a request fall in the stack or the same data
  // region. Cleared whenever the map may change (its nodes are stable until then).
  const os::Region* last_region_ = nullptr;
  uint64_t limit_pages_;
  uint64_t owned_ = 0;  // pages in own_ that are real (not hidden markers)
  uint64_t pages_touched_ = 0;
  uint64_t brk_start_ = 0;
  uint64_t brk_ = 0;
  bool code_written_ = false;  // set by on_code_write during a store's slow path
  FaultInfo fault_;
};

}  // namespace forkbox::riscv

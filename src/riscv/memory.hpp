// The riscv engine's guest memory: a 39-bit address space (like Sv39) of 4 KiB pages held in a
// three-level radix table, with a small direct-mapped software TLB per access kind in front of
// it. Loads and stores in the interpreter hit the TLB inline (one compare, one add); misses,
// first touches, permission checks and code-page writes take the out-of-line slow path.
//
// Why this shape: a fork must be cheap (the next issue forks per request), so per-machine state
// is small (the TLBs are 8 KiB in all) and pages are separate host allocations that a child can
// share read-only and copy on first write. Untouched pages of a mapping read as a shared zero
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
};

struct FaultInfo {
  MemoryFault fault = MemoryFault::kNone;
  AccessKind kind = AccessKind::kRead;
  uint64_t addr = 0;
};

class Memory final : public os::GuestMemory {
 public:
  static constexpr size_t kTlbEntries = 256;

  explicit Memory(uint64_t memory_limit_bytes);
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;
  ~Memory() override;

  // ---- interpreter fast paths (inline) ----
  template <typename T>
  [[nodiscard]] bool load(uint64_t addr, T& out) {
    const TlbEntry& e = read_tlb_[(addr >> 12) & (kTlbEntries - 1)];
    if (e.page == (addr >> 12) && e.page == ((addr + sizeof(T) - 1) >> 12)) [[likely]] {
      // Safe: a TLB entry is only filled for a page whose host backing is a full 4 KiB page,
      // and the check above keeps [addr, addr+sizeof(T)) inside it.
      std::memcpy(&out, reinterpret_cast<const void*>(addr + e.delta), sizeof(T));
      return true;
    }
    return load_slow(addr, &out, sizeof(T));
  }
  template <typename T>
  [[nodiscard]] bool store(uint64_t addr, T value) {
    const TlbEntry& e = write_tlb_[(addr >> 12) & (kTlbEntries - 1)];
    if (e.page == (addr >> 12) && e.page == ((addr + sizeof(T) - 1) >> 12)) [[likely]] {
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

  [[nodiscard]] const FaultInfo& last_fault() const { return fault_; }
  void clear_fault() { fault_ = {}; }
  void set_fault_info(const FaultInfo& f) { fault_ = f; }
  [[nodiscard]] uint64_t pages_owned() const { return pages_owned_; }
  // Pages ever materialized (first writes), including ones unmapped since.
  [[nodiscard]] uint64_t pages_touched() const { return pages_touched_; }
  [[nodiscard]] uint64_t memory_limit_pages() const { return limit_pages_; }
  [[nodiscard]] os::VmMap& vm() { return vm_; }
  [[nodiscard]] const os::VmMap& vm() const { return vm_; }
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
    uint64_t page = ~0ull;  // guest page number, ~0 when empty
    uintptr_t delta = 0;    // host address = guest address + delta
  };
  struct PageEntry {
    uint8_t* data = nullptr;  // owned 4 KiB host page, or nullptr when not materialized
  };
  static constexpr unsigned kLevelBits = 9;
  static constexpr size_t kLevelSize = 1u << kLevelBits;
  struct Leaf {
    std::array<PageEntry, kLevelSize> pages{};
  };
  struct Mid {
    std::array<std::unique_ptr<Leaf>, kLevelSize> leaves{};
  };

  // Finds the materialized page, or nullptr.
  [[nodiscard]] uint8_t* find_page(uint64_t page) const;
  // Materializes (zero-filled) a page, charging it against the limit; nullptr past the limit.
  [[nodiscard]] uint8_t* materialize(uint64_t page);
  void free_page(uint64_t page);
  // Host pointer for `kind` access to the page holding addr (zero page for untouched reads),
  // or nullptr with fault_ set.
  [[nodiscard]] uint8_t* page_for(uint64_t addr, AccessKind kind, bool ignore_write_prot);
  // Byte-range copy across pages through page_for.
  [[nodiscard]] bool copy_in(uint64_t addr, const void* src, size_t n, bool ignore_prot);
  [[nodiscard]] bool copy_out(uint64_t addr, void* dst, size_t n, AccessKind kind);
  void drop_pages(uint64_t start, uint64_t end);  // frees materialized pages in the range
  void flush_tlb();
  void set_fault(MemoryFault f, AccessKind k, uint64_t addr) { fault_ = {f, k, addr}; }
  void map_changed(uint64_t start, uint64_t end) {
    if (on_map_change) on_map_change(start, end);
  }

  std::array<TlbEntry, kTlbEntries> read_tlb_{};
  std::array<TlbEntry, kTlbEntries> write_tlb_{};
  std::array<std::unique_ptr<Mid>, kLevelSize> root_{};
  os::VmMap vm_;
  uint64_t pages_owned_ = 0;
  uint64_t pages_touched_ = 0;
  uint64_t limit_pages_;
  uint64_t brk_start_ = 0;
  uint64_t brk_ = 0;
  FaultInfo fault_;
};

}  // namespace forkbox::riscv

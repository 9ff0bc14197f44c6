// An open-addressing hash map from guest page number to host page, the page table of the
// riscv engine. A template's map is frozen and shared by its forks; each fork has a small map
// of its own for the pages it wrote (16 slots to start: 256 bytes), so forking allocates
// almost nothing and reset is a walk over the pages actually written.
//
// Not thread-safe for writers; a frozen map may be read by any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace forkbox::riscv {

class PageMap {
 public:
  // A value marking a page hidden in a fork (unmapped or discarded there) although its
  // template has it.
  static uint8_t* hidden() { return reinterpret_cast<uint8_t*>(uintptr_t{1}); }

  PageMap() = default;

  [[nodiscard]] uint8_t* find(uint64_t page) const {
    if (slots_.empty()) return nullptr;
    size_t mask = slots_.size() - 1;
    for (size_t i = hash(page) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.page == page) return s.data;
      if (s.page == kEmpty) return nullptr;
    }
  }
  // Inserts or replaces.
  void put(uint64_t page, uint8_t* data);
  // Removes and returns the entry's data (nullptr when absent).
  uint8_t* erase(uint64_t page);
  template <typename F>
  void for_each(F&& f) const {
    for (const Slot& s : slots_)
      if (s.page != kEmpty && s.page != kTombstone) f(s.page, s.data);
  }
  [[nodiscard]] size_t size() const { return count_; }
  // Empties the map, keeping its capacity (pooled instances reuse it).
  void clear();
  [[nodiscard]] size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  static constexpr uint64_t kEmpty = ~0ull;
  static constexpr uint64_t kTombstone = ~0ull - 1;
  struct Slot {
    uint64_t page = kEmpty;
    uint8_t* data = nullptr;
  };
  static size_t hash(uint64_t page) {
    return static_cast<size_t>((page * 0x9e3779b97f4a7c15ull) >> 20);
  }
  void grow();

  std::vector<Slot> slots_;
  size_t count_ = 0;
  size_t used_ = 0;  // live entries plus tombstones
};

}  // namespace forkbox::riscv

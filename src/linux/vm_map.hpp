// Engine-neutral bookkeeping of a guest address space: which ranges are mapped, with which
// protection, and where the next mmap goes. Both engines keep one and consult it on a page's
// first touch; neither stores per-page state here. Mappings are placed top-down below
// `mmap_top`, like Linux's legacy-free layout, and never above it or below `low_limit`.
//
// Not thread-safe; a VmMap belongs to one guest. Copyable, so a fork can take its own copy.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "linux/guest_memory.hpp"

namespace forkbox::os {

struct Region {
  uint64_t start = 0;  // page aligned
  uint64_t end = 0;    // page aligned, exclusive
  uint8_t prot = kProtNone;
};

class VmMap {
 public:
  VmMap(uint64_t low_limit, uint64_t mmap_top, uint64_t high_limit)
      : low_limit_(low_limit), mmap_top_(mmap_top), high_limit_(high_limit) {}

  // The region containing addr, or nullptr.
  [[nodiscard]] const Region* find(uint64_t addr) const;
  // True when [start, end) is covered by regions without holes.
  [[nodiscard]] bool fully_mapped(uint64_t start, uint64_t end) const;
  // True when nothing overlaps [start, end).
  [[nodiscard]] bool is_free(uint64_t start, uint64_t end) const;

  // Chooses where a mapping of `len` bytes (page aligned) goes; -ENOMEM, -EEXIST or -EINVAL
  // on failure. Does not insert.
  [[nodiscard]] GuestResult place(uint64_t addr, uint64_t len, Placement placement) const;
  // Maps [start, end) with prot, replacing whatever overlapped.
  void insert(uint64_t start, uint64_t end, uint8_t prot);
  // Unmaps [start, end); holes are fine (as munmap).
  void remove(uint64_t start, uint64_t end);
  // Changes protection; -ENOMEM if any page in the range is unmapped (as mprotect).
  [[nodiscard]] int protect(uint64_t start, uint64_t end, uint8_t prot);

  [[nodiscard]] const std::map<uint64_t, Region>& regions() const { return regions_; }
  [[nodiscard]] uint64_t low_limit() const { return low_limit_; }
  [[nodiscard]] uint64_t high_limit() const { return high_limit_; }
  [[nodiscard]] uint64_t mmap_top() const { return mmap_top_; }

 private:
  // Splits the region containing `at` (if any) so that a region boundary falls on `at`.
  void split_at(uint64_t at);
  // Merges neighbours with equal protection around [start, end).
  void coalesce(uint64_t start, uint64_t end);

  std::map<uint64_t, Region> regions_;  // keyed by start
  uint64_t low_limit_;
  uint64_t mmap_top_;
  uint64_t high_limit_;
};

}  // namespace forkbox::os

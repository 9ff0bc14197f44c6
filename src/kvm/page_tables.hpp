// x86-64 4-level page tables that the VMM builds and edits directly in guest-physical memory.
// The guest never writes them (its kernel-mode code is a few instructions that exit at once),
// so the VMM is the single writer and can walk them from the host side without any guest help.
//
// Leaves are 4 KiB pages; walk() also understands 2 MiB leaves (PS) in the PD. Accessed and dirty
// bits are preset in every leaf so the CPU (or a shadow-paging hypervisor) never has to write
// them back.
#pragma once

#include <cstdint>
#include <optional>

#include "kvm/kernel_layout.hpp"
#include "kvm/phys_memory.hpp"

namespace forkbox::kvm {

namespace pte {
inline constexpr uint64_t kPresent = 1ull << 0;
inline constexpr uint64_t kWritable = 1ull << 1;
inline constexpr uint64_t kUser = 1ull << 2;
inline constexpr uint64_t kAccessed = 1ull << 5;
inline constexpr uint64_t kDirty = 1ull << 6;
inline constexpr uint64_t kLarge = 1ull << 7;
inline constexpr uint64_t kNoExecute = 1ull << 63;
// Software bit (ignored by the CPU): the leaf owns a guest-physical page even when it is not
// present (PROT_NONE memory keeps its contents across mprotect).
inline constexpr uint64_t kBacked = 1ull << 9;
inline constexpr uint64_t kAddressMask = 0x000ffffffffff000ull;
}  // namespace pte

class PageTables {
 public:
  // Allocates the root (PML4) from `mem`. `mem` must outlive this object.
  [[nodiscard]] static std::optional<PageTables> create(PhysMemory& mem);
  // Tables already in `mem` (a fork of a snapshot) rooted at `root`.
  [[nodiscard]] static PageTables attach(PhysMemory& mem, uint64_t root) {
    return PageTables(mem, root);
  }

  [[nodiscard]] uint64_t root() const { return root_; }

  // The leaf (4 KiB) entry for `virt`, creating intermediate tables when `create` is set.
  // Intermediate entries created here get `table_flags` (user-accessible or not). nullptr when
  // a table is missing (and !create) or cannot be allocated, or the path hits a 2 MiB leaf.
  [[nodiscard]] uint64_t* leaf(uint64_t virt, bool create, uint64_t table_flags);

  // Guest-physical address that `virt` translates to and its leaf flags, if backed.
  struct Translation {
    uint64_t phys;
    uint64_t flags;
  };
  [[nodiscard]] std::optional<Translation> walk(uint64_t virt) const;

  // Calls fn(virt, entry&) for every backed 4 KiB leaf in [start, end). Skips absent tables
  // quickly, so sparse huge ranges cost what is mapped, not their length.
  template <typename Fn>
  void for_each_backed(uint64_t start, uint64_t end, Fn&& fn);

 private:
  PageTables(PhysMemory& mem, uint64_t root) : mem_(&mem), root_(root) {}
  [[nodiscard]] uint64_t* table(uint64_t phys) const;

  PhysMemory* mem_;
  uint64_t root_;
};

inline unsigned pt_index(uint64_t virt, int level) {
  return static_cast<unsigned>((virt >> (12 + 9 * level)) & 511);
}

template <typename Fn>
void PageTables::for_each_backed(uint64_t start, uint64_t end, Fn&& fn) {
  uint64_t virt = start;
  while (virt < end) {
    // Descend; when a level is absent, skip to the end of the range that entry covers.
    uint64_t table_phys = root_;
    uint64_t* t = table(root_);
    int level = 3;
    bool skipped = false;
    while (level > 0) {
      uint64_t e = t[pt_index(virt, level)];
      if (!(e & pte::kPresent) || (e & pte::kLarge)) {
        uint64_t span = 1ull << (12 + 9 * level);
        uint64_t next = (virt & ~(span - 1)) + span;
        if (next <= virt) return;  // wrapped past the top of the address space
        virt = next;
        skipped = true;
        break;
      }
      table_phys = e & pte::kAddressMask;
      t = table(table_phys);
      --level;
    }
    if (skipped) continue;
    uint64_t& e = t[pt_index(virt, 0)];
    if (e & pte::kBacked) {
      mem_->mark_dirty(table_phys);  // fn may rewrite the entry: a VMM write
      fn(virt, e);
    }
    virt += kPageBytes;
  }
}

}  // namespace forkbox::kvm

// Page-table construction and walks; see page_tables.hpp.
#include "kvm/page_tables.hpp"

namespace forkbox::kvm {

std::optional<PageTables> PageTables::create(PhysMemory& mem) {
  auto root = mem.allocate();
  if (!root) return std::nullopt;
  return PageTables(mem, *root);
}

uint64_t* PageTables::table(uint64_t phys) const {
  // Table pages come from PhysMemory::allocate, so phys + 4 KiB lies inside guest RAM, and the
  // memory is 8-byte aligned (page aligned) for uint64_t access.
  return reinterpret_cast<uint64_t*>(mem_->host(phys));
}

uint64_t* PageTables::leaf(uint64_t virt, bool create, uint64_t table_flags) {
  uint64_t table_phys = root_;
  uint64_t* t = table(root_);
  for (int level = 3; level > 0; --level) {
    uint64_t& e = t[pt_index(virt, level)];
    if (!(e & pte::kPresent)) {
      if (!create) return nullptr;
      auto phys = mem_->allocate();
      if (!phys) return nullptr;
      e = *phys | pte::kPresent | pte::kWritable | pte::kAccessed | table_flags;
      mem_->mark_dirty(table_phys);
    } else if (e & pte::kLarge) {
      return nullptr;
    }
    table_phys = e & pte::kAddressMask;
    t = table(table_phys);
  }
  mem_->mark_dirty(table_phys);  // the caller may write the leaf
  return &t[pt_index(virt, 0)];
}

std::optional<PageTables::Translation> PageTables::walk(uint64_t virt) const {
  const uint64_t* t = table(root_);
  for (int level = 3; level >= 0; --level) {
    uint64_t e = t[pt_index(virt, level)];
    if (level == 0) {
      if (!(e & pte::kBacked)) return std::nullopt;
      return Translation{(e & pte::kAddressMask) | (virt & (kPageBytes - 1)), e};
    }
    if (!(e & pte::kPresent)) return std::nullopt;
    if (level == 1 && (e & pte::kLarge)) {
      uint64_t base = e & pte::kAddressMask & ~(kLargePageBytes - 1);
      return Translation{base | (virt & (kLargePageBytes - 1)), e};
    }
    t = table(e & pte::kAddressMask);
  }
  return std::nullopt;
}

}  // namespace forkbox::kvm

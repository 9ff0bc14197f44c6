// Region bookkeeping for the mmap family; see vm_map.hpp.
#include "linux/vm_map.hpp"

#include <cerrno>

namespace forkbox::os {

const Region* VmMap::find(uint64_t addr) const {
  auto it = regions_.upper_bound(addr);
  if (it == regions_.begin()) return nullptr;
  --it;
  return addr < it->second.end ? &it->second : nullptr;
}

bool VmMap::fully_mapped(uint64_t start, uint64_t end) const {
  uint64_t at = start;
  while (at < end) {
    const Region* r = find(at);
    if (!r) return false;
    at = r->end;
  }
  return true;
}

bool VmMap::is_free(uint64_t start, uint64_t end) const {
  auto it = regions_.lower_bound(start);
  if (it != regions_.end() && it->second.start < end) return false;
  if (it != regions_.begin()) {
    --it;
    if (it->second.end > start) return false;
  }
  return true;
}

GuestResult VmMap::place(uint64_t addr, uint64_t len, Placement placement) const {
  if (len == 0 || len > high_limit_ - low_limit_) return std::unexpected(-ENOMEM);
  if (placement != Placement::kHint) {
    if (addr % kPageSize != 0) return std::unexpected(-EINVAL);
    if (addr < low_limit_ || addr > high_limit_ - len) return std::unexpected(-ENOMEM);
    if (placement == Placement::kFixedNoReplace && !is_free(addr, addr + len))
      return std::unexpected(-EEXIST);
    return addr;
  }
  addr = page_floor(addr);
  if (addr >= low_limit_ && addr <= high_limit_ - len && is_free(addr, addr + len)) return addr;
  // Top-down first fit below mmap_top_: walk the gaps from the highest region downwards.
  uint64_t top = mmap_top_;
  auto it = regions_.lower_bound(top);
  while (true) {
    uint64_t gap_floor = low_limit_;
    if (it != regions_.begin()) {
      auto prev = std::prev(it);
      if (prev->second.end > top) {  // region straddles the current top
        top = prev->second.start;
        it = prev;
        continue;
      }
      gap_floor = prev->second.end;
    }
    if (top >= len && top - len >= gap_floor) return top - len;
    if (it == regions_.begin()) return std::unexpected(-ENOMEM);
    --it;
    top = it->second.start;
  }
}

void VmMap::split_at(uint64_t at) {
  auto it = regions_.upper_bound(at);
  if (it == regions_.begin()) return;
  --it;
  Region& r = it->second;
  if (r.start >= at || r.end <= at) return;
  Region upper{at, r.end, r.prot};
  r.end = at;
  regions_.emplace(at, upper);
}

void VmMap::insert(uint64_t start, uint64_t end, uint8_t prot) {
  remove(start, end);
  regions_.emplace(start, Region{start, end, prot});
  coalesce(start, end);
}

void VmMap::remove(uint64_t start, uint64_t end) {
  if (start >= end) return;
  split_at(start);
  split_at(end);
  auto it = regions_.lower_bound(start);
  while (it != regions_.end() && it->second.start < end) it = regions_.erase(it);
}

int VmMap::protect(uint64_t start, uint64_t end, uint8_t prot) {
  if (!fully_mapped(start, end)) return -ENOMEM;
  split_at(start);
  split_at(end);
  for (auto it = regions_.lower_bound(start); it != regions_.end() && it->second.start < end; ++it)
    it->second.prot = prot;
  coalesce(start, end);
  return 0;
}

void VmMap::coalesce(uint64_t start, uint64_t end) {
  auto it = regions_.lower_bound(start);
  if (it != regions_.begin()) --it;
  while (it != regions_.end() && it->second.start <= end) {
    auto next = std::next(it);
    if (next == regions_.end()) break;
    if (it->second.end == next->second.start && it->second.prot == next->second.prot) {
      it->second.end = next->second.end;
      regions_.erase(next);
    } else {
      it = next;
    }
  }
}

}  // namespace forkbox::os

// PageMap growth and deletion; see page_map.hpp.
#include "riscv/page_map.hpp"

namespace forkbox::riscv {

void PageMap::put(uint64_t page, uint8_t* data) {
  // Keep the load (tombstones included) under 3/4 so probes stay short.
  if ((used_ + 1) * 4 > slots_.size() * 3) grow();
  size_t mask = slots_.size() - 1;
  size_t first_tomb = SIZE_MAX;
  for (size_t i = hash(page) & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.page == page) {
      s.data = data;
      return;
    }
    if (s.page == kTombstone && first_tomb == SIZE_MAX) first_tomb = i;
    if (s.page == kEmpty) {
      if (first_tomb != SIZE_MAX) {
        slots_[first_tomb] = Slot{page, data};
      } else {
        s = Slot{page, data};
        ++used_;
      }
      ++count_;
      return;
    }
  }
}

uint8_t* PageMap::erase(uint64_t page) {
  if (slots_.empty()) return nullptr;
  size_t mask = slots_.size() - 1;
  for (size_t i = hash(page) & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.page == page) {
      uint8_t* d = s.data;
      s = Slot{kTombstone, nullptr};
      --count_;
      return d;
    }
    if (s.page == kEmpty) return nullptr;
  }
}

void PageMap::clear() {
  if (count_ == 0 && used_ == 0) return;
  for (Slot& s : slots_) s = Slot{};
  count_ = used_ = 0;
}

void PageMap::grow() {
  std::vector<Slot> old = std::move(slots_);
  size_t cap = old.empty() ? 16 : old.size() * 2;
  // Rehash into a map twice as large, unless most of the old one was tombstones.
  if (!old.empty() && count_ * 2 < old.size() / 2) cap = old.size();
  slots_.assign(cap, Slot{});
  count_ = used_ = 0;
  for (const Slot& s : old)
    if (s.page != kEmpty && s.page != kTombstone) put(s.page, s.data);
}

}  // namespace forkbox::riscv

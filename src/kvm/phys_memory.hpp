// Guest-physical memory: one memfd mapped into the VMM and installed as a single KVM memory
// slot, plus the only allocator of guest-physical pages. Keeping all of guest RAM in one slot and
// all allocation here is deliberate: the snapshot work will switch the mapping to a MAP_PRIVATE
// view of a sealed memfd with dirty logging, which only has to touch this file.
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

class PhysMemory {
 public:
  // Creates `size` bytes of guest RAM (sparse: the host only commits pages the guest touches)
  // and installs it as slot 0 at guest-physical 0. `max_pages` bounds the pages allocate() hands
  // out (the memory limit).
  [[nodiscard]] static std::expected<PhysMemory, KvmError> create(Vm& vm, uint64_t size,
                                                                  uint64_t max_pages);
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

 private:
  PhysMemory() = default;
  void unmap();

  UniqueFd memfd_;
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  uint64_t next_ = 0;  // bump pointer for never-used pages
  uint64_t in_use_ = 0;
  uint64_t peak_ = 0;
  uint64_t max_pages_ = 0;
  std::vector<uint64_t> free_;
};

}  // namespace forkbox::kvm

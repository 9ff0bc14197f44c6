// Guest RAM and its page allocator; see phys_memory.hpp.
#include "kvm/phys_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "kvm/kernel_layout.hpp"

namespace forkbox::kvm {

std::expected<PhysMemory, KvmError> PhysMemory::create(Vm& vm, uint64_t size,
                                                       uint64_t max_pages) {
  PhysMemory mem;
  mem.memfd_ = UniqueFd(::memfd_create("forkbox-kvm-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!mem.memfd_) return std::unexpected(KvmError::kMemoryFailed);
  if (::ftruncate(mem.memfd_.get(), static_cast<off_t>(size)) < 0)
    return std::unexpected(KvmError::kMemoryFailed);
  // MAP_NORESERVE: the slot is sized for the memory limit but only touched pages are committed.
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                   mem.memfd_.get(), 0);
  if (p == MAP_FAILED) return std::unexpected(KvmError::kMemoryFailed);
  mem.base_ = static_cast<uint8_t*>(p);
  mem.size_ = size;
  mem.next_ = kReservedBytes;
  mem.max_pages_ = max_pages;
  if (auto r = vm.set_memory(0, 0, size, mem.base_); !r) return std::unexpected(r.error());
  return mem;
}

PhysMemory::PhysMemory(PhysMemory&& other) noexcept { *this = std::move(other); }

PhysMemory& PhysMemory::operator=(PhysMemory&& other) noexcept {
  if (this != &other) {
    unmap();
    memfd_ = std::move(other.memfd_);
    base_ = std::exchange(other.base_, nullptr);
    size_ = std::exchange(other.size_, 0);
    next_ = other.next_;
    in_use_ = other.in_use_;
    peak_ = other.peak_;
    max_pages_ = other.max_pages_;
    free_ = std::move(other.free_);
  }
  return *this;
}

PhysMemory::~PhysMemory() { unmap(); }

void PhysMemory::unmap() {
  if (base_) ::munmap(base_, size_);
  base_ = nullptr;
}

std::optional<uint64_t> PhysMemory::allocate() {
  if (in_use_ >= max_pages_) return std::nullopt;
  uint64_t phys;
  if (!free_.empty()) {
    phys = free_.back();
    free_.pop_back();
    std::memset(host(phys), 0, kPageBytes);  // recycled: the next user must see zeros
  } else {
    if (next_ + kPageBytes > size_) return std::nullopt;
    phys = next_;  // never used: the memfd reads as zero already
    next_ += kPageBytes;
  }
  ++in_use_;
  if (in_use_ > peak_) peak_ = in_use_;
  return phys;
}

void PhysMemory::release(uint64_t phys) {
  free_.push_back(phys);
  --in_use_;
}

}  // namespace forkbox::kvm

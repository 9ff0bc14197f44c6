// Guest RAM and its page allocator; see phys_memory.hpp.
#include "kvm/phys_memory.hpp"

#include <linux/kvm.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>
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

std::expected<PhysMemory, KvmError> PhysMemory::create_fork(Vm& vm, int snapshot_fd,
                                                            uint64_t size,
                                                            const PhysAllocState& alloc,
                                                            uint64_t max_pages, bool dirty_log) {
  PhysMemory mem;
  // MAP_PRIVATE: writes (guest or VMM) copy the page; the sealed memfd stays the snapshot, shared
  // by every fork. MAP_NORESERVE: only pages this fork writes are committed.
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE,
                   snapshot_fd, 0);
  if (p == MAP_FAILED) return std::unexpected(KvmError::kMemoryFailed);
  mem.base_ = static_cast<uint8_t*>(p);
  mem.size_ = size;
  mem.next_ = alloc.next;
  mem.in_use_ = alloc.in_use;
  mem.peak_ = alloc.in_use;
  mem.free_ = alloc.free;
  mem.max_pages_ = max_pages;
  mem.dirty_log_ = dirty_log;
  const uint64_t words = (size / kPageBytes + 63) / 64;
  if (dirty_log) {
    mem.vmm_dirty_.assign(words, 0);
    mem.kvm_dirty_.assign(words, 0);
  }
  // KVM's own dirty log write-protects every page after each read of the log, which costs a
  // hypervisor fault per first write here; the page map finds the same pages (private copies)
  // without touching the guest's run. FORKBOX_KVM_DIRTY_LOG=1 selects KVM's log instead.
  const char* env = std::getenv("FORKBOX_KVM_DIRTY_LOG");
  mem.kvm_log_ = dirty_log && env && std::string_view(env) == "1";
  const uint32_t flags = mem.kvm_log_ ? KVM_MEM_LOG_DIRTY_PAGES : 0;
  if (auto r = vm.set_memory(0, 0, size, mem.base_, flags); !r) return std::unexpected(r.error());
  return mem;
}

bool PhysMemory::collect_private_pages() {
  // /proc/self/pagemap: one u64 per virtual page; bit 63 present, bit 62 swapped, bit 61 "file
  // page or shared anonymous". A present (or swapped) page of our MAP_PRIVATE mapping that is
  // not a file page is a private copy: the guest or the VMM wrote it.
  if (!pagemap_) pagemap_ = UniqueFd(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
  if (!pagemap_) return false;
  const uint64_t pages = std::max(next_, kReservedBytes) / kPageBytes;
  pagemap_buf_.resize(pages);
  const auto offset = static_cast<off_t>(reinterpret_cast<uintptr_t>(base_) / kPageBytes * 8);
  const size_t bytes = pages * sizeof(uint64_t);
  if (::pread(pagemap_.get(), pagemap_buf_.data(), bytes, offset) != static_cast<ssize_t>(bytes))
    return false;
  for (uint64_t p = 0; p < pages; ++p) {
    const uint64_t e = pagemap_buf_[p];
    if ((e & (3ull << 62)) && !(e & (1ull << 61))) kvm_dirty_[p / 64] |= 1ull << (p % 64);
  }
  return true;
}

std::expected<uint64_t, KvmError> PhysMemory::reset(Vm& vm, const PhysAllocState& alloc) {
  if (!dirty_log_) return std::unexpected(KvmError::kMemoryFailed);
  if (kvm_log_) {
    if (auto r = vm.dirty_log(0, kvm_dirty_); !r) return std::unexpected(r.error());
  } else {
    std::fill(kvm_dirty_.begin(), kvm_dirty_.end(), 0);
    if (!collect_private_pages()) return std::unexpected(KvmError::kMemoryFailed);
  }
  uint64_t dropped = 0;
  uint64_t run_start = 0;
  uint64_t run_len = 0;
  auto flush_run = [&]() -> bool {
    if (run_len == 0) return true;
    // The range lies inside our private mapping of the slot; DONTNEED drops this fork's copies,
    // so the next access reads the sealed snapshot again (KVM's MMU notifier unmaps them too).
    int r = ::madvise(base_ + run_start * kPageBytes, run_len * kPageBytes, MADV_DONTNEED);
    dropped += run_len;
    run_len = 0;
    return r == 0;
  };
  for (size_t w = 0; w < kvm_dirty_.size(); ++w) {
    uint64_t bits = kvm_dirty_[w] | vmm_dirty_[w];
    vmm_dirty_[w] = 0;
    while (bits) {
      const uint64_t page = w * 64 + static_cast<uint64_t>(__builtin_ctzll(bits));
      bits &= bits - 1;
      if (run_len && run_start + run_len == page) {
        ++run_len;
        continue;
      }
      if (!flush_run()) return std::unexpected(KvmError::kMemoryFailed);
      run_start = page;
      run_len = 1;
    }
  }
  if (!flush_run()) return std::unexpected(KvmError::kMemoryFailed);
  // Pages first handed out during this run may be mapped by KVM without having been written
  // (read faults); dropping them too makes KVM forget every translation to them, so a reset
  // needs no full flush unless rights were taken away (see Machine::reset).
  if (next_ > alloc.next) {
    // Inside the mapping: [alloc.next, next_) was handed out by allocate() from this slot.
    if (::madvise(base_ + alloc.next, next_ - alloc.next, MADV_DONTNEED) != 0)
      return std::unexpected(KvmError::kMemoryFailed);
  }
  next_ = alloc.next;
  in_use_ = alloc.in_use;
  free_ = alloc.free;
  return dropped;
}

std::expected<uint64_t, KvmError> PhysMemory::count_dirty(Vm& vm) {
  if (!dirty_log_) return std::unexpected(KvmError::kMemoryFailed);
  if (kvm_log_) {
    if (auto r = vm.dirty_log(0, kvm_dirty_); !r) return std::unexpected(r.error());
  } else {
    std::fill(kvm_dirty_.begin(), kvm_dirty_.end(), 0);
    if (!collect_private_pages()) return std::unexpected(KvmError::kMemoryFailed);
  }
  uint64_t n = 0;
  for (size_t w = 0; w < kvm_dirty_.size(); ++w) {
    vmm_dirty_[w] |= kvm_dirty_[w];  // keep them for a later reset: the log was re-armed
    n += static_cast<uint64_t>(__builtin_popcountll(vmm_dirty_[w]));
  }
  return n;
}

UniqueFd PhysMemory::release_memfd() {
  unmap();
  return std::move(memfd_);
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
    dirty_log_ = other.dirty_log_;
    kvm_log_ = other.kvm_log_;
    pagemap_ = std::move(other.pagemap_);
    vmm_dirty_ = std::move(other.vmm_dirty_);
    kvm_dirty_ = std::move(other.kvm_dirty_);
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
    mark_dirty(phys);
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

// Guest RAM and its page allocator; see phys_memory.hpp.
#include "kvm/phys_memory.hpp"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "kvm/kernel_layout.hpp"

namespace forkbox::kvm {

namespace {
// Why 4096 pages (16 MiB): comparing and copying that much costs about 2 ms, the price of ~80
// re-faults here; a run that wrote more than that is an outlier whose pages are better dropped
// than compared on every later reset.
constexpr uint64_t kMaxCopyBackPages = 4096;
}  // namespace

std::expected<PhysMemory, KvmError> PhysMemory::create(Vm& vm, uint64_t size, uint64_t max_pages) {
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

std::expected<PhysMemory, KvmError> PhysMemory::create_fork(Vm& vm, int snapshot_fd, uint64_t size,
                                                            const PhysAllocState& alloc,
                                                            uint64_t max_pages, bool dirty_log) {
  PhysMemory mem;
  // MAP_PRIVATE: writes (guest or VMM) copy the page; the sealed memfd stays the snapshot, shared
  // by every fork. MAP_NORESERVE: only pages this fork writes are committed.
  void* p =
      ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, snapshot_fd, 0);
  if (p == MAP_FAILED) return std::unexpected(KvmError::kMemoryFailed);
  mem.base_ = static_cast<uint8_t*>(p);
  mem.size_ = size;
  // Read-only and shared: the sealed snapshot's own bytes, for resets that copy pages back.
  void* src = ::mmap(nullptr, size, PROT_READ, MAP_SHARED | MAP_NORESERVE, snapshot_fd, 0);
  if (src == MAP_FAILED) return std::unexpected(KvmError::kMemoryFailed);
  mem.source_ = static_cast<const uint8_t*>(src);
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
  // How guest writes are found (see phys_memory.hpp): KVM's log in manual-protect mode when
  // KVM offers it, else the page map. FORKBOX_KVM_DIRTY_LOG=1 selects KVM's classic log (which
  // write-protects every page again after each read: a hypervisor fault per first write of
  // every run here), =pagemap the page map.
  const char* env = std::getenv("FORKBOX_KVM_DIRTY_LOG");
  const std::string_view choice = env ? env : "";
  mem.kvm_log_ = dirty_log && choice == "1";
  mem.manual_log_ = dirty_log && choice.empty() && vm.enable_manual_dirty_log();
  if (mem.manual_log_) mem.clear_bits_.assign(words, 0);
  const uint32_t flags = mem.kvm_log_ || mem.manual_log_ ? KVM_MEM_LOG_DIRTY_PAGES : 0;
  if (auto r = vm.set_memory(0, 0, size, mem.base_, flags); !r) return std::unexpected(r.error());
  return mem;
}

namespace {

// PAGEMAP_SCAN (Linux 6.7, include/uapi/linux/fs.h; not in this distribution's headers yet):
// one ioctl on /proc/self/pagemap returns the ranges of pages that match a category filter,
// instead of one u64 per page.
struct PageRegion {
  uint64_t start;
  uint64_t end;
  uint64_t categories;
};
struct PmScanArg {
  uint64_t size;
  uint64_t flags;
  uint64_t start;
  uint64_t end;
  uint64_t walk_end;
  uint64_t vec;
  uint64_t vec_len;
  uint64_t max_pages;
  uint64_t category_inverted;
  uint64_t category_mask;
  uint64_t category_anyof_mask;
  uint64_t return_mask;
};
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PmScanArg);
constexpr uint64_t kPageIsFile = 1u << 2;
constexpr uint64_t kPageIsPresent = 1u << 3;
constexpr uint64_t kPageIsSwapped = 1u << 4;
// Regions returned per ioctl; a longer list takes another call from where the walk stopped.
constexpr size_t kScanRegions = 512;

}  // namespace

bool PhysMemory::collect_private_pages() {
  // A present (or swapped) page of our MAP_PRIVATE mapping that is not a file page is a
  // private copy: the guest or the VMM wrote it.
  if (!pagemap_) pagemap_ = UniqueFd(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
  if (!pagemap_) return false;
  const uint64_t pages = std::max(next_, kReservedBytes) / kPageBytes;
  const auto begin = reinterpret_cast<uintptr_t>(base_);
  const uint64_t end = begin + pages * kPageBytes;
  if (pagemap_scan_) {
    // Ranges of non-file pages that are present or swapped.
    std::array<PageRegion, kScanRegions> regions{};
    PmScanArg arg{};
    arg.size = sizeof arg;
    arg.start = begin;
    arg.end = end;
    arg.vec = reinterpret_cast<uintptr_t>(regions.data());
    arg.vec_len = regions.size();
    arg.category_inverted = kPageIsFile;
    arg.category_mask = kPageIsFile;
    arg.category_anyof_mask = kPageIsPresent | kPageIsSwapped;
    arg.return_mask = kPageIsPresent | kPageIsSwapped;
    while (arg.start < end) {
      const int n = ::ioctl(pagemap_.get(), kPagemapScan, &arg);
      if (n < 0) break;  // not supported here: fall back to reading the page map
      for (int i = 0; i < n; ++i) {
        const PageRegion& r = regions[static_cast<size_t>(i)];
        for (uint64_t a = r.start; a < r.end; a += kPageBytes) {
          const uint64_t p = (a - begin) / kPageBytes;
          kvm_dirty_[p / 64] |= 1ull << (p % 64);
        }
      }
      if (arg.walk_end <= arg.start) return false;
      arg.start = arg.walk_end;
    }
    if (arg.start >= end) return true;
    pagemap_scan_ = false;
  }
  // /proc/self/pagemap: one u64 per virtual page; bit 63 present, bit 62 swapped, bit 61 "file
  // page or shared anonymous".
  pagemap_buf_.resize(pages);
  const auto offset = static_cast<off_t>(begin / kPageBytes * 8);
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
  if (kvm_log_ || manual_log_) {
    if (auto r = vm.dirty_log(0, kvm_dirty_); !r) return std::unexpected(r.error());
  } else {
    std::fill(kvm_dirty_.begin(), kvm_dirty_.end(), 0);
    if (!collect_private_pages()) return std::unexpected(KvmError::kMemoryFailed);
  }
  // Pages the guest alone wrote inside the snapshot's allocation are copied back when they
  // differ (cheap: a compare and a copy per page, against ~25 us per re-fault through this
  // hypervisor's shadow paging); the rest, and everything past kMaxCopyBackPages, are dropped.
  const uint64_t snapshot_pages = alloc.next / kPageBytes;
  uint64_t copy_candidates = 0;
  for (size_t w = 0; w < kvm_dirty_.size(); ++w)
    copy_candidates += static_cast<uint64_t>(__builtin_popcountll(kvm_dirty_[w] & ~vmm_dirty_[w]));
  const bool copy_back = source_ != nullptr && copy_candidates <= kMaxCopyBackPages;
  uint64_t changed = 0;
  uint64_t run_start = 0;
  uint64_t run_len = 0;
  bool clear_log = false;
  auto flush_run = [&]() -> bool {
    if (run_len == 0) return true;
    // Manual-protect log: a dropped page leaves the log, so only a new write brings it back.
    if (manual_log_) {
      for (uint64_t p = run_start; p < run_start + run_len; ++p)
        clear_bits_[p / 64] |= 1ull << (p % 64);
      clear_log = true;
    }
    // The range lies inside our private mapping of the slot; DONTNEED drops this fork's copies,
    // so the next access reads the sealed snapshot again (KVM's MMU notifier unmaps them too).
    int r = ::madvise(base_ + run_start * kPageBytes, run_len * kPageBytes, MADV_DONTNEED);
    changed += run_len;
    run_len = 0;
    return r == 0;
  };
  for (size_t w = 0; w < kvm_dirty_.size(); ++w) {
    uint64_t bits = kvm_dirty_[w] | vmm_dirty_[w];
    const uint64_t guest_only = kvm_dirty_[w] & ~vmm_dirty_[w];
    vmm_dirty_[w] = 0;
    while (bits) {
      const uint64_t bit = bits & -bits;
      const uint64_t page = w * 64 + static_cast<uint64_t>(__builtin_ctzll(bits));
      bits &= bits - 1;
      if (copy_back && (guest_only & bit) && page < snapshot_pages) {
        // Both pointers stay inside the slot: page < alloc.next <= size_.
        uint8_t* dst = base_ + page * kPageBytes;
        const uint8_t* src = source_ + page * kPageBytes;
        if (std::memcmp(dst, src, kPageBytes) != 0) {
          std::memcpy(dst, src, kPageBytes);
          ++changed;
        }
        continue;
      }
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
  if (clear_log) {
    auto cleared = vm.clear_dirty_log(0, size_ / kPageBytes, clear_bits_);
    std::fill(clear_bits_.begin(), clear_bits_.end(), 0);
    if (!cleared) return std::unexpected(cleared.error());
  }
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
  return changed;
}

std::expected<uint64_t, KvmError> PhysMemory::private_pages() {
  const uint64_t words = (size_ / kPageBytes + 63) / 64;
  if (kvm_dirty_.size() != words) kvm_dirty_.assign(words, 0);
  std::fill(kvm_dirty_.begin(), kvm_dirty_.end(), 0);
  if (!collect_private_pages()) return std::unexpected(KvmError::kMemoryFailed);
  uint64_t n = 0;
  for (uint64_t w : kvm_dirty_) n += static_cast<uint64_t>(__builtin_popcountll(w));
  return n;
}

std::expected<uint64_t, KvmError> PhysMemory::count_dirty(Vm& vm) {
  if (!dirty_log_) return std::unexpected(KvmError::kMemoryFailed);
  if (kvm_log_ || manual_log_) {
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

std::expected<WorkingSet, KvmError> PhysMemory::working_set() {
  if (!pagemap_) pagemap_ = UniqueFd(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
  if (!pagemap_) return std::unexpected(KvmError::kMemoryFailed);
  const uint64_t pages = std::max(next_, kReservedBytes) / kPageBytes;
  std::vector<uint64_t> entries(pages);
  const auto begin = reinterpret_cast<uintptr_t>(base_);
  const auto offset = static_cast<off_t>(begin / kPageBytes * sizeof(uint64_t));
  const size_t bytes = pages * sizeof(uint64_t);
  if (::pread(pagemap_.get(), entries.data(), bytes, offset) != static_cast<ssize_t>(bytes))
    return std::unexpected(KvmError::kMemoryFailed);
  // Page-map entry bits: 63 present, 61 "file page or shared anonymous" (here: still the
  // snapshot's page; a private copy is anonymous).
  WorkingSet set;
  auto add = [](std::vector<WorkingSet::Run>& runs, uint64_t page) {
    if (!runs.empty() && runs.back().first_page + runs.back().pages == page)
      ++runs.back().pages;
    else
      runs.push_back({page, 1});
  };
  for (uint64_t p = 0; p < pages; ++p) {
    const uint64_t e = entries[p];
    if (!(e & (1ull << 63))) continue;
    if (e & (1ull << 61)) {
      add(set.read, p);
      ++set.read_pages;
    } else {
      add(set.written, p);
      ++set.written_pages;
    }
  }
  return set;
}

bool PhysMemory::prefault(const WorkingSet& set, Prefault mode) {
  const uint64_t slot_pages = size_ / kPageBytes;
  auto populate = [&](const std::vector<WorkingSet::Run>& runs, int advice) {
    for (const WorkingSet::Run& r : runs) {
      if (r.first_page >= slot_pages) continue;
      const uint64_t n = std::min(r.pages, slot_pages - r.first_page);
      // Inside our mapping of the slot (cut to its end above).
      if (::madvise(base_ + r.first_page * kPageBytes, n * kPageBytes, advice) != 0) return false;
    }
    return true;
  };
  switch (mode) {
    case Prefault::kNone: return true;
    case Prefault::kWritten: return populate(set.written, MADV_POPULATE_WRITE);
    case Prefault::kWrittenRead:
      return populate(set.written, MADV_POPULATE_WRITE) &&
             populate(set.read, MADV_POPULATE_READ);
    case Prefault::kAllWritable:
      return populate(set.written, MADV_POPULATE_WRITE) &&
             populate(set.read, MADV_POPULATE_WRITE);
  }
  return false;
}

UniqueFd PhysMemory::release_memfd() {
  unmap();
  return std::move(memfd_);
}

PhysMemory::PhysMemory(PhysMemory&& other) noexcept {
  *this = std::move(other);
}

PhysMemory& PhysMemory::operator=(PhysMemory&& other) noexcept {
  if (this != &other) {
    unmap();
    memfd_ = std::move(other.memfd_);
    base_ = std::exchange(other.base_, nullptr);
    source_ = std::exchange(other.source_, nullptr);
    size_ = std::exchange(other.size_, 0);
    next_ = other.next_;
    in_use_ = other.in_use_;
    peak_ = other.peak_;
    max_pages_ = other.max_pages_;
    free_ = std::move(other.free_);
    dirty_log_ = other.dirty_log_;
    kvm_log_ = other.kvm_log_;
    manual_log_ = other.manual_log_;
    clear_bits_ = std::move(other.clear_bits_);
    pagemap_ = std::move(other.pagemap_);
    pagemap_scan_ = other.pagemap_scan_;
    vmm_dirty_ = std::move(other.vmm_dirty_);
    kvm_dirty_ = std::move(other.kvm_dirty_);
  }
  return *this;
}

PhysMemory::~PhysMemory() {
  unmap();
}

void PhysMemory::unmap() {
  if (base_) ::munmap(base_, size_);
  if (source_) ::munmap(const_cast<uint8_t*>(source_), size_);
  base_ = nullptr;
  source_ = nullptr;
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

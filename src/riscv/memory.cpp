// Guest memory slow paths and the mmap family for the riscv engine; see memory.hpp.
#include "riscv/memory.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace forkbox::riscv {
namespace {

constexpr uint64_t kPage = os::kPageSize;

// Read-only zero page backing untouched pages of a mapping: reading 1 GiB of fresh mmap costs
// no memory, as on Linux.
alignas(4096) const uint8_t kZeroPage[kPage] = {};

uint8_t* allocate_page() {
  void* p = std::aligned_alloc(kPage, kPage);
  if (p) std::memset(p, 0, kPage);
  return static_cast<uint8_t*>(p);
}

}  // namespace

Memory::Memory(uint64_t memory_limit_bytes)
    : vm_(Layout::kLowLimit, Layout::kStackTop - (8ull << 20) - Layout::kStackGap,
          Layout::kAddressLimit),
      limit_pages_(memory_limit_bytes / kPage) {}

Memory::~Memory() {
  for (auto& mid : root_) {
    if (!mid) continue;
    for (auto& leaf : mid->leaves) {
      if (!leaf) continue;
      for (auto& e : leaf->pages) std::free(e.data);
    }
  }
}

uint8_t* Memory::find_page(uint64_t page) const {
  const auto& mid = root_[(page >> 18) & (kLevelSize - 1)];
  if (!mid) return nullptr;
  const auto& leaf = mid->leaves[(page >> 9) & (kLevelSize - 1)];
  if (!leaf) return nullptr;
  return leaf->pages[page & (kLevelSize - 1)].data;
}

uint8_t* Memory::materialize(uint64_t page) {
  if (pages_owned_ >= limit_pages_) return nullptr;
  auto& mid = root_[(page >> 18) & (kLevelSize - 1)];
  if (!mid) mid = std::make_unique<Mid>();
  auto& leaf = mid->leaves[(page >> 9) & (kLevelSize - 1)];
  if (!leaf) leaf = std::make_unique<Leaf>();
  PageEntry& e = leaf->pages[page & (kLevelSize - 1)];
  if (!e.data) {
    e.data = allocate_page();
    if (!e.data) return nullptr;
    ++pages_owned_;
    ++pages_touched_;
    // A read TLB entry may point at the zero page for this page; drop it.
    TlbEntry& r = read_tlb_[page & (kTlbEntries - 1)];
    if (r.page == page) r = TlbEntry{};
  }
  return e.data;
}

void Memory::free_page(uint64_t page) {
  auto& mid = root_[(page >> 18) & (kLevelSize - 1)];
  if (!mid) return;
  auto& leaf = mid->leaves[(page >> 9) & (kLevelSize - 1)];
  if (!leaf) return;
  PageEntry& e = leaf->pages[page & (kLevelSize - 1)];
  if (e.data) {
    std::free(e.data);
    e.data = nullptr;
    --pages_owned_;
  }
}

void Memory::drop_pages(uint64_t start, uint64_t end) {
  // Walk only populated subtrees so that unmapping a huge reservation stays cheap.
  uint64_t first = start / kPage, last = end / kPage;  // [first, last)
  for (uint64_t p = first; p < last;) {
    auto& mid = root_[(p >> 18) & (kLevelSize - 1)];
    if (!mid) {
      p = ((p >> 18) + 1) << 18;
      continue;
    }
    auto& leaf = mid->leaves[(p >> 9) & (kLevelSize - 1)];
    if (!leaf) {
      p = ((p >> 9) + 1) << 9;
      continue;
    }
    free_page(p);
    ++p;
  }
}

void Memory::flush_tlb() {
  read_tlb_.fill(TlbEntry{});
  write_tlb_.fill(TlbEntry{});
}

uint8_t* Memory::page_for(uint64_t addr, AccessKind kind, bool ignore_write_prot) {
  if (addr >= Layout::kAddressLimit) {
    set_fault(MemoryFault::kUnmapped, kind, addr);
    return nullptr;
  }
  const os::Region* region = vm_.find(addr);
  if (!region) {
    set_fault(MemoryFault::kUnmapped, kind, addr);
    return nullptr;
  }
  uint8_t need = kind == AccessKind::kRead    ? os::kProtRead
                 : kind == AccessKind::kWrite ? os::kProtWrite
                                              : os::kProtExec;
  if (ignore_write_prot && kind == AccessKind::kWrite) need = os::kProtNone;
  if ((region->prot & need) != need) {
    set_fault(MemoryFault::kProtection, kind, addr);
    return nullptr;
  }
  uint64_t page = addr / kPage;
  uint8_t* data = find_page(page);
  if (kind != AccessKind::kWrite) {
    const uint8_t* src = data ? data : kZeroPage;
    if (kind == AccessKind::kRead) {
      // Cache readable pages (the zero page included: materialize() evicts it).
      read_tlb_[page & (kTlbEntries - 1)] =
          TlbEntry{page, reinterpret_cast<uintptr_t>(src) - page * kPage};
    }
    return const_cast<uint8_t*>(src);  // callers never write through read/execute pointers
  }
  if (!data) data = materialize(page);
  if (!data) {
    set_fault(MemoryFault::kMemoryLimit, kind, addr);
    return nullptr;
  }
  if (region->prot & os::kProtExec) {
    // Never cache writes to code: each one must reach the machine to drop decoded instructions.
    if (on_code_write) on_code_write(page * kPage);
  } else if (region->prot & os::kProtWrite) {
    write_tlb_[page & (kTlbEntries - 1)] =
        TlbEntry{page, reinterpret_cast<uintptr_t>(data) - page * kPage};
  }
  return data;
}

bool Memory::copy_out(uint64_t addr, void* dst, size_t n, AccessKind kind) {
  auto* out = static_cast<uint8_t*>(dst);
  while (n > 0) {
    const uint8_t* page = page_for(addr, kind, false);
    if (!page) return false;
    size_t off = addr % kPage;
    size_t chunk = std::min<size_t>(n, kPage - off);
    std::memcpy(out, page + off, chunk);
    out += chunk;
    addr += chunk;
    n -= chunk;
  }
  return true;
}

bool Memory::copy_in(uint64_t addr, const void* src, size_t n, bool ignore_prot) {
  const auto* in = static_cast<const uint8_t*>(src);
  while (n > 0) {
    uint8_t* page = page_for(addr, AccessKind::kWrite, ignore_prot);
    if (!page) return false;
    size_t off = addr % kPage;
    size_t chunk = std::min<size_t>(n, kPage - off);
    std::memcpy(page + off, in, chunk);
    in += chunk;
    addr += chunk;
    n -= chunk;
  }
  return true;
}

bool Memory::load_slow(uint64_t addr, void* out, size_t n) {
  return copy_out(addr, out, n, AccessKind::kRead);
}
bool Memory::store_slow(uint64_t addr, const void* in, size_t n) {
  return copy_in(addr, in, n, false);
}
bool Memory::fetch(uint64_t addr, void* out, size_t n) {
  return copy_out(addr, out, n, AccessKind::kExecute);
}

uint8_t* Memory::writable_pointer(uint64_t addr, size_t size) {
  if ((addr & (size - 1)) != 0) return nullptr;
  uint8_t* page = page_for(addr, AccessKind::kWrite, false);
  return page ? page + addr % kPage : nullptr;
}

bool Memory::read(uint64_t guest_addr, void* dst, size_t len) {
  if (len > Layout::kAddressLimit) return false;
  return copy_out(guest_addr, dst, len, AccessKind::kRead);
}
bool Memory::write(uint64_t guest_addr, const void* src, size_t len) {
  if (len > Layout::kAddressLimit) return false;
  return copy_in(guest_addr, src, len, false);
}
bool Memory::poke(uint64_t guest_addr, const void* src, size_t len) {
  if (len > Layout::kAddressLimit) return false;
  return copy_in(guest_addr, src, len, true);
}

os::GuestResult Memory::map(uint64_t addr, uint64_t len, uint8_t prot, os::Placement placement) {
  if (len == 0) return std::unexpected(-EINVAL);
  len = os::page_ceil(len);
  if (len == 0) return std::unexpected(-ENOMEM);  // overflowed
  auto where = vm_.place(addr, len, placement);
  if (!where) return where;
  drop_pages(*where, *where + len);
  vm_.insert(*where, *where + len, prot);
  flush_tlb();
  map_changed(*where, *where + len);
  return *where;
}

int Memory::unmap(uint64_t addr, uint64_t len) {
  if (addr % kPage != 0 || len == 0) return -EINVAL;
  len = os::page_ceil(len);
  if (addr >= Layout::kAddressLimit || len > Layout::kAddressLimit - addr) return -EINVAL;
  drop_pages(addr, addr + len);
  vm_.remove(addr, addr + len);
  flush_tlb();
  map_changed(addr, addr + len);
  return 0;
}

int Memory::protect(uint64_t addr, uint64_t len, uint8_t prot) {
  if (addr % kPage != 0) return -EINVAL;
  len = os::page_ceil(len);
  if (addr >= Layout::kAddressLimit || len > Layout::kAddressLimit - addr) return -ENOMEM;
  if (len == 0) return 0;
  int rc = vm_.protect(addr, addr + len, prot);
  flush_tlb();
  map_changed(addr, addr + len);
  return rc;
}

os::GuestResult Memory::remap(uint64_t old_addr, uint64_t old_len, uint64_t new_len,
                              bool may_move) {
  if (old_addr % kPage != 0) return std::unexpected(-EINVAL);
  old_len = os::page_ceil(old_len);
  new_len = os::page_ceil(new_len);
  if (new_len == 0 || old_len == 0) return std::unexpected(-EINVAL);
  if (old_addr >= Layout::kAddressLimit || old_len > Layout::kAddressLimit - old_addr)
    return std::unexpected(-EFAULT);
  const os::Region* r = vm_.find(old_addr);
  if (!r || !vm_.fully_mapped(old_addr, old_addr + old_len)) return std::unexpected(-EFAULT);
  uint8_t prot = r->prot;
  if (new_len <= old_len) {
    if (new_len < old_len) (void)unmap(old_addr + new_len, old_len - new_len);
    return old_addr;
  }
  // Grow in place when the pages after the mapping are free.
  if (old_addr + new_len <= Layout::kAddressLimit &&
      vm_.is_free(old_addr + old_len, old_addr + new_len)) {
    vm_.insert(old_addr + old_len, old_addr + new_len, prot);
    flush_tlb();
    return old_addr;
  }
  if (!may_move) return std::unexpected(-ENOMEM);
  auto where = vm_.place(0, new_len, os::Placement::kHint);
  if (!where) return where;
  vm_.insert(*where, *where + new_len, prot);
  // Move materialized pages over without copying their contents.
  for (uint64_t off = 0; off < old_len; off += kPage) {
    uint64_t src = (old_addr + off) / kPage;
    uint8_t* data = find_page(src);
    if (!data) continue;
    auto& mid = root_[(src >> 18) & (kLevelSize - 1)];
    mid->leaves[(src >> 9) & (kLevelSize - 1)]->pages[src & (kLevelSize - 1)].data = nullptr;
    uint64_t dst = (*where + off) / kPage;
    auto& dmid = root_[(dst >> 18) & (kLevelSize - 1)];
    if (!dmid) dmid = std::make_unique<Mid>();
    auto& dleaf = dmid->leaves[(dst >> 9) & (kLevelSize - 1)];
    if (!dleaf) dleaf = std::make_unique<Leaf>();
    dleaf->pages[dst & (kLevelSize - 1)].data = data;
  }
  vm_.remove(old_addr, old_addr + old_len);
  flush_tlb();
  map_changed(old_addr, old_addr + old_len);
  map_changed(*where, *where + new_len);
  return *where;
}

int Memory::discard(uint64_t addr, uint64_t len) {
  if (addr % kPage != 0) return -EINVAL;
  len = os::page_ceil(len);
  if (addr >= Layout::kAddressLimit || len > Layout::kAddressLimit - addr) return -EINVAL;
  drop_pages(addr, addr + len);
  flush_tlb();
  map_changed(addr, addr + len);
  return 0;
}

void Memory::set_brk_start(uint64_t start) {
  brk_start_ = os::page_ceil(start);
  brk_ = brk_start_;
}

uint64_t Memory::set_brk(uint64_t requested) {
  // Why 1 GiB: the heap may grow as far as an ordinary program's, bounded so it never reaches
  // the mmap area placed top-down far above it.
  constexpr uint64_t kMaxBrk = 1ull << 30;
  if (requested < brk_start_ || requested - brk_start_ > kMaxBrk) return brk_;
  uint64_t old_end = os::page_ceil(brk_), new_end = os::page_ceil(requested);
  if (new_end > old_end) {
    if (!vm_.is_free(old_end, new_end)) return brk_;
    vm_.insert(old_end, new_end, os::kProtRead | os::kProtWrite);
  } else if (new_end < old_end) {
    drop_pages(new_end, old_end);
    vm_.remove(new_end, old_end);
    flush_tlb();
  }
  brk_ = requested;
  return brk_;
}

}  // namespace forkbox::riscv

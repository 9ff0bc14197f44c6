// Guest memory slow paths, copy-on-write and the mmap family for the riscv engine; see
// memory.hpp.
#include "riscv/memory.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <vector>

namespace forkbox::riscv {

// Freed TLB blocks (Memory::Tlbs), kept per thread for the next Memory created on it, like the
// page pool below (plain data, drained and closed by the same cleaner). Why 64: a thread's
// cached forks plus the forks it creates and destroys per request.
struct TlbPool {
  static constexpr size_t kLimit = 64;
  static thread_local Memory::Tlbs* free[kLimit];
  static thread_local size_t count;
  static void drain() noexcept {
    for (size_t i = 0; i < count; ++i) delete free[i];
    count = 0;
  }
};
thread_local Memory::Tlbs* TlbPool::free[TlbPool::kLimit];
thread_local size_t TlbPool::count = 0;

namespace {

constexpr uint64_t kPage = os::kPageSize;

// Read-only zero page backing untouched pages of a mapping: reading 1 GiB of fresh mmap costs
// no memory, as on Linux.
alignas(4096) const uint8_t kZeroPage[kPage] = {};

// Freed guest pages are kept per thread for the next fork's copies, so the per-request path
// does not call the allocator. Why 1024 pages (4 MiB): enough for the pages the forks of one
// thread write back to back, small enough to not hoard memory.
//
// The pool is plain data (no destructor), so it stays usable while the thread's other
// thread-local objects (forks cached by runtimes) are destroyed at thread exit, in whatever
// order; a separate cleaner frees the pooled pages and closes the pool, after which released
// pages go straight back to the allocator.
constexpr size_t kPagePoolLimit = 1024;
thread_local uint8_t* t_free_pages[kPagePoolLimit];
thread_local size_t t_free_count = 0;
thread_local bool t_pool_closed = false;

struct PagePoolCleaner {
  bool armed = true;
  ~PagePoolCleaner() {
    for (size_t i = 0; i < t_free_count; ++i) std::free(t_free_pages[i]);
    t_free_count = 0;
    TlbPool::drain();
    t_pool_closed = true;
  }
};
thread_local PagePoolCleaner t_pool_cleaner;

uint8_t* allocate_page_uninitialized() {
  if (t_free_count > 0) return t_free_pages[--t_free_count];
  t_pool_cleaner.armed = true;  // first touch on this thread registers the cleaner
  return static_cast<uint8_t*>(std::aligned_alloc(kPage, kPage));
}

void release_page(uint8_t* p) {
  if (!p || p == PageMap::hidden()) return;
  if (!t_pool_closed && t_free_count < kPagePoolLimit) {
    t_pool_cleaner.armed = true;  // a thread that only frees (forks made elsewhere) drains too
    t_free_pages[t_free_count++] = p;
  } else {
    std::free(p);
  }
}

// Page copies are most of the cost of a copy-on-write fault and of a reset. A 64-byte vector
// loop copies a page in about half the time of `rep movsq` (17 vs 32 ns measured on this
// machine's AMD EPYC with both pages in L1); other hosts take the library's memcpy.
__attribute__((target("avx512f"))) void copy_page_avx512(uint8_t* dst, const uint8_t* src) {
  auto* d = reinterpret_cast<__m512i*>(dst);
  const auto* s = reinterpret_cast<const __m512i*>(src);
  for (size_t i = 0; i < kPage / sizeof(__m512i); i += 4) {
    __m512i a = _mm512_load_si512(s + i), b = _mm512_load_si512(s + i + 1);
    __m512i c = _mm512_load_si512(s + i + 2), e = _mm512_load_si512(s + i + 3);
    _mm512_store_si512(d + i, a);
    _mm512_store_si512(d + i + 1, b);
    _mm512_store_si512(d + i + 2, c);
    _mm512_store_si512(d + i + 3, e);
  }
}

void copy_page_portable(uint8_t* dst, const uint8_t* src) { std::memcpy(dst, src, kPage); }

// Both pages are whole, 4 KiB-aligned host pages (pool pages and template pages are).
void (*const copy_page)(uint8_t*, const uint8_t*) = [] {
  __builtin_cpu_init();  // static initializers may run before libgcc's own
  return __builtin_cpu_supports("avx512f") ? copy_page_avx512 : copy_page_portable;
}();

}  // namespace

Memory::Memory(uint64_t memory_limit_bytes) : limit_pages_(memory_limit_bytes / kPage) {
  own_vm_.emplace(Layout::kLowLimit, Layout::kStackTop - (8ull << 20) - Layout::kStackGap,
                  Layout::kAddressLimit);
  vm_ = &*own_vm_;
}

Memory::Memory(const Memory& base, uint64_t memory_limit_bytes)
    : base_(&base), vm_(base.vm_), limit_pages_(memory_limit_bytes / kPage),
      brk_start_(base.brk_start_), brk_(base.brk_) {}

Memory::~Memory() {
  own_.for_each([](uint64_t, uint8_t* d) { release_page(d); });
  kept_.for_each([](uint64_t, uint8_t* d) { release_page(d); });
}

void Memory::release_kept() {
  if (kept_.size() == 0) return;
  kept_.for_each([&](uint64_t page, uint8_t* d) {
    TlbEntry& r = tlb_->read[page & (kTlbEntries - 1)];
    if (r.tag == (page ^ tlb_->salt)) r = TlbEntry{};
    release_page(d);
  });
  kept_.clear();
}

size_t Memory::overhead_bytes() const {
  size_t vm_bytes = own_vm_ && base_ ? own_vm_->regions().size() * 64 : 0;
  // Kept pages count here: they are memory the fork holds beyond what this request wrote.
  return sizeof(Memory) + sizeof(Tlbs) + own_.memory_bytes() + kept_.memory_bytes() +
         kept_.size() * kPage + vm_bytes;
}

void Memory::reset_to_base() {
  // TLB entries of pages this fork owned (or hid) must go; entries for the template's own
  // pages stay valid, so the next request starts with a warm TLB. A changed address-space map
  // may have changed permissions anywhere: then flush everything.
  //
  // A fork whose address space did not change keeps up to kKeptPagesMax of the pages it wrote,
  // restored in place from the base (see kept_): their read entries stay valid too, and only
  // the write entries go, so that the next request's first write to each is seen.
  const bool map_changed = base_ && own_vm_.has_value();
  if (map_changed) release_kept();
  own_.for_each([&](uint64_t page, uint8_t* d) {
    if (d == PageMap::hidden()) return;
    TlbEntry& w = tlb_->write[page & (kTlbEntries - 1)];
    if (w.tag == (page ^ tlb_->salt)) w = TlbEntry{};
    if (base_ && !map_changed && kept_.size() < kKeptPagesMax) {
      const uint8_t* original = base_->own_.find(page);
      if (original) {
        copy_page(d, original);
      } else {
        std::memset(d, 0, kPage);
      }
      kept_.put(page, d);
      return;
    }
    TlbEntry& r = tlb_->read[page & (kTlbEntries - 1)];
    if (r.tag == (page ^ tlb_->salt)) r = TlbEntry{};
    release_page(d);
  });
  own_.clear();
  owned_ = 0;
  if (base_) {
    own_vm_.reset();
    vm_ = base_->vm_;
    last_region_ = nullptr;
    brk_start_ = base_->brk_start_;
    brk_ = base_->brk_;
  }
  pages_touched_ = 0;
  fault_ = {};
  if (map_changed || !base_) flush_tlb();
}

os::VmMap& Memory::mutable_vm() {
  last_region_ = nullptr;
  release_kept();  // kept pages are only valid under the base's map
  if (!own_vm_) {
    own_vm_.emplace(*vm_);
    vm_ = &*own_vm_;
  }
  return *own_vm_;
}

uint8_t* Memory::owned_page(uint64_t page) {
  uint8_t* mine = own_.find(page);
  if (mine && mine != PageMap::hidden()) return mine;
  if (owned_ >= limit_pages_) return nullptr;
  if (!mine && kept_.size() != 0) {
    if (uint8_t* kept = kept_.erase(page)) {
      // Already holds the base's bytes, and read entries may keep pointing at it.
      own_.put(page, kept);
      ++owned_;
      ++pages_touched_;
      return kept;
    }
  }
  uint8_t* data = allocate_page_uninitialized();
  if (!data) return nullptr;
  const uint8_t* inherited = mine ? nullptr : (base_ ? base_->own_.find(page) : nullptr);
  if (inherited) {
    copy_page(data, inherited);
  } else {
    std::memset(data, 0, kPage);
  }
  own_.put(page, data);
  ++owned_;
  ++pages_touched_;
  // A read TLB entry may point at the zero page or the template's copy; drop it.
  TlbEntry& r = tlb_->read[page & (kTlbEntries - 1)];
  if (r.tag == (page ^ tlb_->salt)) r = TlbEntry{};
  return data;
}

void Memory::drop_pages(uint64_t start, uint64_t end) {
  release_kept();
  uint64_t first = start / kPage, last = end / kPage;  // [first, last)
  std::vector<uint64_t> doomed;
  own_.for_each([&](uint64_t p, uint8_t*) {
    if (p >= first && p < last) doomed.push_back(p);
  });
  for (uint64_t p : doomed) {
    uint8_t* d = own_.erase(p);
    if (d != PageMap::hidden()) --owned_;
    release_page(d);
  }
  if (base_) {
    // Pages the template has stay hidden in this fork.
    base_->own_.for_each([&](uint64_t p, uint8_t*) {
      if (p >= first && p < last) own_.put(p, PageMap::hidden());
    });
  }
}

void Memory::flush_tlb() { flush(*tlb_); }

void Memory::flush(Tlbs& t) {
  t.salt += kSaltStep;
  // After 2^37 flushes the salt would come round to values that tagged earlier entries, and an
  // entry left untouched that long (a guest can flush in a loop, and salts carry across
  // resets and into the next Memory that takes the block) would match again, pointing at a
  // page that may have been freed. Clearing both TLBs when the salt wraps to 0 ends every old
  // generation.
  if (t.salt == 0) [[unlikely]] {
    t.read.fill(TlbEntry{});
    t.write.fill(TlbEntry{});
    t.salt = kSaltStep;
  }
}

std::unique_ptr<Memory::Tlbs, Memory::TlbsRelease> Memory::acquire_tlbs() {
  if (TlbPool::count > 0) {
    Tlbs* t = TlbPool::free[--TlbPool::count];
    flush(*t);  // the previous owner's entries no longer match
    return std::unique_ptr<Tlbs, TlbsRelease>(t);
  }
  t_pool_cleaner.armed = true;  // first touch on this thread registers the cleaner
  return std::unique_ptr<Tlbs, TlbsRelease>(new Tlbs{});
}

void Memory::TlbsRelease::operator()(Tlbs* t) const noexcept {
  if (!t_pool_closed && TlbPool::count < TlbPool::kLimit) {
    t_pool_cleaner.armed = true;  // as in release_page
    TlbPool::free[TlbPool::count++] = t;
  } else {
    delete t;
  }
}

uint8_t* Memory::page_for(uint64_t addr, AccessKind kind, bool ignore_write_prot) {
  if (addr >= Layout::kAddressLimit) {
    set_fault(MemoryFault::kUnmapped, kind, addr);
    return nullptr;
  }
  const os::Region* region = region_for(addr);
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
  if (kind != AccessKind::kWrite) {
    uint8_t* data = find_page(page);
    const uint8_t* src = data ? data : kZeroPage;
    if (kind == AccessKind::kRead) {
      // Cache readable pages, shared ones included: owned_page() evicts them on first write.
      tlb_->read[page & (kTlbEntries - 1)] =
          TlbEntry{page ^ tlb_->salt, reinterpret_cast<uintptr_t>(src) - page * kPage};
    }
    return const_cast<uint8_t*>(src);  // callers never write through read/execute pointers
  }
  uint8_t* data = owned_page(page);
  if (!data) {
    set_fault(MemoryFault::kMemoryLimit, kind, addr);
    return nullptr;
  }
  const TlbEntry entry{page ^ tlb_->salt, reinterpret_cast<uintptr_t>(data) - page * kPage};
  if (region->prot & os::kProtExec) {
    // Never cache writes to code: each one must reach the machine to drop decoded instructions.
    code_written_ = true;
    if (on_code_write) on_code_write(page * kPage);
  } else if (region->prot & os::kProtWrite) {
    tlb_->write[page & (kTlbEntries - 1)] = entry;
  }
  // Reads of this page now see the private copy: refill the read entry (a read-modify-write
  // would otherwise miss again right after the copy).
  if (region->prot & os::kProtRead) tlb_->read[page & (kTlbEntries - 1)] = entry;
  return data;
}

bool Memory::copy_out(uint64_t addr, void* dst, size_t n, AccessKind kind) {
  auto* out = static_cast<uint8_t*>(dst);
  while (n > 0) {
    // Host calls copy request data and responses page by page: a cached page needs no lookup.
    const TlbEntry& e = tlb_->read[(addr / kPage) & (kTlbEntries - 1)];
    const uint8_t* page = kind == AccessKind::kRead && e.tag == ((addr / kPage) ^ tlb_->salt)
                              ? reinterpret_cast<const uint8_t*>(addr / kPage * kPage + e.delta)
                              : page_for(addr, kind, false);
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
    // Write entries exist only for owned, writable, non-code pages: usable either way.
    const TlbEntry& e = tlb_->write[(addr / kPage) & (kTlbEntries - 1)];
    uint8_t* page = e.tag == ((addr / kPage) ^ tlb_->salt)
                        ? reinterpret_cast<uint8_t*>(addr / kPage * kPage + e.delta)
                        : page_for(addr, AccessKind::kWrite, ignore_prot);
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
  code_written_ = false;
  if (!copy_in(addr, in, n, false)) return false;
  if (code_written_) {
    // The store landed; tell the interpreter to re-sync with the decoded code.
    set_fault(MemoryFault::kCodeWritten, AccessKind::kWrite, addr);
    return false;
  }
  return true;
}

bool Memory::fetch(uint64_t addr, void* out, size_t n) {
  return copy_out(addr, out, n, AccessKind::kExecute);
}

uint8_t* Memory::writable_pointer(uint64_t addr, size_t size) {
  if ((addr & (size - 1)) != 0) return nullptr;
  const os::Region* region = vm_->find(addr);
  if (region && (region->prot & os::kProtExec)) {
    // Atomics on code pages are refused: the interpreter could not re-sync after them.
    set_fault(MemoryFault::kProtection, AccessKind::kWrite, addr);
    return nullptr;
  }
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
  auto where = vm_->place(addr, len, placement);
  if (!where) return where;
  drop_pages(*where, *where + len);
  mutable_vm().insert(*where, *where + len, prot);
  flush_tlb();
  map_changed(*where, *where + len);
  return *where;
}

int Memory::unmap(uint64_t addr, uint64_t len) {
  if (addr % kPage != 0 || len == 0) return -EINVAL;
  len = os::page_ceil(len);
  if (addr >= Layout::kAddressLimit || len > Layout::kAddressLimit - addr) return -EINVAL;
  drop_pages(addr, addr + len);
  mutable_vm().remove(addr, addr + len);
  flush_tlb();
  map_changed(addr, addr + len);
  return 0;
}

int Memory::protect(uint64_t addr, uint64_t len, uint8_t prot) {
  if (addr % kPage != 0) return -EINVAL;
  len = os::page_ceil(len);
  if (addr >= Layout::kAddressLimit || len > Layout::kAddressLimit - addr) return -ENOMEM;
  if (len == 0) return 0;
  int rc = mutable_vm().protect(addr, addr + len, prot);
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
  const os::Region* r = vm_->find(old_addr);
  if (!r || !vm_->fully_mapped(old_addr, old_addr + old_len)) return std::unexpected(-EFAULT);
  uint8_t prot = r->prot;
  if (new_len <= old_len) {
    if (new_len < old_len) (void)unmap(old_addr + new_len, old_len - new_len);
    return old_addr;
  }
  // Grow in place when the pages after the mapping are free.
  if (old_addr + new_len <= Layout::kAddressLimit &&
      vm_->is_free(old_addr + old_len, old_addr + new_len)) {
    mutable_vm().insert(old_addr + old_len, old_addr + new_len, prot);
    flush_tlb();
    return old_addr;
  }
  if (!may_move) return std::unexpected(-ENOMEM);
  auto where = vm_->place(0, new_len, os::Placement::kHint);
  if (!where) return where;
  mutable_vm().insert(*where, *where + new_len, prot);
  // Move the pages over: owned ones by pointer, inherited ones by copying into owned pages.
  for (uint64_t off = 0; off < old_len; off += kPage) {
    uint64_t src = (old_addr + off) / kPage, dst = (*where + off) / kPage;
    uint8_t* mine = own_.find(src);
    if (mine && mine != PageMap::hidden()) {
      own_.erase(src);
      own_.put(dst, mine);
    } else if (!mine && base_ && base_->own_.find(src)) {
      uint8_t* copy = owned_page(src);  // copies the inherited page
      if (!copy) return std::unexpected(-ENOMEM);
      own_.erase(src);
      own_.put(dst, copy);
    }
  }
  drop_pages(old_addr, old_addr + old_len);
  mutable_vm().remove(old_addr, old_addr + old_len);
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
    if (!vm_->is_free(old_end, new_end)) return brk_;
    mutable_vm().insert(old_end, new_end, os::kProtRead | os::kProtWrite);
  } else if (new_end < old_end) {
    drop_pages(new_end, old_end);
    mutable_vm().remove(new_end, old_end);
    flush_tlb();
  }
  brk_ = requested;
  return brk_;
}

}  // namespace forkbox::riscv

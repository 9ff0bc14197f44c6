// The user address space over VMM-owned page tables; see address_space.hpp.
//
// Every guest-supplied address and length is validated against the user range [kUserLow,
// kUserTop) before any table is touched, and every page table entry the VMM writes points at a
// page PhysMemory handed out, so nothing the guest passes can make the VMM touch host memory
// outside guest RAM.
#include "kvm/address_space.hpp"

#include <cerrno>
#include <cstring>

#include "kvm/kernel_layout.hpp"

namespace forkbox::kvm {

namespace {
// Pages backed together on a guest #PF, around and including the faulting one. Why 8 (32 KiB):
// each fault is a VM exit costing tens of microseconds here, and programs touch memory in runs;
// a small window cuts exits several-fold while over-committing at most 28 KiB per fault.
constexpr uint64_t kFaultAroundPages = 8;
}  // namespace

AddressSpace::AddressSpace(PhysMemory& mem, PageTables& tables)
    : mem_(&mem), tables_(&tables), map_(kUserLow, kMmapTop, kUserTop) {}

uint64_t AddressSpace::leaf_flags(uint8_t prot) {
  uint64_t flags = pte::kBacked | pte::kAccessed | pte::kDirty | pte::kUser;
  if (prot == os::kProtNone) return flags;  // backed but not present
  flags |= pte::kPresent;
  if (prot & os::kProtWrite) flags |= pte::kWritable;
  if (!(prot & os::kProtExec)) flags |= pte::kNoExecute;
  return flags;
}

bool AddressSpace::range_ok(uint64_t addr, uint64_t len) const {
  return addr >= kUserLow && addr <= kUserTop && len <= kUserTop - addr;
}

bool AddressSpace::back_page(uint64_t virt, uint8_t prot) {
  uint64_t* leaf = tables_->leaf(virt, true, pte::kUser);
  if (!leaf) return false;
  if (*leaf & pte::kBacked) return true;
  auto phys = mem_->allocate();
  if (!phys) return false;
  *leaf = *phys | leaf_flags(prot);
  ++user_pages_;
  return true;
}

void AddressSpace::release_range(uint64_t start, uint64_t end) {
  tables_->for_each_backed(start, end, [&](uint64_t, uint64_t& e) {
    if (e & pte::kPresent) tlb_flush_pending_ = rights_changed_ = true;
    mem_->release(e & pte::kAddressMask);
    e = 0;
    --user_pages_;
  });
}

uint8_t* AddressSpace::host_page(uint64_t virt, Access access) {
  if (virt < kUserLow || virt >= kUserTop) return nullptr;
  const os::Region* region = map_.find(virt);
  if (!region) return nullptr;
  if (access == Access::kRead && !(region->prot & (os::kProtRead | os::kProtWrite | os::kProtExec)))
    return nullptr;
  if (access == Access::kWrite && !(region->prot & os::kProtWrite)) return nullptr;
  uint64_t* leaf = tables_->leaf(virt, false, 0);
  if (!leaf || !(*leaf & pte::kBacked)) {
    if (!back_page(os::page_floor(virt), region->prot)) {
      memory_limit_hit_ = true;
      return nullptr;
    }
    leaf = tables_->leaf(virt, false, 0);
  }
  const uint64_t phys = *leaf & pte::kAddressMask;
  if (access != Access::kRead) mem_->mark_dirty(phys);
  return mem_->host(phys) + (virt & (kPageBytes - 1));
}

bool AddressSpace::copy(uint64_t guest_addr, uint8_t* host, size_t len, Access access,
                        bool to_guest) {
  if (len == 0) return true;
  if (!range_ok(guest_addr, len)) return false;
  while (len > 0) {
    uint8_t* p = host_page(guest_addr, access);
    if (!p) return false;
    size_t chunk = std::min<size_t>(len, kPageBytes - (guest_addr & (kPageBytes - 1)));
    if (to_guest) {
      std::memcpy(p, host, chunk);
    } else {
      std::memcpy(host, p, chunk);
    }
    guest_addr += chunk;
    host += chunk;
    len -= chunk;
  }
  return true;
}

bool AddressSpace::read(uint64_t guest_addr, void* dst, size_t len) {
  return copy(guest_addr, static_cast<uint8_t*>(dst), len, Access::kRead, false);
}

bool AddressSpace::write(uint64_t guest_addr, const void* src, size_t len) {
  // copy() only reads through `host` when to_guest is set; the cast drops const for the shared
  // helper, never to write.
  return copy(guest_addr, static_cast<uint8_t*>(const_cast<void*>(src)), len, Access::kWrite,
              true);
}

bool AddressSpace::poke(uint64_t guest_addr, const void* src, size_t len) {
  return copy(guest_addr, static_cast<uint8_t*>(const_cast<void*>(src)), len, Access::kPoke,
              true);
}

os::GuestResult AddressSpace::map(uint64_t addr, uint64_t len, uint8_t prot,
                                  os::Placement placement) {
  if (len == 0) return std::unexpected(-EINVAL);
  if (len > kUserTop) return std::unexpected(-ENOMEM);
  len = os::page_ceil(len);
  auto start = map_.place(addr, len, placement);
  if (!start) return start;
  if (placement == os::Placement::kFixed) release_range(*start, *start + len);
  map_.insert(*start, *start + len, prot);
  return *start;
}

int AddressSpace::unmap(uint64_t addr, uint64_t len) {
  if (addr % kPageBytes != 0 || len == 0) return -EINVAL;
  len = os::page_ceil(len);
  if (!range_ok(addr, len)) return -EINVAL;
  release_range(addr, addr + len);
  map_.remove(addr, addr + len);
  return 0;
}

int AddressSpace::protect(uint64_t addr, uint64_t len, uint8_t prot) {
  if (addr % kPageBytes != 0) return -EINVAL;
  len = os::page_ceil(len);
  if (len == 0) return 0;
  if (!range_ok(addr, len)) return -ENOMEM;
  if (int r = map_.protect(addr, addr + len, prot); r != 0) return r;
  rights_changed_ = true;
  uint64_t flags = leaf_flags(prot);
  tables_->for_each_backed(addr, addr + len, [&](uint64_t, uint64_t& e) {
    if (e & pte::kPresent) tlb_flush_pending_ = rights_changed_ = true;
    e = (e & pte::kAddressMask) | flags;
  });
  return 0;
}

os::GuestResult AddressSpace::remap(uint64_t old_addr, uint64_t old_len, uint64_t new_len,
                                    bool may_move) {
  if (old_addr % kPageBytes != 0 || new_len == 0) return std::unexpected(-EINVAL);
  old_len = os::page_ceil(old_len);
  new_len = os::page_ceil(new_len);
  if (!range_ok(old_addr, old_len) || new_len > kUserTop) return std::unexpected(-EINVAL);
  // Like Linux, the old range must lie within one mapping.
  const os::Region* region = map_.find(old_addr);
  if (!region || region->end < old_addr + old_len) return std::unexpected(-EFAULT);
  uint8_t prot = region->prot;
  if (new_len <= old_len) {
    if (new_len < old_len) {
      release_range(old_addr + new_len, old_addr + old_len);
      map_.remove(old_addr + new_len, old_addr + old_len);
    }
    return old_addr;
  }
  uint64_t old_end = old_addr + old_len;
  if (range_ok(old_addr, new_len) && map_.is_free(old_end, old_addr + new_len)) {
    map_.insert(old_end, old_addr + new_len, prot);
    return old_addr;
  }
  if (!may_move) return std::unexpected(-ENOMEM);
  auto dest = map_.place(0, new_len, os::Placement::kHint);
  if (!dest) return dest;
  map_.insert(*dest, *dest + new_len, prot);
  // Move the backing pages by re-pointing leaves: no copy, and the contents follow.
  bool ok = true;
  tables_->for_each_backed(old_addr, old_end, [&](uint64_t virt, uint64_t& e) {
    uint64_t* to = tables_->leaf(*dest + (virt - old_addr), true, pte::kUser);
    if (!to) {
      ok = false;
      return;
    }
    *to = e;
    if (e & pte::kPresent) tlb_flush_pending_ = rights_changed_ = true;
    e = 0;
  });
  if (!ok) {
    memory_limit_hit_ = true;
    return std::unexpected(-ENOMEM);
  }
  release_range(old_addr, old_end);  // anything left (nothing, unless a table failed)
  map_.remove(old_addr, old_end);
  return *dest;
}

int AddressSpace::discard(uint64_t addr, uint64_t len) {
  if (addr % kPageBytes != 0) return -EINVAL;
  len = os::page_ceil(len);
  if (!range_ok(addr, len)) return -EINVAL;
  if (!map_.fully_mapped(addr, addr + len)) return -ENOMEM;
  release_range(addr, addr + len);
  return 0;
}

void AddressSpace::restore(const State& s) {
  map_ = s.map;
  brk_start_ = s.brk_start;
  brk_ = s.brk;
  user_pages_ = s.user_pages;
  memory_limit_hit_ = false;
  tlb_flush_pending_ = false;
  rights_changed_ = false;
}

void AddressSpace::init_brk(uint64_t start) {
  brk_start_ = os::page_ceil(start);
  brk_ = brk_start_;
}

uint64_t AddressSpace::set_brk(uint64_t requested) {
  if (requested < brk_start_ || requested >= kMmapTop) return brk_;
  uint64_t old_end = os::page_ceil(brk_);
  uint64_t new_end = os::page_ceil(requested);
  if (new_end > old_end) {
    if (!map_.is_free(old_end, new_end)) return brk_;
    map_.insert(old_end, new_end, os::kProtRead | os::kProtWrite);
  } else if (new_end < old_end) {
    release_range(new_end, old_end);
    map_.remove(new_end, old_end);
  }
  brk_ = requested;
  return brk_;
}

FaultResolution AddressSpace::handle_fault(uint64_t addr, FaultAccess access) {
  if (addr < kUserLow || addr >= kUserTop) return FaultResolution::kSegv;
  const os::Region* region = map_.find(addr);
  if (!region || region->prot == os::kProtNone) return FaultResolution::kSegv;
  if (access.write && !(region->prot & os::kProtWrite)) return FaultResolution::kSegv;
  if (access.fetch && !(region->prot & os::kProtExec)) return FaultResolution::kSegv;
  uint64_t page = os::page_floor(addr);
  uint64_t* leaf = tables_->leaf(page, false, 0);
  if (leaf && (*leaf & pte::kBacked)) {
    // Backed with rights that allow this access: a stale translation. Make the entry exact and
    // ask for a flush; the caller bounds how often this may repeat.
    *leaf = (*leaf & pte::kAddressMask) | leaf_flags(region->prot);
    tlb_flush_pending_ = rights_changed_ = true;
    return FaultResolution::kResolved;
  }
  if (!back_page(page, region->prot)) {
    memory_limit_hit_ = true;
    return FaultResolution::kMemoryLimit;
  }
  // Fault-around: best effort, never past the region, never reported as a limit.
  uint64_t window = kFaultAroundPages * kPageBytes;
  uint64_t lo = std::max(region->start, page & ~(window - 1));
  uint64_t hi = std::min(region->end, (page & ~(window - 1)) + window);
  uint8_t prot = region->prot;
  for (uint64_t v = lo; v < hi; v += kPageBytes) {
    if (mem_->pages_in_use() >= mem_->max_pages()) break;
    if (!back_page(v, prot)) break;
  }
  return FaultResolution::kResolved;
}

}  // namespace forkbox::kvm

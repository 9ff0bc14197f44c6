// The flat test GuestMemory; see fake_guest_memory.hpp.
#include "fake_guest_memory.hpp"

#include <cerrno>
#include <cstring>

namespace forkbox::os::testing {

FakeGuestMemory::FakeGuestMemory() : vm_(kBase, kBase + kSize, kBase + kSize), bytes_(kSize) {
  vm_.insert(kBase, kBase + kScratchSize, kProtRead | kProtWrite);
}

bool FakeGuestMemory::allowed(uint64_t addr, size_t len, uint8_t need) const {
  if (addr < kBase || len > kSize || addr - kBase > kSize - len) return false;
  for (uint64_t at = page_floor(addr); at < addr + len; at += kPageSize) {
    const Region* r = vm_.find(at);
    if (!r || (r->prot & need) != need) return false;
  }
  return true;
}

bool FakeGuestMemory::read(uint64_t guest_addr, void* dst, size_t len) {
  if (len == 0) return true;
  if (!allowed(guest_addr, len, kProtRead)) return false;
  std::memcpy(dst, bytes_.data() + (guest_addr - kBase), len);
  return true;
}

bool FakeGuestMemory::write(uint64_t guest_addr, const void* src, size_t len) {
  if (len == 0) return true;
  if (!allowed(guest_addr, len, kProtWrite)) return false;
  std::memcpy(bytes_.data() + (guest_addr - kBase), src, len);
  return true;
}

bool FakeGuestMemory::poke(uint64_t guest_addr, const void* src, size_t len) {
  if (len == 0) return true;
  if (!allowed(guest_addr, len, kProtNone)) return false;
  std::memcpy(bytes_.data() + (guest_addr - kBase), src, len);
  return true;
}

GuestResult FakeGuestMemory::map(uint64_t addr, uint64_t len, uint8_t prot, Placement placement) {
  const GuestResult at = vm_.place(addr, len, placement);
  if (!at) return at;
  vm_.insert(*at, *at + len, prot);
  std::memset(bytes_.data() + (*at - kBase), 0, len);
  return at;
}

int FakeGuestMemory::unmap(uint64_t addr, uint64_t len) {
  vm_.remove(addr, addr + len);
  return 0;
}

int FakeGuestMemory::protect(uint64_t addr, uint64_t len, uint8_t prot) {
  return vm_.protect(addr, addr + len, prot);
}

GuestResult FakeGuestMemory::remap(uint64_t old_addr, uint64_t old_len, uint64_t new_len,
                                   bool may_move) {
  const Region* r = vm_.find(old_addr);
  if (!r || !vm_.fully_mapped(old_addr, old_addr + old_len)) return std::unexpected(-EFAULT);
  const uint8_t prot = r->prot;
  if (new_len <= old_len) {
    vm_.remove(old_addr + new_len, old_addr + old_len);
    return old_addr;
  }
  if (!may_move) return std::unexpected(-ENOMEM);
  const GuestResult to = map(0, new_len, prot, Placement::kHint);
  if (!to) return to;
  std::memmove(bytes_.data() + (*to - kBase), bytes_.data() + (old_addr - kBase), old_len);
  vm_.remove(old_addr, old_addr + old_len);
  return to;
}

int FakeGuestMemory::discard(uint64_t addr, uint64_t len) {
  if (!vm_.fully_mapped(addr, addr + len)) return -ENOMEM;
  std::memset(bytes_.data() + (addr - kBase), 0, len);
  return 0;
}

uint64_t FakeGuestMemory::set_brk(uint64_t requested) {
  if (requested < kBrkStart || requested > kBrkMax) return brk_;
  if (page_ceil(requested) > page_ceil(brk_)) {
    vm_.insert(page_ceil(brk_), page_ceil(requested), kProtRead | kProtWrite);
  }
  brk_ = requested;
  return brk_;
}

void FakeGuestMemory::put(uint64_t addr, const std::string& bytes) {
  std::memcpy(bytes_.data() + (addr - kBase), bytes.data(), bytes.size());
}

std::string FakeGuestMemory::get(uint64_t addr, size_t len) const {
  return std::string(reinterpret_cast<const char*>(bytes_.data() + (addr - kBase)), len);
}

}  // namespace forkbox::os::testing

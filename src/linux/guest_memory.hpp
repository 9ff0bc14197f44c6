// The one interface through which the Linux personality and the ELF loader touch a guest: copy
// bytes in and out, and change the address space (mmap family, brk). Each engine implements it
// over its own page tables (riscv: copy-on-write page maps; kvm: guest-physical memory and
// x86-64 page tables), so the personality is written once for both.
//
// Guest addresses and lengths passed here come from the guest and are hostile: implementations
// check every one of them and report failure instead of touching host memory out of range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>

namespace forkbox::os {

// Linux PROT_* values (identical on riscv64 and x86-64).
enum Prot : uint8_t { kProtNone = 0, kProtRead = 1, kProtWrite = 2, kProtExec = 4 };

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t page_floor(uint64_t a) { return a & ~(kPageSize - 1); }
inline constexpr uint64_t page_ceil(uint64_t a) { return (a + kPageSize - 1) & ~(kPageSize - 1); }

// How mmap may place a mapping.
enum class Placement : uint8_t {
  kHint,           // addr is a hint; pick a free range anywhere if it is taken
  kFixed,          // MAP_FIXED: replace whatever is at [addr, addr+len)
  kFixedNoReplace  // MAP_FIXED_NOREPLACE: fail with EEXIST if anything is there
};

// Errors are negative Linux errno values, ready to hand back to the guest.
using GuestResult = std::expected<uint64_t, int>;

class GuestMemory {
 public:
  virtual ~GuestMemory() = default;

  // Copies honour guest permissions like the kernel's copy_{from,to}_user: reading needs
  // PROT_READ, writing needs PROT_WRITE. False means EFAULT (nothing partial is promised).
  [[nodiscard]] virtual bool read(uint64_t guest_addr, void* dst, size_t len) = 0;
  [[nodiscard]] virtual bool write(uint64_t guest_addr, const void* src, size_t len) = 0;
  // Writes ignoring PROT_WRITE (but not unmapped memory): the loader and file-backed mmap use
  // it to fill read-only or executable pages.
  [[nodiscard]] virtual bool poke(uint64_t guest_addr, const void* src, size_t len) = 0;

  // Anonymous private mapping, zero-filled on first touch. Returns the address.
  [[nodiscard]] virtual GuestResult map(uint64_t addr, uint64_t len, uint8_t prot,
                                        Placement placement) = 0;
  [[nodiscard]] virtual int unmap(uint64_t addr, uint64_t len) = 0;  // 0 or -errno
  [[nodiscard]] virtual int protect(uint64_t addr, uint64_t len, uint8_t prot) = 0;
  // mremap(2) with MREMAP_MAYMOVE semantics when may_move is set.
  [[nodiscard]] virtual GuestResult remap(uint64_t old_addr, uint64_t old_len, uint64_t new_len,
                                          bool may_move) = 0;
  // MADV_DONTNEED on private anonymous memory: the range reads as zero afterwards.
  [[nodiscard]] virtual int discard(uint64_t addr, uint64_t len) = 0;
  // brk(2): returns the new break, or the old one when the request cannot be met.
  [[nodiscard]] virtual uint64_t set_brk(uint64_t requested) = 0;
};

}  // namespace forkbox::os

// Small typed accessors over GuestMemory for the handlers (see syscall_context.hpp). Strings are
// read a page at a time: a guest string may end right before an unmapped page, and reading
// past the NUL into that page must not turn a valid call into EFAULT.
#include <cstring>

#include "linux/syscall_context.hpp"

namespace forkbox::os {

std::optional<uint64_t> read_u64(GuestMemory& mem, uint64_t addr) {
  uint64_t v = 0;
  if (!mem.read(addr, &v, sizeof v)) return std::nullopt;
  return v;
}

std::optional<uint32_t> read_u32(GuestMemory& mem, uint64_t addr) {
  uint32_t v = 0;
  if (!mem.read(addr, &v, sizeof v)) return std::nullopt;
  return v;
}

bool write_u64(GuestMemory& mem, uint64_t addr, uint64_t value) {
  return mem.write(addr, &value, sizeof value);
}

bool write_u32(GuestMemory& mem, uint64_t addr, uint32_t value) {
  return mem.write(addr, &value, sizeof value);
}

std::expected<std::string, int> read_guest_string(GuestMemory& mem, uint64_t addr, size_t max_len) {
  std::string out;
  char chunk[kPageSize];
  while (true) {
    if (addr + kPageSize < addr) return std::unexpected(-EFAULT);  // wraps the address space
    const size_t len = kPageSize - (addr % kPageSize);
    if (!mem.read(addr, chunk, len)) return std::unexpected(-EFAULT);
    const void* nul = std::memchr(chunk, 0, len);
    const size_t take = nul ? static_cast<size_t>(static_cast<const char*>(nul) - chunk) : len;
    if (out.size() + take > max_len) return std::unexpected(-ENAMETOOLONG);
    out.append(chunk, take);
    if (nul) return out;
    addr += len;
  }
}

}  // namespace forkbox::os

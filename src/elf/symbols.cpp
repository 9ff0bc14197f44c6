// .symtab reader; see symbols.hpp.
#include "elf/symbols.hpp"

#include <cstring>

namespace forkbox::elf {
namespace {

template <typename T>
bool read_at(const std::vector<uint8_t>& b, uint64_t off, T& out) {
  if (off > b.size() || sizeof(T) > b.size() - off) return false;
  std::memcpy(&out, b.data() + off, sizeof(T));
  return true;
}

// Why 1 << 20: far more functions than any program has; bounds the work on a hostile file.
constexpr uint64_t kMaxSymbols = 1u << 20;

}  // namespace

std::unordered_map<std::string, uint64_t> read_function_symbols(const std::vector<uint8_t>& b) {
  std::unordered_map<std::string, uint64_t> out;
  uint64_t shoff = 0;
  uint16_t shentsize = 0, shnum = 0;
  if (!read_at(b, 40, shoff) || !read_at(b, 58, shentsize) || !read_at(b, 60, shnum)) return out;
  if (shentsize != 64) return out;
  for (uint16_t i = 0; i < shnum; ++i) {
    uint64_t sh = shoff + uint64_t{i} * 64;
    uint32_t type = 0, link = 0;
    uint64_t offset = 0, size = 0, entsize = 0;
    if (!read_at(b, sh + 4, type) || !read_at(b, sh + 24, offset) || !read_at(b, sh + 32, size) ||
        !read_at(b, sh + 40, link) || !read_at(b, sh + 56, entsize))
      return out;
    if (type != 2 /* SHT_SYMTAB */ || entsize != 24) continue;
    if (link >= shnum) return out;
    uint64_t str_sh = shoff + uint64_t{link} * 64, str_off = 0, str_size = 0;
    if (!read_at(b, str_sh + 24, str_off) || !read_at(b, str_sh + 32, str_size)) return out;
    if (str_off > b.size() || str_size > b.size() - str_off) return out;
    if (offset > b.size() || size > b.size() - offset) return out;
    uint64_t count = size / 24;
    if (count > kMaxSymbols) return out;
    for (uint64_t k = 0; k < count; ++k) {
      uint64_t e = offset + k * 24;
      uint32_t name = 0;
      uint8_t info = 0;
      uint16_t shndx = 0;
      uint64_t value = 0;
      if (!read_at(b, e, name) || !read_at(b, e + 4, info) || !read_at(b, e + 6, shndx) ||
          !read_at(b, e + 8, value))
        return out;
      if ((info & 0xf) != 2 /* STT_FUNC */ || shndx == 0 || name >= str_size) continue;
      const char* s = reinterpret_cast<const char*>(b.data() + str_off + name);  // in bounds
      out.emplace(std::string(s, ::strnlen(s, str_size - name)), value);
    }
  }
  return out;
}

}  // namespace forkbox::elf

// ELF64 header and program-header validation; see elf_image.hpp.
#include "elf/elf_image.hpp"

#include <cstring>

namespace forkbox::elf {
namespace {

template <typename T>
T read_at(const std::vector<uint8_t>& b, uint64_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}

}  // namespace

std::expected<ElfImage, LoadError> parse_elf(const std::vector<uint8_t>& b, uint16_t machine) {
  if (b.size() < 4 || std::memcmp(b.data(), "\x7f" "ELF", 4) != 0)
    return std::unexpected(LoadError::kNotElf);
  if (b.size() < 64) return std::unexpected(LoadError::kTruncated);
  if (b.size() > kMaxImageBytes) return std::unexpected(LoadError::kTooLarge);
  if (b[4] != 2 || b[5] != 1) return std::unexpected(LoadError::kWrongClass);  // ELF64, LE
  uint16_t type = read_at<uint16_t>(b, 16);
  if (read_at<uint16_t>(b, 18) != machine) return std::unexpected(LoadError::kWrongMachine);
  if (type != 2 && type != 3) return std::unexpected(LoadError::kNotExecutable);

  ElfImage img;
  img.bytes = &b;
  img.pie = type == 3;
  img.entry = read_at<uint64_t>(b, 24);
  img.phoff = read_at<uint64_t>(b, 32);
  img.phentsize = read_at<uint16_t>(b, 54);
  img.phnum = read_at<uint16_t>(b, 56);
  if (img.phentsize != 56 || img.phnum == 0 || img.phnum > kMaxProgramHeaders)
    return std::unexpected(LoadError::kBadProgramHeaders);
  if (img.phoff > b.size() || uint64_t{img.phnum} * 56 > b.size() - img.phoff)
    return std::unexpected(LoadError::kTruncated);

  bool have_load = false;
  uint64_t prev_end = 0;
  for (uint16_t i = 0; i < img.phnum; ++i) {
    uint64_t at = img.phoff + uint64_t{i} * 56;
    Segment s;
    s.type = read_at<uint32_t>(b, at);
    s.flags = read_at<uint32_t>(b, at + 4);
    s.offset = read_at<uint64_t>(b, at + 8);
    s.vaddr = read_at<uint64_t>(b, at + 16);
    s.filesz = read_at<uint64_t>(b, at + 32);
    s.memsz = read_at<uint64_t>(b, at + 40);
    s.align = read_at<uint64_t>(b, at + 48);
    if (s.type == kPtLoad) {
      if (s.offset > b.size() || s.filesz > b.size() - s.offset)
        return std::unexpected(LoadError::kTruncated);
      if (s.filesz > s.memsz || s.memsz > kMaxSpan || s.vaddr > UINT64_MAX - s.memsz)
        return std::unexpected(LoadError::kBadSegment);
      if (s.vaddr % 4096 != s.offset % 4096) return std::unexpected(LoadError::kBadSegment);
      // Linux requires PT_LOAD in ascending order; overlapping bytes make no sense.
      if (have_load && s.vaddr < prev_end) return std::unexpected(LoadError::kBadSegment);
      if (!have_load) img.min_vaddr = s.vaddr & ~4095ull;
      have_load = true;
      prev_end = s.vaddr + s.memsz;
      img.max_vaddr = prev_end;
      if (img.max_vaddr - img.min_vaddr > kMaxSpan) return std::unexpected(LoadError::kTooLarge);
    } else if (s.type == kPtInterp) {
      if (s.offset > b.size() || s.filesz > b.size() - s.offset)
        return std::unexpected(LoadError::kTruncated);
      if (s.filesz < 2 || s.filesz > kMaxInterpPath)
        return std::unexpected(LoadError::kBadInterpreter);
      const char* p = reinterpret_cast<const char*>(b.data() + s.offset);  // bounds checked
      if (p[s.filesz - 1] != '\0') return std::unexpected(LoadError::kBadInterpreter);
      img.interp.assign(p, ::strnlen(p, s.filesz));
    }
    img.segments.push_back(s);
  }
  if (!have_load) return std::unexpected(LoadError::kBadSegment);
  return img;
}

}  // namespace forkbox::elf

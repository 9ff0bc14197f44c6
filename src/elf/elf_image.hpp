// Parsing and validation of ELF64 little-endian executables. Every header field that later
// code uses is range-checked here against the file's size and named limits, so the loader can
// trust an ElfImage. Fields are read with memcpy from the byte buffer, never by casting it.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "elf/loader.hpp"

namespace forkbox::elf {

inline constexpr uint16_t kMachineRiscv = 243;
inline constexpr uint16_t kMachineX86_64 = 62;
inline constexpr uint32_t kPtLoad = 1, kPtInterp = 3, kPtPhdr = 6, kPtGnuStack = 0x6474e551;
inline constexpr uint32_t kPfX = 1, kPfW = 2, kPfR = 4;

struct Segment {
  uint32_t type = 0;
  uint32_t flags = 0;
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t filesz = 0;
  uint64_t memsz = 0;
  uint64_t align = 0;
};

struct ElfImage {
  const std::vector<uint8_t>* bytes = nullptr;  // not owned; outlives the image
  bool pie = false;            // ET_DYN
  uint64_t entry = 0;          // unbiased
  uint64_t phoff = 0;
  uint16_t phentsize = 0;
  uint16_t phnum = 0;
  std::vector<Segment> segments;  // every program header, in file order
  std::string interp;             // PT_INTERP path, empty if static
  uint64_t min_vaddr = 0;         // lowest PT_LOAD page
  uint64_t max_vaddr = 0;         // end of the highest PT_LOAD
};

// Why these limits: they are far above any real executable (python3's is 7 MiB, its largest
// segment a few MiB) and small enough that a hostile header cannot make the loader reserve
// unbounded guest memory or loop for long.
inline constexpr uint64_t kMaxImageBytes = 512ull << 20;
inline constexpr uint16_t kMaxProgramHeaders = 256;
inline constexpr uint64_t kMaxSpan = 2ull << 30;  // distance from lowest to highest PT_LOAD byte
inline constexpr size_t kMaxInterpPath = 4096;     // PATH_MAX

[[nodiscard]] std::expected<ElfImage, LoadError> parse_elf(const std::vector<uint8_t>& bytes,
                                                           uint16_t machine);

}  // namespace forkbox::elf

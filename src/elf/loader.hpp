// Engine-neutral ELF program loading: validate an ELF64 executable for the expected machine,
// map its PT_LOAD segments with their permissions through GuestMemory, load its PT_INTERP (the
// dynamic loader) when it has one, and build the initial stack (argc, argv, envp, auxv) exactly
// as Linux lays it out. Both engines load programs through here.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "linux/guest_memory.hpp"
#include "linux/syscall.hpp"

namespace forkbox::elf {

enum class LoadError : uint8_t {
  kNotFound,          // the program file cannot be opened
  kNotElf,            // no ELF magic
  kTruncated,         // headers or segments extend past the end of the file
  kWrongClass,        // not ELF64 little-endian
  kWrongMachine,      // e_machine is not the engine's architecture
  kNotExecutable,     // neither ET_EXEC nor ET_DYN
  kBadProgramHeaders, // e_phentsize/e_phnum/e_phoff make no sense
  kBadSegment,        // misaligned, overlapping, filesz > memsz, or outside the address space
  kTooLarge,          // a segment or the image exceeds the loader's size limits
  kNoMemory,          // the guest address space refused a mapping
  kBadInterpreter,    // PT_INTERP unreadable or itself invalid
  kStackTooLarge,     // argv+envp do not fit the initial stack
};

[[nodiscard]] const char* describe(LoadError e);

struct LoadOptions {
  os::Arch arch = os::Arch::kRiscv64;
  std::vector<std::string> argv;  // argv[0] included
  std::vector<std::string> envp;
  uint64_t stack_top = 0;         // highest stack address (exclusive), page aligned
  uint64_t stack_size = 8ull << 20;  // 8 MiB, Linux's default RLIMIT_STACK
  uint64_t pie_base = 0;          // load bias for ET_DYN executables
  uint64_t interp_base = 0;       // load bias for the dynamic loader
  uint64_t hwcap = 0;             // AT_HWCAP
  std::string platform;           // AT_PLATFORM string ("riscv64" / "x86_64"); empty: none
  // Read the interpreter named by PT_INTERP from this host path instead (tests); empty means
  // the path in the file. The caller decides whether the guest may use that host file.
  std::string interp_override;
};

struct LoadedProgram {
  uint64_t entry = 0;        // where execution starts (the interpreter's entry if dynamic)
  uint64_t program_entry = 0;// the executable's own entry (AT_ENTRY)
  uint64_t stack_pointer = 0;// initial sp, pointing at argc
  uint64_t brk_start = 0;    // first byte after the highest executable segment, page aligned
  uint64_t load_bias = 0;
  bool dynamic = false;
};

// Loads the file at `path` (a host path) into `mem`.
[[nodiscard]] std::expected<LoadedProgram, LoadError> load_program(const std::string& path,
                                                                   const LoadOptions& options,
                                                                   os::GuestMemory& mem);
// Same, from bytes already in memory (fuzzing, tests).
[[nodiscard]] std::expected<LoadedProgram, LoadError> load_program_image(
    const std::vector<uint8_t>& image, const LoadOptions& options, os::GuestMemory& mem);

}  // namespace forkbox::elf

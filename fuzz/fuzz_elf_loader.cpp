// libFuzzer target: the ELF loader. Each input is an executable image handed to
// elf::load_program_image twice, once for each engine's architecture, into a fresh riscv Memory
// (the loader only talks to os::GuestMemory, so one implementation exercises every loader path
// that does not depend on the engine). A loader bug shows up as a sanitizer report or a crash;
// a refusal is a LoadError value and is the expected outcome for almost every input.
//
// PT_INTERP names a host path. The fuzzer points it at a path that never exists so that a random
// input cannot make the loader read arbitrary host files, which would make runs depend on the
// machine; parse_elf still validates the PT_INTERP header itself.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "elf/loader.hpp"
#include "riscv/memory.hpp"

namespace {

// Why 64 MiB: far more than any image libFuzzer generates (max_len is 64 KiB in scripts/fuzz)
// needs, and small enough that a header asking for a huge bss cannot exhaust the fuzzing host.
constexpr uint64_t kMemoryLimit = 64ull << 20;

void load_once(const std::vector<uint8_t>& image, forkbox::os::Arch arch) {
  forkbox::riscv::Memory mem(kMemoryLimit);
  forkbox::elf::LoadOptions options;
  options.arch = arch;
  options.argv = {"/fuzz/prog", "arg"};
  options.envp = {"LANG=C"};
  options.stack_top = forkbox::riscv::Layout::kStackTop;
  options.pie_base = forkbox::riscv::Layout::kPieBase;
  options.interp_base = 0x3f00000000;
  options.platform = arch == forkbox::os::Arch::kRiscv64 ? "riscv64" : "x86_64";
  options.interp_override = "/nonexistent/forkbox-fuzz-interpreter";
  auto loaded = forkbox::elf::load_program_image(image, options, mem);
  if (loaded) {
    // A successful load must leave a stack the guest can read: argc at the stack pointer.
    uint64_t argc = 0;
    if (!mem.read(loaded->stack_pointer, &argc, sizeof(argc)) || argc != 2) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> image(data, data + size);
  load_once(image, forkbox::os::Arch::kRiscv64);
  load_once(image, forkbox::os::Arch::kX86_64);
  return 0;
}

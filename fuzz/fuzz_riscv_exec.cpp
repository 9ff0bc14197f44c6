// libFuzzer target: the riscv decoder and interpreter. Each input is raw instruction bytes,
// placed at the start of an executable mapping in a fresh Machine whose integer registers all
// point into a read-write data mapping (so that random loads and stores land on mapped,
// unmapped and protected memory alike), then run for a small instruction budget. System calls
// that the random code issues go to a real Personality with no host files and captured output.
//
// The first input byte chooses variations that need to be reachable: whether the code mapping
// is also writable (self-modifying code invalidating decoded slots), which of three rounding
// modes the FPU starts in, and (bit 3) whether the same code also runs translated
// (jit.hpp), compared with the interpreter's outcome. Every outcome is a Stop value; a crash, hang or sanitizer
// report is a finding.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "riscv/machine.hpp"
#include "riscv/template.hpp"

namespace {

namespace rv = forkbox::riscv;
namespace os = forkbox::os;

constexpr uint64_t kCodeBase = 0x10000;
// 8 KiB holds max_len (scripts/fuzz: 4 KiB) with room; decoded-slot arrays are sized by the
// mapping, so a small one keeps each run cheap.
constexpr uint64_t kCodeSize = 8 * 1024;
constexpr uint64_t kDataBase = 0x400000;
constexpr uint64_t kDataSize = 64 * 1024;
constexpr uint64_t kReadOnlyBase = kDataBase + kDataSize;  // one read-only page right after
// Why 20,000 instructions: enough for loops over the data mapping and a few dozen system calls,
// and little enough that one input runs in well under a millisecond.
constexpr uint64_t kInstructionBudget = 20'000;
// Why 16 MiB: a memory bomb in random code stops at the limit instead of growing the fuzzer.
constexpr uint64_t kMemoryLimit = 16ull << 20;

}  // namespace

namespace {

// The machine every input starts from: code and data mapped, registers into the data.
void set_up(rv::Machine& m, const uint8_t* data, size_t size, uint8_t flags) {
  uint8_t code_prot = os::kProtRead | os::kProtExec;
  if (flags & 1) code_prot |= os::kProtWrite;
  if (!m.memory().map(kCodeBase, kCodeSize, code_prot, os::Placement::kFixed)) __builtin_trap();
  if (!m.memory().map(kDataBase, kDataSize, os::kProtRead | os::kProtWrite,
                      os::Placement::kFixed))
    __builtin_trap();
  if (!m.memory().map(kReadOnlyBase, os::kPageSize, os::kProtRead, os::Placement::kFixed))
    __builtin_trap();
  if (size > 0 && !m.memory().poke(kCodeBase, data, size)) __builtin_trap();
  // The same bytes as data, so loads see varied values and indirect jumps reach the code.
  if (size > 0 && !m.memory().poke(kDataBase, data, size)) __builtin_trap();

  rv::Cpu& cpu = m.cpu();
  for (unsigned i = 1; i < 32; ++i) cpu.x[i] = kDataBase + i * 256;
  cpu.x[1] = kCodeBase;  // ra: returning jumps back into the code
  cpu.x[2] = kDataBase + kDataSize - 64;  // sp
  cpu.frm = (flags >> 1) % 3;
  cpu.pc = kCodeBase;
}

os::PersonalityConfig personality() {
  os::PersonalityConfig pc;
  pc.arch = os::Arch::kRiscv64;
  pc.stdio.stdin_data = "fuzz stdin\n";
  pc.stdio.output_limit = 1 << 16;
  return pc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > kCodeSize) return -1;  // -1: do not add to the corpus
  const uint8_t flags = data[0];
  ++data;
  --size;

  rv::Machine m(personality(), kMemoryLimit);
  set_up(m, data, size, flags);
  rv::Stop stop = m.run(kInstructionBudget);
  // The budget is a hard bound: a run may overshoot it by at most one basic block's worth,
  // never run unboundedly. 4096 is far above any block the decoder forms.
  if (m.cpu().instret > kInstructionBudget + 4096) __builtin_trap();
  (void)rv::describe(stop);

  if (flags & 8) {
    // The same code translated (jit.hpp): a template frozen at the first instruction, run in
    // a fork, must end exactly as the interpreter did. System calls (clocks, random bytes)
    // and the memory limit (a fork is not charged for its template's pages) may differ
    // legitimately; then only the bound and the absence of crashes are checked.
    auto root = std::make_unique<rv::Machine>(personality(), kMemoryLimit);
    set_up(*root, data, size, flags);
    root->prepare_entry();
    auto t = rv::Template::freeze(std::move(root), {}, true);
    rv::Machine f(t, kMemoryLimit);
    rv::Stop fs = f.run(kInstructionBudget);
    if (f.cpu().instret > kInstructionBudget + 4096) __builtin_trap();
    bool comparable = m.personality().stats().total == 0 &&
                      (f.personality_if_any() == nullptr ||
                       f.personality_if_any()->stats().total == 0) &&
                      stop.reason != rv::StopReason::kMemoryLimit &&
                      fs.reason != rv::StopReason::kMemoryLimit;
    if (comparable) {
      if (fs.reason != stop.reason || fs.pc != stop.pc || f.cpu().instret != m.cpu().instret)
        __builtin_trap();
      if (std::memcmp(f.cpu().x, m.cpu().x, sizeof m.cpu().x) != 0) __builtin_trap();
    }
  }
  return 0;
}

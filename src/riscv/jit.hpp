// A baseline translator from RV64 integer code to x86-64, for the code of templates.
//
// Why: on branchy code (Lua's parser, any interpreter) the threaded interpreter spends most of
// its time in mispredicted indirect jumps, one per guest instruction. Translated code has one
// host branch site per guest branch and none per ordinary instruction.
//
// What it is: each guest instruction of a code segment becomes a short, fixed host sequence on
// the guest registers in memory (no register allocation); guest branches inside the segment
// become direct host jumps. Loads and stores check the same software TLB as the interpreter,
// inline, and take the same slow paths (Memory::load_slow / store_slow) through a call. Only
// the common integer operations are translated; at anything else (system calls, floating
// point, atomics, CSRs, division) the translated code returns to the interpreter, which runs
// that instruction and re-enters translated code at its next taken jump.
//
// Exactness: translated code keeps the interpreter's semantics to the instruction: the same
// instruction count (one per completed instruction), the same budget check (on taken jumps,
// after counting), the same faults at the same pc with the same count, and stores into code
// leave it through the interpreter's own path.
//
// Safety: the generated code is built once per template, from the template's frozen code, in
// a private mapping that is written, then made read+execute (never both writable and
// executable), and shared read-only by every fork. A fork that writes into its code gets its
// own interpreted copy of the segment (see Machine::own_segment); translated code is never
// patched. Guest memory is reached only through the TLB check or Memory's slow paths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace forkbox::riscv {

class Memory;

// Why translated code stopped (JitContext::exit_kind).
enum class JitExit : uint32_t {
  kAtSlot = 0,        // run the instruction at exit_slot in the interpreter (not yet counted)
  kBudget = 1,        // a taken jump to exit_slot reached the instruction limit
  kToAddress = 2,     // continue at exit_pc (a jump leaving the segment or untranslated code)
  kLoadFault = 3,     // the load at exit_slot faulted (Memory::last_fault says why)
  kStoreFault = 4,    // the 2-byte store at exit_slot failed or wrote code (see store_fault)
  kStoreFault32 = 5,  // the same for a 4-byte store instruction
};

// Where the FP registers are relative to JitContext::x (Cpu::f follows Cpu::x[0..32]).
inline constexpr int32_t kJitFpOffset = 33 * 8;

// What translated code reads and writes; laid out for the generated code (offsets are fixed
// by static_asserts in jit.cpp).
struct JitContext {
  uint64_t* x = nullptr;              // guest registers x0..x31 and the x0 sink
  const void* read_tlb = nullptr;     // Memory's read TLB (16-byte entries: tag, delta)
  const void* write_tlb = nullptr;    // Memory's write TLB
  const uint64_t* salt = nullptr;     // Memory's TLB salt
  uint64_t icount = 0;                // instructions retired (in and out)
  uint64_t limit = 0;                 // the budget: stop at a taken jump reaching it
  Memory* memory = nullptr;           // for the slow paths
  const uint32_t* entries = nullptr;  // per slot of the segment: offset of its code, 0 if none
  uint64_t exit_slot = 0;
  uint64_t exit_pc = 0;
  uint64_t value = 0;                 // a slow-path load's result
  JitExit exit_kind = JitExit::kAtSlot;
  const uint8_t* code = nullptr;      // the start of the translated code (set by run)
};

// Translated code for one code segment [base, end).
class JitCode {
 public:
  // The largest range translate() accepts (1 GiB).
  static constexpr uint64_t kMaxRangeBytes = 1ull << 30;
  // Translates the code readable in `memory` between base and end; nullptr when it cannot
  // (a range over kMaxRangeBytes, host code over 2 GiB, no memory for the mapping). Costs
  // about a microsecond per instruction, once.
  [[nodiscard]] static std::unique_ptr<JitCode> translate(Memory& memory, uint64_t base,
                                                          uint64_t end);
  JitCode(const JitCode&) = delete;
  JitCode& operator=(const JitCode&) = delete;
  ~JitCode();

  // Where the interpreter may enter, per slot: the offset of the instruction's code in the
  // mapping, 0 when there is none (a slot inside a 32-bit instruction, an instruction that is
  // not translated, or one followed by too few translated ones).
  [[nodiscard]] const uint32_t* entries() const { return entries_.data(); }
  // Runs translated code from the entry at `offset` until it exits; ctx says why.
  void run(JitContext& ctx, uint32_t offset) const;
  // Host bytes: the code mapping and the entry table.
  [[nodiscard]] size_t memory_bytes() const { return size_ + entries_.size() * sizeof(uint32_t); }
  // Guest instructions translated (the rest exit to the interpreter).
  [[nodiscard]] size_t translated() const { return translated_; }

 private:
  JitCode() = default;
  uint8_t* code_ = nullptr;
  size_t size_ = 0;
  std::vector<uint32_t> entries_;
  size_t translated_ = 0;
};

}  // namespace forkbox::riscv

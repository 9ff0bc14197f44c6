// One RV64GC hart running a static Linux program: registers, memory, decoded code and the Linux
// personality. `run()` executes until the guest exits, faults, pauses or exhausts its budget,
// and returns why as a value; nothing a guest does throws or ends the host process.
//
// Not thread-safe: a Machine is driven by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "linux/personality.hpp"
#include "riscv/decoded.hpp"
#include "riscv/memory.hpp"

namespace forkbox::riscv {

struct Cpu {
  uint64_t x[33] = {};  // x0..x31, and the sink for writes to x0 (kZeroSink)
  uint64_t f[32] = {};
  uint64_t pc = 0;
  uint64_t instret = 0;
  uint32_t frm = 0;
  uint32_t fflags = 0;
  uint64_t reservation = ~0ull;  // LR/SC reservation address, ~0 when none
};

// Decoded instructions for one executable mapping, one slot per 2 bytes. Slots are decoded on
// first execution; two sentinel slots past the end send execution back to the segment lookup.
struct CodeSegment {
  CodeSegment(uint64_t base_addr, uint64_t end_addr);
  CodeSegment(const CodeSegment&) = delete;
  CodeSegment& operator=(const CodeSegment&) = delete;
  ~CodeSegment();

  uint64_t base = 0;
  uint64_t end = 0;
  // (end - base) / 2 slots plus two sentinels, from calloc: pages of undecoded slots cost
  // nothing until touched.
  Decoded* slots = nullptr;
};

enum class StopReason : uint8_t {
  kExited,             // exit/exit_group
  kSignaled,           // ended by a signal (kill/tgkill to itself, ebreak)
  kPaused,             // ready point reached (personality kPause)
  kIllegalInstruction,
  kMemoryFault,        // load/store/fetch of unmapped or protected memory
  kMisalignedAtomic,
  kMemoryLimit,
  kInstructionLimit,
  kOutputLimit,
};

struct Stop {
  StopReason reason = StopReason::kExited;
  int64_t value = 0;     // exit status or signal
  uint64_t pc = 0;       // where it happened
  uint32_t bits = 0;     // instruction bits for kIllegalInstruction
  FaultInfo fault;       // for kMemoryFault / kMemoryLimit
};

[[nodiscard]] std::string describe(const Stop& stop);

class Machine {
 public:
  Machine(os::PersonalityConfig personality, uint64_t memory_limit_bytes);
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Runs until a stop. `max_instructions` bounds the instructions retired by this call
  // (0: unbounded).
  [[nodiscard]] Stop run(uint64_t max_instructions);

  [[nodiscard]] Cpu& cpu() { return cpu_; }
  [[nodiscard]] Memory& memory() { return memory_; }
  [[nodiscard]] os::Personality& personality() { return personality_; }

 private:
  Stop run_loop(uint64_t limit);
  // Finds (or creates) the code segment holding pc; nullptr with a fault if pc is not
  // executable.
  CodeSegment* segment_for(uint64_t pc);
  // Decodes the instruction at slot `index` of `seg` into that slot. False on a fetch fault,
  // with cpu_.pc set to the faulting address.
  bool decode_slot(CodeSegment& seg, size_t index);
  [[nodiscard]] int32_t handler(Op op, unsigned slots) const {
    return handlers_[static_cast<size_t>(op) * 2 + (slots == 2 ? 1 : 0)];
  }
  void invalidate_code_page(uint64_t page_addr);
  void drop_all_code();
  // Serves an ecall; returns true to continue.
  bool do_syscall(Stop& stop);
  // CSR access; false for unknown CSRs or illegal writes.
  bool csr_read(uint32_t csr, uint64_t& out);
  bool csr_write(uint32_t csr, uint64_t value);

  Cpu cpu_;
  Memory memory_;
  os::Personality personality_;
  std::map<uint64_t, std::unique_ptr<CodeSegment>> segments_;  // by base
  CodeSegment* current_ = nullptr;
  bool code_map_changed_ = false;
  // The interpreter's handler offsets (two per Op: compressed, then 32-bit, relative to the
  // DECODE label), published by run_loop so that decoding can bind records to handlers.
  const int32_t* handlers_ = nullptr;
};

}  // namespace forkbox::riscv

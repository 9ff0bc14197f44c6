// One RV64GC hart running a static Linux program: registers, memory, decoded code and the Linux
// personality. `run()` executes until the guest exits, faults, pauses, responds or exhausts its
// budget, and returns why as a value; nothing a guest does throws or ends the host process.
//
// A Machine is either a root (loaded from an ELF file and warmed up) or a fork of a Template
// (template.hpp): a fork shares the template's pages, address-space map, decoded code and
// personality until it changes them, so creating one costs a register copy, and reset() puts a
// used fork back in the template's state by dropping only what it changed.
//
// Not thread-safe: a Machine is driven by one thread at a time. A fork holds its Template by
// shared_ptr, so the template outlives every fork.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "linux/personality.hpp"
#include "riscv/decoded.hpp"
#include "riscv/jit.hpp"
#include "riscv/memory.hpp"
#include "sandbox/runtime.hpp"

namespace forkbox::riscv {

class Template;

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
// first execution (a template decodes all of them when frozen, so its forks never write to a
// shared segment); two sentinel slots past the end send execution back to the segment lookup.
struct CodeSegment {
  CodeSegment(uint64_t base_addr, uint64_t end_addr);
  CodeSegment(const CodeSegment&) = delete;
  CodeSegment& operator=(const CodeSegment&) = delete;
  ~CodeSegment();
  // A private copy (a fork about to change decoded code it shares with its template).
  [[nodiscard]] std::unique_ptr<CodeSegment> clone() const;

  uint64_t base = 0;
  uint64_t end = 0;
  // (end - base) / 2 slots plus two sentinels, from calloc: pages of undecoded slots cost
  // nothing until touched.
  Decoded* slots = nullptr;
  // Translated code for the segment (templates only; a private copy made by clone() has none
  // and is interpreted).
  std::unique_ptr<JitCode> jit;
};

enum class StopReason : uint8_t {
  kExited,             // exit/exit_group
  kSignaled,           // ended by a signal (kill/tgkill to itself, ebreak)
  kPaused,             // ready point reached (first stdin read, or forkbox_wait_request)
  kResponded,          // a handler called forkbox_respond
  kIllegalInstruction,
  kMemoryFault,        // load/store/fetch of unmapped or protected memory
  kMisalignedAtomic,
  kMemoryLimit,
  kInstructionLimit,
  kOutputLimit,
  kReturned,           // a call() into the guest returned
};

enum class ReadyPoint : uint8_t { kNone, kStdinRead, kWaitRequest };

struct Stop {
  StopReason reason = StopReason::kExited;
  int64_t value = 0;     // exit status, signal, or call() result
  uint64_t pc = 0;       // where it happened
  uint32_t bits = 0;     // instruction bits for kIllegalInstruction
  FaultInfo fault;       // for kMemoryFault / kMemoryLimit
};

[[nodiscard]] std::string describe(const Stop& stop);
// The engine-neutral status of a stop: limits map to their kinds; a stop that a one-shot run or
// an execution should never reach (paused, responded, returned) counts as a fault.
[[nodiscard]] RunStatus run_status(StopReason reason);

// Limits on what a guest handler exchanges with the host through host calls. Why these values:
// they match what the HTTP front end accepts (1 MiB bodies by default) with headroom, and keep
// one response from holding unbounded host memory.
inline constexpr size_t kMaxResponseBody = 8u << 20;
inline constexpr size_t kMaxContentType = 256;
inline constexpr size_t kMaxLogLine = 4096;

class Machine {
 public:
  // A root machine with an empty address space; load a program into memory() next.
  Machine(os::PersonalityConfig personality, uint64_t memory_limit_bytes);
  // A fork of `parent`, ready to resume from its ready point.
  Machine(std::shared_ptr<const Template> parent, uint64_t memory_limit_bytes);
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;
  ~Machine();

  // Runs until a stop. `max_instructions` bounds the instructions retired by this call
  // (0: unbounded).
  [[nodiscard]] Stop run(uint64_t max_instructions);

  // Forks only: back to the template's state, keeping host allocations for reuse.
  void reset();

  // Calls the guest function at `addr` with up to 8 integer arguments (a0..a7) on this
  // machine's stack, running until it returns. Strings or buffers go in with push_bytes().
  [[nodiscard]] Stop call(uint64_t addr, const std::vector<uint64_t>& args,
                          uint64_t max_instructions);
  // Copies bytes below the current stack pointer (for call() arguments); returns their guest
  // address, or nullopt when the stack cannot hold them.
  [[nodiscard]] std::optional<uint64_t> push_bytes(const void* data, size_t len);

  // The request a handler fork serves, and the response it gave (host calls read and write
  // these). The request must outlive run().
  void set_request(const HandlerRequest* request) { request_ = request; }
  [[nodiscard]] HandlerResponse& response() { return response_; }
  // Stdin for this fork's program (a runtime's exec frame plus the user's stdin).
  void set_stdin(std::string data);
  // A wall-clock deadline, checked at every system call (the instruction budget bounds pure
  // computation); a run past it stops with kInstructionLimit.
  void set_deadline(std::chrono::steady_clock::time_point when) { deadline_ = when; }

  [[nodiscard]] Cpu& cpu() { return cpu_; }
  [[nodiscard]] const Cpu& cpu() const { return cpu_; }
  [[nodiscard]] Memory& memory() { return memory_; }
  [[nodiscard]] const Memory& memory() const { return memory_; }
  // The personality, copied from the template on a fork's first use.
  [[nodiscard]] os::Personality& personality();
  // This machine's own personality, or nullptr for a fork that never made a system call.
  [[nodiscard]] const os::Personality* personality_if_any() const;
  [[nodiscard]] ReadyPoint ready_point() const { return ready_; }
  [[nodiscard]] const std::shared_ptr<const Template>& parent() const { return parent_; }
  // Host memory this machine uses beyond its guest pages' contents.
  [[nodiscard]] size_t overhead_bytes() const;
  // Times this machine entered translated code (jit.hpp): a diagnostic.
  [[nodiscard]] uint64_t translated_entries() const { return jit_entries_; }
  // Decodes every slot of every code segment (templates, before forks share them).
  void decode_all();
  // Translates every code segment to host code (templates, after decode_all; see jit.hpp).
  void translate_all();
  // Prepares a root machine that has not run to become a template at its entry point: sets
  // up the code segment at pc without running an instruction.
  void prepare_entry();
  // The operation the interpreter runs for the instruction at `pc`, decoding it if needed;
  // nullopt when pc is not executable or nothing has run yet. For tests and diagnostics: it
  // shows fused pairs (LD_PAIR, SD_PAIR).
  [[nodiscard]] std::optional<Op> decoded_op(uint64_t pc);

 private:
  friend class Template;
  Stop run_loop(uint64_t limit);
  // Finds (or creates) the code segment holding pc; nullptr with a fault if pc is not
  // executable.
  CodeSegment* segment_for(uint64_t pc);
  enum class DecodeOutcome : uint8_t { kDecoded, kFault, kResync };
  // Decodes the instruction at slot `index` of `seg` into that slot. kFault sets cpu_.pc to
  // the faulting address; kResync means the slot now lives in a private copy of a shared
  // segment and the interpreter must look it up again.
  DecodeOutcome decode_slot(CodeSegment& seg, size_t index);
  // The fused operation for `op` at `pc` (`slots` long) and the instruction after it in the
  // same page, with the second packed into out.pair (see Decoded::pack_pair); `op` itself
  // when they do not fuse. Pairs: ld+ld, sd+sd, mv+mv, addi+jalr.
  Op fuse_pair(const CodeSegment& seg, uint64_t pc, unsigned slots, Op op, Decoded& out);
  void invalidate_code_page(uint64_t page_addr);
  void drop_segments(uint64_t start, uint64_t end);
  // Makes the segment at `base` private to this fork (copying the template's), returns it.
  CodeSegment* own_segment(const CodeSegment& shared);
  [[nodiscard]] bool owns(const CodeSegment* seg) const;
  // Serves an ecall; returns true to continue.
  bool do_syscall(Stop& stop);
  bool do_host_call(uint64_t nr, Stop& stop);
  // CSR access; false for unknown CSRs or illegal writes.
  bool csr_read(uint32_t csr, uint64_t& out);
  bool csr_write(uint32_t csr, uint64_t value);
  [[nodiscard]] int32_t handler(Op op, unsigned slots) const;

  std::shared_ptr<const Template> parent_;
  Cpu cpu_;
  Memory memory_;
  std::optional<os::Personality> personality_;  // always for roots; forks copy on first use
  std::string pending_stdin_;
  bool has_pending_stdin_ = false;
  std::map<uint64_t, std::unique_ptr<CodeSegment>> segments_;  // own, by base
  std::vector<uint64_t> hidden_parent_segments_;  // template segments unmapped in this fork
  CodeSegment* current_ = nullptr;
  uint64_t jit_entries_ = 0;
  bool code_map_changed_ = false;
  ReadyPoint ready_ = ReadyPoint::kNone;
  const HandlerRequest* request_ = nullptr;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  HandlerResponse response_;
};

}  // namespace forkbox::riscv

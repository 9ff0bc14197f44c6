// Machine plumbing around the interpreter loop: code segments, system calls and CSRs.
#include "riscv/machine.hpp"

#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

namespace forkbox::riscv {
namespace {

// Why 16 MiB: code segments are decoded lazily into a zero-filled slot array (16 bytes per 2
// bytes of code), so a window bounds the host memory a huge executable mapping can claim to
// 128 MiB of untouched virtual memory, while real programs' text fits in one window.
constexpr uint64_t kSegmentWindow = 16ull << 20;

uint64_t monotonic_ticks() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 10'000'000ull + static_cast<uint64_t>(ts.tv_nsec) / 100;
}

const char* access_name(AccessKind k) {
  switch (k) {
    case AccessKind::kRead: return "read";
    case AccessKind::kWrite: return "write";
    case AccessKind::kExecute: return "execute";
  }
  return "access";
}

}  // namespace

std::string describe(const Stop& s) {
  switch (s.reason) {
    case StopReason::kExited: return fmt::format("exited with status {}", s.value);
    case StopReason::kSignaled: return fmt::format("killed by signal {}", s.value);
    case StopReason::kPaused: return "paused at its ready point";
    case StopReason::kIllegalInstruction:
      return fmt::format("illegal instruction 0x{:08x} at pc 0x{:x}", s.bits, s.pc);
    case StopReason::kMemoryFault:
      return fmt::format("memory fault: {} of {} address 0x{:x} at pc 0x{:x}",
                         access_name(s.fault.kind),
                         s.fault.fault == MemoryFault::kProtection ? "protected" : "unmapped",
                         s.fault.addr, s.pc);
    case StopReason::kMisalignedAtomic:
      return fmt::format("misaligned atomic access to 0x{:x} at pc 0x{:x}", s.fault.addr, s.pc);
    case StopReason::kMemoryLimit: return fmt::format("memory limit reached at pc 0x{:x}", s.pc);
    case StopReason::kInstructionLimit:
      return fmt::format("instruction limit reached at pc 0x{:x}", s.pc);
    case StopReason::kOutputLimit: return "output limit reached";
  }
  return "stopped";
}

CodeSegment::CodeSegment(uint64_t base_addr, uint64_t end_addr) : base(base_addr), end(end_addr) {
  slots = static_cast<Decoded*>(std::calloc((end - base) / 2 + 2, sizeof(Decoded)));
}
CodeSegment::~CodeSegment() { std::free(slots); }

Machine::Machine(os::PersonalityConfig personality, uint64_t memory_limit_bytes)
    : memory_(memory_limit_bytes), personality_(std::move(personality)) {
  memory_.on_code_write = [this](uint64_t page_addr) { invalidate_code_page(page_addr); };
  memory_.on_map_change = [this](uint64_t start, uint64_t end) {
    // Drop decoded code overlapping the changed range; other segments stay warm.
    for (auto it = segments_.begin(); it != segments_.end();) {
      if (it->second->base < end && start < it->second->end) {
        if (current_ == it->second.get()) current_ = nullptr;
        it = segments_.erase(it);
        code_map_changed_ = true;
      } else {
        ++it;
      }
    }
  };
}

Stop Machine::run(uint64_t max_instructions) {
  uint64_t limit = max_instructions == 0 ? ~0ull : cpu_.instret + max_instructions;
  if (limit < cpu_.instret) limit = ~0ull;
  code_map_changed_ = false;
  return run_loop(limit);
}

CodeSegment* Machine::segment_for(uint64_t pc) {
  if (current_ && pc >= current_->base && pc < current_->end) return current_;
  auto it = segments_.upper_bound(pc);
  if (it != segments_.begin()) {
    --it;
    if (pc < it->second->end) return current_ = it->second.get();
  }
  const os::Region* r = memory_.vm().find(pc);
  if (!r || !(r->prot & os::kProtExec) || (pc & 1)) return nullptr;
  uint64_t window = pc & ~(kSegmentWindow - 1);
  uint64_t seg_base = std::max(r->start, window);
  uint64_t seg_end = std::min(r->end, window + kSegmentWindow);
  auto seg = std::make_unique<CodeSegment>(seg_base, seg_end);
  if (!seg->slots) return nullptr;
  size_t n = (seg_end - seg_base) / 2;
  seg->slots[n].handler = seg->slots[n + 1].handler = handler(Op::SEGMENT_END, 1);
  CodeSegment* raw = seg.get();
  segments_.emplace(seg_base, std::move(seg));
  return current_ = raw;
}

bool Machine::decode_slot(CodeSegment& seg, size_t index) {
  uint64_t pc = seg.base + index * 2;
  uint16_t lo = 0, hi = 0;
  if (!memory_.fetch(pc, &lo, 2)) {
    cpu_.pc = pc;
    return false;
  }
  if ((lo & 3) == 3 && (pc + 4 > seg.end || !memory_.fetch(pc + 2, &hi, 2))) {
    // The instruction runs past the end of the executable mapping.
    cpu_.pc = pc + 2;
    if (memory_.last_fault().fault == MemoryFault::kNone || pc + 4 > seg.end)
      memory_.set_fault_info(FaultInfo{MemoryFault::kProtection, AccessKind::kExecute, pc + 2});
    return false;
  }
  Instruction inst = decode(lo, hi);
  Decoded out;
  out.rd = inst.rd;
  out.rs1 = inst.rs1;
  out.rs2 = inst.rs2;
  out.rs3_rm = static_cast<uint8_t>((inst.rs3 & 31) | (inst.rm << 5));
  out.imm = inst.imm;
  Op op = inst.op;
  if (op == Op::JAL || (op >= Op::BEQ && op <= Op::BGEU)) {
    // Targets inside this segment become slot offsets; others take the slow path with the
    // byte offset kept in imm.
    uint64_t target = pc + static_cast<uint64_t>(static_cast<int64_t>(inst.imm));
    if (target - seg.base < seg.end - seg.base) {
      out.imm = inst.imm / 2;
    } else if (op == Op::JAL) {
      op = Op::JAL_FAR;
    } else {
      out.rs3_rm = static_cast<uint8_t>(op);  // remember the comparison
      op = Op::BRANCH_FAR;
    }
  }
  out.handler = handler(op, inst.slots);
  seg.slots[index] = out;
  return true;
}

void Machine::invalidate_code_page(uint64_t page_addr) {
  // Reset the slots of this page (and the one instruction that may start just before it) so
  // they are decoded again. The record's length is kept: the store that caused this may be
  // executing from this very page and still needs to step over itself.
  uint64_t start = page_addr >= 2 ? page_addr - 2 : 0, end = page_addr + os::kPageSize;
  for (auto& [b, seg] : segments_) {
    if (seg->end <= start || seg->base >= end) continue;
    uint64_t lo = std::max(start, seg->base), hi = std::min(end, seg->end);
    for (uint64_t a = lo; a < hi; a += 2) seg->slots[(a - seg->base) / 2].handler = 0;  // DECODE
  }
}

bool Machine::do_syscall(Stop& stop) {
  os::SyscallRequest req;
  req.number = cpu_.x[17];
  for (int i = 0; i < 6; ++i) req.args[static_cast<size_t>(i)] = cpu_.x[10 + i];
  memory_.clear_fault();
  os::SyscallOutcome out = personality_.handle(req, memory_);
  if (memory_.last_fault().fault == MemoryFault::kMemoryLimit) {
    stop = Stop{StopReason::kMemoryLimit, 0, cpu_.pc, 0, memory_.last_fault()};
    return false;
  }
  switch (out.kind) {
    case os::OutcomeKind::kReturn:
      cpu_.x[10] = static_cast<uint64_t>(out.value);
      return true;
    case os::OutcomeKind::kExit:
      stop = Stop{StopReason::kExited, out.value, cpu_.pc, 0, {}};
      return false;
    case os::OutcomeKind::kSignal:
      stop = Stop{StopReason::kSignaled, out.value, cpu_.pc, 0, {}};
      return false;
    case os::OutcomeKind::kPause:
      stop = Stop{StopReason::kPaused, 0, cpu_.pc, 0, {}};
      return false;
    case os::OutcomeKind::kOutputLimit:
      stop = Stop{StopReason::kOutputLimit, 0, cpu_.pc, 0, {}};
      return false;
  }
  return true;
}

bool Machine::csr_read(uint32_t csr, uint64_t& out) {
  switch (csr) {
    case 0x001: out = cpu_.fflags; return true;
    case 0x002: out = cpu_.frm; return true;
    case 0x003: out = (cpu_.frm << 5) | cpu_.fflags; return true;
    case 0xc00:  // cycle: one per retired instruction, as on a simple in-order core
    case 0xc02: out = cpu_.instret; return true;
    case 0xc01: out = monotonic_ticks(); return true;
  }
  return false;
}

bool Machine::csr_write(uint32_t csr, uint64_t value) {
  switch (csr) {
    case 0x001: cpu_.fflags = static_cast<uint32_t>(value & 0x1f); return true;
    case 0x002: cpu_.frm = static_cast<uint32_t>(value & 0x7); return true;
    case 0x003:
      cpu_.fflags = static_cast<uint32_t>(value & 0x1f);
      cpu_.frm = static_cast<uint32_t>((value >> 5) & 0x7);
      return true;
  }
  return false;  // counters are read-only; everything else does not exist in user mode
}

}  // namespace forkbox::riscv

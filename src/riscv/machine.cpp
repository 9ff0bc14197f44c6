// Machine plumbing around the interpreter loop: code segments, system calls and CSRs.
#include "riscv/machine.hpp"

#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "riscv/template.hpp"

namespace forkbox::riscv {

// The interpreter's handler offsets, published by the first run_loop (interpreter.cpp).
extern const int32_t* g_handlers;

namespace {

// Host calls: FORKBOX_HC_BASE + n (guest/include/forkbox.h).
constexpr uint64_t kHostCallBase = 0x46420000;
constexpr uint64_t kHostCallCount = 16;
enum HostCall : uint64_t {
  kWaitRequest = 0,
  kRequestField = 1,
  kRequestHeader = 2,
  kRespond = 3,
  kLog = 4,
  kHeaderAt = 5,
};
// Why 256: longer than any real header name; bounds the copy out of the guest.
constexpr size_t kMaxHeaderName = 256;

// Why 1 MiB: arguments pushed for call() go below the stack pointer of an 8 MiB stack; this
// keeps them well inside it, with room for the called function's own frames.
constexpr size_t kMaxPushedBytes = 1u << 20;

// call() returns to this address, which lies below mmap_min_addr and so can never be mapped:
// the fetch fault there means "the called function returned".
constexpr uint64_t kCallReturnAddress = 0x1000;

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
    case StopReason::kResponded: return "responded";
    case StopReason::kReturned: return fmt::format("returned {}", s.value);
  }
  return "stopped";
}

CodeSegment::CodeSegment(uint64_t base_addr, uint64_t end_addr) : base(base_addr), end(end_addr) {
  slots = static_cast<Decoded*>(std::calloc((end - base) / 2 + 2, sizeof(Decoded)));
}
CodeSegment::~CodeSegment() { std::free(slots); }

std::unique_ptr<CodeSegment> CodeSegment::clone() const {
  auto c = std::make_unique<CodeSegment>(base, end);
  if (c->slots) std::memcpy(c->slots, slots, ((end - base) / 2 + 2) * sizeof(Decoded));
  return c;
}

RunStatus run_status(StopReason reason) {
  switch (reason) {
    case StopReason::kExited: return RunStatus::kExited;
    case StopReason::kSignaled: return RunStatus::kSignaled;
    case StopReason::kInstructionLimit: return RunStatus::kTimeout;
    case StopReason::kMemoryLimit: return RunStatus::kMemoryLimit;
    case StopReason::kOutputLimit: return RunStatus::kOutputLimit;
    case StopReason::kPaused:
    case StopReason::kResponded:
    case StopReason::kReturned:
    case StopReason::kIllegalInstruction:
    case StopReason::kMemoryFault:
    case StopReason::kMisalignedAtomic: return RunStatus::kFault;
  }
  return RunStatus::kFault;
}

Machine::Machine(os::PersonalityConfig personality, uint64_t memory_limit_bytes)
    : memory_(memory_limit_bytes), personality_(std::in_place, std::move(personality)) {
  memory_.on_code_write = [this](uint64_t page_addr) { invalidate_code_page(page_addr); };
  memory_.on_map_change = [this](uint64_t start, uint64_t end) { drop_segments(start, end); };
}

Machine::Machine(std::shared_ptr<const Template> parent, uint64_t memory_limit_bytes)
    : parent_(std::move(parent)),
      cpu_(parent_->machine().cpu_),
      memory_(parent_->machine().memory_, memory_limit_bytes),
      ready_(parent_->ready_point()) {
  memory_.on_code_write = [this](uint64_t page_addr) { invalidate_code_page(page_addr); };
  memory_.on_map_change = [this](uint64_t start, uint64_t end) { drop_segments(start, end); };
  reset();
}

Machine::~Machine() = default;

void Machine::reset() {
  if (!parent_) return;
  const Machine& t = parent_->machine();
  cpu_ = t.cpu_;
  cpu_.instret = 0;
  if (ready_ == ReadyPoint::kWaitRequest) {
    // Resume after the ecall with forkbox_wait_request() returning 0.
    cpu_.pc += 4;
    cpu_.x[10] = 0;
  }  // kStdinRead: the read is issued again, now with this fork's stdin.
  memory_.reset_to_base();
  personality_.reset();
  pending_stdin_.clear();
  has_pending_stdin_ = false;
  if (!segments_.empty()) segments_.clear();
  hidden_parent_segments_.clear();
  current_ = nullptr;
  request_ = nullptr;
  // Field by field: building and destroying a temporary HandlerResponse cost ~10 ns a reset.
  response_.status = RunStatus::kExited;
  response_.http_status = HandlerResponse{}.http_status;
  response_.content_type.clear();
  response_.body.clear();
  response_.message.clear();
  response_.log.clear();
  response_.usage = {};
  response_.run_us = 0;
  deadline_ = std::chrono::steady_clock::time_point::max();
}

os::Personality& Machine::personality() {
  if (!personality_) {
    personality_.emplace(*parent_->machine().personality_);
    personality_->set_pause_on_stdin_read(false);
    personality_->begin_fork();
    if (has_pending_stdin_) {
      personality_->set_stdin_data(std::move(pending_stdin_));
      has_pending_stdin_ = false;
    }
  }
  return *personality_;
}

const os::Personality* Machine::personality_if_any() const {
  return personality_ ? &*personality_ : nullptr;
}

void Machine::set_stdin(std::string data) {
  if (personality_) {
    personality_->set_stdin_data(std::move(data));
  } else {  // a fork that has not copied its template's personality yet
    pending_stdin_ = std::move(data);
    has_pending_stdin_ = true;
  }
}

size_t Machine::overhead_bytes() const {
  size_t code = 0;
  for (const auto& [b, seg] : segments_) {
    code += ((seg->end - seg->base) / 2 + 2) * sizeof(Decoded);
    if (seg->jit) code += seg->jit->memory_bytes();
  }
  return sizeof(Machine) - sizeof(Memory) + memory_.overhead_bytes() + code +
         pending_stdin_.capacity() + (personality_ && parent_ ? sizeof(os::Personality) : 0);
}

int32_t Machine::handler(Op op, unsigned slots) const {
  return g_handlers[static_cast<size_t>(op) * 2 + (slots == 2 ? 1 : 0)];
}

void Machine::decode_all() {
  if (!g_handlers) return;  // never ran: nothing was decoded lazily either
  for (auto& [b, seg] : segments_) {
    size_t n = (seg->end - seg->base) / 2;
    for (size_t i = 0; i < n; ++i)
      if (seg->slots[i].handler == 0) (void)decode_slot(*seg, i);
  }
  current_ = nullptr;
}

std::optional<Op> Machine::decoded_op(uint64_t pc) {
  if (!g_handlers || (pc & 1)) return std::nullopt;
  for (int attempt = 0; attempt < 2; ++attempt) {
    CodeSegment* seg = segment_for(pc);
    if (!seg) return std::nullopt;
    size_t index = (pc - seg->base) / 2;
    int32_t h = seg->slots[index].handler;
    if (h == 0) {
      DecodeOutcome o = decode_slot(*seg, index);
      if (o == DecodeOutcome::kFault) return std::nullopt;
      if (o == DecodeOutcome::kResync) continue;  // now in this fork's copy of the segment
      h = seg->slots[index].handler;
    }
    for (size_t i = 0; i < 2 * static_cast<size_t>(Op::kCount); ++i)
      if (g_handlers[i] == h) return static_cast<Op>(i / 2);
    return std::nullopt;
  }
  return std::nullopt;
}

static_assert(offsetof(Cpu, f) - offsetof(Cpu, x) == kJitFpOffset);

void Machine::prepare_entry() {
  // A run with no budget left finds (creates) the segment at pc and stops before the first
  // instruction; it also sets up the interpreter's handler table that decode_all needs.
  (void)run_loop(cpu_.instret);
}

void Machine::translate_all() {
  for (auto& [b, seg] : segments_)
    if (!seg->jit) seg->jit = JitCode::translate(memory_, seg->base, seg->end);
  current_ = nullptr;
}

Stop Machine::run(uint64_t max_instructions) {
  uint64_t limit = max_instructions == 0 ? ~0ull : cpu_.instret + max_instructions;
  if (limit < cpu_.instret) limit = ~0ull;
  code_map_changed_ = false;
  return run_loop(limit);
}

bool Machine::owns(const CodeSegment* seg) const {
  auto it = segments_.find(seg->base);
  return it != segments_.end() && it->second.get() == seg;
}

CodeSegment* Machine::segment_for(uint64_t pc) {
  if (current_ && pc >= current_->base && pc < current_->end) return current_;
  auto it = segments_.upper_bound(pc);
  if (it != segments_.begin()) {
    --it;
    if (pc < it->second->end) return current_ = it->second.get();
  }
  if (parent_) {
    // The template's fully decoded code, shared read-only (never written through: see
    // decode_slot and invalidate_code_page).
    const auto& shared = parent_->machine().segments_;
    auto pit = shared.upper_bound(pc);
    if (pit != shared.begin()) {
      --pit;
      const CodeSegment* seg = pit->second.get();
      if (pc < seg->end && std::find(hidden_parent_segments_.begin(), hidden_parent_segments_.end(),
                                     seg->base) == hidden_parent_segments_.end())
        return current_ = const_cast<CodeSegment*>(seg);
    }
  }
  const os::Region* r = memory_.vm().find(pc);
  if (!r || !(r->prot & os::kProtExec) || (pc & 1)) {
    memory_.set_fault_info(FaultInfo{r ? MemoryFault::kProtection : MemoryFault::kUnmapped,
                                     AccessKind::kExecute, pc});
    return nullptr;
  }
  uint64_t window = pc & ~(kSegmentWindow - 1);
  uint64_t seg_base = std::max(r->start, window);
  uint64_t seg_end = std::min(r->end, window + kSegmentWindow);
  auto seg = std::make_unique<CodeSegment>(seg_base, seg_end);
  if (!seg->slots) return nullptr;
  size_t n = (seg_end - seg_base) / 2;
  seg->slots[n].handler = seg->slots[n + 1].handler = handler(Op::SEGMENT_END, 1);
  CodeSegment* raw = seg.get();
  segments_[seg_base] = std::move(seg);
  return current_ = raw;
}

CodeSegment* Machine::own_segment(const CodeSegment& shared) {
  auto copy = shared.clone();
  if (!copy->slots) return nullptr;
  CodeSegment* raw = copy.get();
  segments_[shared.base] = std::move(copy);
  if (current_ == &shared) current_ = raw;
  return raw;
}

Machine::DecodeOutcome Machine::decode_slot(CodeSegment& seg_in, size_t index) {
  CodeSegment* seg = &seg_in;
  uint64_t pc = seg->base + index * 2;
  if (parent_ && !owns(seg)) {
    // A fork may not write its template's decoded code: take a private copy first.
    seg = own_segment(seg_in);
    cpu_.pc = pc;
    if (!seg) return DecodeOutcome::kFault;
    return DecodeOutcome::kResync;
  }
  uint16_t lo = 0, hi = 0;
  if (!memory_.fetch(pc, &lo, 2)) {
    cpu_.pc = pc;
    return DecodeOutcome::kFault;
  }
  if ((lo & 3) == 3 && (pc + 4 > seg->end || !memory_.fetch(pc + 2, &hi, 2))) {
    // The instruction runs past the end of the executable mapping.
    cpu_.pc = pc + 2;
    if (memory_.last_fault().fault == MemoryFault::kNone || pc + 4 > seg->end)
      memory_.set_fault_info(FaultInfo{MemoryFault::kProtection, AccessKind::kExecute, pc + 2});
    return DecodeOutcome::kFault;
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
    if (target - seg->base < seg->end - seg->base) {
      out.imm = inst.imm / 2;
    } else if (op == Op::JAL) {
      op = Op::JAL_FAR;
    } else {
      out.rs3_rm = static_cast<uint8_t>(op);  // remember the comparison
      op = Op::BRANCH_FAR;
    }
  }
  if (op == Op::LD || op == Op::SD || op == Op::MV || op == Op::ADDI)
    op = fuse_pair(*seg, pc, inst.slots, op, out);
  out.handler = handler(op, inst.slots);
  seg->slots[index] = out;
  return DecodeOutcome::kDecoded;
}

Op Machine::fuse_pair(const CodeSegment& seg, uint64_t pc, unsigned slots, Op op,
                      Decoded& out) {
  // Only within the first instruction's page: invalidate_code_page drops the slots of a
  // written page (and the one before it), so no record may depend on bytes of another page.
  uint64_t next = pc + slots * 2u;
  uint64_t limit = std::min(seg.end, pc / os::kPageSize * os::kPageSize + os::kPageSize);
  uint16_t lo = 0, hi = 0;
  if (next + 2 > limit || !memory_.fetch(next, &lo, 2)) return op;
  if ((lo & 3) == 3 && (next + 4 > limit || !memory_.fetch(next + 2, &hi, 2))) return op;
  Instruction second = decode(lo, hi);
  Op fused = op;
  uint8_t reg = second.rd;
  if (op == Op::LD && second.op == Op::LD) {
    fused = Op::LD_PAIR;
  } else if (op == Op::SD && second.op == Op::SD) {
    fused = Op::SD_PAIR;
    reg = second.rs2;
  } else if (op == Op::MV && second.op == Op::MV) {
    fused = Op::MV_PAIR;
  } else if (op == Op::ADDI && second.op == Op::JALR) {
    fused = Op::ADDI_JALR;  // a function's epilogue: `addi sp, sp, N; ret`
  } else {
    return op;
  }
  out.pair = Decoded::pack_pair(reg, second.rs1, second.slots, second.imm);
  return fused;
}

void Machine::invalidate_code_page(uint64_t page_addr) {
  // Reset the slots of this page (and the one instruction that may start just before it) so
  // they are decoded again. Shared template code is first copied into this fork.
  uint64_t start = page_addr >= 2 ? page_addr - 2 : 0, end = page_addr + os::kPageSize;
  if (parent_) {
    for (const auto& [b, shared] : parent_->machine().segments_) {
      if (shared->end <= start || shared->base >= end || segments_.count(b)) continue;
      if (std::find(hidden_parent_segments_.begin(), hidden_parent_segments_.end(), b) !=
          hidden_parent_segments_.end())
        continue;
      (void)own_segment(*shared);
    }
  }
  for (auto& [b, seg] : segments_) {
    if (seg->end <= start || seg->base >= end) continue;
    uint64_t lo = std::max(start, seg->base), hi = std::min(end, seg->end);
    for (uint64_t a = lo; a < hi; a += 2) seg->slots[(a - seg->base) / 2].handler = 0;  // DECODE
  }
  current_ = nullptr;
}

void Machine::drop_segments(uint64_t start, uint64_t end) {
  // Drop decoded code overlapping a changed range; other segments stay warm.
  for (auto it = segments_.begin(); it != segments_.end();) {
    if (it->second->base < end && start < it->second->end) {
      it = segments_.erase(it);
      code_map_changed_ = true;
    } else {
      ++it;
    }
  }
  if (parent_) {
    for (const auto& [b, shared] : parent_->machine().segments_) {
      if (shared->base < end && start < shared->end) {
        hidden_parent_segments_.push_back(b);
        code_map_changed_ = true;
      }
    }
  }
  current_ = nullptr;
}

Stop Machine::call(uint64_t addr, const std::vector<uint64_t>& args, uint64_t max_instructions) {
  for (size_t i = 0; i < 8; ++i) cpu_.x[10 + i] = i < args.size() ? args[i] : 0;
  cpu_.x[1] = kCallReturnAddress;
  cpu_.x[2] &= ~15ull;
  cpu_.pc = addr;
  Stop s = run(max_instructions);
  if (s.reason == StopReason::kMemoryFault && s.fault.kind == AccessKind::kExecute &&
      s.fault.addr == kCallReturnAddress) {
    s.reason = StopReason::kReturned;
    s.value = static_cast<int64_t>(cpu_.x[10]);
  }
  return s;
}

std::optional<uint64_t> Machine::push_bytes(const void* data, size_t len) {
  uint64_t sp = cpu_.x[2];
  if (len > kMaxPushedBytes || sp < len + 16) return std::nullopt;
  uint64_t at = (sp - len) & ~15ull;
  if (!memory_.write(at, data, len)) return std::nullopt;
  cpu_.x[2] = at;
  return at;
}

bool Machine::do_syscall(Stop& stop) {
  if (deadline_ != std::chrono::steady_clock::time_point::max() &&
      std::chrono::steady_clock::now() > deadline_) {
    stop = Stop{StopReason::kInstructionLimit, 0, cpu_.pc, 0, {}};
    return false;
  }
  if (cpu_.x[17] - kHostCallBase < kHostCallCount) return do_host_call(cpu_.x[17] - kHostCallBase, stop);
  os::SyscallRequest req;
  req.number = cpu_.x[17];
  for (int i = 0; i < 6; ++i) req.args[static_cast<size_t>(i)] = cpu_.x[10 + i];
  memory_.clear_fault();
  os::SyscallOutcome out = personality().handle(req, memory_);
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
      ready_ = ReadyPoint::kStdinRead;
      stop = Stop{StopReason::kPaused, 0, cpu_.pc, 0, {}};
      return false;
    case os::OutcomeKind::kOutputLimit:
      stop = Stop{StopReason::kOutputLimit, 0, cpu_.pc, 0, {}};
      return false;
  }
  return true;
}

bool Machine::do_host_call(uint64_t nr, Stop& stop) {
  uint64_t* a = &cpu_.x[10];
  auto ret = [&](int64_t v) {
    a[0] = static_cast<uint64_t>(v);
    return true;
  };
  // Copies `value` to guest (buf, cap) and returns its full length, as forkbox.h documents.
  auto give = [&](std::string_view value, uint64_t buf, uint64_t cap) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(cap, value.size()));
    if (n && !memory_.write(buf, value.data(), n)) return ret(-EFAULT);
    return ret(static_cast<int64_t>(value.size()));
  };
  switch (nr) {
    case kWaitRequest:
      // The ready point of a handler: the root pauses here and becomes a template. A fork
      // that waits again never responded to its request.
      if (!parent_) ready_ = ReadyPoint::kWaitRequest;
      stop = Stop{StopReason::kPaused, 0, cpu_.pc, 0, {}};
      return false;
    case kRequestField: {
      if (!request_) return ret(-ENOENT);
      std::string_view v;
      switch (a[0]) {
        case 0: v = request_->method; break;
        case 1: v = request_->path; break;
        case 2: v = request_->query; break;
        case 3: v = request_->body; break;
        default: return ret(-EINVAL);
      }
      return give(v, a[1], a[2]);
    }
    case kRequestHeader: {
      if (!request_) return ret(-ENOENT);
      if (a[1] > kMaxHeaderName) return ret(-EINVAL);
      char name[kMaxHeaderName];
      if (!memory_.read(a[0], name, a[1])) return ret(-EFAULT);
      std::string_view want(name, a[1]);
      for (const auto& [k, v] : request_->headers)
        if (k.size() == want.size() && ::strncasecmp(k.data(), want.data(), k.size()) == 0)
          return give(v, a[2], a[3]);
      return ret(-ENOENT);
    }
    case kHeaderAt: {
      if (!request_ || a[0] >= request_->headers.size()) return ret(-ENOENT);
      const auto& [k, v] = request_->headers[a[0]];
      if (a[2] > 0) {
        size_t n = std::min<size_t>(k.size(), a[2] - 1);
        if (!memory_.write(a[1], k.data(), n)) return ret(-EFAULT);
        char nul = 0;
        if (!memory_.write(a[1] + n, &nul, 1)) return ret(-EFAULT);
      }
      return give(v, a[3], a[4]);
    }
    case kRespond: {
      int64_t status = static_cast<int64_t>(a[0]);
      if (status < 100 || status > 599 || a[2] > kMaxContentType || a[4] > kMaxResponseBody)
        return ret(-EINVAL);
      response_.content_type.resize(a[2]);
      response_.body.resize(a[4]);
      if (!memory_.read(a[1], response_.content_type.data(), a[2]) ||
          !memory_.read(a[3], response_.body.data(), a[4]))
        return ret(-EFAULT);
      response_.http_status = static_cast<int>(status);
      stop = Stop{StopReason::kResponded, status, cpu_.pc, 0, {}};
      return false;
    }
    case kLog: {
      size_t n = static_cast<size_t>(std::min<uint64_t>(a[1], kMaxLogLine));
      std::string line(n, '\0');
      if (n && !memory_.read(a[0], line.data(), n)) return ret(-EFAULT);
      // Why 64 KiB per request: a chatty handler is logged, a flood is not kept.
      if (response_.log.size() + n + 1 <= (64u << 10)) {
        response_.log += line;
        response_.log += '\n';
      }
      return ret(0);
    }
  }
  return ret(-ENOSYS);
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

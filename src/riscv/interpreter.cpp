// The RV64GC interpreter: threaded dispatch over pre-decoded instructions.
//
// Each executable segment has an array of Decoded records, one per 2-byte slot; a handler ends
// by jumping straight to the next record's handler (computed goto), so there is no central
// switch, no virtual call and no allocation per instruction. Branch and jal targets inside the
// segment were turned into slot offsets at decode time; anything leaving the segment, and
// every ecall that changed the address space, goes back through `resync` to find the segment.
// The instruction budget is checked only on taken control transfers: a guest cannot loop
// without one.
//
// Dispatch, not the work of an instruction, is most of the cost on branchy code (the host
// mispredicts the indirect jump), so the commonest pairs of compiled code decode into one
// fused record run by one handler, when both lie in one page: ld+ld and sd+sd (the register
// saves and restores around every call), mv+mv (argument shuffles) and addi+jalr (the
// `addi sp, sp, N; ret` epilogue). See Machine::fuse_pair and docs/benchmarks.md.
//
// Guest floating-point runs on the host SSE unit with the guest's rounding mode and sticky
// flags live in MXCSR for the whole loop (see fpu.hpp); MXCSR is swapped in on entry and
// restored on every exit.
#include <immintrin.h>
#include <sys/time.h>

#include <csignal>
#include <cstring>
#include <ctime>

#include "riscv/fpu.hpp"
#include "riscv/machine.hpp"

namespace forkbox::riscv {

const int32_t* g_handlers = nullptr;

namespace {

inline int64_t sx32(uint64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }
inline uint64_t u(int64_t v) { return static_cast<uint64_t>(v); }

inline uint64_t host_time_ticks() {
  // The time CSR ticks at 10 MHz, the timebase Linux reports on common RISC-V boards.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 10'000'000ull + static_cast<uint64_t>(ts.tv_nsec) / 100;
}

// Budget units a store into an executable page costs (see H(store_fault)): invalidating and
// re-decoding a page costs about as much as 256 simple instructions on the machines measured.
constexpr uint64_t kCodeWriteCharge = 256;

}  // namespace

Stop Machine::run_loop(uint64_t limit) {
  // Handler offsets from the DECODE label (GCC's documented form of a computed-goto table),
  // two per operation: the compressed copy, then the 32-bit one.
  static const int32_t labels[] = {
#define LABEL_OFFSET(label) \
  static_cast<int32_t>(reinterpret_cast<const char*>(&&label) - reinterpret_cast<const char*>(&&op_DECODE_s1))
#define FORKBOX_OP_LABEL(name) LABEL_OFFSET(op_##name##_s1), LABEL_OFFSET(op_##name##_s2),
      FORKBOX_RISCV_OPS(FORKBOX_OP_LABEL)
#undef FORKBOX_OP_LABEL
#undef LABEL_OFFSET
  };
  static_assert(sizeof(labels) / sizeof(labels[0]) == 2 * static_cast<size_t>(Op::kCount));

  g_handlers = labels;
  uint64_t* const x = cpu_.x;
  uint64_t* const f = cpu_.f;
  Memory& mem = memory_;
  uint64_t icount = cpu_.instret;
  Stop stop;
  CodeSegment* seg = nullptr;
  Decoded* slots = nullptr;
  Decoded* d = nullptr;
  uint64_t base = 0;
  uint32_t fp_flags = 0;  // flags raised in software during this loop
  // Translated code of the current segment (jit.hpp): host entry per slot, or none.
  const uint32_t* jent = nullptr;
  uint32_t jit_entry = 0;
  JitContext jc;
  jc.x = x;
  jc.read_tlb = mem.read_tlb_data();
  jc.write_tlb = mem.write_tlb_data();
  jc.salt = mem.salt_address();
  jc.limit = limit;
  jc.memory = &mem;

  const uint32_t host_mxcsr = _mm_getcsr();
  _mm_setcsr(fpu::mxcsr_for(cpu_.frm) | fpu::mxcsr_flags_from(cpu_.fflags));

#define PC_OF(dp) (base + static_cast<uint64_t>((dp) - slots) * 2)
#define DISPATCH() goto*(reinterpret_cast<const char*>(&&op_DECODE_s1) + d->handler)
#define NEXT()          \
  do {                  \
    d += SLOTS;         \
    ++icount;           \
    DISPATCH();         \
  } while (0)
// A taken transfer to a slot of this segment, with the budget check; into translated code
// when the segment has some for that slot.
#define JUMP_TO(dp)                                   \
  do {                                                \
    d = (dp);                                         \
    if (++icount >= limit) [[unlikely]] goto budget;  \
    if (jent && (jit_entry = jent[d - slots]) != 0) goto enter_jit; \
    DISPATCH();                                       \
  } while (0)
// A transfer to any address: stay in this segment when possible, else resync.
#define JUMP_ADDR(target)                                                        \
  do {                                                                           \
    uint64_t t_ = (target);                                                      \
    if (t_ - base < seg->end - base) JUMP_TO(slots + ((t_ - base) >> 1));        \
    cpu_.pc = t_;                                                                \
    ++icount;                                                                    \
    goto resync;                                                                 \
  } while (0)
#define RD x[d->rd]
#define RS1 x[d->rs1]
#define RS2 x[d->rs2]
#define IMM static_cast<int64_t>(d->imm)
#define LOAD(T, conv)                                         \
  do {                                                        \
    T v_;                                                     \
    if (!mem.load<T>(RS1 + u(IMM), v_)) [[unlikely]] goto mem_fault; \
    RD = conv(v_);                                            \
    NEXT();                                                   \
  } while (0)
#define STORE(T)                                                                   \
  do {                                                                             \
    if (!mem.store<T>(RS1 + u(IMM), static_cast<T>(RS2))) [[unlikely]] goto H(store_fault); \
    NEXT();                                                                        \
  } while (0)

resync: {
  seg = segment_for(cpu_.pc);
  if (!seg) goto fetch_fault;
  base = seg->base;
  slots = seg->slots;
  d = slots + ((cpu_.pc - base) >> 1);
  jent = seg->jit ? seg->jit->entries() : nullptr;
  if (icount >= limit) goto budget;
  if (jent && (jit_entry = jent[d - slots]) != 0) goto enter_jit;
  DISPATCH();
}

enter_jit: {
  // Translated code runs until it needs the interpreter; it has counted every instruction it
  // completed and left d's instruction (if any) for the interpreter to run.
  jc.icount = icount;
  jc.entries = jent;
  ++jit_entries_;
  seg->jit->run(jc, jit_entry);
  icount = jc.icount;
  d = slots + jc.exit_slot;
  switch (jc.exit_kind) {
    case JitExit::kAtSlot: DISPATCH();
    case JitExit::kBudget: goto budget;
    case JitExit::kToAddress: cpu_.pc = jc.exit_pc; goto resync;
    case JitExit::kLoadFault: goto mem_fault;
    case JitExit::kStoreFault: goto op_store_fault_s1;
    case JitExit::kStoreFault32: goto op_store_fault_s2;
  }
  goto mem_fault;
}

#define CAT3_(a, b, c) a##b##c
#define CAT3(a, b, c) CAT3_(a, b, c)
#define H(name) CAT3(op_, name, HANDLER_SUFFIX)
#define BRANCH(cond)                       \
  do {                                     \
    if (cond) JUMP_TO(d + d->imm);      \
    NEXT();                                \
  } while (0)
#define AMO_PTR(T)                                                  \
  uint64_t addr_ = RS1;                                             \
  if (addr_ % sizeof(T) != 0) [[unlikely]] goto misaligned_atomic;  \
  uint8_t* p_ = mem.writable_pointer(addr_, sizeof(T));             \
  if (!p_) [[unlikely]] goto mem_fault;                             \
  T old_;                                                           \
  std::memcpy(&old_, p_, sizeof(T));
#define AMO(T, expr)                        \
  do {                                      \
    AMO_PTR(T)                              \
    T b_ = static_cast<T>(RS2);             \
    T new_ = (expr);                        \
    std::memcpy(p_, &new_, sizeof(T));      \
    (void)b_;                               \
    RD = u(static_cast<int64_t>(old_));     \
    NEXT();                                 \
  } while (0)
#define CSR_OP(src, write_kind)                                              \
  do {                                                                       \
    uint32_t csr_ = static_cast<uint32_t>(d->imm);                           \
    uint64_t s_ = (src);                                                     \
    cpu_.instret = icount;                                                   \
    if (csr_ >= 1 && csr_ <= 3) { /* fold live flags into cpu_.fflags */     \
      cpu_.fflags |= fp_flags | fpu::flags_from_mxcsr(_mm_getcsr());         \
      fp_flags = 0;                                                          \
      _mm_setcsr(fpu::mxcsr_for(cpu_.frm));                                  \
    }                                                                        \
    bool do_write_ = (write_kind) == 0 || d->rs1 != 0;                       \
    uint64_t old_ = 0;                                                       \
    bool ok_ = (write_kind) == 0 && d->rd == kZeroSink ? true : csr_read(csr_, old_); \
    if (ok_ && do_write_) {                                                  \
      uint64_t nv_ = (write_kind) == 0 ? s_ : (write_kind) == 1 ? (old_ | s_) : (old_ & ~s_); \
      ok_ = csr_write(csr_, nv_);                                            \
    }                                                                        \
    if (!ok_) goto illegal_csr;                                              \
    if (csr_ >= 1 && csr_ <= 3) _mm_setcsr(fpu::mxcsr_for(cpu_.frm));        \
    RD = old_;                                                               \
    NEXT();                                                                  \
  } while (0)
#define FS1 fpu::unbox_s(f[d->rs1])
#define FS2 fpu::unbox_s(f[d->rs2])
#define FS3 fpu::unbox_s(f[d->rs3()])
#define D_RM d->rm()
#define FD1 fpu::as_d(f[d->rs1])
#define FD2 fpu::as_d(f[d->rs2])
#define FD3 fpu::as_d(f[d->rs3()])
#define FP_ARITH(T, result_fn, expr, exact)                               \
  do {                                                                    \
    uint32_t rm_ = D_RM == fpu::kDYN ? cpu_.frm : D_RM;                 \
    if (rm_ > 4) [[unlikely]] goto illegal_rm;                            \
    T r_;                                                                 \
    if (D_RM == fpu::kDYN || rm_ == cpu_.frm) [[likely]] {               \
      r_ = (expr);                                                        \
    } else {                                                              \
      fpu::StaticRounding sr_(rm_, cpu_.frm);                             \
      r_ = (expr);                                                        \
    }                                                                     \
    if (rm_ == fpu::kRMM) [[unlikely]] r_ = fpu::rmm_fixup<T>(r_, (exact)); \
    f[d->rd] = fpu::result_fn(r_);                                        \
    NEXT();                                                               \
  } while (0)
#define LD(v) static_cast<long double>(v)
#define FMA_NV(a, b) \
  if ((std::isinf(a) && (b) == 0) || ((a) == 0 && std::isinf(b))) fp_flags |= fpu::kNV;
#define SGNJ_S(expr)                                                          \
  do {                                                                        \
    uint32_t a_ = std::bit_cast<uint32_t>(FS1), b_ = std::bit_cast<uint32_t>(FS2); \
    f[d->rd] = fpu::box_s_bits((a_ & 0x7fffffffu) | ((expr) & 0x80000000u));  \
    NEXT();                                                                   \
  } while (0)
#define SGNJ_D(expr)                                                          \
  do {                                                                        \
    uint64_t a_ = f[d->rs1], b_ = f[d->rs2];                                  \
    f[d->rd] = (a_ & 0x7fffffffffffffffull) | ((expr) & 0x8000000000000000ull); \
    NEXT();                                                                   \
  } while (0)
#define TO_INT(I, src, widen)                                    \
  do {                                                           \
    uint32_t rm_ = D_RM == fpu::kDYN ? cpu_.frm : D_RM;        \
    if (rm_ > 4) [[unlikely]] goto illegal_rm;                   \
    RD = widen(fpu::to_int<I>(src, rm_, fp_flags));              \
    NEXT();                                                      \
  } while (0)
#define W32(v) u(static_cast<int64_t>(static_cast<int32_t>(v)))
#define W64(v) static_cast<uint64_t>(v)
#define FROM_INT(F, I, result_fn)                                \
  do {                                                           \
    uint32_t rm_ = D_RM == fpu::kDYN ? cpu_.frm : D_RM;        \
    if (rm_ > 4) [[unlikely]] goto illegal_rm;                   \
    I v_ = static_cast<I>(RS1);                                  \
    F r_;                                                        \
    if (D_RM == fpu::kDYN || rm_ == cpu_.frm) {                 \
      r_ = fpu::from_int<F, I>(v_, rm_);                         \
    } else {                                                     \
      fpu::StaticRounding sr_(rm_, cpu_.frm);                    \
      r_ = fpu::from_int<F, I>(v_, rm_);                         \
    }                                                            \
    f[d->rd] = fpu::result_fn(r_);                               \
    NEXT();                                                      \
  } while (0)

#define SLOTS 1
#define HANDLER_SUFFIX _s1
#include "riscv/rv_handlers.inc"
#undef SLOTS
#undef HANDLER_SUFFIX
#define SLOTS 2
#define HANDLER_SUFFIX _s2
#include "riscv/rv_handlers.inc"
#undef SLOTS
#undef HANDLER_SUFFIX

// ---- exits from the loop ----
illegal_rm:
illegal_csr: {
  // Report the raw instruction bits, re-read from memory.
  uint64_t pc = PC_OF(d);
  uint32_t bits = 0;
  uint16_t lo = 0;
  if (mem.fetch(pc, &lo, 2)) {
    bits = lo;
    if ((lo & 3) == 3 && !mem.fetch(pc, &bits, 4)) bits = lo;
  }
  stop = Stop{StopReason::kIllegalInstruction, 0, pc, bits, {}};
  goto leave;
}
misaligned_atomic:
  stop = Stop{StopReason::kMisalignedAtomic, 0, PC_OF(d), 0, {}};
  stop.fault.addr = RS1;
  goto leave;
mem_fault: {
  const FaultInfo& fi = mem.last_fault();
  stop = Stop{fi.fault == MemoryFault::kMemoryLimit ? StopReason::kMemoryLimit
                                                    : StopReason::kMemoryFault,
              0, PC_OF(d), 0, fi};
  goto leave;
}
fetch_fault:
  stop = Stop{StopReason::kMemoryFault, 0, cpu_.pc, 0, mem.last_fault()};
  if (stop.fault.fault == MemoryFault::kNone)
    stop.fault = FaultInfo{MemoryFault::kUnmapped, AccessKind::kExecute, cpu_.pc};
  goto leave;
budget:
  cpu_.pc = PC_OF(d);
  stop = Stop{StopReason::kInstructionLimit, 0, cpu_.pc, 0, {}};
  goto leave_keep_pc;

leave:
  if (stop.reason != StopReason::kPaused && stop.reason != StopReason::kExited &&
      stop.reason != StopReason::kSignaled && stop.reason != StopReason::kOutputLimit)
    cpu_.pc = stop.pc;
leave_keep_pc:
  cpu_.instret = icount;
  cpu_.fflags |= fp_flags | fpu::flags_from_mxcsr(_mm_getcsr());
  _mm_setcsr(host_mxcsr);
  return stop;

#undef PC_OF
#undef DISPATCH
#undef NEXT
#undef JUMP_TO
#undef JUMP_ADDR
}

}  // namespace forkbox::riscv

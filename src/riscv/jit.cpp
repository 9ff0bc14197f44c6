// The x86-64 code generator behind jit.hpp. Layout of one JitCode mapping:
//   [trampoline][epilogue][one sequence per guest instruction, in guest order][cold stubs]
// Cold stubs (TLB-miss slow paths and exits) sit after all instruction sequences, so the hot
// path of a load or store is straight-line code with two untaken branches.
//
// Register use inside translated code (all callee-saved, so slow-path calls keep them):
//   rbx  guest registers (JitContext::x)      r12  the JitContext
//   r13  instructions retired (icount)        r14  the budget (limit)
//   r15  the TLB salt                         rbp  the read TLB
// rax, rcx, rdx, rsi, rdi are scratch.
#include "riscv/jit.hpp"

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "linux/guest_memory.hpp"
#include "riscv/decoded.hpp"
#include "riscv/memory.hpp"

namespace forkbox::riscv {

static_assert(offsetof(JitContext, x) == 0);
static_assert(offsetof(JitContext, read_tlb) == 8);
static_assert(offsetof(JitContext, write_tlb) == 16);
static_assert(offsetof(JitContext, salt) == 24);
static_assert(offsetof(JitContext, icount) == 32);
static_assert(offsetof(JitContext, limit) == 40);
static_assert(offsetof(JitContext, memory) == 48);
static_assert(offsetof(JitContext, entries) == 56);
static_assert(offsetof(JitContext, exit_slot) == 64);
static_assert(offsetof(JitContext, exit_pc) == 72);
static_assert(offsetof(JitContext, value) == 80);
static_assert(offsetof(JitContext, exit_kind) == 88);
static_assert(offsetof(JitContext, code) == 96);

namespace {

// Slow paths, called from translated code with the System V ABI.
extern "C" bool forkbox_jit_load(JitContext* c, uint64_t addr, uint64_t size) {
  uint64_t v = 0;
  bool ok = c->memory->load_slow(addr, &v, size);
  c->value = v;
  return ok;
}
extern "C" bool forkbox_jit_store(JitContext* c, uint64_t addr, uint64_t value, uint64_t size) {
  return c->memory->store_slow(addr, &value, size);
}

enum Reg : int { RAX = 0, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
enum Cond : int { kB = 2, kAE = 3, kE = 4, kNE = 5, kBE = 6, kA = 7, kL = 0xC, kGE = 0xD };

constexpr int32_t kCtxIcount = 32, kCtxWriteTlb = 16, kCtxSalt = 24, kCtxEntries = 56,
                  kCtxExitSlot = 64, kCtxExitPc = 72, kCtxValue = 80, kCtxExitKind = 88,
                  kCtxCode = 96;
constexpr int32_t xoff(unsigned r) { return static_cast<int32_t>(r) * 8; }

// Where a label lives: hot code (instruction sequences) or cold code (stubs).
struct Label {
  bool cold = false;
  size_t offset = 0;
};

class Emitter {
 public:
  std::vector<uint8_t>* b = nullptr;

  void u8(uint32_t v) { b->push_back(static_cast<uint8_t>(v)); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(v >> (8 * i));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<uint32_t>(v >> (8 * i)));
  }
  [[nodiscard]] size_t pos() const { return b->size(); }

  // The REX prefix, left out when it would be a bare 0x40 (which only matters for the byte
  // registers spl/bpl/sil/dil, never used here).
  void rex(bool w, int reg, int base) {
    uint32_t r = 0x40 | (w ? 8 : 0) | ((reg >> 3) & 1) << 2 | ((base >> 3) & 1);
    if (r != 0x40) u8(r);
  }
  // [base + disp8] or [base + disp32]
  void mem(int reg, int base, int32_t disp) {
    bool short_disp = disp >= -128 && disp <= 127;
    u8((short_disp ? 0x40 : 0x80) | ((reg & 7) << 3) | (base & 7));
    if ((base & 7) == RSP) u8(0x24);
    if (short_disp) u8(static_cast<uint32_t>(disp) & 0xff);
    else u32(static_cast<uint32_t>(disp));
  }
  // opcode reg, [base + disp] (or [base + disp], reg for stores)
  void op_mem(bool w, std::initializer_list<uint8_t> opcode, int reg, int base, int32_t disp) {
    rex(w, reg, base);
    for (uint8_t o : opcode) u8(o);
    mem(reg, base, disp);
  }
  void op_rr(bool w, uint8_t opcode, int reg, int rm) {
    rex(w, reg, rm);
    u8(opcode);
    u8(0xC0 | ((reg & 7) << 3) | (rm & 7));
  }
  void load(int reg, int base, int32_t disp) { op_mem(true, {0x8B}, reg, base, disp); }
  void load32(int reg, int base, int32_t disp) { op_mem(false, {0x8B}, reg, base, disp); }
  void store(int base, int32_t disp, int reg) { op_mem(true, {0x89}, reg, base, disp); }
  void imm_op(bool w, int ext, int reg, int32_t imm) {  // add/or/and/sub/xor/cmp reg, imm
    bool short_imm = imm >= -128 && imm <= 127;
    rex(w, 0, reg);
    u8(short_imm ? 0x83 : 0x81);
    u8(0xC0 | (ext << 3) | (reg & 7));
    if (short_imm) u8(static_cast<uint32_t>(imm) & 0xff);
    else u32(static_cast<uint32_t>(imm));
  }
  void shift_imm(bool w, int ext, int reg, uint8_t n) {
    rex(w, 0, reg);
    u8(0xC1);
    u8(0xC0 | (ext << 3) | (reg & 7));
    u8(n);
  }
  void shift_cl(bool w, int ext, int reg) {
    rex(w, 0, reg);
    u8(0xD3);
    u8(0xC0 | (ext << 3) | (reg & 7));
  }
  void mov_imm64(int reg, uint64_t v) {
    rex(true, 0, reg);
    u8(0xB8 + (reg & 7));
    u64(v);
  }
  void movsxd(int dst, int src) { op_rr(true, 0x63, dst, src); }
  void setcc_zx(int cc) {  // rax = condition ? 1 : 0
    u8(0x0F);
    u8(0x90 + cc);
    u8(0xC0);
    u8(0x0F);
    u8(0xB6);
    u8(0xC0);
  }
  void inc_icount() {  // lea r13, [r13 + 1]: leaves the flags alone
    u8(0x4D);
    u8(0x8D);
    u8(0x6D);
    u8(0x01);
  }
  void cmp_icount_limit() {  // cmp r13, r14
    u8(0x4D);
    u8(0x39);
    u8(0xF5);
  }
  // jcc rel32 / jmp rel32: returns where the rel32 goes.
  size_t jcc(int cc) {
    u8(0x0F);
    u8(0x80 + cc);
    size_t at = pos();
    u32(0);
    return at;
  }
  size_t jmp() {
    u8(0xE9);
    size_t at = pos();
    u32(0);
    return at;
  }
  size_t call() {
    u8(0xE8);
    size_t at = pos();
    u32(0);
    return at;
  }
  void mov_r9d(uint32_t v) {  // mov r9d, imm32 (zero-extended)
    u8(0x41);
    u8(0xB9);
    u32(v);
  }
  void jmp_reg(int reg) {
    rex(false, 0, reg);
    u8(0xFF);
    u8(0xE0 | (reg & 7));
  }
  void call_reg(int reg) {
    rex(false, 0, reg);
    u8(0xFF);
    u8(0xD0 | (reg & 7));
  }
  void push(int reg) {
    rex(false, 0, reg);
    u8(0x50 + (reg & 7));
  }
  void pop(int reg) {
    rex(false, 0, reg);
    u8(0x58 + (reg & 7));
  }
  void reload_salt() {  // r15 = *ctx->salt
    load(R15, R12, kCtxSalt);
    load(R15, R15, 0);
  }
};

class Translator {
 public:
  Translator(Memory& memory, uint64_t base, uint64_t end)
      : memory_(memory), base_(base), end_(end), slots_((end - base) / 2) {
    hot_.b = &hot_bytes_;
    cold_.b = &cold_bytes_;
    entry_offset_.assign(slots_ + 1, -1);
  }

  // The code (hot then cold, every jump resolved; position-independent) and, per slot, the
  // offset of its instruction's code or -1.
  struct Built {
    std::vector<uint8_t> code;
    std::vector<int64_t> entry_offset;
    size_t translated = 0;
  };

  Built run() {
    size_t translated = 0;
    emit_trampoline();
    uint64_t pc = base_;
    while (pc + 2 <= end_) {
      uint16_t lo = 0, hi = 0;
      if (!memory_.fetch(pc, &lo, 2)) break;
      unsigned len = (lo & 3) == 3 ? 4 : 2;
      if (len == 4 && (pc + 4 > end_ || !memory_.fetch(pc + 2, &hi, 2))) break;
      size_t index = (pc - base_) / 2;
      size_t start = hot_.pos();
      bool ok = emit(decode(lo, hi), pc, index);
      if (ok) {
        entry_offset_[index] = static_cast<int64_t>(start);
        ++translated;
      } else {
        jump_to(hot_, hot_.jmp(), exit_stub(JitExit::kAtSlot, index));
      }
      sweep_.emplace_back(index, ok);
      pc += len;
    }
    // Falling off the last translated instruction: the interpreter takes over there.
    jump_to(hot_, hot_.jmp(), exit_stub(JitExit::kAtSlot, (pc - base_) / 2));
    memory_.clear_fault();
    return link(translated);
  }

 private:
  struct Fixup {
    bool cold;       // the rel32 is in cold code
    size_t at;       // where the rel32 is
    Label target;
    int64_t slot;    // >= 0: jump to this slot's entry, or to `target` if it has none
  };

  // Callers pass a target made before the jump is emitted (exit_stub emits cold code).
  void jump_to(Emitter& e, size_t at, Label target) {
    fixups_.push_back(Fixup{&e == &cold_, at, target, -1});
  }
  void jump_to_slot(Emitter& e, size_t at, size_t slot) {
    fixups_.push_back(Fixup{&e == &cold_, at, exit_stub(JitExit::kAtSlot, slot),
                            static_cast<int64_t>(slot)});
  }
  [[nodiscard]] Label here(Emitter& e) const { return Label{&e == &cold_, e.pos()}; }

  // A cold stub that leaves translated code with `kind` at `slot` (memoized): the slot in
  // r9, then the exit shared by every stub of that kind. 11 bytes a stub.
  Label exit_stub(JitExit kind, size_t slot) {
    uint64_t key = (static_cast<uint64_t>(slot) << 3) | static_cast<uint64_t>(kind);
    auto it = stubs_.find(key);
    if (it != stubs_.end()) return it->second;
    Label shared = shared_exit(kind);
    Label l = here(cold_);
    cold_.mov_r9d(static_cast<uint32_t>(slot));
    jump_to(cold_, cold_.jmp(), shared);
    stubs_.emplace(key, l);
    return l;
  }
  // Leaves translated code with `kind` at the slot in r9.
  Label shared_exit(JitExit kind) {
    auto& l = shared_exits_[static_cast<size_t>(kind)];
    if (l) return *l;
    l = here(cold_);
    cold_.store(R12, kCtxExitSlot, R9);
    emit_exit_kind(cold_, kind);
    jump_to(cold_, cold_.jmp(), epilogue_);
    return *l;
  }
  // The same from inside a shared slow path (see slow_load): drops its return address first.
  Label shared_exit_from_call(JitExit kind) {
    auto& l = shared_exits_from_call_[static_cast<size_t>(kind)];
    if (l) return *l;
    Label exit = shared_exit(kind);
    l = here(cold_);
    cold_.imm_op(true, 0, RSP, 8);  // add rsp, 8
    jump_to(cold_, cold_.jmp(), exit);
    return *l;
  }
  // The slow path of every load of kind `op`, called with the guest address in rsi and the
  // slot in r9: Memory::load_slow through forkbox_jit_load; returns the value in rax, or
  // leaves translated code with kLoadFault.
  Label slow_load(Op op, unsigned size) {
    auto it = slow_loads_.find(static_cast<uint32_t>(op));
    if (it != slow_loads_.end()) return it->second;
    Label fault = shared_exit_from_call(JitExit::kLoadFault);
    Label l = here(cold_);
    cold_.push(R9);  // also realigns the stack for the call
    cold_.op_rr(true, 0x89, R12, RDI);  // mov rdi, r12
    cold_.mov_imm64(RDX, size);
    cold_.mov_imm64(RAX, reinterpret_cast<uint64_t>(&forkbox_jit_load));
    cold_.call_reg(RAX);
    cold_.pop(R9);
    cold_.u8(0x84);  // test al, al
    cold_.u8(0xC0);
    jump_to(cold_, cold_.jcc(kE), fault);
    cold_.reload_salt();
    load_value(cold_, op, R12, kCtxValue);
    cold_.u8(0xC3);  // ret
    slow_loads_.emplace(static_cast<uint32_t>(op), l);
    return l;
  }
  // The slow path of every store of `size` bytes by an instruction `len` bytes long: the
  // guest address in rsi, the value in r8, the slot in r9.
  Label slow_store(unsigned size, unsigned len) {
    uint32_t key = size * 8 + len;
    auto it = slow_stores_.find(key);
    if (it != slow_stores_.end()) return it->second;
    Label fault =
        shared_exit_from_call(len == 4 ? JitExit::kStoreFault32 : JitExit::kStoreFault);
    Label l = here(cold_);
    cold_.push(R9);
    cold_.op_rr(true, 0x89, R12, RDI);  // mov rdi, r12
    cold_.op_rr(true, 0x89, R8, RDX);   // mov rdx, r8
    cold_.mov_imm64(RCX, size);
    cold_.mov_imm64(RAX, reinterpret_cast<uint64_t>(&forkbox_jit_store));
    cold_.call_reg(RAX);
    cold_.pop(R9);
    cold_.u8(0x84);
    cold_.u8(0xC0);
    jump_to(cold_, cold_.jcc(kE), fault);
    cold_.reload_salt();
    cold_.u8(0xC3);
    slow_stores_.emplace(key, l);
    return l;
  }
  // mov dword [r12 + exit_kind], kind
  static void emit_exit_kind(Emitter& e, JitExit kind) {
    e.rex(false, 0, R12);
    e.u8(0xC7);
    e.mem(0, R12, kCtxExitKind);
    e.u32(static_cast<uint32_t>(kind));
  }

  void emit_trampoline() {
    // void run(JitContext* ctx /* rdi */, uintptr_t entry /* rsi */)
    for (int r : {RBX, RBP, R12, R13, R14, R15}) hot_.push(r);
    hot_.imm_op(true, 5, RSP, 8);  // sub rsp, 8: calls from translated code stay aligned
    hot_.op_rr(true, 0x89, RDI, R12);  // mov r12, rdi
    hot_.load(RBX, R12, 0);
    hot_.load(R13, R12, kCtxIcount);
    hot_.load(R14, R12, 40);
    hot_.reload_salt();
    hot_.load(RBP, R12, 8);
    hot_.jmp_reg(RSI);
    epilogue_ = here(hot_);
    hot_.store(R12, kCtxIcount, R13);
    hot_.imm_op(true, 0, RSP, 8);  // add rsp, 8
    for (int r : {R15, R14, R13, R12, RBP, RBX}) hot_.pop(r);
    hot_.u8(0xC3);
    to_address_ = here(cold_);  // exit to the address in rax
    cold_.store(R12, kCtxExitPc, RAX);
    emit_exit_kind(cold_, JitExit::kToAddress);
    jump_to(cold_, cold_.jmp(), epilogue_);
  }

  // rd = rax
  void put(unsigned rd) { hot_.store(RBX, xoff(rd), RAX); }

  // The guest address rs1 + imm in rsi, then the TLB check against the table at `tlb` (a
  // register): on a hit rsi becomes the host address; on a miss, jump to `miss`.
  void tlb_lookup(const Instruction& in, int tlb, unsigned size, size_t& miss1, size_t& miss2) {
    hot_.load(RSI, RBX, xoff(in.rs1));
    hot_.imm_op(true, 0, RSI, in.imm);                 // add rsi, imm
    hot_.op_rr(true, 0x89, RSI, RAX);                  // mov rax, rsi
    hot_.shift_imm(true, 5, RAX, 12);                  // shr rax, 12
    static_assert(Memory::kTlbEntries == 256, "the index is the page number's low byte");
    hot_.u8(0x0F);                                     // movzx ecx, al
    hot_.u8(0xB6);
    hot_.u8(0xC8);
    hot_.shift_imm(false, 4, RCX, 4);                  // shl ecx, 4
    hot_.op_rr(true, 0x31, R15, RAX);                  // xor rax, r15
    // cmp rax, [tlb + rcx]
    hot_.rex(true, RAX, tlb);
    hot_.u8(0x3B);
    sib(RAX, tlb, RCX, 0);
    miss1 = hot_.jcc(kNE);
    hot_.op_rr(false, 0x89, RSI, RDX);                 // mov edx, esi
    hot_.imm_op(false, 4, RDX, 4095);                  // and edx, 4095
    hot_.imm_op(false, 7, RDX, static_cast<int32_t>(4096 - size));  // cmp edx, 4096 - size
    miss2 = hot_.jcc(kA);
    // add rsi, [tlb + rcx + 8]
    hot_.rex(true, RSI, tlb);
    hot_.u8(0x03);
    sib(RSI, tlb, RCX, 8);
  }
  // modrm + sib for [base + index + disp32], with REX.X set by the caller's rex() (index is
  // always rcx here, below r8).
  void sib(int reg, int base, int index, int32_t disp) {
    hot_.u8(0x80 | ((reg & 7) << 3) | 4);
    hot_.u8(((index & 7) << 3) | (base & 7));
    hot_.u32(static_cast<uint32_t>(disp));
  }

  // Loads the `size`-byte value at [base + disp] into rax with the extension of `op`.
  static void load_value(Emitter& e, Op op, int base, int32_t disp) {
    switch (op) {
      case Op::LB: e.op_mem(true, {0x0F, 0xBE}, RAX, base, disp); break;
      case Op::LBU: e.op_mem(false, {0x0F, 0xB6}, RAX, base, disp); break;
      case Op::LH: e.op_mem(true, {0x0F, 0xBF}, RAX, base, disp); break;
      case Op::LHU: e.op_mem(false, {0x0F, 0xB7}, RAX, base, disp); break;
      case Op::LW: e.op_mem(true, {0x63}, RAX, base, disp); break;
      case Op::LWU: case Op::FLW: e.op_mem(false, {0x8B}, RAX, base, disp); break;
      default: e.op_mem(true, {0x8B}, RAX, base, disp); break;
    }
  }

  // A load into x[rd], or into f[rd] for FLW/FLD (FLW NaN-boxes its 32 bits).
  void emit_load(const Instruction& in, size_t index, unsigned size) {
    const bool fp = in.op == Op::FLW || in.op == Op::FLD;
    size_t miss1 = 0, miss2 = 0;
    tlb_lookup(in, RBP, size, miss1, miss2);
    load_value(hot_, in.op, RSI, 0);
    Label back = here(hot_);
    if (in.op == Op::FLW) {
      hot_.mov_imm64(RCX, 0xffffffff00000000ull);
      hot_.op_rr(true, 0x09, RCX, RAX);  // or rax, rcx
    }
    hot_.store(RBX, fp ? kJitFpOffset + xoff(in.rd) : xoff(in.rd), RAX);
    hot_.inc_icount();
    // A TLB miss: the slot in r9, the shared slow path for this kind of load, back. (Shared
    // code is made before this stub: cold code is never emitted inside another piece.)
    Label shared = slow_load(in.op, size);
    Label slow = here(cold_);
    cold_.mov_r9d(static_cast<uint32_t>(index));
    jump_to(cold_, cold_.call(), shared);
    jump_to(cold_, cold_.jmp(), back);
    jump_to(hot_, miss1, slow);
    jump_to(hot_, miss2, slow);
  }

  // A store of x[rs2], or of f[rs2] for FSW/FSD.
  void emit_store(const Instruction& in, size_t index, unsigned size, unsigned len) {
    const int32_t src = (in.op == Op::FSW || in.op == Op::FSD ? kJitFpOffset : 0) + xoff(in.rs2);
    hot_.load(R8, RBX, src);  // the value (r8: the slow path needs it too)
    hot_.load(RDI, R12, kCtxWriteTlb);
    size_t miss1 = 0, miss2 = 0;
    tlb_lookup(in, RDI, size, miss1, miss2);
    switch (size) {
      case 1: hot_.op_mem(false, {0x88}, R8, RSI, 0); break;
      case 2: hot_.u8(0x66); hot_.op_mem(false, {0x89}, R8, RSI, 0); break;
      case 4: hot_.op_mem(false, {0x89}, R8, RSI, 0); break;
      default: hot_.op_mem(true, {0x89}, R8, RSI, 0); break;
    }
    Label back = here(hot_);
    hot_.inc_icount();
    Label shared = slow_store(size, len);
    Label slow = here(cold_);
    cold_.mov_r9d(static_cast<uint32_t>(index));
    jump_to(cold_, cold_.call(), shared);
    jump_to(cold_, cold_.jmp(), back);
    jump_to(hot_, miss1, slow);
    jump_to(hot_, miss2, slow);
  }

  // A taken transfer to guest address `target`: counted already; budget check, then the
  // target's translated code, or the interpreter.
  void emit_taken(uint64_t target) {
    if (target - base_ < end_ - base_ && (target & 1) == 0) {
      size_t slot = (target - base_) / 2;
      hot_.cmp_icount_limit();
      jump_to(hot_, hot_.jcc(kAE), exit_stub(JitExit::kBudget, slot));
      jump_to_slot(hot_, hot_.jmp(), slot);
    } else {
      hot_.mov_imm64(RAX, target);
      jump_to(hot_, hot_.jmp(), to_address_);
    }
  }

  bool emit(const Instruction& in, uint64_t pc, size_t index) {
    const unsigned len = in.slots * 2u;
    auto alu = [&](uint8_t opcode) {  // rd = rs1 op rs2 (64-bit)
      hot_.load(RAX, RBX, xoff(in.rs1));
      hot_.op_mem(true, {opcode}, RAX, RBX, xoff(in.rs2));
      put(in.rd);
    };
    auto alu_imm = [&](int ext) {
      hot_.load(RAX, RBX, xoff(in.rs1));
      hot_.imm_op(true, ext, RAX, in.imm);
      put(in.rd);
    };
    auto alu_w = [&](uint8_t opcode) {  // 32-bit, sign-extended
      hot_.load32(RAX, RBX, xoff(in.rs1));
      hot_.op_mem(false, {opcode}, RAX, RBX, xoff(in.rs2));
      hot_.movsxd(RAX, RAX);
      put(in.rd);
    };
    auto shift = [&](bool w, int ext, bool by_reg) {
      if (w) hot_.load32(RAX, RBX, xoff(in.rs1));
      else hot_.load(RAX, RBX, xoff(in.rs1));
      if (by_reg) {
        hot_.load(RCX, RBX, xoff(in.rs2));
        hot_.shift_cl(!w, ext, RAX);
      } else {
        hot_.shift_imm(!w, ext, RAX, static_cast<uint8_t>(in.imm & (w ? 31 : 63)));
      }
      if (w) hot_.movsxd(RAX, RAX);
      put(in.rd);
    };
    auto compare = [&](int cc, bool with_imm) {
      hot_.load(RAX, RBX, xoff(in.rs1));
      if (with_imm) hot_.imm_op(true, 7, RAX, in.imm);
      else hot_.op_mem(true, {0x3B}, RAX, RBX, xoff(in.rs2));
      hot_.setcc_zx(cc);
      put(in.rd);
    };
    auto shadd = [&](uint8_t n) {  // rd = (rs1 << n) + rs2
      hot_.load(RAX, RBX, xoff(in.rs1));
      hot_.shift_imm(true, 4, RAX, n);
      hot_.op_mem(true, {0x03}, RAX, RBX, xoff(in.rs2));
      put(in.rd);
    };
    auto branch = [&](int taken_cc) {
      uint64_t target = pc + static_cast<uint64_t>(static_cast<int64_t>(in.imm));
      hot_.load(RAX, RBX, xoff(in.rs1));
      hot_.op_mem(true, {0x3B}, RAX, RBX, xoff(in.rs2));
      hot_.inc_icount();
      size_t not_taken = hot_.jcc(taken_cc ^ 1);
      emit_taken(target);
      auto rel = static_cast<int32_t>(hot_.pos() - (not_taken + 4));
      std::memcpy(hot_bytes_.data() + not_taken, &rel, 4);
    };
    switch (in.op) {
      case Op::NOP: break;
      case Op::LUI:
      case Op::LI:
        hot_.mov_imm64(RAX, static_cast<uint64_t>(static_cast<int64_t>(in.imm)));
        put(in.rd);
        break;
      case Op::AUIPC:
        hot_.mov_imm64(RAX, pc + static_cast<uint64_t>(static_cast<int64_t>(in.imm)));
        put(in.rd);
        break;
      case Op::MV:
        hot_.load(RAX, RBX, xoff(in.rs1));
        put(in.rd);
        break;
      case Op::ADDI: alu_imm(0); break;
      case Op::XORI: alu_imm(6); break;
      case Op::ORI: alu_imm(1); break;
      case Op::ANDI: alu_imm(4); break;
      case Op::SLTI: compare(kL, true); break;
      case Op::SLTIU: compare(kB, true); break;
      case Op::SLLI: shift(false, 4, false); break;
      case Op::SRLI: shift(false, 5, false); break;
      case Op::SRAI: shift(false, 7, false); break;
      case Op::ADD: alu(0x03); break;
      case Op::SUB: alu(0x2B); break;
      case Op::AND: alu(0x23); break;
      case Op::OR: alu(0x0B); break;
      case Op::XOR: alu(0x33); break;
      case Op::SLT: compare(kL, false); break;
      case Op::SLTU: compare(kB, false); break;
      case Op::SLL: shift(false, 4, true); break;
      case Op::SRL: shift(false, 5, true); break;
      case Op::SRA: shift(false, 7, true); break;
      case Op::ADDIW:
        hot_.load32(RAX, RBX, xoff(in.rs1));
        hot_.imm_op(false, 0, RAX, in.imm);
        hot_.movsxd(RAX, RAX);
        put(in.rd);
        break;
      case Op::SLLIW: shift(true, 4, false); break;
      case Op::SRLIW: shift(true, 5, false); break;
      case Op::SRAIW: shift(true, 7, false); break;
      case Op::ADDW: alu_w(0x03); break;
      case Op::SUBW: alu_w(0x2B); break;
      case Op::SLLW: shift(true, 4, true); break;
      case Op::SRLW: shift(true, 5, true); break;
      case Op::SRAW: shift(true, 7, true); break;
      case Op::MUL:
        hot_.load(RAX, RBX, xoff(in.rs1));
        hot_.op_mem(true, {0x0F, 0xAF}, RAX, RBX, xoff(in.rs2));
        put(in.rd);
        break;
      case Op::MULW:
        hot_.load32(RAX, RBX, xoff(in.rs1));
        hot_.op_mem(false, {0x0F, 0xAF}, RAX, RBX, xoff(in.rs2));
        hot_.movsxd(RAX, RAX);
        put(in.rd);
        break;
      case Op::SH1ADD: shadd(1); break;
      case Op::SH2ADD: shadd(2); break;
      case Op::SH3ADD: shadd(3); break;
      case Op::LB: case Op::LBU: emit_load(in, index, 1); return true;
      case Op::LH: case Op::LHU: emit_load(in, index, 2); return true;
      case Op::LW: case Op::LWU: emit_load(in, index, 4); return true;
      case Op::LD: case Op::FLD: emit_load(in, index, 8); return true;
      case Op::FLW: emit_load(in, index, 4); return true;
      case Op::FSW: emit_store(in, index, 4, len); return true;
      case Op::FSD: emit_store(in, index, 8, len); return true;
      case Op::SB: emit_store(in, index, 1, len); return true;
      case Op::SH: emit_store(in, index, 2, len); return true;
      case Op::SW: emit_store(in, index, 4, len); return true;
      case Op::SD: emit_store(in, index, 8, len); return true;
      case Op::BEQ: branch(kE); return true;
      case Op::BNE: branch(kNE); return true;
      case Op::BLT: branch(kL); return true;
      case Op::BGE: branch(kGE); return true;
      case Op::BLTU: branch(kB); return true;
      case Op::BGEU: branch(kAE); return true;
      case Op::JAL: {
        hot_.mov_imm64(RAX, pc + len);
        put(in.rd);
        hot_.inc_icount();
        emit_taken(pc + static_cast<uint64_t>(static_cast<int64_t>(in.imm)));
        return true;
      }
      case Op::JALR: {
        // target = (rs1 + imm) & ~1, read before rd is written.
        hot_.load(RAX, RBX, xoff(in.rs1));
        hot_.imm_op(true, 0, RAX, in.imm);
        hot_.imm_op(true, 4, RAX, -2);
        hot_.mov_imm64(RCX, pc + len);
        hot_.store(RBX, xoff(in.rd), RCX);
        hot_.inc_icount();
        // In this segment and translated: straight there after the budget check; otherwise
        // the interpreter's resync (which checks the budget itself).
        hot_.op_rr(true, 0x89, RAX, RCX);  // mov rcx, rax
        hot_.mov_imm64(RDX, base_);
        hot_.op_rr(true, 0x29, RDX, RCX);  // sub rcx, rdx
        hot_.imm_op(true, 7, RCX, static_cast<int32_t>(end_ - base_));
        jump_to(hot_, hot_.jcc(kAE), to_address_);
        hot_.shift_imm(true, 5, RCX, 1);   // shr rcx, 1
        hot_.load(RDX, R12, kCtxEntries);
        // mov edx, [rdx + rcx*4]: the entry's offset, 0 for none
        hot_.rex(false, RDX, RDX);
        hot_.u8(0x8B);
        hot_.u8(0x04 | ((RDX & 7) << 3));
        hot_.u8((2 << 6) | ((RCX & 7) << 3) | (RDX & 7));
        hot_.op_rr(false, 0x85, RDX, RDX);  // test edx, edx
        jump_to(hot_, hot_.jcc(kE), to_address_);
        hot_.op_mem(true, {0x03}, RDX, R12, kCtxCode);  // add rdx, [ctx->code]
        hot_.cmp_icount_limit();
        jump_to(hot_, hot_.jcc(kAE), to_address_);
        hot_.jmp_reg(RDX);
        return true;
      }
      default:
        return false;
    }
    hot_.inc_icount();
    return true;
  }

  Built link(size_t translated) {
    Built out;
    // The interpreter enters translated code only where at least kMinRun translated
    // instructions follow in a row: a loop whose body holds an instruction left to the
    // interpreter (floating-point arithmetic, say) would otherwise pay an entry and an exit per
    // iteration for a few instructions, and run slower than interpreted. Jumps inside
    // translated code still reach every translated instruction.
    constexpr size_t kMinRun = 4;
    std::vector<int64_t> published(entry_offset_.size(), -1);
    size_t run = 0;
    for (auto it = sweep_.rbegin(); it != sweep_.rend(); ++it) {
      run = it->second ? run + 1 : 0;
      if (run >= kMinRun) published[it->first] = entry_offset_[it->first];
    }
    const size_t hot_size = hot_bytes_.size();
    out.code = std::move(hot_bytes_);
    out.code.insert(out.code.end(), cold_bytes_.begin(), cold_bytes_.end());
    for (const Fixup& f : fixups_) {
      size_t at = (f.cold ? hot_size : 0) + f.at;
      size_t target = (f.target.cold ? hot_size : 0) + f.target.offset;
      if (f.slot >= 0 && entry_offset_[static_cast<size_t>(f.slot)] >= 0)
        target = static_cast<size_t>(entry_offset_[static_cast<size_t>(f.slot)]);
      auto rel = static_cast<int32_t>(static_cast<int64_t>(target) - static_cast<int64_t>(at + 4));
      std::memcpy(out.code.data() + at, &rel, 4);
    }
    out.entry_offset = std::move(published);
    out.translated = translated;
    return out;
  }

  Memory& memory_;
  uint64_t base_, end_;
  size_t slots_;
  std::vector<uint8_t> hot_bytes_, cold_bytes_;
  Emitter hot_, cold_;
  std::vector<int64_t> entry_offset_;           // code of each translated instruction
  std::vector<std::pair<size_t, bool>> sweep_;  // instruction starts in order: translated?
  std::vector<Fixup> fixups_;
  std::unordered_map<uint64_t, Label> stubs_;
  std::optional<Label> shared_exits_[8], shared_exits_from_call_[8];
  std::unordered_map<uint32_t, Label> slow_loads_, slow_stores_;
  Label epilogue_, to_address_;
};

}  // namespace

std::unique_ptr<JitCode> JitCode::translate(Memory& memory, uint64_t base, uint64_t end) {
  // Segment offsets are compared as 32-bit immediates (JALR) and code offsets are rel32
  // displacements, so both must stay below 2^31; the interpreter's segments are at most
  // 16 MiB, this names the translator's own bound.
  if (end <= base || end - base > kMaxRangeBytes) return nullptr;
  Translator::Built built = Translator(memory, base, end).run();
  if (built.code.size() > INT32_MAX) return nullptr;
  size_t size = (built.code.size() + os::kPageSize - 1) / os::kPageSize * os::kPageSize;
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  std::memcpy(p, built.code.data(), built.code.size());
  if (mprotect(p, size, PROT_READ | PROT_EXEC) != 0) {
    munmap(p, size);
    return nullptr;
  }
  std::unique_ptr<JitCode> jit(new JitCode());
  jit->code_ = static_cast<uint8_t*>(p);
  jit->size_ = size;
  jit->translated_ = built.translated;
  // Offset 0 is the trampoline, never an instruction: 0 can mean "no entry".
  jit->entries_.resize(built.entry_offset.size());
  for (size_t i = 0; i < built.entry_offset.size(); ++i)
    jit->entries_[i] =
        built.entry_offset[i] < 0 ? 0 : static_cast<uint32_t>(built.entry_offset[i]);
  return jit;
}

JitCode::~JitCode() {
  if (code_) munmap(code_, size_);
}

void JitCode::run(JitContext& ctx, uint32_t offset) const {
  // The trampoline at the start of the mapping: void (JitContext*, uintptr_t entry).
  auto trampoline = reinterpret_cast<void (*)(JitContext*, uintptr_t)>(code_);
  ctx.code = code_;
  trampoline(&ctx, reinterpret_cast<uintptr_t>(code_) + offset);
}

}  // namespace forkbox::riscv

// Decoder for 32-bit RV64 instructions (I, M, A, F, D, Zicsr, Zifencei, Zba, Zbb, Zbs).
// Compressed encodings are expanded in rvc_decode.cpp. Unknown or reserved encodings decode
// to ILLEGAL carrying the raw bits, so the interpreter can report them precisely.
#include "riscv/decoded.hpp"

#include <cstddef>

namespace forkbox::riscv {

Instruction decode_compressed(uint16_t bits);  // rvc_decode.cpp

namespace {

constexpr uint32_t bits_of(uint32_t v, unsigned hi, unsigned lo) {
  return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}
constexpr int32_t sext(uint32_t v, unsigned width) {
  uint32_t m = 1u << (width - 1);
  return static_cast<int32_t>((v ^ m) - m);
}

Instruction illegal(uint32_t inst) {
  Instruction d;
  d.op = Op::ILLEGAL;
  d.imm = static_cast<int32_t>(inst);
  d.slots = 2;
  return d;
}

Instruction make(Op op, uint32_t inst, int32_t imm = 0) {
  Instruction d;
  d.op = op;
  d.rd = static_cast<uint8_t>(bits_of(inst, 11, 7));
  d.rs1 = static_cast<uint8_t>(bits_of(inst, 19, 15));
  d.rs2 = static_cast<uint8_t>(bits_of(inst, 24, 20));
  d.rs3 = static_cast<uint8_t>(bits_of(inst, 31, 27));
  d.rm = static_cast<uint8_t>(bits_of(inst, 14, 12));
  d.imm = imm;
  d.slots = 2;
  return d;
}

int32_t imm_i(uint32_t i) { return sext(bits_of(i, 31, 20), 12); }
int32_t imm_s(uint32_t i) { return sext((bits_of(i, 31, 25) << 5) | bits_of(i, 11, 7), 12); }
int32_t imm_b(uint32_t i) {
  return sext((bits_of(i, 31, 31) << 12) | (bits_of(i, 7, 7) << 11) | (bits_of(i, 30, 25) << 5) |
                  (bits_of(i, 11, 8) << 1),
              13);
}
int32_t imm_u(uint32_t i) { return static_cast<int32_t>(i & 0xfffff000u); }
int32_t imm_j(uint32_t i) {
  return sext((bits_of(i, 31, 31) << 20) | (bits_of(i, 19, 12) << 12) | (bits_of(i, 20, 20) << 11) |
                  (bits_of(i, 30, 21) << 1),
              21);
}

Instruction decode_op_imm(uint32_t i) {
  uint32_t f3 = bits_of(i, 14, 12), f6 = bits_of(i, 31, 26), f12 = bits_of(i, 31, 20);
  int32_t shamt = static_cast<int32_t>(bits_of(i, 25, 20));
  switch (f3) {
    case 0: return make(Op::ADDI, i, imm_i(i));
    case 2: return make(Op::SLTI, i, imm_i(i));
    case 3: return make(Op::SLTIU, i, imm_i(i));
    case 4: return make(Op::XORI, i, imm_i(i));
    case 6: return make(Op::ORI, i, imm_i(i));
    case 7: return make(Op::ANDI, i, imm_i(i));
    case 1:
      if (f6 == 0x00) return make(Op::SLLI, i, shamt);
      if (f6 == 0x0a) return make(Op::BSETI, i, shamt);
      if (f6 == 0x12) return make(Op::BCLRI, i, shamt);
      if (f6 == 0x1a) return make(Op::BINVI, i, shamt);
      if (f12 == 0x600) return make(Op::CLZ, i);
      if (f12 == 0x601) return make(Op::CTZ, i);
      if (f12 == 0x602) return make(Op::CPOP, i);
      if (f12 == 0x604) return make(Op::SEXT_B, i);
      if (f12 == 0x605) return make(Op::SEXT_H, i);
      return illegal(i);
    case 5:
      if (f6 == 0x00) return make(Op::SRLI, i, shamt);
      if (f6 == 0x10) return make(Op::SRAI, i, shamt);
      if (f6 == 0x12) return make(Op::BEXTI, i, shamt);
      if (f6 == 0x18) return make(Op::RORI, i, shamt);
      if (f12 == 0x287) return make(Op::ORC_B, i);
      if (f12 == 0x6b8) return make(Op::REV8, i);
      return illegal(i);
  }
  return illegal(i);
}

Instruction decode_op_imm32(uint32_t i) {
  uint32_t f3 = bits_of(i, 14, 12), f7 = bits_of(i, 31, 25), f6 = bits_of(i, 31, 26);
  uint32_t f12 = bits_of(i, 31, 20);
  int32_t shamt5 = static_cast<int32_t>(bits_of(i, 24, 20));
  switch (f3) {
    case 0: return make(Op::ADDIW, i, imm_i(i));
    case 1:
      if (f7 == 0x00) return make(Op::SLLIW, i, shamt5);
      if (f6 == 0x02) return make(Op::SLLI_UW, i, static_cast<int32_t>(bits_of(i, 25, 20)));
      if (f12 == 0x600) return make(Op::CLZW, i);
      if (f12 == 0x601) return make(Op::CTZW, i);
      if (f12 == 0x602) return make(Op::CPOPW, i);
      return illegal(i);
    case 5:
      if (f7 == 0x00) return make(Op::SRLIW, i, shamt5);
      if (f7 == 0x20) return make(Op::SRAIW, i, shamt5);
      if (f7 == 0x30) return make(Op::RORIW, i, shamt5);
      return illegal(i);
  }
  return illegal(i);
}

Instruction decode_op(uint32_t i) {
  uint32_t f3 = bits_of(i, 14, 12), f7 = bits_of(i, 31, 25);
  switch (f7) {
    case 0x00: {
      static constexpr Op ops[8] = {Op::ADD, Op::SLL, Op::SLT, Op::SLTU,
                                    Op::XOR, Op::SRL, Op::OR,  Op::AND};
      return make(ops[f3], i);
    }
    case 0x20:
      if (f3 == 0) return make(Op::SUB, i);
      if (f3 == 5) return make(Op::SRA, i);
      if (f3 == 7) return make(Op::ANDN, i);
      if (f3 == 6) return make(Op::ORN, i);
      if (f3 == 4) return make(Op::XNOR, i);
      return illegal(i);
    case 0x01: {
      static constexpr Op ops[8] = {Op::MUL, Op::MULH, Op::MULHSU, Op::MULHU,
                                    Op::DIV, Op::DIVU, Op::REM,    Op::REMU};
      return make(ops[f3], i);
    }
    case 0x10:
      if (f3 == 2) return make(Op::SH1ADD, i);
      if (f3 == 4) return make(Op::SH2ADD, i);
      if (f3 == 6) return make(Op::SH3ADD, i);
      return illegal(i);
    case 0x05:
      if (f3 == 4) return make(Op::MIN, i);
      if (f3 == 5) return make(Op::MINU, i);
      if (f3 == 6) return make(Op::MAX, i);
      if (f3 == 7) return make(Op::MAXU, i);
      return illegal(i);
    case 0x30:
      if (f3 == 1) return make(Op::ROL, i);
      if (f3 == 5) return make(Op::ROR, i);
      return illegal(i);
    case 0x14:
      if (f3 == 1) return make(Op::BSET, i);
      return illegal(i);
    case 0x24:
      if (f3 == 1) return make(Op::BCLR, i);
      if (f3 == 5) return make(Op::BEXT, i);
      return illegal(i);
    case 0x34:
      if (f3 == 1) return make(Op::BINV, i);
      return illegal(i);
  }
  return illegal(i);
}

Instruction decode_op32(uint32_t i) {
  uint32_t f3 = bits_of(i, 14, 12), f7 = bits_of(i, 31, 25), rs2 = bits_of(i, 24, 20);
  switch (f7) {
    case 0x00:
      if (f3 == 0) return make(Op::ADDW, i);
      if (f3 == 1) return make(Op::SLLW, i);
      if (f3 == 5) return make(Op::SRLW, i);
      return illegal(i);
    case 0x20:
      if (f3 == 0) return make(Op::SUBW, i);
      if (f3 == 5) return make(Op::SRAW, i);
      return illegal(i);
    case 0x01:
      if (f3 == 0) return make(Op::MULW, i);
      if (f3 == 4) return make(Op::DIVW, i);
      if (f3 == 5) return make(Op::DIVUW, i);
      if (f3 == 6) return make(Op::REMW, i);
      if (f3 == 7) return make(Op::REMUW, i);
      return illegal(i);
    case 0x04:
      if (f3 == 0) return make(Op::ADD_UW, i);
      if (f3 == 4 && rs2 == 0) return make(Op::ZEXT_H, i);
      return illegal(i);
    case 0x10:
      if (f3 == 2) return make(Op::SH1ADD_UW, i);
      if (f3 == 4) return make(Op::SH2ADD_UW, i);
      if (f3 == 6) return make(Op::SH3ADD_UW, i);
      return illegal(i);
    case 0x30:
      if (f3 == 1) return make(Op::ROLW, i);
      if (f3 == 5) return make(Op::RORW, i);
      return illegal(i);
  }
  return illegal(i);
}

Instruction decode_amo(uint32_t i) {
  uint32_t f3 = bits_of(i, 14, 12), f5 = bits_of(i, 31, 27);
  bool d = f3 == 3;
  if (f3 != 2 && f3 != 3) return illegal(i);
  switch (f5) {
    case 0x02:
      if (bits_of(i, 24, 20) != 0) return illegal(i);
      return make(d ? Op::LR_D : Op::LR_W, i);
    case 0x03: return make(d ? Op::SC_D : Op::SC_W, i);
    case 0x01: return make(d ? Op::AMOSWAP_D : Op::AMOSWAP_W, i);
    case 0x00: return make(d ? Op::AMOADD_D : Op::AMOADD_W, i);
    case 0x04: return make(d ? Op::AMOXOR_D : Op::AMOXOR_W, i);
    case 0x0c: return make(d ? Op::AMOAND_D : Op::AMOAND_W, i);
    case 0x08: return make(d ? Op::AMOOR_D : Op::AMOOR_W, i);
    case 0x10: return make(d ? Op::AMOMIN_D : Op::AMOMIN_W, i);
    case 0x14: return make(d ? Op::AMOMAX_D : Op::AMOMAX_W, i);
    case 0x18: return make(d ? Op::AMOMINU_D : Op::AMOMINU_W, i);
    case 0x1c: return make(d ? Op::AMOMAXU_D : Op::AMOMAXU_W, i);
  }
  return illegal(i);
}

bool valid_rm(uint32_t rm) { return rm <= 4 || rm == 7; }

Instruction decode_op_fp(uint32_t i) {
  uint32_t f7 = bits_of(i, 31, 25), f3 = bits_of(i, 14, 12), rs2 = bits_of(i, 24, 20);
  bool dbl = (f7 & 1) != 0;
  if ((f7 & 3) > 1) return illegal(i);  // only S and D formats
  auto arith = [&](Op s, Op dop) { return valid_rm(f3) ? make(dbl ? dop : s, i) : illegal(i); };
  switch (f7 >> 2) {
    case 0x00: return arith(Op::FADD_S, Op::FADD_D);
    case 0x01: return arith(Op::FSUB_S, Op::FSUB_D);
    case 0x02: return arith(Op::FMUL_S, Op::FMUL_D);
    case 0x03: return arith(Op::FDIV_S, Op::FDIV_D);
    case 0x0b:
      if (rs2 != 0) return illegal(i);
      return arith(Op::FSQRT_S, Op::FSQRT_D);
    case 0x04:
      if (f3 == 0) return make(dbl ? Op::FSGNJ_D : Op::FSGNJ_S, i);
      if (f3 == 1) return make(dbl ? Op::FSGNJN_D : Op::FSGNJN_S, i);
      if (f3 == 2) return make(dbl ? Op::FSGNJX_D : Op::FSGNJX_S, i);
      return illegal(i);
    case 0x05:
      if (f3 == 0) return make(dbl ? Op::FMIN_D : Op::FMIN_S, i);
      if (f3 == 1) return make(dbl ? Op::FMAX_D : Op::FMAX_S, i);
      return illegal(i);
    case 0x08:
      if (!dbl && rs2 == 1) return arith(Op::FCVT_S_D, Op::FCVT_S_D);
      if (dbl && rs2 == 0) return arith(Op::FCVT_D_S, Op::FCVT_D_S);
      return illegal(i);
    case 0x14:
      if (f3 == 2) return make(dbl ? Op::FEQ_D : Op::FEQ_S, i);
      if (f3 == 1) return make(dbl ? Op::FLT_D : Op::FLT_S, i);
      if (f3 == 0) return make(dbl ? Op::FLE_D : Op::FLE_S, i);
      return illegal(i);
    case 0x18: {
      static constexpr Op s_ops[4] = {Op::FCVT_W_S, Op::FCVT_WU_S, Op::FCVT_L_S, Op::FCVT_LU_S};
      static constexpr Op d_ops[4] = {Op::FCVT_W_D, Op::FCVT_WU_D, Op::FCVT_L_D, Op::FCVT_LU_D};
      if (rs2 > 3) return illegal(i);
      return arith(s_ops[rs2], d_ops[rs2]);
    }
    case 0x1a: {
      static constexpr Op s_ops[4] = {Op::FCVT_S_W, Op::FCVT_S_WU, Op::FCVT_S_L, Op::FCVT_S_LU};
      static constexpr Op d_ops[4] = {Op::FCVT_D_W, Op::FCVT_D_WU, Op::FCVT_D_L, Op::FCVT_D_LU};
      if (rs2 > 3) return illegal(i);
      return arith(s_ops[rs2], d_ops[rs2]);
    }
    case 0x1c:
      if (rs2 != 0) return illegal(i);
      if (f3 == 0) return make(dbl ? Op::FMV_X_D : Op::FMV_X_W, i);
      if (f3 == 1) return make(dbl ? Op::FCLASS_D : Op::FCLASS_S, i);
      return illegal(i);
    case 0x1e:
      if (rs2 != 0 || f3 != 0) return illegal(i);
      return make(dbl ? Op::FMV_D_X : Op::FMV_W_X, i);
  }
  return illegal(i);
}

Instruction decode_fma(uint32_t i, Op s, Op d) {
  uint32_t fmt = bits_of(i, 26, 25);
  if (fmt > 1 || !valid_rm(bits_of(i, 14, 12))) return illegal(i);
  return make(fmt ? d : s, i);
}

Instruction decode_system(uint32_t i) {
  uint32_t f3 = bits_of(i, 14, 12);
  if (i == 0x00000073) return make(Op::ECALL, i);
  if (i == 0x00100073) return make(Op::EBREAK, i);
  int32_t csr = static_cast<int32_t>(bits_of(i, 31, 20));
  switch (f3) {
    case 1: return make(Op::CSRRW, i, csr);
    case 2: return make(Op::CSRRS, i, csr);
    case 3: return make(Op::CSRRC, i, csr);
    case 5: return make(Op::CSRRWI, i, csr);
    case 6: return make(Op::CSRRSI, i, csr);
    case 7: return make(Op::CSRRCI, i, csr);
  }
  return illegal(i);
}

Instruction decode32(uint32_t i) {
  switch (i & 0x7f) {
    case 0x37: return make(Op::LUI, i, imm_u(i));
    case 0x17: return make(Op::AUIPC, i, imm_u(i));
    case 0x6f: return make(Op::JAL, i, imm_j(i));
    case 0x67:
      if (bits_of(i, 14, 12) != 0) return illegal(i);
      return make(Op::JALR, i, imm_i(i));
    case 0x63: {
      static constexpr Op ops[8] = {Op::BEQ,     Op::BNE, Op::ILLEGAL, Op::ILLEGAL,
                                    Op::BLT,     Op::BGE, Op::BLTU,    Op::BGEU};
      Op op = ops[bits_of(i, 14, 12)];
      return op == Op::ILLEGAL ? illegal(i) : make(op, i, imm_b(i));
    }
    case 0x03: {
      static constexpr Op ops[8] = {Op::LB,  Op::LH,  Op::LW,  Op::LD,
                                    Op::LBU, Op::LHU, Op::LWU, Op::ILLEGAL};
      Op op = ops[bits_of(i, 14, 12)];
      return op == Op::ILLEGAL ? illegal(i) : make(op, i, imm_i(i));
    }
    case 0x23: {
      uint32_t f3 = bits_of(i, 14, 12);
      static constexpr Op ops[4] = {Op::SB, Op::SH, Op::SW, Op::SD};
      return f3 < 4 ? make(ops[f3], i, imm_s(i)) : illegal(i);
    }
    case 0x13: return decode_op_imm(i);
    case 0x1b: return decode_op_imm32(i);
    case 0x33: return decode_op(i);
    case 0x3b: return decode_op32(i);
    case 0x0f: {
      uint32_t f3 = bits_of(i, 14, 12);
      if (f3 == 0) return make(Op::FENCE, i);
      if (f3 == 1) return make(Op::FENCE_I, i);
      return illegal(i);
    }
    case 0x73: return decode_system(i);
    case 0x2f: return decode_amo(i);
    case 0x07: {
      uint32_t f3 = bits_of(i, 14, 12);
      if (f3 == 2) return make(Op::FLW, i, imm_i(i));
      if (f3 == 3) return make(Op::FLD, i, imm_i(i));
      return illegal(i);
    }
    case 0x27: {
      uint32_t f3 = bits_of(i, 14, 12);
      if (f3 == 2) return make(Op::FSW, i, imm_s(i));
      if (f3 == 3) return make(Op::FSD, i, imm_s(i));
      return illegal(i);
    }
    case 0x43: return decode_fma(i, Op::FMADD_S, Op::FMADD_D);
    case 0x47: return decode_fma(i, Op::FMSUB_S, Op::FMSUB_D);
    case 0x4b: return decode_fma(i, Op::FNMSUB_S, Op::FNMSUB_D);
    case 0x4f: return decode_fma(i, Op::FNMADD_S, Op::FNMADD_D);
    case 0x53: return decode_op_fp(i);
  }
  return illegal(i);
}

// Integer-destination ops whose rd == 0 only discards the result; floating-point destinations
// (FLW, FADD, ...) and CSR ops keep rd as is.
bool writes_integer_rd(Op op) {
  switch (op) {
    case Op::FLW: case Op::FLD: case Op::FSW: case Op::FSD:
    case Op::FMADD_S: case Op::FMSUB_S: case Op::FNMSUB_S: case Op::FNMADD_S:
    case Op::FMADD_D: case Op::FMSUB_D: case Op::FNMSUB_D: case Op::FNMADD_D:
    case Op::FADD_S: case Op::FSUB_S: case Op::FMUL_S: case Op::FDIV_S: case Op::FSQRT_S:
    case Op::FADD_D: case Op::FSUB_D: case Op::FMUL_D: case Op::FDIV_D: case Op::FSQRT_D:
    case Op::FSGNJ_S: case Op::FSGNJN_S: case Op::FSGNJX_S:
    case Op::FSGNJ_D: case Op::FSGNJN_D: case Op::FSGNJX_D:
    case Op::FMIN_S: case Op::FMAX_S: case Op::FMIN_D: case Op::FMAX_D:
    case Op::FCVT_S_W: case Op::FCVT_S_WU: case Op::FCVT_S_L: case Op::FCVT_S_LU:
    case Op::FCVT_D_W: case Op::FCVT_D_WU: case Op::FCVT_D_L: case Op::FCVT_D_LU:
    case Op::FCVT_S_D: case Op::FCVT_D_S: case Op::FMV_W_X: case Op::FMV_D_X:
    case Op::SB: case Op::SH: case Op::SW: case Op::SD:
    case Op::BEQ: case Op::BNE: case Op::BLT: case Op::BGE: case Op::BLTU: case Op::BGEU:
    case Op::ILLEGAL: case Op::ECALL: case Op::EBREAK: case Op::FENCE: case Op::FENCE_I:
      return false;
    default:
      return true;
  }
}

// Cheap specializations the interpreter runs faster: `addi rd, x0, imm` is LI, `addi rd, rs, 0`
// is MV, and pure computations into x0 are NOPs.
Instruction specialize(Instruction d) {
  if (d.op == Op::ILLEGAL) return d;
  if (writes_integer_rd(d.op) && d.rd == 0) {
    switch (d.op) {
      // These still have effects (memory, control flow, CSRs) and write to the sink.
      case Op::JAL: case Op::JALR: case Op::LB: case Op::LH: case Op::LW: case Op::LD:
      case Op::LBU: case Op::LHU: case Op::LWU: case Op::LR_W: case Op::LR_D: case Op::SC_W:
      case Op::SC_D: case Op::CSRRW: case Op::CSRRS: case Op::CSRRC: case Op::CSRRWI:
      case Op::CSRRSI: case Op::CSRRCI: case Op::FCVT_W_S: case Op::FCVT_WU_S:
      case Op::FCVT_L_S: case Op::FCVT_LU_S: case Op::FCVT_W_D: case Op::FCVT_WU_D:
      case Op::FCVT_L_D: case Op::FCVT_LU_D: case Op::FEQ_S: case Op::FLT_S: case Op::FLE_S:
      case Op::FEQ_D: case Op::FLT_D: case Op::FLE_D:
      case Op::AMOSWAP_W: case Op::AMOADD_W: case Op::AMOXOR_W: case Op::AMOAND_W:
      case Op::AMOOR_W: case Op::AMOMIN_W: case Op::AMOMAX_W: case Op::AMOMINU_W:
      case Op::AMOMAXU_W: case Op::AMOSWAP_D: case Op::AMOADD_D: case Op::AMOXOR_D:
      case Op::AMOAND_D: case Op::AMOOR_D: case Op::AMOMIN_D: case Op::AMOMAX_D:
      case Op::AMOMINU_D: case Op::AMOMAXU_D:
        d.rd = kZeroSink;
        return d;
      default:
        d.op = Op::NOP;
        return d;
    }
  }
  if (d.op == Op::ADDI && d.rs1 == 0) d.op = Op::LI;
  else if (d.op == Op::ADDI && d.imm == 0) d.op = Op::MV;
  return d;
}

}  // namespace

Instruction decode(uint16_t lo, uint16_t hi) {
  if ((lo & 3) != 3) return specialize(decode_compressed(lo));
  uint32_t inst = static_cast<uint32_t>(lo) | (static_cast<uint32_t>(hi) << 16);
  // 48-bit and longer encodings (bits [4:2] == 111) are not part of RV64GC.
  if ((lo & 0x1c) == 0x1c) return illegal(inst);
  return specialize(decode32(inst));
}

const char* op_name(Op op) {
  static constexpr const char* names[] = {
#define FORKBOX_OP_NAME(name) #name,
      FORKBOX_RISCV_OPS(FORKBOX_OP_NAME)
#undef FORKBOX_OP_NAME
  };
  auto i = static_cast<size_t>(op);
  return i < sizeof(names) / sizeof(names[0]) ? names[i] : "?";
}

}  // namespace forkbox::riscv

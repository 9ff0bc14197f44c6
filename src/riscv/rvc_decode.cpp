// Decoder for the compressed (C) extension on RV64: each 16-bit encoding is expanded into the
// Instruction record of the 32-bit instruction it stands for, with slots = 1. Reserved encodings
// (including the all-zero halfword) decode to ILLEGAL.
#include "riscv/decoded.hpp"

namespace forkbox::riscv {
namespace {

constexpr uint32_t b(uint32_t v, unsigned hi, unsigned lo) {
  return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}
constexpr int32_t sext(uint32_t v, unsigned width) {
  uint32_t m = 1u << (width - 1);
  return static_cast<int32_t>((v ^ m) - m);
}

Instruction mk(Op op, unsigned rd, unsigned rs1, unsigned rs2, int32_t imm) {
  Instruction d;
  d.op = op;
  d.rd = static_cast<uint8_t>(rd);
  d.rs1 = static_cast<uint8_t>(rs1);
  d.rs2 = static_cast<uint8_t>(rs2);
  d.rm = 7;
  d.imm = imm;
  d.slots = 1;
  return d;
}

Instruction illegal(uint16_t bits) {
  Instruction d;
  d.op = Op::ILLEGAL;
  d.imm = bits;
  d.slots = 1;
  return d;
}

Instruction quadrant0(uint32_t c) {
  unsigned rdp = 8 + b(c, 4, 2), rs1p = 8 + b(c, 9, 7);
  uint32_t uimm_d = (b(c, 12, 10) << 3) | (b(c, 6, 5) << 6);
  uint32_t uimm_w = (b(c, 12, 10) << 3) | (b(c, 6, 6) << 2) | (b(c, 5, 5) << 6);
  switch (b(c, 15, 13)) {
    case 0: {
      uint32_t nz = (b(c, 12, 11) << 4) | (b(c, 10, 7) << 6) | (b(c, 6, 6) << 2) | (b(c, 5, 5) << 3);
      if (nz == 0) return illegal(static_cast<uint16_t>(c));
      return mk(Op::ADDI, rdp, 2, 0, static_cast<int32_t>(nz));
    }
    case 1: return mk(Op::FLD, rdp, rs1p, 0, static_cast<int32_t>(uimm_d));
    case 2: return mk(Op::LW, rdp, rs1p, 0, static_cast<int32_t>(uimm_w));
    case 3: return mk(Op::LD, rdp, rs1p, 0, static_cast<int32_t>(uimm_d));
    case 5: return mk(Op::FSD, 0, rs1p, rdp, static_cast<int32_t>(uimm_d));
    case 6: return mk(Op::SW, 0, rs1p, rdp, static_cast<int32_t>(uimm_w));
    case 7: return mk(Op::SD, 0, rs1p, rdp, static_cast<int32_t>(uimm_d));
  }
  return illegal(static_cast<uint16_t>(c));
}

Instruction quadrant1(uint32_t c) {
  unsigned rd = b(c, 11, 7);
  int32_t imm6 = sext((b(c, 12, 12) << 5) | b(c, 6, 2), 6);
  unsigned rdp = 8 + b(c, 9, 7), rs2p = 8 + b(c, 4, 2);
  switch (b(c, 15, 13)) {
    case 0: return mk(Op::ADDI, rd, rd, 0, imm6);  // C.NOP when rd == 0
    case 1:
      if (rd == 0) return illegal(static_cast<uint16_t>(c));
      return mk(Op::ADDIW, rd, rd, 0, imm6);
    case 2: return mk(Op::ADDI, rd, 0, 0, imm6);
    case 3:
      if (rd == 2) {
        int32_t nz = sext((b(c, 12, 12) << 9) | (b(c, 6, 6) << 4) | (b(c, 5, 5) << 6) |
                              (b(c, 4, 3) << 7) | (b(c, 2, 2) << 5),
                          10);
        if (nz == 0) return illegal(static_cast<uint16_t>(c));
        return mk(Op::ADDI, 2, 2, 0, nz);
      } else {
        int32_t nz = sext((b(c, 12, 12) << 17) | (b(c, 6, 2) << 12), 18);
        if (nz == 0) return illegal(static_cast<uint16_t>(c));
        return mk(Op::LUI, rd, 0, 0, nz);
      }
    case 4: {
      uint32_t shamt = (b(c, 12, 12) << 5) | b(c, 6, 2);
      switch (b(c, 11, 10)) {
        case 0: return mk(Op::SRLI, rdp, rdp, 0, static_cast<int32_t>(shamt));
        case 1: return mk(Op::SRAI, rdp, rdp, 0, static_cast<int32_t>(shamt));
        case 2: return mk(Op::ANDI, rdp, rdp, 0, imm6);
        case 3: {
          static constexpr Op ops[8] = {Op::SUB,  Op::XOR,  Op::OR,      Op::AND,
                                        Op::SUBW, Op::ADDW, Op::ILLEGAL, Op::ILLEGAL};
          Op op = ops[(b(c, 12, 12) << 2) | b(c, 6, 5)];
          if (op == Op::ILLEGAL) return illegal(static_cast<uint16_t>(c));
          return mk(op, rdp, rdp, rs2p, 0);
        }
      }
      break;
    }
    case 5: {
      int32_t off = sext((b(c, 12, 12) << 11) | (b(c, 11, 11) << 4) | (b(c, 10, 9) << 8) |
                             (b(c, 8, 8) << 10) | (b(c, 7, 7) << 6) | (b(c, 6, 6) << 7) |
                             (b(c, 5, 3) << 1) | (b(c, 2, 2) << 5),
                         12);
      return mk(Op::JAL, 0, 0, 0, off);
    }
    case 6:
    case 7: {
      int32_t off = sext((b(c, 12, 12) << 8) | (b(c, 11, 10) << 3) | (b(c, 6, 5) << 6) |
                             (b(c, 4, 3) << 1) | (b(c, 2, 2) << 5),
                         9);
      return mk(b(c, 15, 13) == 6 ? Op::BEQ : Op::BNE, 0, rdp, 0, off);
    }
  }
  return illegal(static_cast<uint16_t>(c));
}

Instruction quadrant2(uint32_t c) {
  unsigned rd = b(c, 11, 7), rs2 = b(c, 6, 2);
  switch (b(c, 15, 13)) {
    case 0:
      return mk(Op::SLLI, rd, rd, 0, static_cast<int32_t>((b(c, 12, 12) << 5) | b(c, 6, 2)));
    case 1:
      return mk(Op::FLD, rd, 2, 0,
                static_cast<int32_t>((b(c, 12, 12) << 5) | (b(c, 6, 5) << 3) | (b(c, 4, 2) << 6)));
    case 2:
      if (rd == 0) return illegal(static_cast<uint16_t>(c));
      return mk(Op::LW, rd, 2, 0,
                static_cast<int32_t>((b(c, 12, 12) << 5) | (b(c, 6, 4) << 2) | (b(c, 3, 2) << 6)));
    case 3:
      if (rd == 0) return illegal(static_cast<uint16_t>(c));
      return mk(Op::LD, rd, 2, 0,
                static_cast<int32_t>((b(c, 12, 12) << 5) | (b(c, 6, 5) << 3) | (b(c, 4, 2) << 6)));
    case 4:
      if (b(c, 12, 12) == 0) {
        if (rs2 == 0) {
          if (rd == 0) return illegal(static_cast<uint16_t>(c));
          return mk(Op::JALR, 0, rd, 0, 0);  // C.JR
        }
        return mk(Op::ADD, rd, 0, rs2, 0);  // C.MV
      }
      if (rd == 0 && rs2 == 0) return mk(Op::EBREAK, 0, 0, 0, 0);
      if (rs2 == 0) return mk(Op::JALR, 1, rd, 0, 0);  // C.JALR
      return mk(Op::ADD, rd, rd, rs2, 0);
    case 5:
      return mk(Op::FSD, 0, 2, rs2, static_cast<int32_t>((b(c, 12, 10) << 3) | (b(c, 9, 7) << 6)));
    case 6:
      return mk(Op::SW, 0, 2, rs2, static_cast<int32_t>((b(c, 12, 9) << 2) | (b(c, 8, 7) << 6)));
    case 7:
      return mk(Op::SD, 0, 2, rs2, static_cast<int32_t>((b(c, 12, 10) << 3) | (b(c, 9, 7) << 6)));
  }
  return illegal(static_cast<uint16_t>(c));
}

}  // namespace

Instruction decode_compressed(uint16_t bits) {
  uint32_t c = bits;
  switch (c & 3) {
    case 0: return quadrant0(c);
    case 1: return quadrant1(c);
    case 2: return quadrant2(c);
  }
  return illegal(bits);
}

}  // namespace forkbox::riscv

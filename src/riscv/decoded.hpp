// The decoded form of one RISC-V instruction, as the interpreter executes it. Every instruction,
// compressed or not, decodes into the same 16-byte record: an operation, register numbers and an
// immediate. Compressed instructions are expanded at decode time, so the interpreter has one
// handler per operation and never looks at instruction bits again.
//
// Decoding happens once per 2-byte slot of an executable segment (see code_segment.hpp). Writes
// to x0 are redirected to a scratch register (kZeroSink) at decode time, so handlers never test
// for rd == 0.
#pragma once

#include <cstdint>

namespace forkbox::riscv {

// Register index that absorbs writes to x0.
inline constexpr uint8_t kZeroSink = 32;

// X-macro list of operations. kDecode must stay first: a zero-filled slot means "not decoded".
#define FORKBOX_RISCV_OPS(X)                                                                   \
  X(DECODE) X(ILLEGAL) X(SEGMENT_END) X(NOP)                                                   \
  X(LUI) X(AUIPC) X(JAL) X(JAL_FAR) X(JALR) X(LI) X(MV)                                        \
  X(BEQ) X(BNE) X(BLT) X(BGE) X(BLTU) X(BGEU) X(BRANCH_FAR)                                    \
  X(LB) X(LH) X(LW) X(LD) X(LBU) X(LHU) X(LWU) X(SB) X(SH) X(SW) X(SD)                         \
  X(ADDI) X(SLTI) X(SLTIU) X(XORI) X(ORI) X(ANDI) X(SLLI) X(SRLI) X(SRAI)                      \
  X(ADD) X(SUB) X(SLL) X(SLT) X(SLTU) X(XOR) X(SRL) X(SRA) X(OR) X(AND)                        \
  X(ADDIW) X(SLLIW) X(SRLIW) X(SRAIW) X(ADDW) X(SUBW) X(SLLW) X(SRLW) X(SRAW)                  \
  X(FENCE) X(FENCE_I) X(ECALL) X(EBREAK)                                                       \
  X(MUL) X(MULH) X(MULHSU) X(MULHU) X(DIV) X(DIVU) X(REM) X(REMU)                              \
  X(MULW) X(DIVW) X(DIVUW) X(REMW) X(REMUW)                                                    \
  X(LR_W) X(SC_W) X(LR_D) X(SC_D)                                                              \
  X(AMOSWAP_W) X(AMOADD_W) X(AMOXOR_W) X(AMOAND_W) X(AMOOR_W)                                  \
  X(AMOMIN_W) X(AMOMAX_W) X(AMOMINU_W) X(AMOMAXU_W)                                            \
  X(AMOSWAP_D) X(AMOADD_D) X(AMOXOR_D) X(AMOAND_D) X(AMOOR_D)                                  \
  X(AMOMIN_D) X(AMOMAX_D) X(AMOMINU_D) X(AMOMAXU_D)                                            \
  X(CSRRW) X(CSRRS) X(CSRRC) X(CSRRWI) X(CSRRSI) X(CSRRCI)                                     \
  X(FLW) X(FLD) X(FSW) X(FSD)                                                                  \
  X(FMADD_S) X(FMSUB_S) X(FNMSUB_S) X(FNMADD_S) X(FMADD_D) X(FMSUB_D) X(FNMSUB_D) X(FNMADD_D)  \
  X(FADD_S) X(FSUB_S) X(FMUL_S) X(FDIV_S) X(FSQRT_S)                                           \
  X(FADD_D) X(FSUB_D) X(FMUL_D) X(FDIV_D) X(FSQRT_D)                                           \
  X(FSGNJ_S) X(FSGNJN_S) X(FSGNJX_S) X(FSGNJ_D) X(FSGNJN_D) X(FSGNJX_D)                        \
  X(FMIN_S) X(FMAX_S) X(FMIN_D) X(FMAX_D)                                                      \
  X(FCVT_W_S) X(FCVT_WU_S) X(FCVT_L_S) X(FCVT_LU_S)                                            \
  X(FCVT_S_W) X(FCVT_S_WU) X(FCVT_S_L) X(FCVT_S_LU)                                            \
  X(FCVT_W_D) X(FCVT_WU_D) X(FCVT_L_D) X(FCVT_LU_D)                                            \
  X(FCVT_D_W) X(FCVT_D_WU) X(FCVT_D_L) X(FCVT_D_LU)                                            \
  X(FCVT_S_D) X(FCVT_D_S)                                                                      \
  X(FMV_X_W) X(FMV_W_X) X(FMV_X_D) X(FMV_D_X)                                                  \
  X(FEQ_S) X(FLT_S) X(FLE_S) X(FEQ_D) X(FLT_D) X(FLE_D) X(FCLASS_S) X(FCLASS_D)                \
  X(SH1ADD) X(SH2ADD) X(SH3ADD) X(ADD_UW) X(SH1ADD_UW) X(SH2ADD_UW) X(SH3ADD_UW) X(SLLI_UW)    \
  X(ANDN) X(ORN) X(XNOR) X(CLZ) X(CLZW) X(CTZ) X(CTZW) X(CPOP) X(CPOPW)                        \
  X(MAX) X(MAXU) X(MIN) X(MINU) X(SEXT_B) X(SEXT_H) X(ZEXT_H)                                  \
  X(ROL) X(ROLW) X(ROR) X(RORI) X(RORIW) X(RORW) X(ORC_B) X(REV8)                              \
  X(BCLR) X(BCLRI) X(BEXT) X(BEXTI) X(BINV) X(BINVI) X(BSET) X(BSETI)                          \
  X(LD_PAIR) X(SD_PAIR) X(MV_PAIR) X(ADDI_JALR)

enum class Op : uint16_t {
#define FORKBOX_OP_ENUM(name) name,
  FORKBOX_RISCV_OPS(FORKBOX_OP_ENUM)
#undef FORKBOX_OP_ENUM
      kCount
};

[[nodiscard]] const char* op_name(Op op);

// What the decoder produces: one instruction, compressed ones already expanded.
struct Instruction {
  Op op = Op::DECODE;
  uint8_t rd = 0;
  uint8_t rs1 = 0;
  uint8_t rs2 = 0;
  uint8_t rs3 = 0;
  uint8_t rm = 0;     // FP rounding mode field (7 = dynamic)
  uint8_t slots = 0;  // instruction length in 2-byte slots (1 compressed, 2 otherwise)
  int32_t imm = 0;    // sign-extended immediate; CSR number for CSR ops; raw bits for ILLEGAL
};

// What the interpreter executes: the instruction bound to its handler. The
// interpreter has two handlers per operation, one per instruction length, so advancing to the
// next instruction is a constant add, and dispatch is one indirect jump.
// Fields are packed into 16 bytes: FP rounding mode shares a byte with rs3; in-segment branch
// and jal targets replace the immediate with a slot offset (see Machine::decode_slot).
struct Decoded {
  // Handler label as a byte offset from the DECODE handler's label, so that a zero-filled
  // record means "not decoded yet" and code arrays can come from lazily zeroed memory.
  int32_t handler = 0;
  uint8_t rd = 0;
  uint8_t rs1 = 0;
  uint8_t rs2 = 0;
  uint8_t rs3_rm = 0;  // rs3 in bits 0-4, rounding mode in bits 5-7
  int32_t imm = 0;
  // Fused pairs only (LD_PAIR, SD_PAIR, MV_PAIR, ADDI_JALR): the second instruction.
  uint32_t pair = 0;

  [[nodiscard]] uint8_t rs3() const { return rs3_rm & 31; }
  [[nodiscard]] uint8_t rm() const { return static_cast<uint8_t>(rs3_rm >> 5); }

  // A fused pair runs two consecutive instructions in one dispatch: the fields above are the
  // first instruction, `pair` packs the second: bits 0-5 its rd (rs2 for a store), up to
  // kZeroSink; bits 6-10 rs1; bit 11 set when it is 32 bits long; bits 12-31 its 12-bit
  // immediate, sign-extended.
  [[nodiscard]] static uint32_t pack_pair(uint8_t reg, uint8_t base, unsigned slots, int32_t imm) {
    return (reg & 63u) | ((base & 31u) << 6) | ((slots == 2 ? 1u : 0u) << 11) |
           (static_cast<uint32_t>(imm) << 12);
  }
  [[nodiscard]] uint8_t pair_reg() const { return static_cast<uint8_t>(pair & 63); }
  [[nodiscard]] uint8_t pair_base() const { return static_cast<uint8_t>((pair >> 6) & 31); }
  [[nodiscard]] unsigned pair_slots() const { return ((pair >> 11) & 1) + 1; }
  [[nodiscard]] int64_t pair_imm() const { return static_cast<int32_t>(pair) >> 12; }
};
static_assert(sizeof(Decoded) == 16);

// Decodes the instruction whose first 16 bits are `lo` and, for 32-bit encodings, next 16 bits
// `hi`. Never fails: unknown encodings decode to Op::ILLEGAL with the bits in imm.
[[nodiscard]] Instruction decode(uint16_t lo, uint16_t hi);

}  // namespace forkbox::riscv

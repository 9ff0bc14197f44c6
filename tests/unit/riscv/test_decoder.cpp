// Decoder tests: encodings taken from the RISC-V ISA manual's tables, checked field by field.
#include <gtest/gtest.h>

#include "riscv/decoded.hpp"

using forkbox::riscv::decode;
using forkbox::riscv::Instruction;
using forkbox::riscv::Op;

namespace {

Instruction d32(uint32_t i) {
  return decode(static_cast<uint16_t>(i), static_cast<uint16_t>(i >> 16));
}
Instruction d16(uint16_t c) { return decode(c, 0); }

TEST(Decoder, DecodesRTypeAddWithRegisters) {
  Instruction i = d32(0x00b50533);  // add a0, a0, a1
  EXPECT_EQ(i.op, Op::ADD);
  EXPECT_EQ(i.rd, 10);
  EXPECT_EQ(i.rs1, 10);
  EXPECT_EQ(i.rs2, 11);
  EXPECT_EQ(i.slots, 2);
}

TEST(Decoder, SignExtendsNegativeIImmediate) {
  Instruction i = d32(0xfff50513);  // addi a0, a0, -1
  EXPECT_EQ(i.op, Op::ADDI);
  EXPECT_EQ(i.imm, -1);
}

TEST(Decoder, AddiFromZeroBecomesLi) {
  EXPECT_EQ(d32(0x02a00513).op, Op::LI);  // li a0, 42
  EXPECT_EQ(d32(0x02a00513).imm, 42);
}

TEST(Decoder, ComputationIntoX0IsNopButLoadIntoX0KeepsItsEffect) {
  EXPECT_EQ(d32(0x00b50033).op, Op::NOP);  // add x0, a0, a1
  Instruction ld = d32(0x00053003);        // ld x0, 0(a0)
  EXPECT_EQ(ld.op, Op::LD);
  EXPECT_EQ(ld.rd, forkbox::riscv::kZeroSink);
}

TEST(Decoder, BranchAndJumpImmediates) {
  EXPECT_EQ(d32(0xfe0008e3).imm, -16);  // beqz x0, -16 (beq x0,x0)
  Instruction jal = d32(0x008000ef);    // jal ra, +8
  EXPECT_EQ(jal.op, Op::JAL);
  EXPECT_EQ(jal.rd, 1);
  EXPECT_EQ(jal.imm, 8);
}

TEST(Decoder, MultiplyDivideAndWordForms) {
  EXPECT_EQ(d32(0x02b54533).op, Op::DIV);   // div a0, a0, a1
  EXPECT_EQ(d32(0x02b5453b).op, Op::DIVW);  // divw a0, a0, a1
  EXPECT_EQ(d32(0x02b5353b).op, Op::ILLEGAL);  // funct3=3 in OP-32 M is reserved
}

TEST(Decoder, AtomicsAndLrRequiresZeroRs2) {
  EXPECT_EQ(d32(0x100527af).op, Op::LR_W);      // lr.w a5, (a0)
  EXPECT_EQ(d32(0x00b5302f).op, Op::AMOADD_D);  // amoadd.d zero... rd=0 keeps effect
  EXPECT_EQ(d32(0x10b527af).op, Op::ILLEGAL);   // lr.w with rs2 != 0 is reserved
}

TEST(Decoder, FloatingPointFormatsAndRoundingModes) {
  Instruction fadd = d32(0x02b57553);  // fadd.d fa0, fa0, fa1 (rm=dyn)
  EXPECT_EQ(fadd.op, Op::FADD_D);
  EXPECT_EQ(fadd.rm, 7);
  EXPECT_EQ(d32(0x02b55553).op, Op::ILLEGAL);  // rm=5 is reserved
  Instruction fma = d32(0x62b57543);           // fmadd.d fa0, fa0, fa1, fa2
  EXPECT_EQ(fma.op, Op::FMADD_D);
  EXPECT_EQ(fma.rs3, 12);
  EXPECT_EQ(d32(0xc2051553).op, Op::FCVT_W_D);  // fcvt.w.d a0, fa0, rtz
}

TEST(Decoder, BitManipulation) {
  EXPECT_EQ(d32(0x20b52533).op, Op::SH1ADD);  // sh1add a0, a0, a1
  EXPECT_EQ(d32(0x60051513).op, Op::CLZ);     // clz a0, a0
  EXPECT_EQ(d32(0x6b855513).op, Op::REV8);    // rev8 a0, a0
  EXPECT_EQ(d32(0x28755513).op, Op::ORC_B);   // orc.b a0, a0
  EXPECT_EQ(d32(0x48b51533).op, Op::BCLR);    // bclr a0, a0, a1
  EXPECT_EQ(d32(0x0805453b).op, Op::ZEXT_H);  // zext.h a0, a0
}

TEST(Decoder, CompressedExpansions) {
  Instruction li = d16(0x4529);  // c.li a0, 10
  EXPECT_EQ(li.op, Op::LI);
  EXPECT_EQ(li.imm, 10);
  EXPECT_EQ(li.slots, 1);
  Instruction sd = d16(0xe406);  // c.sdsp ra, 8(sp)
  EXPECT_EQ(sd.op, Op::SD);
  EXPECT_EQ(sd.rs1, 2);
  EXPECT_EQ(sd.rs2, 1);
  EXPECT_EQ(sd.imm, 8);
  Instruction ret = d16(0x8082);  // c.jr ra
  EXPECT_EQ(ret.op, Op::JALR);
  EXPECT_EQ(ret.rs1, 1);
  Instruction addi16sp = d16(0x7139);  // c.addi16sp sp, -64
  EXPECT_EQ(addi16sp.op, Op::ADDI);
  EXPECT_EQ(addi16sp.imm, -64);
}

TEST(Decoder, ReservedEncodingsAreIllegalWithTheirBits) {
  Instruction zero = d16(0x0000);
  EXPECT_EQ(zero.op, Op::ILLEGAL);
  EXPECT_EQ(d32(0xffffffff).op, Op::ILLEGAL);
  Instruction csr_bad = d32(0x0000407f);  // custom opcode space
  EXPECT_EQ(csr_bad.op, Op::ILLEGAL);
  EXPECT_EQ(static_cast<uint32_t>(csr_bad.imm), 0x0000407fu);
}

}  // namespace

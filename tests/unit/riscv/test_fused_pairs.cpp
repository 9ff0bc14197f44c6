// Fused pairs: the interpreter runs two consecutive `ld`, `sd`, `mv`, or an `addi` and a
// `jalr`, from one decoded record. Each test places hand-encoded instructions in a root machine, runs them to
// an illegal instruction, and checks registers, memory, the retired-instruction count and,
// through Machine::decoded_op, that the pair really was fused (or deliberately was not).
#include <gtest/gtest.h>

#include <cstring>

#include "riscv/machine.hpp"

using namespace forkbox;
using namespace forkbox::riscv;

namespace {

constexpr uint64_t kCode = 0x100000;      // two executable pages
constexpr uint64_t kData = 0x200000;      // one writable page
constexpr uint64_t kUnmapped = 0x300000;  // nothing here
constexpr unsigned kRa = 1, kSp = 2, kA0 = 10, kA1 = 11, kA2 = 12, kA3 = 13, kA4 = 14;

uint32_t ld(unsigned rd, int imm, unsigned rs1) {
  return (static_cast<uint32_t>(imm) << 20) | (rs1 << 15) | (3u << 12) | (rd << 7) | 0x03u;
}
uint32_t sd(unsigned rs2, int imm, unsigned rs1) {
  auto i = static_cast<uint32_t>(imm);
  return ((i >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (3u << 12) | ((i & 31u) << 7) | 0x23u;
}
uint32_t addi(unsigned rd, unsigned rs1, int imm) {
  return (static_cast<uint32_t>(imm) << 20) | (rs1 << 15) | (rd << 7) | 0x13u;
}
uint32_t mv(unsigned rd, unsigned rs) { return addi(rd, rs, 0); }
uint32_t jalr(unsigned rd, unsigned rs1, int imm) {
  return (static_cast<uint32_t>(imm) << 20) | (rs1 << 15) | (rd << 7) | 0x67u;
}
// c.ld a2, 8(a0): the compressed form, to pair a 2-byte with a 4-byte instruction.
constexpr uint16_t kCLdA2_8A0 = 0x6510;

class FusedPairs : public ::testing::Test {
 protected:
  FusedPairs() : m_(os::PersonalityConfig{}, 16 << 20) {
    EXPECT_TRUE(m_.memory().map(kCode, 2 * os::kPageSize, os::kProtRead | os::kProtExec,
                                os::Placement::kFixed));
    EXPECT_TRUE(m_.memory().map(kData, os::kPageSize, os::kProtRead | os::kProtWrite,
                                os::Placement::kFixed));
    for (uint64_t i = 0; i < 8; ++i) store(kData + 8 * i, 100 + i);
  }
  // Writes instruction words at addr (the rest of the code pages is zero: illegal).
  void code(uint64_t addr, std::initializer_list<uint32_t> words) {
    for (uint32_t w : words) {
      ASSERT_TRUE(m_.memory().poke(addr, &w, 4));
      addr += 4;
    }
  }
  void store(uint64_t addr, uint64_t v) { ASSERT_TRUE(m_.memory().poke(addr, &v, 8)); }
  uint64_t load(uint64_t addr) {
    uint64_t v = 0;
    EXPECT_TRUE(m_.memory().read(addr, &v, 8));
    return v;
  }
  Stop run_from(uint64_t pc) {
    m_.cpu().pc = pc;
    m_.cpu().instret = 0;
    return m_.run(1000);
  }
  uint64_t& x(unsigned r) { return m_.cpu().x[r]; }

  Machine m_;
};

TEST_F(FusedPairs, ThreeLoadsAreAPairAndASingleWithExactCounts) {
  code(kCode, {ld(kA2, 0, kA0), ld(kA3, 8, kA0), ld(kA4, 16, kA0)});
  x(kA0) = kData;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.reason, StopReason::kIllegalInstruction) << describe(s);
  EXPECT_EQ(s.pc, kCode + 12);
  EXPECT_EQ(m_.cpu().instret, 3u);
  EXPECT_EQ(x(kA2), 100u);
  EXPECT_EQ(x(kA3), 101u);
  EXPECT_EQ(x(kA4), 102u);
  EXPECT_EQ(m_.decoded_op(kCode), Op::LD_PAIR);
  EXPECT_EQ(m_.decoded_op(kCode + 4), Op::LD_PAIR);  // entered by a jump, it pairs onward
  EXPECT_EQ(m_.decoded_op(kCode + 8), Op::LD);       // followed by an illegal instruction
}

TEST_F(FusedPairs, TheSecondLoadSeesTheFirstOnesResult) {
  store(kData + 0, kData + 32);  // a pointer to the word holding 104
  code(kCode, {ld(kA0, 0, kA0), ld(kA0, 0, kA0)});
  x(kA0) = kData;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.pc, kCode + 8) << describe(s);
  EXPECT_EQ(x(kA0), 104u);
  EXPECT_EQ(m_.decoded_op(kCode), Op::LD_PAIR);
}

TEST_F(FusedPairs, LoadsIntoX0AreDiscarded) {
  code(kCode, {ld(0, 0, kA0), ld(kA1, 8, kA0)});
  x(kA0) = kData;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.pc, kCode + 8) << describe(s);
  EXPECT_EQ(x(0), 0u);
  EXPECT_EQ(x(kA1), 101u);
  EXPECT_EQ(m_.decoded_op(kCode), Op::LD_PAIR);
}

TEST_F(FusedPairs, StoresPairAndReadTheirSourcesInOrder) {
  code(kCode, {sd(kA1, 0, kA0), sd(kA2, 8, kA0), sd(0, 16, kA0)});
  x(kA0) = kData;
  x(kA1) = 7;
  x(kA2) = 8;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.pc, kCode + 12) << describe(s);
  EXPECT_EQ(m_.cpu().instret, 3u);
  EXPECT_EQ(load(kData), 7u);
  EXPECT_EQ(load(kData + 8), 8u);
  EXPECT_EQ(load(kData + 16), 0u);  // x0 as the source
  EXPECT_EQ(m_.decoded_op(kCode), Op::SD_PAIR);
  EXPECT_EQ(m_.decoded_op(kCode + 8), Op::SD);
}

TEST_F(FusedPairs, AFaultInTheSecondLoadReportsItsPcAfterTheFirst) {
  code(kCode, {ld(kA2, 0, kA0), ld(kA3, 0, kA1)});
  x(kA0) = kData;
  x(kA1) = kUnmapped;
  x(kA3) = 55;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.reason, StopReason::kMemoryFault) << describe(s);
  EXPECT_EQ(s.pc, kCode + 4);
  EXPECT_EQ(m_.cpu().pc, kCode + 4);
  EXPECT_EQ(s.fault.addr, kUnmapped);
  EXPECT_EQ(m_.cpu().instret, 1u);
  EXPECT_EQ(x(kA2), 100u);
  EXPECT_EQ(x(kA3), 55u);  // untouched
  EXPECT_EQ(m_.decoded_op(kCode), Op::LD_PAIR);
}

TEST_F(FusedPairs, AFaultInTheSecondStoreComesAfterTheFirstStore) {
  code(kCode, {sd(kA2, 0, kA0), sd(kA2, 0, kA1)});
  x(kA0) = kData;
  x(kA1) = kUnmapped;
  x(kA2) = 99;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.reason, StopReason::kMemoryFault) << describe(s);
  EXPECT_EQ(s.pc, kCode + 4);
  EXPECT_EQ(s.fault.kind, AccessKind::kWrite);
  EXPECT_EQ(m_.cpu().instret, 1u);
  EXPECT_EQ(load(kData), 99u);
}

TEST_F(FusedPairs, AFaultInTheFirstLoadLeavesBothUndone) {
  code(kCode, {ld(kA2, 0, kA1), ld(kA3, 0, kA0)});
  x(kA0) = kData;
  x(kA1) = kUnmapped;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.reason, StopReason::kMemoryFault) << describe(s);
  EXPECT_EQ(s.pc, kCode);
  EXPECT_EQ(m_.cpu().instret, 0u);
  EXPECT_EQ(x(kA3), 0u);
}

TEST_F(FusedPairs, ACompressedAndAFullLoadPairAndAdvanceBySix) {
  ASSERT_TRUE(m_.memory().poke(kCode, &kCLdA2_8A0, 2));
  code(kCode + 2, {ld(kA3, 16, kA0)});
  x(kA0) = kData;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.reason, StopReason::kIllegalInstruction) << describe(s);
  EXPECT_EQ(s.pc, kCode + 6);
  EXPECT_EQ(m_.cpu().instret, 2u);
  EXPECT_EQ(x(kA2), 101u);
  EXPECT_EQ(x(kA3), 102u);
  EXPECT_EQ(m_.decoded_op(kCode), Op::LD_PAIR);
}

TEST_F(FusedPairs, APairNeverSpansTwoPages) {
  const uint64_t last = kCode + os::kPageSize - 4;
  code(last, {ld(kA2, 0, kA0), ld(kA3, 8, kA0)});
  x(kA0) = kData;
  Stop s = run_from(last);
  EXPECT_EQ(s.pc, last + 8) << describe(s);
  EXPECT_EQ(x(kA2), 100u);
  EXPECT_EQ(x(kA3), 101u);
  EXPECT_EQ(m_.decoded_op(last), Op::LD);
}

TEST_F(FusedPairs, RewritingTheSecondInstructionIsSeen) {
  // The pair is decoded (and fused) by a first run; then the second instruction is replaced,
  // as a JIT or a loader would, and the next run must run the new one.
  code(kCode, {ld(kA2, 0, kA0), ld(kA3, 8, kA0)});
  x(kA0) = kData;
  run_from(kCode);
  ASSERT_EQ(m_.decoded_op(kCode), Op::LD_PAIR);
  ASSERT_TRUE(m_.memory().protect(kCode, os::kPageSize,
                                  os::kProtRead | os::kProtWrite | os::kProtExec) == 0);
  // A guest store into its own code: sd a1, 4(a0) with a0 = kCode, run from the second page.
  code(kCode + os::kPageSize, {sd(kA1, 4, kA0)});
  x(kA0) = kCode;
  x(kA1) = ld(kA3, 16, kA4);  // low word: the new second instruction; high word: illegal
  Stop w = run_from(kCode + os::kPageSize);
  EXPECT_EQ(w.pc, kCode + os::kPageSize + 4) << describe(w);
  x(kA0) = kData;
  x(kA4) = kData;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.pc, kCode + 8) << describe(s);
  EXPECT_EQ(x(kA3), 102u);
}

TEST_F(FusedPairs, MovesRunInOrder) {
  code(kCode, {mv(kA0, kA1), mv(kA1, kA0), mv(kA2, kA3)});  // not a swap: both end as a1
  x(kA0) = 1;
  x(kA1) = 2;
  x(kA3) = 3;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.pc, kCode + 12) << describe(s);
  EXPECT_EQ(m_.cpu().instret, 3u);
  EXPECT_EQ(x(kA0), 2u);
  EXPECT_EQ(x(kA1), 2u);
  EXPECT_EQ(x(kA2), 3u);
  EXPECT_EQ(m_.decoded_op(kCode), Op::MV_PAIR);
  EXPECT_EQ(m_.decoded_op(kCode + 8), Op::MV);
}

TEST_F(FusedPairs, AnEpilogueAdjustsTheStackAndReturns) {
  const uint64_t ret_to = kCode + 0x100;
  code(kCode, {addi(kSp, kSp, 32), jalr(0, kRa, 0)});
  x(kSp) = kData + 64;
  x(kRa) = ret_to;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.reason, StopReason::kIllegalInstruction) << describe(s);
  EXPECT_EQ(s.pc, ret_to);
  EXPECT_EQ(m_.cpu().instret, 2u);
  EXPECT_EQ(x(kSp), kData + 96);
  EXPECT_EQ(m_.decoded_op(kCode), Op::ADDI_JALR);
}

TEST_F(FusedPairs, TheJumpUsesTheAddedRegisterAndLinksPastItself) {
  // addi a0, a0, 8; jalr ra, 4(a0): target = (a0 + 8) + 4, link = the address after the jalr.
  code(kCode, {addi(kA0, kA0, 8), jalr(kRa, kA0, 4)});
  x(kA0) = kCode + 0x200 - 12;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.pc, kCode + 0x200) << describe(s);
  EXPECT_EQ(x(kRa), kCode + 8);
  EXPECT_EQ(x(kA0), kCode + 0x200 - 4);
  EXPECT_EQ(m_.cpu().instret, 2u);
  EXPECT_EQ(m_.decoded_op(kCode), Op::ADDI_JALR);
}

TEST_F(FusedPairs, AJumpOutOfTheCodeFaultsAtItsTargetWithBothCounted) {
  code(kCode, {addi(kSp, kSp, 16), jalr(0, kRa, 0)});
  x(kRa) = kUnmapped;
  Stop s = run_from(kCode);
  EXPECT_EQ(s.reason, StopReason::kMemoryFault) << describe(s);
  EXPECT_EQ(s.pc, kUnmapped);
  EXPECT_EQ(s.fault.kind, AccessKind::kExecute);
  EXPECT_EQ(m_.cpu().instret, 2u);
  EXPECT_EQ(x(kSp), 16u);
}

TEST_F(FusedPairs, TheInstructionBudgetStopsAtTheTargetOfAFusedJump) {
  // A loop made of one fused pair: addi a0, a0, 1; jalr x0, 0(a1) with a1 = the loop start.
  code(kCode, {addi(kA0, kA0, 1), jalr(0, kA1, 0)});
  x(kA1) = kCode;
  m_.cpu().pc = kCode;
  m_.cpu().instret = 0;
  Stop s = m_.run(101);
  EXPECT_EQ(s.reason, StopReason::kInstructionLimit) << describe(s);
  EXPECT_EQ(s.pc, kCode);
  EXPECT_EQ(m_.cpu().instret, 102u);  // checked on the taken jump, as for unfused code
  EXPECT_EQ(x(kA0), 51u);
}

}  // namespace

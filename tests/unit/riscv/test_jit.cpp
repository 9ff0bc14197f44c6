// Translated code (jit.hpp) against the interpreter. Each test builds two templates from the
// same hand-placed code, one translated and one not, runs a fork of each from the same state,
// and requires the same stop, pc, instruction count, registers and memory. Most programs are
// random (fixed seeds), mixing every translated operation with loads, stores, branches in
// both directions (so the budget cuts loops), jumps through registers, and operations left to
// the interpreter, so that control passes between the two many times.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "riscv/template.hpp"

using namespace forkbox;
using namespace forkbox::riscv;

namespace {

constexpr uint64_t kCode = 0x100000;      // 4 executable pages; kCode itself holds a stop
constexpr uint64_t kData = 0x200000;      // one writable page
constexpr uint64_t kUnmapped = 0x300000;  // nothing here
constexpr unsigned kBase = 10;            // x10 holds kData + 2048 and is never written

uint32_t r_type(uint32_t f7, unsigned rs2, unsigned rs1, uint32_t f3, unsigned rd, uint32_t op) {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
uint32_t i_type(int imm, unsigned rs1, uint32_t f3, unsigned rd, uint32_t op) {
  return ((static_cast<uint32_t>(imm) & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
uint32_t s_type(int imm, unsigned rs2, unsigned rs1, uint32_t f3) {
  auto i = static_cast<uint32_t>(imm) & 0xfff;
  return ((i >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((i & 31) << 7) | 0x23;
}
uint32_t b_type(int imm, unsigned rs2, unsigned rs1, uint32_t f3) {
  auto i = static_cast<uint32_t>(imm);
  return (((i >> 12) & 1) << 31) | (((i >> 5) & 63) << 25) | (rs2 << 20) | (rs1 << 15) |
         (f3 << 12) | (((i >> 1) & 15) << 8) | (((i >> 11) & 1) << 7) | 0x63;
}
uint32_t jal(int imm, unsigned rd) {
  auto i = static_cast<uint32_t>(imm);
  return (((i >> 20) & 1) << 31) | (((i >> 1) & 0x3ff) << 21) | (((i >> 11) & 1) << 20) |
         (((i >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
}
uint32_t jalr(int imm, unsigned rs1, unsigned rd) { return i_type(imm, rs1, 0, rd, 0x67); }
uint32_t auipc(unsigned rd, uint32_t upper) { return (upper << 12) | (rd << 7) | 0x17; }
uint32_t lui(unsigned rd, uint32_t upper) { return (upper << 12) | (rd << 7) | 0x37; }

struct Outcome {
  Stop stop;
  Cpu cpu;
  std::vector<uint8_t> data;
  uint64_t translated_entries = 0;
};

class Jit : public ::testing::Test {
 protected:
  // A template whose code is `program` at kCode + 4 (kCode holds an illegal instruction, so
  // that the root machine stops at once after creating its code segment).
  static std::shared_ptr<const Template> make(const std::vector<uint32_t>& program,
                                              bool translate) {
    auto m = std::make_unique<Machine>(os::PersonalityConfig{}, 64 << 20);
    EXPECT_TRUE(m->memory().map(kCode, 4 * os::kPageSize, os::kProtRead | os::kProtExec,
                                os::Placement::kFixed));
    EXPECT_TRUE(m->memory().map(kData, os::kPageSize, os::kProtRead | os::kProtWrite,
                                os::Placement::kFixed));
    uint64_t at = kCode + 4;
    for (uint32_t w : program) {
      EXPECT_TRUE(m->memory().poke(at, &w, 4));
      at += 4;
    }
    for (uint64_t i = 0; i < os::kPageSize / 8; ++i) {
      uint64_t v = 0x9e3779b97f4a7c15ull * (i + 1);
      EXPECT_TRUE(m->memory().poke(kData + 8 * i, &v, 8));
    }
    m->cpu().pc = kCode;
    Stop s = m->run(10);
    EXPECT_EQ(s.reason, StopReason::kIllegalInstruction) << riscv::describe(s);
    return Template::freeze(std::move(m), {}, translate);
  }

  static Outcome run(const std::shared_ptr<const Template>& t, const uint64_t (&regs)[32],
                     uint64_t budget) {
    Machine f(t, 64 << 20);
    for (unsigned r = 1; r < 32; ++r) f.cpu().x[r] = regs[r];
    f.cpu().pc = kCode + 4;
    Outcome o;
    o.stop = f.run(budget);
    o.cpu = f.cpu();
    o.translated_entries = f.translated_entries();
    o.data.resize(os::kPageSize);
    EXPECT_TRUE(f.memory().read(kData, o.data.data(), o.data.size()));
    return o;
  }

  // Runs `program` translated and interpreted and requires identical outcomes; returns the
  // translated one.
  static Outcome same(const std::vector<uint32_t>& program, const uint64_t (&regs)[32],
                      uint64_t budget, const std::string& what) {
    auto translated = make(program, true);
    auto interpreted = make(program, false);
    Outcome a = run(translated, regs, budget);
    Outcome b = run(interpreted, regs, budget);
    EXPECT_EQ(a.stop.reason, b.stop.reason) << what << ": " << describe(a) << " vs " << describe(b);
    EXPECT_EQ(a.stop.pc, b.stop.pc) << what;
    EXPECT_EQ(a.stop.fault.addr, b.stop.fault.addr) << what;
    EXPECT_EQ(a.cpu.instret, b.cpu.instret) << what;
    EXPECT_EQ(a.cpu.pc, b.cpu.pc) << what;
    for (unsigned r = 0; r < 32; ++r) EXPECT_EQ(a.cpu.x[r], b.cpu.x[r]) << what << ": x" << r;
    for (unsigned r = 0; r < 32; ++r) EXPECT_EQ(a.cpu.f[r], b.cpu.f[r]) << what << ": f" << r;
    EXPECT_TRUE(a.data == b.data) << what << ": data page differs";
    return a;
  }
  static std::string describe(const Outcome& o) { return riscv::describe(o.stop); }
};

// One random instruction at index i of a program of n; targets of branches and jumps are
// instruction boundaries inside the program (or just past it, where the stop is).
uint32_t random_instruction(std::mt19937_64& rng, size_t i, size_t n) {
  auto pick = [&](uint64_t k) { return static_cast<unsigned>(rng() % k); };
  auto reg = [&]() {  // any register but the data base; x0 now and then
    unsigned r = pick(16);
    return r == kBase ? 0u : r;
  };
  auto imm12 = [&]() {
    switch (pick(4)) {
      case 0: return static_cast<int>(pick(8)) - 4;
      case 1: return static_cast<int>(pick(4096)) - 2048;
      case 2: return 2047;
      default: return -2048;
    }
  };
  auto mem_offset = [&](unsigned size) {  // inside the data page around x10 = kData + 2048
    int off = static_cast<int>(pick(4096 - size + 1)) - 2048;
    return off;
  };
  auto forward = [&]() {  // bytes to a later instruction, at most 8 ahead, or the end
    size_t ahead = 1 + pick(8);
    if (i + ahead > n) ahead = n - i;
    return static_cast<int>(ahead * 4);
  };
  auto backward = [&]() { return -static_cast<int>(4 * pick(static_cast<uint64_t>(i) + 1)); };
  static const uint32_t kRFunct[][2] = {
      {0x00, 0}, {0x20, 0}, {0x00, 1}, {0x00, 2}, {0x00, 3}, {0x00, 4}, {0x00, 5},
      {0x20, 5}, {0x00, 6}, {0x00, 7}, {0x01, 0}, {0x10, 2}, {0x10, 4}, {0x10, 6}};
  static const uint32_t kWFunct[][2] = {{0x00, 0}, {0x20, 0}, {0x00, 1}, {0x00, 5}, {0x20, 5},
                                        {0x01, 0}};
  switch (pick(21)) {
    case 0: case 1: case 2: {  // add sub sll slt sltu xor srl sra or and mul sh1add sh2add sh3add
      const auto& f = kRFunct[pick(sizeof kRFunct / sizeof kRFunct[0])];
      return r_type(f[0], reg(), reg(), f[1], reg(), 0x33);
    }
    case 3: {  // addw subw sllw srlw sraw mulw
      const auto& f = kWFunct[pick(sizeof kWFunct / sizeof kWFunct[0])];
      return r_type(f[0], reg(), reg(), f[1], reg(), 0x3b);
    }
    case 4: case 5: case 6: {  // addi slti sltiu xori ori andi, and the shifts
      uint32_t f3 = pick(8);
      if (f3 == 1) return i_type(static_cast<int>(pick(64)), reg(), 1, reg(), 0x13);
      if (f3 == 5)
        return i_type(static_cast<int>(pick(64) | (pick(2) ? 0x400 : 0)), reg(), 5, reg(), 0x13);
      return i_type(imm12(), reg(), f3, reg(), 0x13);
    }
    case 7: {  // addiw slliw srliw sraiw
      switch (pick(4)) {
        case 0: return i_type(imm12(), reg(), 0, reg(), 0x1b);
        case 1: return i_type(static_cast<int>(pick(32)), reg(), 1, reg(), 0x1b);
        case 2: return i_type(static_cast<int>(pick(32)), reg(), 5, reg(), 0x1b);
        default: return i_type(static_cast<int>(pick(32) | 0x400), reg(), 5, reg(), 0x1b);
      }
    }
    case 8: return pick(2) ? lui(reg(), pick(1u << 20)) : auipc(reg(), pick(1u << 20));
    case 9: case 10: case 11: {  // lb lh lw ld lbu lhu lwu (misaligned ones too)
      static const unsigned kSize[] = {1, 2, 4, 8, 1, 2, 4};
      uint32_t f3 = pick(7);
      return i_type(mem_offset(kSize[f3]), kBase, f3, reg(), 0x03);
    }
    case 12: case 13: {  // sb sh sw sd
      uint32_t f3 = pick(4);
      return s_type(mem_offset(1u << f3), reg(), kBase, f3);
    }
    case 14: case 15: {  // beq bne blt bge bltu bgeu, mostly forward
      static const uint32_t kF3[] = {0, 1, 4, 5, 6, 7};
      int off = pick(4) == 0 ? backward() : forward();
      return b_type(off, reg(), reg(), kF3[pick(6)]);
    }
    case 16: return jal(forward(), reg());
    case 18: {  // flw fld fsw fsd (translated), fadd.d (left to the interpreter)
      unsigned fr = pick(8);
      switch (pick(5)) {
        case 0: return i_type(mem_offset(4), kBase, 2, fr, 0x07);
        case 1: return i_type(mem_offset(8), kBase, 3, fr, 0x07);
        case 2: return s_type(mem_offset(4), fr, kBase, 2) ^ 0x23 ^ 0x27;
        case 3: return s_type(mem_offset(8), fr, kBase, 3) ^ 0x23 ^ 0x27;
        default: return r_type(0x01, pick(8), pick(8), 7, fr, 0x53);
      }
    }
    case 17: {  // div divu rem remu divw: left to the interpreter
      return pick(2) ? r_type(0x01, reg(), reg(), 4 + pick(4), reg(), 0x33)
                     : r_type(0x01, reg(), reg(), 4, reg(), 0x3b);
    }
    default:  // a plain addi, to keep register values moving
      return i_type(imm12(), reg(), 0, reg(), 0x13);
  }
}

TEST_F(Jit, RandomProgramsMatchTheInterpreter) {
  std::mt19937_64 rng(20261122);
  uint64_t entries = 0;
  for (int p = 0; p < 300; ++p) {
    size_t n = 20 + rng() % 60;
    std::vector<uint32_t> program;
    for (size_t i = 0; i < n; ++i) program.push_back(random_instruction(rng, i, n));
    // Now and then an indirect jump: auipc x5 at i, jalr to a later instruction.
    if (n > 10 && rng() % 2) {
      size_t i = rng() % (n - 4), to = i + 2 + rng() % (n - i - 2);
      program[i] = auipc(5, 0);
      program[i + 1] = jalr(static_cast<int>((to - i) * 4), 5, 1);
    }
    uint64_t regs[32] = {};
    for (unsigned r = 1; r < 32; ++r) {
      switch (rng() % 4) {
        case 0: regs[r] = rng() % 64; break;
        case 1: regs[r] = static_cast<uint64_t>(-static_cast<int64_t>(rng() % 64)); break;
        case 2: regs[r] = 0x8000000000000000ull >> (rng() % 64); break;
        default: regs[r] = rng(); break;
      }
    }
    regs[kBase] = kData + 2048;
    regs[5] = 0;
    uint64_t budget = 1 + rng() % 2000;
    entries += same(program, regs, budget, "program " + std::to_string(p)).translated_entries;
    if (HasFailure()) break;  // one failing program is enough to read
  }
  EXPECT_GT(entries, 300u);  // control passed into translated code many times
}

// Three `addi x9, x9, 1` before `program`: the interpreter enters translated code only where
// at least four translated instructions follow (kMinRun in jit.cpp).
std::vector<uint32_t> padded(std::vector<uint32_t> program) {
  program.insert(program.begin(), 3, i_type(1, 9, 0, 9, 0x13));
  return program;
}

TEST_F(Jit, ALoopStopsAtTheSameInstructionAsTheInterpreter) {
  // x1 += 1; x2 += x1; x5 += 1; bne x1, x3, -12: runs until the budget.
  std::vector<uint32_t> program = {i_type(1, 1, 0, 1, 0x13), r_type(0, 1, 2, 0, 2, 0x33),
                                   i_type(1, 5, 0, 5, 0x13), b_type(-12, 3, 1, 1)};
  uint64_t regs[32] = {};
  regs[3] = 1'000'000;
  for (uint64_t budget : {1ull, 2ull, 3ull, 4ull, 100ull, 1001ull, 30'000ull}) {
    Outcome o = same(program, regs, budget, "budget " + std::to_string(budget));
    EXPECT_EQ(o.stop.reason, StopReason::kInstructionLimit);
    if (budget >= 100) {
      EXPECT_GE(o.translated_entries, 1u);
    }
  }
}

TEST_F(Jit, FaultsStopAtThePcAndCountOfTheInterpreter) {
  uint64_t regs[32] = {};
  regs[kBase] = kData + 2048;
  regs[7] = kUnmapped;
  regs[8] = kCode;  // read-only code: a store there is a protection fault
  // Two good instructions, then a load from unmapped memory.
  Outcome l = same(padded({i_type(5, 0, 0, 1, 0x13), i_type(8, kBase, 3, 2, 0x03),
                           i_type(0, 7, 3, 3, 0x03)}),
                   regs, 100, "load fault");
  EXPECT_EQ(l.stop.pc, kCode + 4 + 20);
  EXPECT_EQ(l.cpu.instret, 5u);
  EXPECT_EQ(l.translated_entries, 1u);
  // A store into the read-only code pages.
  Outcome o = same(padded({i_type(5, 0, 0, 1, 0x13), s_type(16, 1, 8, 3)}), regs, 100,
                   "store fault");
  EXPECT_EQ(o.stop.reason, StopReason::kMemoryFault);
  EXPECT_EQ(o.stop.pc, kCode + 4 + 16);
  EXPECT_EQ(o.cpu.instret, 4u);
  EXPECT_EQ(o.translated_entries, 1u);
  // A jump to unmapped memory through a register.
  Outcome j = same(padded({i_type(5, 0, 0, 1, 0x13), jalr(0, 7, 1)}), regs, 100, "jump out");
  EXPECT_EQ(j.stop.pc, kUnmapped);
  EXPECT_EQ(j.translated_entries, 1u);
}

TEST_F(Jit, ForksOfATranslatedTemplateEnterTranslatedCode) {
  // A loop of five translated instructions (enough for the interpreter to enter translated
  // code, see kMinRun in jit.cpp), then a division left to the interpreter.
  std::vector<uint32_t> program = {i_type(1, 1, 0, 1, 0x13), r_type(0, 1, 2, 0, 2, 0x33),
                                   i_type(1, 5, 0, 5, 0x13), i_type(2, 6, 0, 6, 0x13),
                                   b_type(-16, 3, 1, 1), r_type(0x01, 1, 2, 4, 4, 0x33)};
  uint64_t regs[32] = {};
  regs[3] = 1000;
  auto translated = make(program, true);
  auto interpreted = make(program, false);
  EXPECT_GT(translated->memory_bytes(), interpreted->memory_bytes());
  Machine a(translated, 64 << 20), b(interpreted, 64 << 20);
  for (Machine* m : {&a, &b}) {
    for (unsigned r = 1; r < 32; ++r) m->cpu().x[r] = regs[r];
    m->cpu().pc = kCode + 4;
    EXPECT_EQ(m->run(0).reason, StopReason::kIllegalInstruction);
    EXPECT_EQ(m->cpu().x[2], 500500u);
    EXPECT_EQ(m->cpu().x[6], 2000u);
    EXPECT_EQ(m->cpu().x[4], 500u);  // the div, run by the interpreter
  }
  EXPECT_GE(a.translated_entries(), 1u);
  EXPECT_EQ(b.translated_entries(), 0u);
}

}  // namespace

namespace {
// The translator's offsets are 32-bit: ranges past its named bound are refused before any
// byte is read (the interpreter's own segments are 16 MiB at most).
TEST(JitLimits, RangesBeyondTheBoundOrEmptyAreRefused) {
  riscv::Memory mem(1ull << 20);
  const uint64_t base = 0x10000;
  EXPECT_EQ(riscv::JitCode::translate(mem, base, base), nullptr);
  EXPECT_EQ(riscv::JitCode::translate(mem, base, base - 2), nullptr);
  EXPECT_EQ(riscv::JitCode::translate(mem, base, base + riscv::JitCode::kMaxRangeBytes + 2),
            nullptr);
}
}  // namespace

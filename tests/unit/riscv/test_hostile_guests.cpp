// Hostile and faulty guests on the riscv engine: each ends in its typed result, the host
// process survives, and nothing hangs. Guests are real programs from guests/*.c.
#include <gtest/gtest.h>

#include <csignal>

#include "riscv/run.hpp"

using namespace forkbox;

namespace {

RunResult run(const char* name, RunLimits limits = {}) {
  RunRequest req;
  req.program = std::string(FORKBOX_TEST_GUESTS) + "/" + name;
  req.argv = {req.program, "arg1"};
  req.envp = {"LANG=C"};
  req.limits = limits;
  return riscv::run_program(req);
}

TEST(HostileGuests, RunawayLoopEndsAtTheInstructionBudget) {
  RunResult r = run("runaway_loop", {.max_instructions = 5'000'000});
  EXPECT_EQ(r.status, RunStatus::kTimeout);
  EXPECT_GE(r.stats.instructions, 5'000'000u);
  EXPECT_LT(r.stats.instructions, 5'000'100u);
}

TEST(HostileGuests, StackExhaustionFaultsBelowTheStack) {
  RunResult r = run("deep_recursion");
  EXPECT_EQ(r.status, RunStatus::kFault);
  EXPECT_NE(r.message.find("memory fault"), std::string::npos) << r.message;
}

TEST(HostileGuests, JumpToUnmappedMemoryIsAnExecuteFault) {
  RunResult r = run("jump_unmapped");
  EXPECT_EQ(r.status, RunStatus::kFault);
  EXPECT_NE(r.message.find("execute of unmapped address 0x12345678000"), std::string::npos)
      << r.message;
}

TEST(HostileGuests, JumpIntoNonExecutableDataIsAnExecuteFault) {
  RunResult r = run("jump_nonexec");
  EXPECT_EQ(r.status, RunStatus::kFault);
  EXPECT_NE(r.message.find("execute"), std::string::npos) << r.message;
}

TEST(HostileGuests, IllegalInstructionReportsPcAndBits) {
  RunResult r = run("illegal_instruction");
  EXPECT_EQ(r.status, RunStatus::kFault);
  EXPECT_NE(r.message.find("illegal instruction 0x00000000"), std::string::npos) << r.message;
}

TEST(HostileGuests, MisalignedAtomicIsATypedFault) {
  RunResult r = run("misaligned_amo");
  EXPECT_EQ(r.status, RunStatus::kFault);
  EXPECT_NE(r.message.find("misaligned atomic"), std::string::npos) << r.message;
}

TEST(HostileGuests, MemoryBombStopsAtTheMemoryLimit) {
  RunResult r = run("memory_bomb", {.memory_bytes = 64ull << 20});
  EXPECT_EQ(r.status, RunStatus::kMemoryLimit);
  EXPECT_LE(r.stats.pages_touched, (64ull << 20) / 4096);
}

TEST(HostileGuests, WriteToTextIsAProtectionFault) {
  RunResult r = run("write_readonly");
  EXPECT_EQ(r.status, RunStatus::kFault);
  EXPECT_NE(r.message.find("write of protected"), std::string::npos) << r.message;
}

TEST(HostileGuests, ReservingOneGibibyteOnlyChargesTouchedPages) {
  RunRequest req;
  req.program = std::string(FORKBOX_TEST_GUESTS) + "/reserve_1gib";
  req.argv = {req.program};
  req.limits.memory_bytes = 16ull << 20;  // far below 1 GiB
  RunResult r = riscv::run_program(req);
  ASSERT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.captured_stdout, "sum=0 touched=2\n");
}

TEST(HostileGuests, SelfModifyingCodeIsSeenAfterFenceI) {
  RunResult r = run("smc_fence_i");
  ASSERT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.captured_stdout, "7 42\n");
}

TEST(HostileGuests, ExitStatusAndCapturedStreams) {
  RunResult r = run("exit_code");
  ASSERT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.exit_status, 7);
  EXPECT_EQ(r.captured_stdout, "out 2 arg1\n");
  EXPECT_EQ(r.captured_stderr, "err\n");
}

TEST(HostileGuests, MissingProgramIsALoadError) {
  RunResult r = run("does_not_exist");
  EXPECT_EQ(r.status, RunStatus::kLoadError);
  EXPECT_FALSE(r.message.empty());
}

TEST(HostileGuests, OneFaultDoesNotAffectTheNextRun) {
  EXPECT_EQ(run("illegal_instruction").status, RunStatus::kFault);
  RunResult r = run("exit_code");
  EXPECT_EQ(r.status, RunStatus::kExited);
  EXPECT_EQ(r.exit_status, 7);
}

}  // namespace

namespace {

TEST(HostileGuests, CtzwOfAZeroLowWordIsThirtyTwo) {
  RunResult r = run("ctzw_zero_low_word");
  ASSERT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.exit_status, 32);
}

}  // namespace

namespace {

TEST(HostileGuests, StaticPieLoadsAtItsBiasAndRuns) {
  RunResult r = run("static_pie_nolibc");  // argv = {program, "arg1"}
  ASSERT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_EQ(r.captured_stdout, "static-pie ok\n");
}

}  // namespace

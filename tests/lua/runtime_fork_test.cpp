// The Lua runtime through the sandbox model API (make_runtime + exec), several executions in
// forks of ONE warmed template: what forks share and what they must not (docs/guest-abi.md,
// section 6). `forkbox exec` warms a new template per command, so only this test sees two
// forks of the same template.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "sandbox/factory.hpp"

namespace forkbox {
namespace {

// How many forks must all draw different numbers: 2^64 possible values, so any repeat means a
// shared seed, not chance.
constexpr int kRandomForks = 4;

class LuaRuntimeForks : public ::testing::Test {
 protected:
  void SetUp() override {
    RuntimeConfig config;
    config.name = "lua";
    config.engine = "riscv";
    auto made = make_runtime(config);
    // The agent is built by scripts/setup: its absence is a broken checkout, not a skip.
    ASSERT_TRUE(made.has_value()) << "cannot warm the lua runtime: " << made.error();
    runtime_ = std::move(*made);
  }

  ExecResult run(const std::string& code, const std::string& stdin_data = "") {
    ExecRequest req;
    req.code = code;
    req.file_name = "fork_test.lua";
    req.stdin_data = stdin_data;
    auto result = runtime_->exec(req);
    EXPECT_TRUE(result.has_value());
    return result.value_or(ExecResult{});
  }

  std::shared_ptr<Runtime> runtime_;
};

TEST_F(LuaRuntimeForks, ForksOfOneTemplateDrawDifferentRandomNumbers) {
  std::set<std::string> draws;
  for (int i = 0; i < kRandomForks; ++i) {
    ExecResult r = run("print(math.random(0))");
    ASSERT_EQ(r.exit_code, 0) << r.stderr_data;
    draws.insert(r.stdout_data);
  }
  EXPECT_EQ(draws.size(), static_cast<size_t>(kRandomForks));
}

TEST_F(LuaRuntimeForks, ExplicitSeedIsStillDeterministic) {
  const char* code = "math.randomseed(42) print(math.random(0))";
  EXPECT_EQ(run(code).stdout_data, run(code).stdout_data);
}

TEST_F(LuaRuntimeForks, ForksShareTheStringHashSeed) {
  // pairs() order over string keys follows the hash seed, drawn once in the template.
  const char* code =
      "local t = {} for i = 1, 64 do t['key' .. i] = i end "
      "local o = {} for k in pairs(t) do o[#o + 1] = k end print(table.concat(o, ','))";
  ExecResult a = run(code);
  ExecResult b = run(code);
  ASSERT_EQ(a.exit_code, 0) << a.stderr_data;
  EXPECT_EQ(a.stdout_data, b.stdout_data);
}

TEST_F(LuaRuntimeForks, GlobalsSetInOneForkAreAbsentInTheNext) {
  ASSERT_EQ(run("leaked = 'from the first fork' string.leaked = true").exit_code, 0);
  EXPECT_EQ(run("print(leaked, string.leaked)").stdout_data, "nil\tnil\n");
}

TEST_F(LuaRuntimeForks, StdinContinuesAfterTheFrame) {
  ExecResult r = run("io.write(io.read('l'), '|', io.read('a'))", "first\nrest\n");
  EXPECT_EQ(r.stdout_data, "first|rest\n");
}

TEST_F(LuaRuntimeForks, ErrorsExitOneWithTheStandaloneMessage) {
  ExecResult r = run("local t = nil\nprint(t.x)");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.stderr_data.rfind("lua: fork_test.lua:2: attempt to index a nil value", 0), 0u)
      << r.stderr_data;
  // The chunk runs under pcall from a C function, as in the standalone interpreter.
  EXPECT_NE(r.stderr_data.find("\nstack traceback:\n\tfork_test.lua:2: in main chunk\n\t[C]: in ?"),
            std::string::npos)
      << r.stderr_data;
}

// Translated code (the default) and the interpreter must agree exactly, down to the count of
// guest instructions, on programs that mix the parser, closures, strings, floats, errors and
// the collector: the instruction count shows that no instruction was skipped or repeated.
TEST(LuaRuntimeTranslation, TranslatedAndInterpretedForksAgreeToTheInstruction) {
  RuntimeConfig config;
  config.name = "lua";
  config.engine = "riscv";
  auto translated = make_runtime(config);
  config.translate = false;
  auto interpreted = make_runtime(config);
  ASSERT_TRUE(translated && interpreted);
  const char* programs[] = {
      "print(1+1)",
      "local t = {} for i = 1, 2000 do t[i] = tostring(i * 3.5) end print(#table.concat(t))",
      "local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end "
      "print(fib(20), math.sqrt(2), string.format('%5.2f|%x', math.pi, 48879))",
      "local s = ('abc'):rep(100):gsub('b', function(c) return c:upper() end) print(#s, s:sub(1, 9))",
      "collectgarbage() local ok, err = pcall(error, {code = 7}) print(ok, type(err), err.code) "
      "error('boom')",
      "print(io.read('a'):reverse())",
  };
  for (const char* code : programs) {
    ExecRequest req;
    req.code = code;
    req.file_name = "agree.lua";
    req.stdin_data = "olleh";
    auto a = (*translated)->exec(req);
    auto b = (*interpreted)->exec(req);
    ASSERT_TRUE(a && b) << code;
    EXPECT_EQ(a->stdout_data, b->stdout_data) << code;
    EXPECT_EQ(a->stderr_data, b->stderr_data) << code;
    EXPECT_EQ(a->exit_code, b->exit_code) << code;
    EXPECT_EQ(a->usage.instructions, b->usage.instructions) << code;
    EXPECT_EQ(a->usage.syscalls, b->usage.syscalls) << code;
  }
}

}  // namespace
}  // namespace forkbox

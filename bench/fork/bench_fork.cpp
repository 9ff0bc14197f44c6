// Fork-per-request costs on the riscv engine, with Google Benchmark. Each case states what one
// iteration does; the last two load the program from scratch per request, the cost forking
// avoids, so the ratio is visible in one run:
//   fork_call_discard     take a fork from this thread's pool (reset to the template), serve a
//                         trivial handler, give it back
//   fork_call_destroy     the same with a newly allocated fork, destroyed afterwards
//   reset                 reset() of a fork that just served the trivial handler
//   write2pages / write64k  fork + a handler that dirties 2 pages / 64 KiB + discard
//   lua_exec              `print(1+1)` through the Lua runtime (fork, run, collect output)
//   lua_exec_interpreted  the same with an untranslated template (every fork interprets)
//   fresh_load_handler    load + warm the trivial handler from its ELF per request (interpreted:
//                         translating per request would cost more than it saves)
// Run: build/bench/fork/bench_fork  (results: docs/benchmarks.md)
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "riscv/runtimes.hpp"
#include "riscv/template.hpp"

using namespace forkbox;
using namespace forkbox::riscv;

namespace {

std::string guest(const char* name) { return std::string(FORKBOX_BENCH_GUESTS) + "/" + name; }

std::shared_ptr<const Template> build(const char* name, bool translate = true) {
  TemplateSpec spec;
  spec.program = guest(name);
  spec.argv = {spec.program};
  spec.translate = translate;
  auto t = Template::build(spec);
  if (!t) std::abort();  // a benchmark with no guest has nothing to measure
  return *t;
}

void check(const Stop& s, benchmark::State& state) {
  if (s.reason != StopReason::kResponded) state.SkipWithError(describe(s).c_str());
}

void fork_call_discard(benchmark::State& state) {
  auto t = build("trivial_handler");
  Machine m(t, 64 << 20);
  HandlerRequest req;
  for (auto _ : state) {
    m.reset();
    m.set_request(&req);
    check(m.run(100'000), state);
  }
}
BENCHMARK(fork_call_discard);

void fork_call_destroy(benchmark::State& state) {
  auto t = build("trivial_handler");
  HandlerRequest req;
  for (auto _ : state) {
    Machine m(t, 64 << 20);
    m.set_request(&req);
    check(m.run(100'000), state);
  }
}
BENCHMARK(fork_call_destroy);

// Times only the reset, with the clock read around it (Google Benchmark's PauseTiming costs
// far more than a reset).
void reset(benchmark::State& state) {
  auto t = build("trivial_handler");
  Machine m(t, 64 << 20);
  HandlerRequest req;
  for (auto _ : state) {
    m.set_request(&req);
    check(m.run(100'000), state);
    auto start = std::chrono::steady_clock::now();
    m.reset();
    auto end = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
  }
}
BENCHMARK(reset)->UseManualTime();

void write_bytes(benchmark::State& state, const char* query) {
  auto t = build("write_pages_handler");
  Machine m(t, 64 << 20);
  HandlerRequest req;
  req.query = query;
  for (auto _ : state) {
    m.reset();
    m.set_request(&req);
    check(m.run(1'000'000), state);
  }
  state.counters["pages"] = static_cast<double>(m.memory().pages_owned());
}
void write2pages(benchmark::State& state) { write_bytes(state, "8192"); }
void write64k(benchmark::State& state) { write_bytes(state, "65536"); }
BENCHMARK(write2pages);
BENCHMARK(write64k);

void lua_exec_with(benchmark::State& state, bool translate) {
  RuntimeConfig cfg;
  cfg.name = "lua";
  cfg.engine = "riscv";
  cfg.translate = translate;
  auto rt = riscv::make_runtime(cfg);
  if (!rt) {
    state.SkipWithError(rt.error().c_str());
    return;
  }
  ExecRequest req;
  req.code = "print(1+1)";
  req.file_name = "bench";
  for (auto _ : state) {
    auto r = (*rt)->exec(req);
    if (!r || r->stdout_data != "2\n") state.SkipWithError("wrong output");
  }
}
void lua_exec(benchmark::State& state) { lua_exec_with(state, true); }
void lua_exec_interpreted(benchmark::State& state) { lua_exec_with(state, false); }
BENCHMARK(lua_exec)->Unit(benchmark::kMicrosecond);
BENCHMARK(lua_exec_interpreted)->Unit(benchmark::kMicrosecond);

void fresh_load_handler(benchmark::State& state) {
  HandlerRequest req;
  for (auto _ : state) {
    auto t = build("trivial_handler", false);
    Machine m(t, 64 << 20);
    m.set_request(&req);
    check(m.run(100'000), state);
  }
}
BENCHMARK(fresh_load_handler)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

// `forkbox bench fork`: the fork-per-request costs of the riscv engine, printed as one JSON
// object of medians (the Google Benchmark program bench/fork/bench_fork measures the same
// cases with more detail). Each figure is the median of 15 batches; each batch times many
// iterations and divides, so clock overhead does not count. reset_ns is the exception: it is
// timed alone around each reset (see timed_alone_ns).
#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <x86intrin.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "riscv/runtimes.hpp"
#include "riscv/template.hpp"

namespace forkbox::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Median over batches of the time per iteration of `body`, in nanoseconds.
double median_ns(size_t batch, const std::function<void()>& body, int batches = 15) {
  std::vector<double> per_iter;
  for (int b = 0; b < batches; ++b) {
    auto start = Clock::now();
    for (size_t i = 0; i < batch; ++i) body();
    per_iter.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
                       static_cast<double>(batch));
  }
  std::sort(per_iter.begin(), per_iter.end());
  return per_iter[per_iter.size() / 2];
}

// Time of `timed` alone, each call preceded by an untimed `setup`, with the clock's own cost (an
// empty interval timed the same way) subtracted; never below zero. The clock is the fenced TSC
// converted with a rate measured against steady_clock over the run. Both clocks advance in
// 10 ns steps on this VM, so a median would be a multiple of 10 ns; the mean of the fastest 90%
// of samples averages the steps out while still dropping interrupts and preemptions.
double timed_alone_ns(const std::function<void()>& setup, const std::function<void()>& timed,
                      int samples = 20001) {
  auto tsc = [] {
    _mm_lfence();
    uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
  };
  std::vector<uint64_t> body, empty;
  body.reserve(static_cast<size_t>(samples));
  empty.reserve(static_cast<size_t>(samples));
  auto wall0 = Clock::now();
  uint64_t tsc0 = tsc();
  for (int i = 0; i < samples; ++i) {
    setup();
    uint64_t t0 = tsc();
    timed();
    uint64_t t1 = tsc();
    uint64_t t2 = tsc();
    body.push_back(t1 - t0);
    empty.push_back(t2 - t1);
  }
  double ticks_per_ns = static_cast<double>(tsc() - tsc0) /
                        std::chrono::duration<double, std::nano>(Clock::now() - wall0).count();
  auto fast_mean = [](std::vector<uint64_t>& v) {
    std::sort(v.begin(), v.end());
    size_t keep = v.size() * 9 / 10;
    double sum = 0;
    for (size_t i = 0; i < keep; ++i) sum += static_cast<double>(v[i]);
    return sum / static_cast<double>(keep);
  };
  return std::max(0.0, (fast_mean(body) - fast_mean(empty)) / ticks_per_ns);
}

// `translate` off for the fresh-load contrast: a program loaded per request is interpreted
// (translating it would cost far more than it saves).
std::expected<std::shared_ptr<const riscv::Template>, std::string> build(const std::string& name,
                                                                          bool translate = true) {
  riscv::TemplateSpec spec;
  spec.program = bundled_path("bench/fork/guests/" + name);
  spec.argv = {spec.program};
  spec.translate = translate;
  return riscv::Template::build(spec);
}

int run_bench() {
  auto trivial = build("trivial_handler");
  auto writer = build("write_pages_handler");
  if (!trivial || !writer) {
    fmt::print(stderr, "forkbox: bench fork: {}\n", !trivial ? trivial.error() : writer.error());
    return kExitUsage;
  }
  nlohmann::json out;
  HandlerRequest req;
  bool ok = true;
  auto serve = [&](riscv::Machine& m, uint64_t budget) {
    m.set_request(&req);
    ok &= m.run(budget).reason == riscv::StopReason::kResponded;
  };

  riscv::Machine m(*trivial, 64 << 20);
  out["fork_call_discard_ns"] = median_ns(20000, [&] {
    m.reset();
    serve(m, 100'000);
  });
  out["fork_call_destroy_ns"] = median_ns(5000, [&] {
    riscv::Machine fresh(*trivial, 64 << 20);
    serve(fresh, 100'000);
  });
  // reset alone, timed directly after each (untimed) serve. A difference of two batch
  // medians, (serve + reset) - serve, is too noisy at this scale: it came out negative.
  out["reset_ns"] = timed_alone_ns([&] { serve(m, 100'000); }, [&] { m.reset(); });

  riscv::Machine w(*writer, 64 << 20);
  auto write_case = [&](const char* query) {
    req.query = query;
    double ns = median_ns(5000, [&] {
      w.reset();
      serve(w, 1'000'000);
    });
    req.query = {};
    return ns;
  };
  out["write2pages_ns"] = write_case("8192");
  out["write64k_ns"] = write_case("65536");

  m.reset();
  serve(m, 100'000);
  out["instance_overhead_bytes"] = m.overhead_bytes();

  RuntimeConfig cfg;
  cfg.name = "lua";
  cfg.engine = "riscv";
  auto lua = riscv::make_runtime(cfg);
  if (lua) {
    ExecRequest er;
    er.code = "print(1+1)";
    er.file_name = "bench";
    out["lua_exec_us"] = median_ns(200, [&] {
      auto r = (*lua)->exec(er);
      ok &= r && r->stdout_data == "2\n";
    }) / 1000.0;
    // The same through forks of an interpreted template: what translation gains.
    cfg.translate = false;
    if (auto interpreted = riscv::make_runtime(cfg)) {
      out["lua_exec_interpreted_us"] = median_ns(100, [&] {
        auto r = (*interpreted)->exec(er);
        ok &= r && r->stdout_data == "2\n";
      }) / 1000.0;
      out["lua_translation_speedup"] =
          out["lua_exec_interpreted_us"].get<double>() / out["lua_exec_us"].get<double>();
    }
  } else {
    out["lua_exec_us"] = nullptr;
    out["lua_error"] = lua.error();
  }
  out["fresh_load_us"] = median_ns(20, [&] {
    auto t = build("trivial_handler", false);
    ok &= t.has_value();
    if (t) {
      riscv::Machine f(*t, 64 << 20);
      serve(f, 100'000);
    }
  }, 5) / 1000.0;
  out["ok"] = ok;
  fmt::print("{}\n", out.dump());
  return ok ? 0 : 1;
}

}  // namespace

Command register_bench_fork(CLI::App& bench) {
  bench.add_subcommand("fork", "riscv fork-per-request costs (medians, one JSON object)");
  return [](const std::vector<std::string>&) { return run_bench(); };
}

}  // namespace forkbox::cli

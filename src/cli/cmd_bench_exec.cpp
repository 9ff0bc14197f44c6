// `forkbox bench exec --runtime python --style pooled|fresh [-c CODE]`: executions of CODE
// through the library's kvm runtime (the same path as `forkbox exec` and POST /v1/exec), as one
// JSON object: sequential latency (p50/p99 of the end-to-end time exec() takes), pages written
// per execution, and executions per second with --workers threads sharing one runtime.
//
// --gap-ms spaces the sequential executions (0: back to back). The fresh style prepares its
// next VMs on a background thread, so back to back measures a request that waits for its VM
// and a gap of ~10 ms one that finds a VM ready; cpu_us_per_exec (the whole process's CPU time,
// background threads included) is the full cost either way, so nothing moved off the request
// path disappears from the figures.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "sandbox/factory.hpp"

namespace forkbox::cli {

namespace {

struct Options {
  std::string runtime = "python";
  std::string style = "pooled";
  std::string code = "print(1+1)";
  size_t iterations = 200;
  size_t workers = 2;
  uint64_t gap_ms = 0;
};

uint64_t process_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

uint64_t percentile(std::vector<uint64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int run_bench(const Options& o) {
  RuntimeConfig config;
  config.name = o.runtime;
  config.engine = "kvm";
  config.style = o.style;
  config.pool_size = std::max<size_t>(o.workers, 1);
  config.queue_limit = 1024;
  auto runtime = make_runtime(config);
  if (!runtime) {
    fmt::print(stderr, "forkbox: {}\n", runtime.error());
    return kExitUsage;
  }
  ExecRequest req;
  req.code = o.code;
  req.file_name = "<string>";
  // Warm the pool (first fork of each VM) outside the measurement, as a server would.
  for (size_t i = 0; i < config.pool_size; ++i) (void)(*runtime)->exec(req);

  std::vector<uint64_t> latencies, forks, runs;
  uint64_t pages = 0, syscalls = 0, failures = 0;
  std::string first_stdout;
  const uint64_t cpu_before = process_cpu_us();
  for (size_t i = 0; i < o.iterations; ++i) {
    if (o.gap_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o.gap_ms));
    auto t0 = std::chrono::steady_clock::now();
    auto r = (*runtime)->exec(req);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - t0).count();
    latencies.push_back(static_cast<uint64_t>(us));
    if (!r || r->status != RunStatus::kExited || r->exit_code != 0) {
      ++failures;
      if (r && failures == 1) fmt::print(stderr, "forkbox: {} {}\n", r->message, r->stderr_data);
      continue;
    }
    if (first_stdout.empty()) first_stdout = r->stdout_data;
    pages += r->usage.pages_written;
    forks.push_back(r->timings.fork_us);
    runs.push_back(r->timings.run_us);
    syscalls += r->usage.syscalls;
  }

  const uint64_t cpu_sequential = process_cpu_us() - cpu_before;

  std::atomic<size_t> next{0};
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (size_t w = 0; w < o.workers; ++w) {
    threads.emplace_back([&] {
      while (next.fetch_add(1) < o.iterations) (void)(*runtime)->exec(req);
    });
  }
  for (auto& t : threads) t.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double n = static_cast<double>(std::max<size_t>(o.iterations - failures, 1));
  nlohmann::json out = {
      {"runtime", o.runtime},
      {"style", o.style},
      {"code", o.code},
      {"iterations", o.iterations},
      {"gap_ms", o.gap_ms},
      {"failures", failures},
      {"p50_us", percentile(latencies, 0.50)},
      {"p99_us", percentile(latencies, 0.99)},
      {"reset_p50_us", percentile(forks, 0.50)},
      {"run_p50_us", percentile(runs, 0.50)},
      {"dirty_kib", static_cast<double>(pages) * 4.0 / n},
      {"syscalls_per_exec", static_cast<double>(syscalls) / n},
      {"cpu_us_per_exec", static_cast<double>(cpu_sequential) / static_cast<double>(
                              std::max<size_t>(o.iterations, 1))},
      {"workers", o.workers},
      {"execs_per_s", static_cast<double>(o.iterations) / seconds},
      {"stdout", first_stdout},
  };
  fmt::print("{}\n", out.dump());
  return failures ? 1 : 0;
}

}  // namespace

Command register_bench_exec(CLI::App& app) {
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("exec", "Benchmark kvm executions through the library");
  cmd->add_option("--runtime", opts->runtime, "python (default) or lua");
  cmd->add_option("--style", opts->style, "pooled (default) or fresh");
  cmd->add_option("-c,--code", opts->code, "Code to execute (default print(1+1))");
  cmd->add_option("-n,--iterations", opts->iterations, "Executions per phase (default 200)");
  cmd->add_option("--workers", opts->workers, "Threads for the throughput phase (default 2)");
  cmd->add_option("--gap-ms", opts->gap_ms,
                  "Pause between sequential executions (default 0: back to back)");
  return [opts](const std::vector<std::string>&) { return run_bench(*opts); };
}

}  // namespace forkbox::cli

// kvm execution benchmark (issue #6), everything in one run, through the library's Runtime API
// (the same path as `forkbox exec` and POST /v1/exec):
//   1. Python `print(1+1)` and `import numpy as np; print(np.ones((100,100)).sum())`, end to end
//      (exec() from call to return, reset or teardown included), p50 and p99, for the pooled
//      style (a VM reset in place) and the fresh style (a new VM per execution);
//   2. memory per execution, four ways: pages the execution changed (dirty KiB, from the reset or
//      the fork's dirty log), the private host memory (RssAnon) the runtime holds between
//      executions (pooled: the VM's working set of private pages, kept across resets; fresh:
//      nothing), the host RSS peak above the idle baseline during the batch
//      (VmHWM after `clear_refs 5`, so it covers the VM's private pages, the VMM's buffers and,
//      for fresh, the whole new VM), and KVM's own memory: the peak of SecPageTables in
//      /proc/meminfo (KVM's shadow/secondary page tables, kernel memory that no RSS shows)
//      above its value before the runtime existed, sampled every 2 ms by a side thread. It is
//      machine-wide, so another KVM user running at the same time inflates it (printed as is);
//      the process's memory cgroup is not used because it is shared with other processes here;
//   3. executions per second with 2 workers sharing one runtime (pool of 2 VMs);
//   4. for contrast, spawning `python3 -c CODE` natively per request (posix_spawn + wait).
// Prints a table, the ratios, and one JSON object on the last line (for docs/benchmarks.md).
// Usage: kvm_exec_bench [-n ITERATIONS] [--native-iterations N] [--pooled-only 1 [-c CODE]]
// (--pooled-only: just the pooled row for print(1+1) or CODE, for profiling the hot path.)
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "kvm/run.hpp"
#include "sandbox/factory.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using forkbox::ExecRequest;
using forkbox::Runtime;
using forkbox::RuntimeConfig;

constexpr const char* kPrint = "print(1+1)";
constexpr const char* kNumpy = "import numpy as np; print(np.ones((100,100)).sum())";

uint64_t percentile(std::vector<uint64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

uint64_t micros_since(Clock::time_point t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count());
}

// A "Key:   123 kB" line of a /proc file, in KiB (0 when absent).
uint64_t proc_kib(const char* file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1));
  }
  return 0;
}

void reset_peak_rss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

// Samples SecPageTables every 2 ms while alive and keeps the peak.
class KvmMemorySampler {
 public:
  KvmMemorySampler()
      : thread_([this] {
          while (!stop_.load()) {
            peak_.store(std::max(peak_.load(), proc_kib("/proc/meminfo", "SecPageTables")));
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          }
        }) {}
  ~KvmMemorySampler() { finish(); }
  uint64_t finish() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    return peak_.load();
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> peak_{0};
  std::thread thread_;
};

struct Latency {
  std::string style, code;
  uint64_t p50 = 0, p99 = 0, reset_p50 = 0, run_p50 = 0;
  double dirty_kib = 0, syscalls = 0;
  uint64_t rss_peak_kib = 0, kvm_peak_kib = 0, failures = 0;
  int64_t vm_anon_kib = 0;  // private host memory the runtime keeps between executions
  std::string stdout_data;
};

std::shared_ptr<Runtime> make(const std::string& style, size_t pool) {
  RuntimeConfig c;
  c.name = "python";
  c.engine = "kvm";
  c.style = style;
  c.pool_size = pool;
  c.queue_limit = 1024;
  auto r = forkbox::make_runtime(c);
  if (!r) {
    fmt::print(stderr, "kvm_exec_bench: {}\n", r.error());
    return nullptr;
  }
  return *r;
}

Latency measure(const std::string& style, const std::string& code, size_t n) {
  Latency out;
  out.style = style;
  out.code = code;
  const uint64_t kvm_before = proc_kib("/proc/meminfo", "SecPageTables");
  const uint64_t anon_before = proc_kib("/proc/self/status", "RssAnon");
  auto rt = make(style, 1);
  if (!rt) {
    out.failures = n;
    return out;
  }
  ExecRequest req;
  req.code = code;
  req.file_name = "<string>";
  for (int i = 0; i < 3; ++i) (void)rt->exec(req);  // the pool's first fork, caches warm
  out.vm_anon_kib = static_cast<int64_t>(proc_kib("/proc/self/status", "RssAnon")) -
                    static_cast<int64_t>(anon_before);
  std::vector<uint64_t> total, resets, runs;
  uint64_t pages = 0, syscalls = 0;
  reset_peak_rss();
  const uint64_t rss_base = proc_kib("/proc/self/status", "VmRSS");
  KvmMemorySampler sampler;
  for (size_t i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    auto r = rt->exec(req);
    total.push_back(micros_since(t0));
    if (!r || r->status != forkbox::RunStatus::kExited || r->exit_code != 0) {
      if (out.failures++ == 0 && r)
        fmt::print(stderr, "failure: {} {}\n", r->message, r->stderr_data);
      continue;
    }
    if (out.stdout_data.empty()) out.stdout_data = r->stdout_data;
    pages += r->usage.pages_written;
    syscalls += r->usage.syscalls;
    resets.push_back(r->timings.fork_us);
    runs.push_back(r->timings.run_us);
  }
  const uint64_t kvm_peak = sampler.finish();
  out.rss_peak_kib = proc_kib("/proc/self/status", "VmHWM") - rss_base;
  out.kvm_peak_kib = kvm_peak > kvm_before ? kvm_peak - kvm_before : 0;
  const double ok = static_cast<double>(std::max<size_t>(n - out.failures, 1));
  out.p50 = percentile(total, 0.5);
  out.p99 = percentile(total, 0.99);
  out.reset_p50 = percentile(resets, 0.5);
  out.run_p50 = percentile(runs, 0.5);
  out.dirty_kib = static_cast<double>(pages) * 4.0 / ok;
  out.syscalls = static_cast<double>(syscalls) / ok;
  return out;
}

double throughput(const std::string& style, size_t workers, size_t n) {
  auto rt = make(style, workers);
  if (!rt) return 0;
  ExecRequest req;
  req.code = kPrint;
  for (size_t i = 0; i < workers * 2; ++i) (void)rt->exec(req);
  std::atomic<size_t> next{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w)
    threads.emplace_back([&] {
      while (next.fetch_add(1) < n) (void)rt->exec(req);
    });
  for (auto& t : threads) t.join();
  return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
}

// python3 -c CODE per request, output to /dev/null; p50/p99 in microseconds.
std::pair<uint64_t, uint64_t> native(const std::string& code, size_t n) {
  std::vector<uint64_t> times;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  for (size_t i = 0; i < n; ++i) {
    std::string prog = "/usr/bin/python3", dash_c = "-c", c = code;
    char* argv[] = {prog.data(), dash_c.data(), c.data(), nullptr};
    const auto t0 = Clock::now();
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0], &fa, nullptr, argv, environ) != 0) break;
    int status = 0;
    ::waitpid(pid, &status, 0);
    times.push_back(micros_since(t0));
  }
  posix_spawn_file_actions_destroy(&fa);
  return {percentile(times, 0.5), percentile(times, 0.99)};
}

double ratio(uint64_t a, uint64_t b) {
  return b ? static_cast<double>(a) / static_cast<double>(b) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 200, native_n = 40;
  bool pooled_only = false;
  std::string only_code = kPrint;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "-n") n = std::stoul(argv[i + 1]);
    if (flag == "--native-iterations") native_n = std::stoul(argv[i + 1]);
    if (flag == "--pooled-only") pooled_only = std::string(argv[i + 1]) == "1";
    if (flag == "-c") only_code = argv[i + 1];
  }
  std::string why;
  if (!forkbox::kvm::available(&why)) {
    fmt::print("kvm_exec_bench: kvm not available ({}): nothing measured\n", why);
    return 0;
  }
  if (pooled_only) {
    const Latency r = measure("pooled", only_code, n);
    fmt::print(
        "pooled {}: p50 {} us, p99 {} us, reset p50 {} us, run p50 {} us, "
        "{:.1f} KiB changed\n",
        only_code, r.p50, r.p99, r.reset_p50, r.run_p50, r.dirty_kib);
    return 0;
  }
  std::vector<Latency> rows;
  for (const char* code : {kPrint, kNumpy})
    for (const char* style : {"pooled", "fresh"}) rows.push_back(measure(style, code, n));
  const double pooled_eps = throughput("pooled", 2, n);
  const double fresh_eps = throughput("fresh", 2, n / 2);
  const auto [native_print_p50, native_print_p99] = native(kPrint, native_n);
  const auto [native_numpy_p50, native_numpy_p99] = native(kNumpy, native_n / 2);

  fmt::print("{:<8} {:<10} {:>9} {:>9} {:>10} {:>9} {:>10} {:>10} {:>10} {:>10} {:>8}\n", "style",
             "code", "p50_us", "p99_us", "reset_us", "run_us", "dirty_KiB", "held_KiB", "rss_KiB",
             "kvm_KiB", "syscalls");
  nlohmann::json json = nlohmann::json::object();
  for (const Latency& r : rows) {
    const std::string code = r.code == kPrint ? "print" : "numpy";
    fmt::print("{:<8} {:<10} {:>9} {:>9} {:>10} {:>9} {:>10.1f} {:>10} {:>10} {:>10} {:>8.1f}{}\n",
               r.style, code, r.p50, r.p99, r.reset_p50, r.run_p50, r.dirty_kib, r.vm_anon_kib,
               r.rss_peak_kib, r.kvm_peak_kib, r.syscalls,
               r.failures ? fmt::format("  ({} failed)", r.failures) : "");
    json[r.style + "_" + code] = {{"p50_us", r.p50},
                                  {"p99_us", r.p99},
                                  {"reset_p50_us", r.reset_p50},
                                  {"run_p50_us", r.run_p50},
                                  {"dirty_kib", r.dirty_kib},
                                  {"rss_peak_kib", r.rss_peak_kib},
                                  {"held_anon_kib", r.vm_anon_kib},
                                  {"kvm_pagetables_peak_kib", r.kvm_peak_kib},
                                  {"syscalls", r.syscalls},
                                  {"failures", r.failures},
                                  {"stdout", r.stdout_data}};
  }
  fmt::print("native   python3 -c print: p50 {} us, p99 {} us; numpy: p50 {} us, p99 {} us\n",
             native_print_p50, native_print_p99, native_numpy_p50, native_numpy_p99);
  fmt::print("2 workers, print(1+1): pooled {:.1f} execs/s, fresh {:.1f} execs/s\n", pooled_eps,
             fresh_eps);
  const Latency& pp = rows[0];
  const Latency& fp = rows[1];
  const Latency& pn = rows[2];
  fmt::print(
      "ratios (p50): native spawn / pooled = {:.2f}x, native spawn / fresh = {:.2f}x, "
      "fresh / pooled = {:.2f}x; numpy native / pooled = {:.2f}x\n",
      ratio(native_print_p50, pp.p50), ratio(native_print_p50, fp.p50), ratio(fp.p50, pp.p50),
      ratio(native_numpy_p50, pn.p50));
  fmt::print(
      "targets: pooled print p50 <= 300 us: {}; fresh p50 <= 2000 us: {}; "
      "dirty <= 256 KiB: {}\n",
      pp.p50 <= 300 ? "met" : "NOT met", fp.p50 <= 2000 ? "met" : "NOT met",
      pp.dirty_kib <= 256 ? "met" : "NOT met");
  json["native_print"] = {{"p50_us", native_print_p50}, {"p99_us", native_print_p99}};
  json["native_numpy"] = {{"p50_us", native_numpy_p50}, {"p99_us", native_numpy_p99}};
  json["execs_per_s_2_workers"] = {{"pooled", pooled_eps}, {"fresh", fresh_eps}};
  json["iterations"] = n;
  fmt::print("{}\n", json.dump());
  return 0;
}

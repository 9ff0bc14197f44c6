// forkbox-kvm-run: a stand-in for `forkbox run --engine kvm` with the same flags and exit-status
// contract, so the kvm engine can be tested end to end (tests/guest/compare.py drives it) before
// and independently of the CLI wiring. Supports: --engine kvm, --clear-env, --env K=V,
// --allow-read DIR, --memory-mb N, --timeout-ms N, --max-instructions N (ignored: KVM does not
// count instructions), --stats.
#include <signal.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kvm/run.hpp"

extern char** environ;

namespace {

int usage(const char* msg) {
  std::fprintf(stderr, "forkbox: %s\nusage: forkbox-kvm-run run [flags] PROGRAM [ARGS...]\n", msg);
  return 125;
}

void print_stats(const forkbox::RunResult& r) {
  nlohmann::json j;
  j["instructions"] = r.stats.instructions;
  j["seconds"] = r.stats.seconds;
  j["mips"] = 0;
  j["syscalls"] = r.stats.syscalls_by_name;
  nlohmann::json unknown = nlohmann::json::object();
  for (const auto& [nr, n] : r.stats.unknown_syscalls) unknown[std::to_string(nr)] = n;
  j["unknown_syscalls"] = unknown;
  j["pages_touched"] = r.stats.pages_touched;
  j["vm_exits"] = r.stats.exits_by_reason;
  std::fprintf(stderr, "%s\n", j.dump().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  size_t i = 0;
  if (i < args.size() && args[i] == "run") ++i;
  forkbox::RunRequest req;
  bool clear_env = false, stats = false;
  std::vector<std::string> extra_env;
  req.limits.timeout_ms = 0;
  for (; i < args.size() && args[i].starts_with("--"); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* {
      return i + 1 < args.size() ? &args[++i] : nullptr;
    };
    if (a == "--clear-env") {
      clear_env = true;
    } else if (a == "--stats") {
      stats = true;
    } else if (a == "--engine" || a == "--env" || a == "--allow-read" || a == "--memory-mb" ||
               a == "--timeout-ms" || a == "--max-instructions") {
      const std::string* v = value();
      if (!v) return usage("missing flag value");
      if (a == "--engine" && *v != "kvm") return usage("only --engine kvm is supported here");
      if (a == "--env") extra_env.push_back(*v);
      if (a == "--allow-read") req.personality.allow_read.push_back(*v);
      if (a == "--memory-mb") req.limits.memory_bytes = std::strtoull(v->c_str(), nullptr, 10) << 20;
      if (a == "--timeout-ms") req.limits.timeout_ms = std::strtoull(v->c_str(), nullptr, 10);
    } else {
      return usage(("unknown flag " + a).c_str());
    }
  }
  if (i >= args.size()) return usage("missing PROGRAM");
  req.program = args[i];
  req.argv.assign(args.begin() + static_cast<long>(i), args.end());
  if (!clear_env)
    for (char** e = environ; *e; ++e) req.envp.emplace_back(*e);
  for (auto& e : extra_env) req.envp.push_back(e);
  req.personality.stdio.stdin_host_fd = 0;
  req.personality.stdio.stdout_host_fd = 1;
  req.personality.stdio.stderr_host_fd = 2;

  forkbox::RunResult r = forkbox::kvm::run_program(req);
  std::fflush(stdout);
  if (stats) print_stats(r);
  using forkbox::RunStatus;
  switch (r.status) {
    case RunStatus::kExited: return r.exit_status;
    case RunStatus::kSignaled:
      std::signal(r.signal, SIG_DFL);
      ::raise(r.signal);
      return 128 + r.signal;
    case RunStatus::kFault: std::fprintf(stderr, "forkbox: guest fault: %s\n", r.message.c_str()); return 121;
    case RunStatus::kTimeout: std::fprintf(stderr, "forkbox: %s\n", r.message.c_str()); return 122;
    case RunStatus::kMemoryLimit: std::fprintf(stderr, "forkbox: %s\n", r.message.c_str()); return 123;
    case RunStatus::kOutputLimit: std::fprintf(stderr, "forkbox: %s\n", r.message.c_str()); return 124;
    case RunStatus::kLoadError: std::fprintf(stderr, "forkbox: load error: %s\n", r.message.c_str()); return 120;
    case RunStatus::kEngineError: std::fprintf(stderr, "forkbox: kvm engine: %s\n", r.message.c_str()); return 125;
  }
  return 125;
}

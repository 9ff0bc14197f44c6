// `forkbox run [--engine riscv|kvm] [options] PROGRAM [ARGS...]`: run one program to completion
// with stdio passed through, exit with its status (or die by its signal), and report forkbox's
// own verdicts (faults, limits) with a one-line message and a documented exit status.
#include <sys/resource.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "riscv/run.hpp"
#ifdef FORKBOX_HAVE_KVM
#include "kvm/run.hpp"
#endif

extern char** environ;

namespace forkbox::cli {
namespace {

struct RunOptions {
  std::string engine = "riscv";
  uint64_t max_instructions = 0;
  uint64_t timeout_ms = 0;
  uint64_t memory_mb = 2048;
  std::vector<std::string> allow_read;
  std::vector<std::string> env;
  bool clear_env = false;
  bool stats = false;
  bool translate = false;
};

void print_stats(const RunResult& r) {
  nlohmann::json j;
  j["instructions"] = r.stats.instructions;
  j["seconds"] = r.stats.seconds;
  j["mips"] = r.stats.seconds > 0 ? static_cast<double>(r.stats.instructions) / r.stats.seconds / 1e6 : 0.0;
  j["syscalls"] = r.stats.syscalls_by_name;
  nlohmann::json unknown = nlohmann::json::object();
  for (const auto& [nr, n] : r.stats.unknown_syscalls) unknown[std::to_string(nr)] = n;
  j["unknown_syscalls"] = unknown;
  j["pages_touched"] = r.stats.pages_touched;
  if (!r.stats.exits_by_reason.empty()) j["vm_exits"] = r.stats.exits_by_reason;
  j["status"] = describe(r.status);
  fmt::print(stderr, "{}\n", j.dump());
}

[[noreturn]] void die_by_signal(int sig) {
  // Mirror the guest's death as qemu-user does, without leaving a core file behind.
  struct rlimit no_core {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  std::signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(sig);
  std::_Exit(128 + sig);
}

int execute(const RunOptions& o, const std::vector<std::string>& rest) {
  if (rest.empty()) {
    fmt::print(stderr, "forkbox: run: missing PROGRAM\n");
    return kExitUsage;
  }
  RunRequest req;
  req.program = rest[0];
  req.argv = rest;
  if (!o.clear_env)
    for (char** e = environ; e && *e; ++e) req.envp.emplace_back(*e);
  for (const auto& kv : o.env) {
    if (kv.find('=') == std::string::npos) {
      fmt::print(stderr, "forkbox: run: --env needs K=V, got '{}'\n", kv);
      return kExitUsage;
    }
    std::string key = kv.substr(0, kv.find('=') + 1);
    std::erase_if(req.envp, [&](const std::string& s) { return s.starts_with(key); });
    req.envp.push_back(kv);
  }
  for (const auto& dir : o.allow_read) {
    char resolved[PATH_MAX];
    if (!::realpath(dir.c_str(), resolved)) {
      fmt::print(stderr, "forkbox: run: --allow-read {}: no such directory\n", dir);
      return kExitUsage;
    }
    req.personality.allow_read.emplace_back(resolved);
  }
  req.limits.max_instructions = o.max_instructions;
  req.limits.timeout_ms = o.timeout_ms;
  if (o.memory_mb == 0 || o.memory_mb > (1ull << 20)) {
    fmt::print(stderr, "forkbox: run: --memory-mb must be between 1 and 1048576\n");
    return kExitUsage;
  }
  req.limits.memory_bytes = o.memory_mb << 20;
  req.translate = o.translate;
  req.personality.stdio.stdin_host_fd = 0;
  req.personality.stdio.stdout_host_fd = 1;
  req.personality.stdio.stderr_host_fd = 2;

  RunResult r;
  if (o.engine == "riscv") {
    r = riscv::run_program(req);
  } else if (o.engine == "kvm") {
    if (o.max_instructions != 0) {
      // Guest code runs natively on the kvm engine: instructions are not counted.
      fmt::print(stderr, "forkbox: run: --max-instructions needs the riscv engine; use --timeout-ms\n");
      return kExitUsage;
    }
    if (o.translate) {
      fmt::print(stderr, "forkbox: run: --translate needs the riscv engine (kvm runs natively)\n");
      return kExitUsage;
    }
#ifdef FORKBOX_HAVE_KVM
    r = kvm::run_program(req);
#else
    fmt::print(stderr, "forkbox: run: this build has no kvm engine\n");
    return kExitUsage;
#endif
  } else {
    fmt::print(stderr, "forkbox: run: unknown engine '{}' (riscv or kvm)\n", o.engine);
    return kExitUsage;
  }
  if (o.stats) print_stats(r);
  switch (r.status) {
    case RunStatus::kExited: return r.exit_status;
    case RunStatus::kSignaled: die_by_signal(r.signal);
    case RunStatus::kFault:
      fmt::print(stderr, "forkbox: guest fault: {}\n", r.message);
      return kExitGuestFault;
    case RunStatus::kTimeout:
      fmt::print(stderr, "forkbox: {}\n", r.message.empty() ? "time limit reached" : r.message);
      return kExitTimeout;
    case RunStatus::kMemoryLimit:
      fmt::print(stderr, "forkbox: {}\n", r.message.empty() ? "memory limit reached" : r.message);
      return kExitMemoryLimit;
    case RunStatus::kOutputLimit:
      fmt::print(stderr, "forkbox: output limit reached\n");
      return kExitOutputLimit;
    case RunStatus::kLoadError:
      fmt::print(stderr, "forkbox: cannot load {}: {}\n", req.program, r.message);
      return kExitLoadError;
    case RunStatus::kEngineError:
      fmt::print(stderr, "forkbox: engine error: {}\n", r.message);
      return kExitUsage;
  }
  return kExitUsage;
}

}  // namespace

Command register_run(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run a program to completion in a sandbox");
  cmd->add_option("--engine", opts->engine, "riscv (default) or kvm");
  cmd->add_option("--max-instructions", opts->max_instructions,
                  "Instruction budget (riscv); 0 = unlimited");
  cmd->add_option("--timeout-ms", opts->timeout_ms, "Wall-clock deadline; 0 = none");
  cmd->add_option("--memory-mb", opts->memory_mb, "Memory limit in MiB of touched pages")
      ->capture_default_str();
  // One value per occurrence, so that `--allow-read DIR PROGRAM` leaves PROGRAM alone.
  cmd->add_option("--allow-read", opts->allow_read, "Host directory the guest may read (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--env", opts->env, "Set K=V in the guest environment (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--clear-env", opts->clear_env, "Start the guest with an empty environment");
  cmd->add_flag("--stats", opts->stats, "Print one JSON line of statistics on stderr");
  cmd->add_flag("--translate", opts->translate,
                "riscv: translate the program to host code first (slower start, faster run)");
  cmd->prefix_command();
  return [opts, cmd](const std::vector<std::string>& tail) {
    std::vector<std::string> command = cmd->remaining();
    if (!command.empty() && !tail.empty()) {
      fmt::print(stderr, "forkbox: run: give PROGRAM either before or after --, not both\n");
      return kExitUsage;
    }
    return execute(*opts, command.empty() ? tail : command);
  };
}

}  // namespace forkbox::cli

// `forkbox exec --runtime NAME [--engine riscv|kvm] [-c CODE | FILE] [ARGS...]`: run code in a
// fork of a warmed runtime. The code reaches the runtime separately from stdin, so this
// command's own stdin becomes the program's stdin; stdout and stderr pass through and the exit
// status is the program's (the same contract on both engines).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "sandbox/factory.hpp"

namespace forkbox::cli {
namespace {

struct ExecOptions {
  std::string runtime;
  std::string engine;  // empty: the runtime's default engine
  std::string code;
  bool has_code = false;
  uint64_t timeout_ms = 0;
  uint64_t memory_mb = 0;
  std::vector<std::string> allow_read;
  bool stats = false;
};

// Why 256 MiB: stdin is copied into the sandbox; bounded so a runaway producer cannot make
// forkbox itself exhaust memory.
constexpr size_t kMaxStdin = 256u << 20;

std::string read_all_stdin() {
  std::string data;
  if (isatty(STDIN_FILENO)) return data;  // interactive: the program gets an empty stdin
  char buf[65536];
  ssize_t n;
  while ((n = ::read(STDIN_FILENO, buf, sizeof buf)) > 0 && data.size() < kMaxStdin)
    data.append(buf, static_cast<size_t>(n));
  return data;
}

std::string default_engine(const std::string& runtime) {
  return runtime == "python" ? "kvm" : "riscv";
}

int execute(const ExecOptions& o, std::vector<std::string> rest) {
  ExecRequest req;
  if (o.has_code) {
    req.code = o.code;
    req.file_name = o.runtime == "python" ? "<string>" : "(command line)";
  } else {
    if (rest.empty()) {
      fmt::print(stderr, "forkbox: exec: give -c CODE or a FILE\n");
      return kExitUsage;
    }
    std::ifstream f(rest[0], std::ios::binary);
    if (!f) {
      fmt::print(stderr, "forkbox: exec: cannot read {}\n", rest[0]);
      return kExitUsage;
    }
    req.code.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    req.file_name = rest[0];
    rest.erase(rest.begin());
  }
  req.args = std::move(rest);
  req.timeout_ms = o.timeout_ms;
  req.memory_mb = o.memory_mb;

  RuntimeConfig cfg;
  cfg.name = o.runtime;
  cfg.engine = o.engine.empty() ? default_engine(o.runtime) : o.engine;
  cfg.allow_read = o.allow_read;
  auto runtime = make_runtime(cfg);
  if (!runtime) {
    fmt::print(stderr, "forkbox: exec: runtime '{}' on {}: {}\n", o.runtime, cfg.engine,
               runtime.error());
    return kExitUsage;
  }
  req.stdin_data = read_all_stdin();
  auto result = (*runtime)->exec(req);
  if (!result) {
    fmt::print(stderr, "forkbox: exec: runtime busy or unavailable\n");
    return kExitUsage;
  }
  std::fwrite(result->stdout_data.data(), 1, result->stdout_data.size(), stdout);
  std::fflush(stdout);
  std::fwrite(result->stderr_data.data(), 1, result->stderr_data.size(), stderr);
  if (o.stats)
    fmt::print(stderr,
               "{{\"status\":\"{}\",\"fork_us\":{},\"run_us\":{},\"total_us\":{},"
               "\"instructions\":{},\"pages_written\":{},\"syscalls\":{}}}\n",
               describe(result->status), result->timings.fork_us, result->timings.run_us,
               result->timings.total_us, result->usage.instructions, result->usage.pages_written,
               result->usage.syscalls);
  switch (result->status) {
    case RunStatus::kExited:
    case RunStatus::kSignaled: return result->exit_code;
    case RunStatus::kTimeout:
      fmt::print(stderr, "forkbox: {}\n", result->message);
      return kExitTimeout;
    case RunStatus::kMemoryLimit:
      fmt::print(stderr, "forkbox: {}\n", result->message);
      return kExitMemoryLimit;
    case RunStatus::kOutputLimit:
      fmt::print(stderr, "forkbox: output limit reached\n");
      return kExitOutputLimit;
    case RunStatus::kFault:
      fmt::print(stderr, "forkbox: guest fault: {}\n", result->message);
      return kExitGuestFault;
    default:
      fmt::print(stderr, "forkbox: exec: {}\n", result->message);
      return kExitUsage;
  }
}

}  // namespace

Command register_exec(CLI::App& app) {
  auto opts = std::make_shared<ExecOptions>();
  CLI::App* cmd = app.add_subcommand("exec", "Run code in a fork of a warmed runtime");
  cmd->add_option("--runtime", opts->runtime, "lua or python")->required();
  cmd->add_option("--engine", opts->engine, "riscv or kvm (default: lua on riscv, python on kvm)");
  cmd->add_option("-c", opts->code, "Code to run instead of a FILE")
      ->each([opts](const std::string&) { opts->has_code = true; });
  cmd->add_option("--timeout-ms", opts->timeout_ms, "Deadline (default: the runtime's, 10 s)");
  cmd->add_option("--memory-mb", opts->memory_mb, "Memory limit (default: the runtime's)");
  cmd->add_option("--allow-read", opts->allow_read, "Host directory the code may read")
      ->allow_extra_args(false);
  cmd->add_flag("--stats", opts->stats, "Print timings and usage as one JSON line on stderr");
  cmd->prefix_command();
  return [opts, cmd](const std::vector<std::string>& tail) {
    std::vector<std::string> rest = cmd->remaining();
    rest.insert(rest.end(), tail.begin(), tail.end());
    return execute(*opts, std::move(rest));
  };
}

}  // namespace forkbox::cli

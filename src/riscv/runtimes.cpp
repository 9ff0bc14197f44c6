// The riscv engine's runtimes (code execution: Lua) and handlers (/app/ programs), both built
// on a Template and a per-thread fork that is reset between calls.
//
// Each calling thread keeps one fork per runtime or handler (thread_local), so the request
// path takes no lock and allocates nothing once warm: reset() drops the pages the previous
// call wrote and copies the registers back. A Runtime object's template never changes; hot
// reload builds a new Runtime, and forks of the old template finish undisturbed.
#include "riscv/runtimes.hpp"

#include <atomic>
#include <chrono>
#include <unordered_map>

#include <fmt/format.h>

#include "riscv/template.hpp"
#include "sandbox/counters.hpp"

namespace forkbox::riscv {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t micros_between(Clock::time_point a, Clock::time_point b) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(b - a).count());
}

// The instruction budget standing for a wall-clock timeout: about one instruction per
// nanosecond, the interpreter's speed on these machines; the wall clock is also checked at
// every system call.
uint64_t budget_for(uint64_t timeout_ms) { return timeout_ms * 1'000'000ull; }

// Limits on an exec request, the agent's own (guest/lua/agent.c, docs/guest-abi.md). Why: code
// and arguments are copied into guest memory through stdin; these bound that copy well below
// the guest's memory while fitting any real script. Checked here so users get a clear message
// instead of the agent's exit status 125.
constexpr size_t kMaxCode = 16u << 20;
constexpr size_t kMaxArgs = 256;
constexpr size_t kMaxName = 4096;
constexpr size_t kMaxArg = 128u << 10;
constexpr size_t kMaxArgsTotal = 2u << 20;

// One fork per (thread, owner). Each owner (a Runtime or Handler) holds a lifetime token; a
// slot keeps only a weak reference to it, and slots of owners that are gone (replaced by a hot
// reload) are swept when a new slot is made, releasing their forks and templates.
struct ForkSlot {
  std::weak_ptr<const void> owner_alive;
  std::unique_ptr<Machine> machine;
};
thread_local std::unordered_map<const void*, ForkSlot> t_forks;

// A fork of `tmpl` for this thread, fresh or reset.
Machine& fork_for(const void* owner, const std::shared_ptr<const void>& alive,
                  const std::shared_ptr<const Template>& tmpl, uint64_t memory_bytes,
                  AtomicSandboxCounters& counters) {
  auto it = t_forks.find(owner);
  if (it == t_forks.end() || it->second.owner_alive.expired()) {
    std::erase_if(t_forks, [](const auto& kv) { return kv.second.owner_alive.expired(); });
    it = t_forks.emplace(owner, ForkSlot{alive, nullptr}).first;
  }
  ForkSlot& slot = it->second;
  if (slot.machine && slot.machine->parent() == tmpl) {
    slot.machine->reset();
    counters.add_reset();
  } else {
    slot.machine = std::make_unique<Machine>(tmpl, memory_bytes);
    counters.add_fork();
  }
  slot.machine->memory().set_memory_limit(memory_bytes);
  return *slot.machine;
}

// The exec frame the agent reads from stdin before the program's own stdin (docs/guest-abi.md).
std::string frame(const ExecRequest& req) {
  std::string header = fmt::format("FORKBOX-EXEC 1 {} {} {}", req.file_name.size(),
                                   req.code.size(), req.args.size());
  size_t total = req.file_name.size() + req.code.size() + req.stdin_data.size();
  for (const auto& a : req.args) {
    header += fmt::format(" {}", a.size());
    total += a.size();
  }
  header += '\n';
  std::string out;
  out.reserve(header.size() + total);
  out += header;
  out += req.file_name;
  out += req.code;
  for (const auto& a : req.args) out += a;
  out += req.stdin_data;
  return out;
}

class ExecRuntime final : public Runtime {
 public:
  ExecRuntime(RuntimeInfo info, std::shared_ptr<const Template> tmpl, RuntimeConfig config)
      : info_(std::move(info)), tmpl_(std::move(tmpl)), config_(std::move(config)) {}

  const RuntimeInfo& info() const override { return info_; }
  bool blocking() const override { return false; }
  SandboxCounters counters() const override { return counters_.snapshot(); }

  std::expected<ExecResult, RuntimeError> exec(const ExecRequest& req) override {
    ExecResult r;
    size_t args_total = 0;
    bool arg_too_long = false;
    for (const auto& a : req.args) {
      args_total += a.size();
      arg_too_long |= a.size() > kMaxArg;
    }
    if (req.code.size() > kMaxCode || req.args.size() > kMaxArgs || req.file_name.size() > kMaxName ||
        arg_too_long || args_total > kMaxArgsTotal) {
      r.status = RunStatus::kEngineError;
      r.message = "code (16 MiB), file name (4096 B) or arguments (256, 128 KiB each, 2 MiB in "
                  "all) exceed the runtime's limits";
      return r;
    }
    auto t0 = Clock::now();
    uint64_t mem = (req.memory_mb ? req.memory_mb : config_.memory_mb) << 20;
    Machine& m = fork_for(this, alive_, tmpl_, mem, counters_);
    m.set_stdin(frame(req));
    auto t1 = Clock::now();
    uint64_t timeout = req.timeout_ms ? req.timeout_ms : config_.timeout_ms;
    uint64_t budget = config_.max_instructions ? config_.max_instructions : budget_for(timeout);
    m.set_deadline(t1 + std::chrono::milliseconds(timeout));
    Stop stop = m.run(budget);
    auto t2 = Clock::now();

    r.status = run_status(stop.reason);
    if (stop.reason == StopReason::kExited) r.exit_code = static_cast<int>(stop.value & 0xff);
    if (stop.reason == StopReason::kSignaled) {
      r.signal = static_cast<int>(stop.value);
      r.exit_code = 128 + r.signal;
    }
    if (r.status != RunStatus::kExited && r.status != RunStatus::kSignaled) r.message = describe(stop);
    if (const os::Personality* p = m.personality_if_any()) {
      r.stdout_data = p->captured_stdout();
      r.stderr_data = p->captured_stderr();
      r.usage.syscalls = p->stats().total;
    }
    r.usage.instructions = m.cpu().instret;
    r.usage.pages_written = m.memory().pages_touched();
    r.timings.fork_us = micros_between(t0, t1);
    r.timings.run_us = micros_between(t1, t2);
    r.timings.total_us = micros_between(t0, t2);
    counters_.count_outcome(r.status, r.usage.instructions);
    return r;
  }

 private:
  RuntimeInfo info_;
  std::shared_ptr<const Template> tmpl_;
  RuntimeConfig config_;
  AtomicSandboxCounters counters_;
  std::shared_ptr<const void> alive_ = std::make_shared<int>(0);  // see ForkSlot
};

class ProgramHandler final : public Handler {
 public:
  ProgramHandler(std::string name, std::shared_ptr<const Template> tmpl, HandlerConfig config)
      : name_(std::move(name)), tmpl_(std::move(tmpl)), config_(std::move(config)) {}

  const std::string& name() const override { return name_; }
  bool blocking() const override { return false; }
  SandboxCounters counters() const override { return counters_.snapshot(); }

  std::expected<HandlerResponse, RuntimeError> handle(const HandlerRequest& req) override {
    auto t0 = Clock::now();
    Machine& m = fork_for(this, alive_, tmpl_, config_.memory_mb << 20, counters_);
    m.set_request(&req);
    m.set_deadline(t0 + std::chrono::milliseconds(config_.timeout_ms));
    Stop stop = m.run(config_.max_instructions);
    m.set_request(nullptr);
    HandlerResponse out = std::move(m.response());
    switch (stop.reason) {
      case StopReason::kResponded: out.status = RunStatus::kExited; break;
      case StopReason::kExited:
        out.status = RunStatus::kFault;
        out.message = fmt::format("handler exited with status {} without responding", stop.value);
        break;
      case StopReason::kPaused:
        out.status = RunStatus::kFault;
        out.message = "handler waited for another request without responding";
        break;
      default:
        out.status = run_status(stop.reason);
        out.message = describe(stop);
        break;
    }
    out.usage.instructions = m.cpu().instret;
    out.usage.pages_written = m.memory().pages_touched();
    out.run_us = micros_between(t0, Clock::now());
    counters_.count_outcome(out.status, out.usage.instructions);
    return out;
  }

 private:
  std::string name_;
  std::shared_ptr<const Template> tmpl_;
  HandlerConfig config_;
  AtomicSandboxCounters counters_;
  std::shared_ptr<const void> alive_ = std::make_shared<int>(0);  // see ForkSlot
};

os::PersonalityConfig captured_stdio(std::vector<std::string> allow_read, bool pause_on_stdin) {
  os::PersonalityConfig pc;
  pc.arch = os::Arch::kRiscv64;
  pc.allow_read = std::move(allow_read);
  pc.pause_on_stdin_read = pause_on_stdin;
  return pc;  // stdio fds unset: stdin from data, output captured
}

}  // namespace

size_t thread_fork_slots() { return t_forks.size(); }

std::expected<std::shared_ptr<Runtime>, std::string> make_runtime(const RuntimeConfig& config) {
  if (config.name != "lua")
    return std::unexpected("the riscv engine has no runtime named '" + config.name + "'");
  TemplateSpec spec;
  spec.program =
      config.program.empty() ? bundled_path("third_party/lua-riscv/lua-agent") : config.program;
  // argv[0] is "lua" so that error messages read as the standalone interpreter's do.
  spec.argv = {"lua"};
  for (const auto& [k, v] : config.env) spec.envp.push_back(k + "=" + v);
  spec.personality = captured_stdio(config.allow_read, true);
  spec.memory_bytes = config.memory_mb << 20;
  spec.translate = config.translate;
  auto tmpl = Template::build(spec);
  if (!tmpl) return std::unexpected(tmpl.error());
  RuntimeInfo info{config.name, "5.4", "riscv", {"lua5.4", "lua54"}};
  return std::make_shared<ExecRuntime>(std::move(info), std::move(*tmpl), config);
}

std::expected<std::shared_ptr<Handler>, std::string> make_handler(const HandlerConfig& config) {
  TemplateSpec spec;
  spec.program = config.program;
  spec.argv = {config.program};
  spec.personality = captured_stdio({}, false);
  spec.memory_bytes = config.memory_mb << 20;
  spec.translate = config.translate;
  auto tmpl = Template::build(spec);
  if (!tmpl) return std::unexpected(tmpl.error());
  if ((*tmpl)->ready_point() != ReadyPoint::kWaitRequest)
    return std::unexpected(config.program + ": paused reading stdin, not in forkbox_wait_request");
  return std::make_shared<ProgramHandler>(config.name, std::move(*tmpl), config);
}

}  // namespace forkbox::riscv

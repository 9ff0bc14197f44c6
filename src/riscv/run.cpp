// run_program: the linear flow load -> run -> classify for the riscv engine.
#include "riscv/run.hpp"

#include <chrono>

#include "riscv/load.hpp"
#include "riscv/machine.hpp"
#include "riscv/template.hpp"

namespace forkbox::riscv {
RunResult run_program(const RunRequest& req) {
  auto started = std::chrono::steady_clock::now();
  RunResult result;
  os::PersonalityConfig pc = req.personality;
  pc.arch = os::Arch::kRiscv64;
  auto root = std::make_unique<Machine>(std::move(pc), req.limits.memory_bytes);

  if (auto loaded = load_static_program(*root, req.program, req.argv, req.envp); !loaded) {
    result.status = RunStatus::kLoadError;
    result.message = loaded.error();
    return result;
  }

  // Translated: the loaded program becomes a template at its entry point, translated once,
  // and runs in a fork of it (the path every request takes), from its first instruction.
  std::shared_ptr<const Template> frozen;
  std::unique_ptr<Machine> fork;
  if (req.translate) {
    root->prepare_entry();
    frozen = Template::freeze(std::move(root), {}, true);
    fork = std::make_unique<Machine>(frozen, req.limits.memory_bytes);
  }
  Machine& m = fork ? *fork : *root;

  Stop stop = m.run(req.limits.max_instructions);
  result.status = run_status(stop.reason);
  if (stop.reason == StopReason::kExited) result.exit_status = static_cast<int>(stop.value & 0xff);
  if (stop.reason == StopReason::kSignaled) result.signal = static_cast<int>(stop.value);
  if (result.status != RunStatus::kExited && result.status != RunStatus::kSignaled)
    result.message = describe(stop);

  const auto& stats = m.personality().stats();
  result.captured_stdout = m.personality().captured_stdout();
  result.captured_stderr = m.personality().captured_stderr();
  result.stats.instructions = m.cpu().instret;
  result.stats.pages_touched = m.memory().pages_touched();
  result.stats.syscalls = stats.total;
  result.stats.syscalls_by_name = stats.by_name;
  result.stats.unknown_syscalls = stats.unknown_by_nr;
  result.stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace forkbox::riscv

// run_program: the linear flow load -> run -> classify for the riscv engine.
#include "riscv/run.hpp"

#include <chrono>

#include "elf/loader.hpp"
#include "riscv/machine.hpp"

namespace forkbox::riscv {
namespace {

// AT_HWCAP for RV64GC: one bit per single-letter extension (I, M, A, F, D, C), as Linux reports.
constexpr uint64_t kHwcapRv64gc = (1u << ('I' - 'A')) | (1u << ('M' - 'A')) | (1u << ('A' - 'A')) |
                                  (1u << ('F' - 'A')) | (1u << ('D' - 'A')) | (1u << ('C' - 'A'));

RunStatus status_of(StopReason r) {
  switch (r) {
    case StopReason::kExited: return RunStatus::kExited;
    case StopReason::kSignaled: return RunStatus::kSignaled;
    case StopReason::kInstructionLimit: return RunStatus::kTimeout;
    case StopReason::kMemoryLimit: return RunStatus::kMemoryLimit;
    case StopReason::kOutputLimit: return RunStatus::kOutputLimit;
    case StopReason::kPaused:  // a one-shot run has no ready point; stopping there is a fault
    case StopReason::kResponded:
    case StopReason::kReturned:
    case StopReason::kIllegalInstruction:
    case StopReason::kMemoryFault:
    case StopReason::kMisalignedAtomic: return RunStatus::kFault;
  }
  return RunStatus::kFault;
}

}  // namespace

RunResult run_program(const RunRequest& req) {
  auto started = std::chrono::steady_clock::now();
  RunResult result;
  os::PersonalityConfig pc = req.personality;
  pc.arch = os::Arch::kRiscv64;
  Machine m(std::move(pc), req.limits.memory_bytes);

  elf::LoadOptions lo;
  lo.arch = os::Arch::kRiscv64;
  lo.argv = req.argv;
  lo.envp = req.envp;
  lo.stack_top = Layout::kStackTop;
  lo.pie_base = Layout::kPieBase;
  lo.hwcap = kHwcapRv64gc;
  auto loaded = elf::load_program(req.program, lo, m.memory());
  if (!loaded) {
    result.status = RunStatus::kLoadError;
    result.message = std::string(elf::describe(loaded.error()));
    return result;
  }
  if (loaded->dynamic) {
    result.status = RunStatus::kLoadError;
    result.message = "dynamically linked RISC-V programs are not supported; link with -static";
    return result;
  }
  m.memory().set_brk_start(loaded->brk_start);
  m.cpu().pc = loaded->entry;
  m.cpu().x[2] = loaded->stack_pointer;

  Stop stop = m.run(req.limits.max_instructions);
  result.status = status_of(stop.reason);
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

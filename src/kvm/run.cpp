// One program run in a fresh micro-VM, as a linear list of steps: create the machine, load the
// ELF (and its interpreter), start in user mode under a deadline, then serve VM exits until the
// guest exits or something stops it. arch_prctl is served here because it changes vCPU state
// (the FS/GS base); every other system call goes to the shared Linux personality.
#include "kvm/run.hpp"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <chrono>

#include "common/unique_fd.hpp"
#include "elf/loader.hpp"
#include "kvm/deadline.hpp"
#include "kvm/guest_loop.hpp"
#include "kvm/kernel_layout.hpp"
#include "kvm/machine.hpp"
#include "linux/personality.hpp"

namespace forkbox::kvm {

namespace {

constexpr uint64_t kArchPrctl = 158;  // x86-64 system call number

RunResult fail(RunStatus status, std::string message) {
  RunResult r;
  r.status = status;
  r.message = std::move(message);
  return r;
}

}  // namespace

std::vector<std::string> default_read_view() {
  return {
      "/usr/lib",          // shared libraries, ld.so, python3.11's stdlib and dist-packages
      "/usr/lib64",        // the x86-64 ld.so path PT_INTERP names (/lib64 -> usr/lib64)
      "/usr/bin",          // interpreters locating themselves (python's sys.executable)
      "/usr/share/lua",    // lua5.4's pure-Lua modules
      "/etc/ld.so.cache",  // ld.so's library index (one file, not /etc)
  };
}

bool available(std::string* why) {
  auto kvm = Kvm::open();
  if (!kvm) {
    if (why) *why = describe(kvm.error());
    return false;
  }
  if (kvm->check_extension(KVM_CAP_USER_MEMORY) == 0) {
    if (why) *why = "KVM lacks KVM_CAP_USER_MEMORY";
    return false;
  }
  return true;
}

RunResult run_program(const RunRequest& request) {
  const auto started = std::chrono::steady_clock::now();

  // 1. A fresh machine sized by the memory limit.
  MachineConfig config;
  config.memory_bytes = request.limits.memory_bytes;
  auto created = Machine::create(config);
  if (!created) return fail(RunStatus::kEngineError, describe(created.error()));
  Machine& m = **created;

  // 2. Load the program (and its dynamic loader) at Linux's x86-64 addresses.
  elf::LoadOptions load;
  load.arch = os::Arch::kX86_64;
  load.argv = request.argv;
  load.envp = request.envp;
  load.stack_top = kStackTop;
  load.pie_base = kPieBase;
  load.interp_base = kInterpBase;
  load.hwcap = m.hwcap();
  load.platform = "x86_64";
  auto loaded = elf::load_program(request.program, load, m.memory());
  if (!loaded) {
    if (m.memory().memory_limit_hit())
      return fail(RunStatus::kMemoryLimit, "the program does not fit the memory limit");
    return fail(RunStatus::kLoadError, elf::describe(loaded.error()));
  }
  m.memory().init_brk(loaded->brk_start);

  // 3. The personality: x86-64 numbers, the request's allow-list plus the default view.
  os::PersonalityConfig pconfig = request.personality;
  pconfig.arch = os::Arch::kX86_64;
  for (std::string& dir : default_read_view()) pconfig.allow_read.push_back(std::move(dir));
  os::Personality personality(std::move(pconfig));

  // 4. Enter user mode under the deadline, then serve exits.
  if (!m.start(loaded->entry, loaded->stack_pointer))
    return fail(RunStatus::kEngineError, "cannot set the initial registers");
  Deadline deadline(m.run_page(), request.limits.timeout_ms);
  uint64_t arch_prctls = 0;
  RunResult result;
  bool done = false;
  while (!done) {
    Exit e = m.run();
    switch (e.kind) {
      case ExitKind::kSyscall: {
        const kvm_regs& r = m.regs();
        if (r.rax == kArchPrctl) {
          ++arch_prctls;
          m.finish_syscall(static_cast<uint64_t>(arch_prctl(m, r.rdi, r.rsi)));
          break;
        }
        os::SyscallRequest req;
        req.number = r.rax;
        req.args = {r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9};
        os::SyscallOutcome out = personality.handle(req, m.memory());
        if (m.memory().memory_limit_hit()) {
          result.status = RunStatus::kMemoryLimit;
          result.message = "memory limit reached";
          done = true;
          break;
        }
        switch (out.kind) {
          case os::OutcomeKind::kReturn:
            m.finish_syscall(static_cast<uint64_t>(out.value));
            break;
          case os::OutcomeKind::kExit:
            result.status = RunStatus::kExited;
            result.exit_status = static_cast<int>(out.value & 0xff);
            done = true;
            break;
          case os::OutcomeKind::kSignal:
            result.status = RunStatus::kSignaled;
            result.signal = static_cast<int>(out.value);
            done = true;
            break;
          case os::OutcomeKind::kOutputLimit:
            result.status = RunStatus::kOutputLimit;
            result.message = "output limit reached";
            done = true;
            break;
          case os::OutcomeKind::kPause:
            result.status = RunStatus::kEngineError;
            result.message = "the guest paused at a ready point, which run_program does not use";
            done = true;
            break;
        }
        break;
      }
      case ExitKind::kFault:
        result.status = RunStatus::kFault;
        result.signal = e.signal;
        result.message = e.message;
        done = true;
        break;
      case ExitKind::kMemoryLimit:
        result.status = RunStatus::kMemoryLimit;
        result.message = e.message;
        done = true;
        break;
      case ExitKind::kInterrupted:
        if (deadline.expired()) {
          result.status = RunStatus::kTimeout;
          result.message = "deadline exceeded";
          done = true;
        }
        break;  // a stray signal: resume
      case ExitKind::kError:
        result.status = RunStatus::kEngineError;
        result.message = e.message;
        done = true;
        break;
    }
  }

  // 5. Results and statistics.
  result.captured_stdout = personality.captured_stdout();
  result.captured_stderr = personality.captured_stderr();
  const os::SyscallStats& s = personality.stats();
  result.stats.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  result.stats.pages_touched = m.user_pages();
  result.stats.syscalls = s.total + arch_prctls;
  result.stats.syscalls_by_name = s.by_name;
  if (arch_prctls) result.stats.syscalls_by_name["arch_prctl"] += arch_prctls;
  result.stats.unknown_syscalls = s.unknown_by_nr;
  result.stats.exits_by_reason = m.exits_by_reason();
  if (m.tlb_flushes()) result.stats.exits_by_reason["tlb_flush"] = m.tlb_flushes();
  return result;
}

}  // namespace forkbox::kvm

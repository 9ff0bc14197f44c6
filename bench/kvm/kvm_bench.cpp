// kvm engine benchmark. Measures, in one invocation:
//   1. VM create + destroy time (Machine::create, which includes memory slot, page tables,
//      kernel stub, vCPU and CPUID/MSR setup);
//   2. one system-call round trip: a hand-assembled guest loop issuing `syscall` N times,
//      each answered by the VMM, divided by N; with the VM exits it took;
//   3. hello world end to end: the same static x86-64 binary run natively (fork+exec), under
//      kvm::run_program, and (when given) under `forkbox run --engine riscv` with a riscv build
//      of the same source; medians of several runs, and the ratios.
// Usage: kvm_bench HELLO_X86_64 [FORKBOX_BINARY HELLO_RISCV64]
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <vector>

#include "kvm/machine.hpp"
#include "kvm/run.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Runs argv with stdout to /dev/null; returns wall seconds (or -1 on failure).
double spawn_and_wait(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  auto t = Clock::now();
  pid_t pid;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  double s = seconds_since(t);
  posix_spawn_file_actions_destroy(&fa);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? s : -1;
}

void bench_create() {
  constexpr int kRuns = 20;
  std::vector<double> times;
  for (int i = 0; i < kRuns; ++i) {
    auto t = Clock::now();
    auto m = forkbox::kvm::Machine::create({});
    if (!m) {
      std::printf("VM create failed: %s\n", forkbox::kvm::describe(m.error()));
      return;
    }
    m->reset();
    times.push_back(seconds_since(t));
  }
  std::printf("vm create+destroy:        %8.0f us (median of %d)\n", median(times) * 1e6, kRuns);
}

void bench_syscall() {
  using namespace forkbox;
  constexpr uint32_t kCalls = 2000;
  auto created = kvm::Machine::create({});
  if (!created) return;
  kvm::Machine& m = **created;
  // mov ebx, kCalls; loop: mov eax, 39; syscall; dec ebx; jnz loop; mov eax, 60; syscall
  std::vector<uint8_t> code = {0xbb, kCalls & 0xff, (kCalls >> 8) & 0xff, 0, 0,
                               0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xff, 0xcb, 0x75, 0xf5,
                               0xb8, 60, 0, 0, 0, 0x0f, 0x05};
  if (!m.memory().map(0x400000, 4096, os::kProtRead | os::kProtExec, os::Placement::kFixed) ||
      !m.memory().poke(0x400000, code.data(), code.size()) ||
      !m.memory().map(0x7ff000000000, 65536, os::kProtRead | os::kProtWrite,
                      os::Placement::kFixed) ||
      !m.start(0x400000, 0x7ff000000000 + 65536 - 64))
    return;
  auto t = Clock::now();
  uint64_t calls = 0;
  while (true) {
    kvm::Exit e = m.run();
    if (e.kind != kvm::ExitKind::kSyscall) break;
    if (m.regs().rax == 60) break;
    ++calls;
    m.finish_syscall(1234);
  }
  double s = seconds_since(t);
  std::printf("syscall round trip:       %8.1f us (%lu calls, %lu VM exits, sync regs %s)\n",
              s / static_cast<double>(calls) * 1e6, static_cast<unsigned long>(calls),
              static_cast<unsigned long>(m.exits()), m.sync_regs() ? "on" : "off");
}

void bench_hello(int argc, char** argv) {
  constexpr int kRuns = 10;
  std::string hello = argv[1];
  std::vector<double> native, kvm_times, riscv;
  forkbox::RunResult last;
  for (int i = 0; i < kRuns; ++i) {
    native.push_back(spawn_and_wait({hello}));
    forkbox::RunRequest req;
    req.program = hello;
    req.argv = {hello};
    auto t = Clock::now();
    last = forkbox::kvm::run_program(req);
    kvm_times.push_back(seconds_since(t));
    if (argc > 3) riscv.push_back(spawn_and_wait({argv[2], "run", "--engine", "riscv", argv[3]}));
  }
  uint64_t exits = 0;
  for (const auto& [reason, n] : last.stats.exits_by_reason) exits += n;
  double n = median(native), k = median(kvm_times);
  std::printf("hello world native:       %8.0f us (fork+exec+wait)\n", n * 1e6);
  std::printf("hello world kvm:          %8.0f us (in-process run_program, %s, %lu VM exits: ",
              k * 1e6, last.captured_stdout == "hello, world\n" ? "output ok" : "OUTPUT WRONG",
              static_cast<unsigned long>(exits));
  for (const auto& [reason, c] : last.stats.exits_by_reason)
    std::printf("%s=%lu ", reason.c_str(), static_cast<unsigned long>(c));
  std::printf(")\n");
  std::printf("kvm / native:             %8.1fx\n", k / n);
  if (!riscv.empty() && median(riscv) > 0) {
    double r = median(riscv);
    std::printf("hello world riscv:        %8.0f us (forkbox run --engine riscv, a process)\n",
                r * 1e6);
    std::printf("riscv / kvm:              %8.1fx\n", r / k);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: kvm_bench HELLO_X86_64 [FORKBOX_BINARY HELLO_RISCV64]\n");
    return 2;
  }
  std::string why;
  if (!forkbox::kvm::available(&why)) {
    std::printf("kvm engine unavailable: %s\n", why.c_str());
    return 0;
  }
  bench_create();
  bench_syscall();
  bench_hello(argc, argv);
  return 0;
}

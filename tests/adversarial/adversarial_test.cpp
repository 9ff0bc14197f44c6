// Adversarial guests on both engines: every attempt to leave the sandbox, abuse the host or
// exhaust a resource ends in its typed result, with the same guest source compiled for riscv64
// (riscv engine) and x86-64 (kvm engine). Each test asserts the RunStatus and what the guest
// itself printed (the errno it saw), so a policy change on either engine shows up here.
// kvm cases skip with the reason when /dev/kvm is unusable; riscv cases skip when the cross
// compiler was not found at configure time.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "kvm/run.hpp"
#include "riscv/run.hpp"

namespace forkbox {
namespace {

enum class Engine { kRiscv, kKvm };

std::string engine_name(Engine e) { return e == Engine::kRiscv ? "riscv" : "kvm"; }

class Adversarial : public testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == Engine::kKvm) {
      std::string why;
      if (!kvm::available(&why)) GTEST_SKIP() << "kvm engine unavailable: " << why;
    }
  }

  // A request with bounded limits on both engines: an instruction budget (riscv), a wall-clock
  // deadline (kvm) and a memory limit.
  RunRequest request(const std::string& guest, std::vector<std::string> args = {}) {
    const char* arch = GetParam() == Engine::kRiscv ? "riscv64" : "x86_64";
    RunRequest r;
    r.program = std::string(ADV_GUEST_DIR) + "/" + arch + "/" + guest;
    r.argv.push_back(r.program);
    for (auto& a : args) r.argv.push_back(std::move(a));
    r.envp = {"LANG=C"};
    r.limits.max_instructions = 200'000'000;
    r.limits.timeout_ms = 10'000;
    r.limits.memory_bytes = 256ull << 20;
    return r;
  }

  RunResult run(const RunRequest& r) {
    if (access(r.program.c_str(), R_OK) != 0) {
      skipped_ = true;
      return {};
    }
    return GetParam() == Engine::kRiscv ? riscv::run_program(r) : kvm::run_program(r);
  }

  bool skipped_ = false;
};

#define RUN_OR_SKIP(result, req)                                               \
  RunResult result = run(req);                                                 \
  if (skipped_) GTEST_SKIP() << "guest not built (no cross compiler?): " << (req).program

TEST_P(Adversarial, FilesOutsideTheAllowListAndSymlinksOutAreRefused) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(ADV_TMP_DIR) / ("allowed-" + engine_name(GetParam()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::create_symlink("/etc/passwd", dir / "escape");
  RunRequest req = request("files_refused", {(dir / "escape").string()});
  req.personality.allow_read.push_back(dir.string());
  RUN_OR_SKIP(r, req);
  ASSERT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.exit_status, 0) << r.captured_stdout;
  for (const char* path : {"/etc/shadow", "/etc/passwd", "/proc/self/maps", "/proc/self/mem",
                           "/proc/self/environ", "/proc/1/cmdline", "/dev/mem"})
    EXPECT_NE(r.captured_stdout.find(std::string("refused ") + path), std::string::npos) << path;
  EXPECT_NE(r.captured_stdout.find("refused " + (dir / "escape").string()), std::string::npos);
  EXPECT_EQ(r.captured_stdout.find("LEAK"), std::string::npos) << r.captured_stdout;
}

TEST_P(Adversarial, ProcessEscapesAreRefusedWithEperm) {
  RUN_OR_SKIP(r, request("process_escape"));
  ASSERT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.exit_status, 0) << r.captured_stdout;
  EXPECT_EQ(r.captured_stdout.find("ALLOWED"), std::string::npos) << r.captured_stdout;
  EXPECT_EQ(r.captured_stdout.find("CHILD RUNNING"), std::string::npos) << r.captured_stdout;
  // The calls forkbox names and refuses answer EPERM (pthread_create passes clone's EPERM on
  // after clone3's ENOSYS); kill of another pid finds no such process (the guest is alone); the
  // container-escape calls are unknown to the personality (ENOSYS, counted as unknown).
  EXPECT_EQ(r.captured_stdout,
            "ptrace_traceme: refused errno=1\n"
            "ptrace_attach_init: refused errno=1\n"
            "process_vm_readv_self: refused errno=1\n"
            "process_vm_readv_init: refused errno=1\n"
            "process_vm_writev_init: refused errno=1\n"
            "execve: refused errno=1\n"
            "execveat: refused errno=1\n"
            "fork: refused errno=1\n"
            "pthread_create: refused errno=1\n"
            "kill_init: refused errno=3\n"
            "unshare: refused errno=38\n"
            "mount: refused errno=38\n"
            "chroot: refused errno=38\n"
            "setns: refused errno=38\n");
}

TEST_P(Adversarial, IoctlsOnStandardFdsSeeNoTerminal) {
  RunRequest req = request("stdio_ioctl");
  req.personality.stdio.stdin_data = "abc";
  RUN_OR_SKIP(r, req);
  ASSERT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.captured_stdout,
            "isatty 0 0 0\n"
            "tcgets_stdout rc=-1 errno=25\n"
            "tiocsti_stdin rc=-1 errno=25\n"
            "tiocgwinsz_stderr rc=-1 errno=25\n"
            "kvm_create_vm_stdout rc=-1 errno=25\n"
            "tiocsctty_stdin rc=-1 errno=25\n"
            "ebadf rc=-1 errno=9\n"
            "fionread_stdin rc=0 n=3\n");
}

TEST_P(Adversarial, SocketsOfEveryFamilyAreRefused) {
  RUN_OR_SKIP(r, request("sockets_refused"));
  ASSERT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.exit_status, 0) << r.captured_stdout;
  EXPECT_EQ(r.captured_stdout.find("LEAK"), std::string::npos) << r.captured_stdout;
}

TEST_P(Adversarial, FixedMappingsOutsideUserSpaceAndHugeMappingsAreContained) {
  RUN_OR_SKIP(r, request("mmap_hostile"));
  ASSERT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.exit_status, 0) << r.captured_stdout;
  EXPECT_EQ(r.captured_stdout.find("MAPPED"), std::string::npos) << r.captured_stdout;
}

TEST_P(Adversarial, CodeCanBeRewrittenLikeOnLinux) {
  RUN_OR_SKIP(r, request("code_patching"));
  ASSERT_EQ(r.status, RunStatus::kExited) << r.message << r.captured_stdout;
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.captured_stdout, "wx 7 42\nrwx 7 42\ntext 99\n");
}

TEST_P(Adversarial, WritingIntoReadExecuteCodeIsAFault) {
  RUN_OR_SKIP(r, request("code_patching", {"write-rx"}));
  EXPECT_EQ(r.status, RunStatus::kFault) << r.message << r.captured_stdout;
  EXPECT_EQ(r.captured_stdout, "wx 7\n");
  EXPECT_FALSE(r.message.empty());
}

TEST_P(Adversarial, WritingIntoProgramTextIsAFault) {
  RUN_OR_SKIP(r, request("write_readonly"));
  EXPECT_EQ(r.status, RunStatus::kFault) << r.message;
  if (GetParam() == Engine::kKvm) {
    EXPECT_EQ(r.signal, SIGSEGV) << r.message;
  }
}

TEST_P(Adversarial, RunawayLoopEndsInATimeout) {
  RunRequest req = request("runaway_loop");
  req.limits.max_instructions = 5'000'000;
  req.limits.timeout_ms = 300;
  RUN_OR_SKIP(r, req);
  EXPECT_EQ(r.status, RunStatus::kTimeout) << r.message;
  EXPECT_LT(r.stats.seconds, 5.0);
}

TEST_P(Adversarial, StoresIntoTheExecutingCodePageStillEndInATimeout) {
  // Every store invalidates the decoded code the loop runs from; the budget must still bound
  // the run. Finding F1 (docs/security.md): each such store costs ~1 us (~2.5 us under ASan),
  // so it is charged 256 budget units. Unfixed (one unit each), this budget of 20,000,000
  // would take well over the bound below.
  RunRequest req = request("smc_store_loop");
  req.limits.max_instructions = 20'000'000;
  req.limits.timeout_ms = 300;
  RUN_OR_SKIP(r, req);
  EXPECT_EQ(r.status, RunStatus::kTimeout) << r.message;
  EXPECT_LT(r.stats.seconds, 5.0);
}

TEST_P(Adversarial, MemoryBombStopsAtTheMemoryLimit) {
  RunRequest req = request("memory_bomb");
  req.limits.memory_bytes = 64ull << 20;
  RUN_OR_SKIP(r, req);
  EXPECT_EQ(r.status, RunStatus::kMemoryLimit) << r.message;
  EXPECT_LE(r.stats.pages_touched, (64ull << 20) / 4096);
}

TEST_P(Adversarial, OutputFloodStopsAtTheOutputLimit) {
  RunRequest req = request("output_flood");
  req.personality.stdio.output_limit = 1 << 20;
  RUN_OR_SKIP(r, req);
  EXPECT_EQ(r.status, RunStatus::kOutputLimit) << r.message;
  EXPECT_LE(r.captured_stdout.size(), (1u << 20) + 65536);
}

TEST_P(Adversarial, DeepRecursionFaultsCleanly) {
  RUN_OR_SKIP(r, request("deep_recursion"));
  EXPECT_EQ(r.status, RunStatus::kFault) << r.message;
  EXPECT_FALSE(r.message.empty());
}

INSTANTIATE_TEST_SUITE_P(BothEngines, Adversarial, testing::Values(Engine::kRiscv, Engine::kKvm),
                         [](const testing::TestParamInfo<Engine>& p) {
                           return engine_name(p.param);
                         });

// Fault test: /dev/kvm disappears (a host without KVM, or a broken device). In a child process
// with its own mount namespace an empty file is bound over /dev/kvm; there the kvm engine must
// report itself unavailable and refuse runs with a typed engine error, while the riscv engine
// keeps running programs. Exit statuses: 0 as expected, 10+n: check n failed.
TEST(KvmMissing, KvmReportsUnavailableAndRiscvKeepsServing) {
  std::string riscv_guest = std::string(ADV_GUEST_DIR) + "/riscv64/stdio_ioctl";
  std::string kvm_guest = std::string(ADV_GUEST_DIR) + "/x86_64/stdio_ioctl";
  if (access(riscv_guest.c_str(), R_OK) != 0) GTEST_SKIP() << "riscv guests not built";
  std::string empty = std::string(ADV_TMP_DIR) + "/empty-kvm-device";
  int empty_fd = open(empty.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(empty_fd, 0);
  close(empty_fd);
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    if (unshare(CLONE_NEWNS) != 0) _exit(2);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(2);
    if (mount(empty.c_str(), "/dev/kvm", nullptr, MS_BIND, nullptr) != 0) _exit(2);
    std::string why;
    if (kvm::available(&why)) _exit(11);
    if (why.empty()) _exit(12);
    RunRequest req;
    req.program = kvm_guest;
    req.argv = {kvm_guest};
    req.limits.timeout_ms = 5000;
    RunResult k = kvm::run_program(req);
    if (k.status != RunStatus::kEngineError || k.message.empty()) _exit(13);
    req.program = riscv_guest;
    req.argv = {riscv_guest};
    req.limits.max_instructions = 10'000'000;
    RunResult r = riscv::run_program(req);
    if (r.status != RunStatus::kExited || r.captured_stdout.find("isatty 0 0 0") != 0) _exit(14);
    _exit(0);
  }
  ASSERT_GT(pid, 0);
  int ws = 0;
  ASSERT_EQ(waitpid(pid, &ws, 0), pid);
  ASSERT_TRUE(WIFEXITED(ws)) << "child died by signal " << WTERMSIG(ws);
  if (WEXITSTATUS(ws) == 2) GTEST_SKIP() << "cannot create a mount namespace here (needs root)";
  EXPECT_EQ(WEXITSTATUS(ws), 0) << "check " << WEXITSTATUS(ws) - 10 << " failed";
}

}  // namespace
}  // namespace forkbox

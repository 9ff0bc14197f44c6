// Whole programs through kvm::run_program: the host's own dynamic runtimes (lua5.4, python3 with
// numpy) and hostile guests that try to read host files, open sockets, map memory they must not
// have, crash in every way, spin forever or flood their output. Each hostile test asserts both
// that the attempt failed inside the guest and that the run ended with the expected status.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "kvm/run.hpp"
#include "skip_without_kvm.hpp"

namespace forkbox::kvm {
namespace {

std::string hostile(const std::string& name) { return std::string(KVM_HOSTILE_DIR) + "/" + name; }

RunRequest request(const std::string& program, std::vector<std::string> args = {}) {
  RunRequest r;
  r.program = program;
  r.argv.push_back(program);
  for (auto& a : args) r.argv.push_back(std::move(a));
  r.envp = {"PATH=/usr/bin:/bin", "LANG=C", "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1"};
  r.limits.timeout_ms = 30000;
  r.limits.memory_bytes = 512ull << 20;
  return r;
}

TEST(KvmRun, Lua54PrintsWhatItPrintsNatively) {
  SKIP_WITHOUT_KVM();
  if (access("/usr/bin/lua5.4", X_OK) != 0) GTEST_SKIP() << "/usr/bin/lua5.4 not installed";
  RunResult r = run_program(request("/usr/bin/lua5.4", {"-e", "print(1+1)"}));
  EXPECT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.captured_stdout, "2\n");
  EXPECT_GT(r.stats.exits_by_reason["syscall"], 0u);
}

TEST(KvmRun, Python3ImportsNumpyAndComputes) {
  SKIP_WITHOUT_KVM();
  if (std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0)
    GTEST_SKIP() << "python3-numpy not installed on the host";
  RunResult r = run_program(
      request("/usr/bin/python3", {"-c", "import numpy; print(numpy.arange(10).sum())"}));
  EXPECT_EQ(r.status, RunStatus::kExited) << r.message << r.captured_stderr;
  EXPECT_EQ(r.captured_stdout, "45\n");
}

TEST(KvmRun, MissingProgramIsALoadError) {
  SKIP_WITHOUT_KVM();
  RunResult r = run_program(request("/nonexistent/program"));
  EXPECT_EQ(r.status, RunStatus::kLoadError);
}

TEST(KvmRun, HostFilesOutsideTheAllowListAreRefused) {
  SKIP_WITHOUT_KVM();
  namespace fs = std::filesystem;
  fs::path dir = fs::path(KVM_TEST_TMP) / "allowed-with-escape";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::create_symlink("/etc/passwd", dir / "escape");
  RunRequest req = request(hostile("files_refused"), {(dir / "escape").string()});
  req.personality.allow_read.push_back(dir.string());
  RunResult r = run_program(req);
  EXPECT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.exit_status, 0) << r.captured_stdout;
  EXPECT_NE(r.captured_stdout.find("refused /etc/shadow"), std::string::npos);
  EXPECT_NE(r.captured_stdout.find("refused " + (dir / "escape").string()), std::string::npos);
  EXPECT_EQ(r.captured_stdout.find("LEAK"), std::string::npos) << r.captured_stdout;
}

TEST(KvmRun, SocketsCannotBeOpened) {
  SKIP_WITHOUT_KVM();
  RunResult r = run_program(request(hostile("sockets_refused")));
  EXPECT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.exit_status, 0) << r.captured_stdout;
  EXPECT_EQ(r.captured_stdout.find("LEAK"), std::string::npos);
}

TEST(KvmRun, FixedMappingsOutsideUserSpaceAreRefused) {
  SKIP_WITHOUT_KVM();
  RunResult r = run_program(request(hostile("mmap_hostile")));
  EXPECT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.exit_status, 0) << r.captured_stdout;
}

TEST(KvmRun, TouchingAHugeMappingStopsAtTheMemoryLimit) {
  SKIP_WITHOUT_KVM();
  RunRequest req = request(hostile("mmap_hostile"), {"touch"});
  req.limits.memory_bytes = 64ull << 20;
  RunResult r = run_program(req);
  EXPECT_EQ(r.status, RunStatus::kMemoryLimit) << r.message << r.captured_stdout;
  EXPECT_LE(r.stats.pages_touched, (64ull << 20) / 4096);
}

TEST(KvmRun, RunawayLoopEndsAtTheDeadline) {
  SKIP_WITHOUT_KVM();
  RunRequest req = request(hostile("faults"), {"spin"});
  req.limits.timeout_ms = 300;
  RunResult r = run_program(req);
  EXPECT_EQ(r.status, RunStatus::kTimeout) << r.message;
  EXPECT_LT(r.stats.seconds, 5.0);
}

TEST(KvmRun, OutputFloodStopsAtTheOutputLimit) {
  SKIP_WITHOUT_KVM();
  RunRequest req = request(hostile("output_flood"));
  req.personality.stdio.output_limit = 1 << 20;
  RunResult r = run_program(req);
  EXPECT_EQ(r.status, RunStatus::kOutputLimit) << r.message;
  EXPECT_LE(r.captured_stdout.size(), (1u << 20) + 65536);
}

struct FaultCase {
  const char* what;
  int signal;  // 0: any (the hypervisor decides, e.g. #GP or #UD for int $0x80)
};

class KvmFault : public testing::TestWithParam<FaultCase> {};

TEST_P(KvmFault, IsReportedAsAGuestFault) {
  SKIP_WITHOUT_KVM();
  RunResult r = run_program(request(hostile("faults"), {GetParam().what}));
  EXPECT_EQ(r.status, RunStatus::kFault) << r.message << " status " << describe(r.status);
  if (GetParam().signal != 0) {
    EXPECT_EQ(r.signal, GetParam().signal) << r.message;
  }
  EXPECT_FALSE(r.message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, KvmFault,
    testing::Values(FaultCase{"null", SIGSEGV}, FaultCase{"kernel", SIGSEGV},
                    FaultCase{"stub-write", SIGSEGV}, FaultCase{"text-write", SIGSEGV},
                    FaultCase{"exec-stack", SIGSEGV}, FaultCase{"stack-overflow", SIGSEGV},
                    FaultCase{"ud2", SIGILL}, FaultCase{"hlt", SIGSEGV},
                    FaultCase{"port-io", SIGSEGV}, FaultCase{"int80", 0},
                    FaultCase{"kernel-stack", SIGSEGV}),
    [](const testing::TestParamInfo<FaultCase>& param_info) {
      std::string n = param_info.param.what;
      for (char& c : n)
        if (c == '-') c = '_';
      return n;
    });

}  // namespace
}  // namespace forkbox::kvm

// Behaviour of the Linux personality, one syscall family at a time, driven through
// Personality::handle with riscv64 (and where layouts differ, x86-64) numbers against a fake
// guest memory. Host files come from a private temporary directory.
#include "linux/personality.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "fake_guest_memory.hpp"
#include "linux/syscall_ids.hpp"
#include "linux/tmpfs.hpp"

namespace forkbox::os {
namespace {

using testing::FakeGuestMemory;

// riscv64 (asm-generic) numbers used below.
namespace rv {
constexpr uint64_t kGetcwd = 17, kDup = 23, kDup3 = 24, kFcntl = 25, kIoctl = 29, kChdir = 49;
constexpr uint64_t kOpenat = 56, kClose = 57, kPipe2 = 59, kGetdents64 = 61, kLseek = 62;
constexpr uint64_t kRead = 63, kWrite = 64, kReadv = 65, kWritev = 66, kPread64 = 67;
constexpr uint64_t kReadlinkat = 78, kNewfstatat = 79, kFstat = 80, kExit = 93;
constexpr uint64_t kExitGroup = 94, kClockGettime = 113, kKill = 129, kTgkill = 131;
constexpr uint64_t kRtSigaction = 134, kRtSigprocmask = 135, kUname = 160, kGetpid = 172;
constexpr uint64_t kSocket = 198, kBrk = 214, kMunmap = 215, kMmap = 222, kMprotect = 226;
constexpr uint64_t kMadvise = 233, kPrlimit64 = 261, kGetrandom = 278, kStatx = 291;
constexpr uint64_t kUmask = 166, kMkdirat = 34, kUnlinkat = 35, kFtruncate = 46, kPwrite64 = 68;
constexpr uint64_t kRenameat2 = 276;
}  // namespace rv

// open(2) flags (same values on riscv64 and x86-64).
constexpr uint64_t kORdonly = 0, kOWronly = 01, kORdwr = 02, kOCreat = 0100, kOExcl = 0200;
constexpr uint64_t kOTrunc = 01000, kOAppend = 02000, kODirectory = 0200000;

constexpr int64_t kAtFdCwd = -100;
constexpr uint64_t kScratch = FakeGuestMemory::kBase;  // guest scratch area, read-write

// A private host directory tree, removed at the end of the test. Not under /tmp: the guest's
// /tmp is always the personality's private in-memory one, which hides the host's.
class TempDir {
 public:
  TempDir() {
    std::string templ = "/var/tmp/forkbox-linux-XXXXXX";
    path_ = ::mkdtemp(templ.data());
    path_ = std::filesystem::canonical(path_).string();
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string file(const std::string& rel, const std::string& contents) const {
    const std::string full = path_ + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(full).parent_path());
    std::ofstream(full, std::ios::binary) << contents;
    return full;
  }

 private:
  std::string path_;
};

class PersonalityTest : public ::testing::Test {
 protected:
  void make(PersonalityConfig config) { p_ = std::make_unique<Personality>(std::move(config)); }
  void make() { make(PersonalityConfig{}); }

  SyscallOutcome call(uint64_t nr, std::array<uint64_t, 6> args = {}) {
    return p_->handle(SyscallRequest{nr, args}, mem_);
  }
  int64_t ret(uint64_t nr, std::array<uint64_t, 6> args = {}) {
    SyscallOutcome out = call(nr, args);
    EXPECT_EQ(out.kind, OutcomeKind::kReturn);
    return out.value;
  }
  // Places a NUL-terminated string in scratch memory at `offset` and returns its address.
  uint64_t str(const std::string& s, uint64_t offset = 0x8000) {
    mem_.put(kScratch + offset, s + '\0');
    return kScratch + offset;
  }
  int64_t open(const std::string& path, uint64_t flags = 0, uint64_t mode = 0644) {
    return ret(rv::kOpenat, {static_cast<uint64_t>(kAtFdCwd), str(path), flags, mode});
  }
  static uint64_t u(int64_t v) { return static_cast<uint64_t>(v); }

  FakeGuestMemory mem_;
  std::unique_ptr<Personality> p_;
};

// ---- syscall tables ----

TEST(SyscallTables, Riscv64UsesAsmGenericNumbers) {
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 63), SysId::k_read);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 64), SysId::k_write);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 56), SysId::k_openat);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 57), SysId::k_close);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 93), SysId::k_exit);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 94), SysId::k_exit_group);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 214), SysId::k_brk);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 222), SysId::k_mmap);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 79), SysId::k_newfstatat);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 80), SysId::k_fstat);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 278), SysId::k_getrandom);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 293), SysId::k_rseq);
  // asm-generic has no legacy open/stat; x86-64's numbers mean other things there.
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 2), std::nullopt);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, 1024), std::nullopt);
  EXPECT_EQ(sys_id_for(Arch::kRiscv64, ~0ull), std::nullopt);
}

TEST(SyscallTables, X86_64TableMatchesTheHostKernelHeaders) {
  // The test host is x86-64, so <sys/syscall.h> holds the authoritative numbers.
#define FORKBOX_CHECK_X86(name) \
  EXPECT_EQ(sys_id_for(Arch::kX86_64, __NR_##name), SysId::k_##name) << #name;
  FORKBOX_LINUX_SYSCALLS(FORKBOX_CHECK_X86)
#undef FORKBOX_CHECK_X86
  EXPECT_EQ(sys_id_for(Arch::kX86_64, 0), SysId::k_read);
  EXPECT_EQ(sys_id_for(Arch::kX86_64, 257), SysId::k_openat);
}

TEST(SyscallTables, Riscv64TableMatchesTheAsmGenericHeader) {
  // riscv64 numbers cannot come from the (x86-64) host's headers; read them from the riscv64
  // cross toolchain's asm-generic/unistd.h: `#define __NR_name N` or `__NR3264_name N` with
  // `#define __NR_name __NR3264_other` aliases for the 64-bit names.
  std::ifstream header("/usr/riscv64-linux-gnu/include/asm-generic/unistd.h");
  if (!header) GTEST_SKIP() << "riscv64 cross headers not installed";
  std::map<std::string, uint64_t> numbers;
  std::map<std::string, std::string> aliases;
  const std::regex number_re(R"(^#define __NR(3264)?_(\w+)\s+(\d+))");
  const std::regex alias_re(R"(^#define __NR_(\w+)\s+__NR3264_(\w+))");
  std::string line;
  std::smatch m;
  while (std::getline(header, line)) {
    if (std::regex_search(line, m, number_re)) {
      numbers[(m[1].matched ? "3264_" : "") + m[2].str()] = std::stoull(m[3].str());
    } else if (std::regex_search(line, m, alias_re)) {
      aliases[m[1].str()] = "3264_" + m[2].str();
    }
  }
  ASSERT_GT(numbers.size(), 200u);
  for (const SyscallNumber& row : riscv64_syscall_numbers()) {
    const std::string name(sys_name(row.id));
    auto it = numbers.find(name);
    if (it == numbers.end() && aliases.contains(name)) it = numbers.find(aliases[name]);
    ASSERT_NE(it, numbers.end()) << name;
    EXPECT_EQ(it->second, row.number) << name;
  }
}

TEST(SyscallTables, EachNumberAppearsOnceAndNamesAreLinuxNames) {
  for (auto table : {riscv64_syscall_numbers(), x86_64_syscall_numbers()}) {
    std::set<uint64_t> seen;
    for (const SyscallNumber& row : table) EXPECT_TRUE(seen.insert(row.number).second);
  }
  EXPECT_EQ(sys_name(SysId::k_newfstatat), "newfstatat");
  EXPECT_EQ(sys_name(SysId::k_exit_group), "exit_group");
}

// ---- standard streams ----

TEST_F(PersonalityTest, WriteToStdoutIsCaptured) {
  make();
  mem_.put(kScratch, "hello");
  EXPECT_EQ(ret(rv::kWrite, {1, kScratch, 5}), 5);
  EXPECT_EQ(ret(rv::kWrite, {2, kScratch, 4}), 4);
  EXPECT_EQ(p_->captured_stdout(), "hello");
  EXPECT_EQ(p_->captured_stderr(), "hell");
}

TEST_F(PersonalityTest, WriteToHostStdoutFdPassesThrough) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  PersonalityConfig config;
  config.stdio.stdout_host_fd = fds[1];
  make(config);
  mem_.put(kScratch, "piped");
  EXPECT_EQ(ret(rv::kWrite, {1, kScratch, 5}), 5);
  char buf[8] = {};
  EXPECT_EQ(::read(fds[0], buf, sizeof buf), 5);
  EXPECT_STREQ(buf, "piped");
  EXPECT_EQ(p_->captured_stdout(), "");
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(PersonalityTest, OutputLimitWritesUpToTheLimitThenStops) {
  PersonalityConfig config;
  config.stdio.output_limit = 8;
  make(config);
  mem_.put(kScratch, "0123456789");
  EXPECT_EQ(ret(rv::kWrite, {1, kScratch, 5}), 5);
  SyscallOutcome out = call(rv::kWrite, {2, kScratch, 5});
  EXPECT_EQ(out.kind, OutcomeKind::kOutputLimit);
  EXPECT_EQ(p_->captured_stdout(), "01234");
  EXPECT_EQ(p_->captured_stderr(), "012");
}

TEST_F(PersonalityTest, ReadFromStdinDataInPiecesThenEof) {
  PersonalityConfig config;
  config.stdio.stdin_data = "abcdef";
  make(config);
  EXPECT_EQ(ret(rv::kRead, {0, kScratch, 4}), 4);
  EXPECT_EQ(mem_.get(kScratch, 4), "abcd");
  EXPECT_EQ(ret(rv::kRead, {0, kScratch, 100}), 2);
  EXPECT_EQ(mem_.get(kScratch, 2), "ef");
  EXPECT_EQ(ret(rv::kRead, {0, kScratch, 100}), 0);
}

TEST_F(PersonalityTest, PauseOnStdinReadStopsWithoutConsuming) {
  PersonalityConfig config;
  config.stdio.stdin_data = "template";
  config.pause_on_stdin_read = true;
  make(config);
  EXPECT_EQ(call(rv::kRead, {0, kScratch, 100}).kind, OutcomeKind::kPause);
  p_->set_pause_on_stdin_read(false);
  p_->set_stdin_data("request");
  EXPECT_EQ(ret(rv::kRead, {0, kScratch, 100}), 7);
  EXPECT_EQ(mem_.get(kScratch, 7), "request");
}

TEST_F(PersonalityTest, WritevGathersAndReadvScatters) {
  PersonalityConfig config;
  config.stdio.stdin_data = "xyzw";
  make(config);
  mem_.put(kScratch + 0x100, "ab");
  mem_.put(kScratch + 0x200, "cde");
  const uint64_t iov[4] = {kScratch + 0x100, 2, kScratch + 0x200, 3};
  mem_.put(kScratch, std::string(reinterpret_cast<const char*>(iov), sizeof iov));
  EXPECT_EQ(ret(rv::kWritev, {1, kScratch, 2}), 5);
  EXPECT_EQ(p_->captured_stdout(), "abcde");
  const uint64_t riov[4] = {kScratch + 0x300, 1, kScratch + 0x400, 8};
  mem_.put(kScratch, std::string(reinterpret_cast<const char*>(riov), sizeof riov));
  EXPECT_EQ(ret(rv::kReadv, {0, kScratch, 2}), 4);
  EXPECT_EQ(mem_.get(kScratch + 0x300, 1), "x");
  EXPECT_EQ(mem_.get(kScratch + 0x400, 3), "yzw");
  EXPECT_EQ(ret(rv::kWritev, {1, kScratch, 1025}), -EINVAL);  // more than IOV_MAX
}

TEST_F(PersonalityTest, BadGuestPointerIsEfault) {
  make();
  const uint64_t unmapped = FakeGuestMemory::kBase + FakeGuestMemory::kSize - 0x1000;
  EXPECT_EQ(ret(rv::kWrite, {1, unmapped, 5}), -EFAULT);
  EXPECT_EQ(ret(rv::kUname, {unmapped}), -EFAULT);
  EXPECT_EQ(ret(rv::kClockGettime, {1, 0x10}), -EFAULT);
  EXPECT_EQ(ret(rv::kOpenat, {u(kAtFdCwd), unmapped, 0}), -EFAULT);
  EXPECT_EQ(p_->captured_stdout(), "");
}

TEST_F(PersonalityTest, ReadIntoReadOnlyMemoryIsEfaultAndConsumesNothing) {
  PersonalityConfig config;
  config.stdio.stdin_data = "data";
  make(config);
  const int64_t ro = ret(rv::kMmap, {0, 4096, 1 /* PROT_READ */, 0x22, u(-1), 0});
  ASSERT_GT(ro, 0);
  EXPECT_EQ(ret(rv::kRead, {0, u(ro), 4}), -EFAULT);
  EXPECT_EQ(ret(rv::kRead, {0, kScratch, 4}), 4);
  EXPECT_EQ(mem_.get(kScratch, 4), "data");
}

TEST_F(PersonalityTest, StdioIsNotATerminal) {
  make();
  EXPECT_EQ(ret(rv::kIoctl, {1, 0x5401 /* TCGETS */, kScratch}), -ENOTTY);
  EXPECT_EQ(ret(rv::kIoctl, {0, 0x5413 /* TIOCGWINSZ */, kScratch}), -ENOTTY);
  EXPECT_EQ(ret(rv::kIoctl, {9, 0x5401, kScratch}), -EBADF);
}

// ---- fds: pipes, dup, fcntl ----

TEST_F(PersonalityTest, Pipe2RoundTripAndEofAfterWriterCloses) {
  make();
  ASSERT_EQ(ret(rv::kPipe2, {kScratch, 0}), 0);
  int32_t fds[2];
  std::memcpy(fds, mem_.get(kScratch, 8).data(), 8);
  EXPECT_EQ(fds[0], 3);
  EXPECT_EQ(fds[1], 4);
  mem_.put(kScratch + 0x100, "through the pipe");
  EXPECT_EQ(ret(rv::kWrite, {u(fds[1]), kScratch + 0x100, 16}), 16);
  EXPECT_EQ(ret(rv::kRead, {u(fds[0]), kScratch + 0x200, 7}), 7);
  EXPECT_EQ(mem_.get(kScratch + 0x200, 7), "through");
  EXPECT_EQ(ret(rv::kClose, {u(fds[1])}), 0);
  EXPECT_EQ(ret(rv::kRead, {u(fds[0]), kScratch + 0x200, 100}), 9);
  EXPECT_EQ(ret(rv::kRead, {u(fds[0]), kScratch + 0x200, 100}), 0);  // EOF: no writer left
}

TEST_F(PersonalityTest, EmptyPipeWithWriterIsEagainNotDeadlock) {
  make();
  ASSERT_EQ(ret(rv::kPipe2, {kScratch, 0}), 0);
  EXPECT_EQ(ret(rv::kRead, {3, kScratch + 0x100, 10}), -EAGAIN);
}

TEST_F(PersonalityTest, WriteToPipeWithoutReaderEndsWithSigpipe) {
  make();
  ASSERT_EQ(ret(rv::kPipe2, {kScratch, 0}), 0);
  ASSERT_EQ(ret(rv::kClose, {3}), 0);
  SyscallOutcome out = call(rv::kWrite, {4, kScratch, 1});
  EXPECT_EQ(out.kind, OutcomeKind::kSignal);
  EXPECT_EQ(out.value, 13);
}

TEST_F(PersonalityTest, DupOfStdoutWritesToStdout) {
  make();
  ASSERT_EQ(ret(rv::kClose, {1}), 0);
  mem_.put(kScratch, "x");
  EXPECT_EQ(ret(rv::kWrite, {1, kScratch, 1}), -EBADF);
  EXPECT_EQ(ret(rv::kDup, {2}), 1);  // lowest free fd
  EXPECT_EQ(ret(rv::kDup3, {1, 7, 02000000 /* O_CLOEXEC */}), 7);
  EXPECT_EQ(ret(rv::kFcntl, {7, 1 /* F_GETFD */}), 1);
  mem_.put(kScratch, "dup");
  EXPECT_EQ(ret(rv::kWrite, {7, kScratch, 3}), 3);
  EXPECT_EQ(p_->captured_stderr(), "dup");
  EXPECT_EQ(ret(rv::kDup3, {7, 7, 0}), -EINVAL);
  EXPECT_EQ(ret(rv::kDup, {200}), -EBADF);
}

TEST_F(PersonalityTest, FdLimitIsEmfile) {
  make();
  int64_t last = 0;
  for (int i = 3; i < 256; ++i) last = ret(rv::kDup, {1});
  EXPECT_EQ(last, 255);
  EXPECT_EQ(ret(rv::kDup, {1}), -EMFILE);
}

// ---- files and the path policy ----

TEST_F(PersonalityTest, OpenWithoutAllowListIsEnoent) {
  make();
  EXPECT_EQ(open("/etc/passwd"), -ENOENT);
  EXPECT_EQ(open("/"), -ENOENT);
}

TEST_F(PersonalityTest, EtcShadowIsRefusedWhenOnlyUsrIsAllowed) {
  PersonalityConfig config;
  config.allow_read = {"/usr"};
  make(config);
  EXPECT_EQ(open("/etc/shadow"), -ENOENT);
  EXPECT_EQ(open("/usr/../etc/shadow"), -ENOENT);
  EXPECT_EQ(ret(rv::kNewfstatat, {u(kAtFdCwd), str("/etc/shadow"), kScratch, 0}), -ENOENT);
}

TEST_F(PersonalityTest, ReadsAnAllowedFile) {
  TempDir dir;
  dir.file("data/hello.txt", "hello, file");
  PersonalityConfig config;
  config.allow_read = {dir.path() + "/data"};
  make(config);
  const int64_t fd = open(dir.path() + "/data/hello.txt");
  ASSERT_EQ(fd, 3);
  EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch, 5}), 5);
  EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch + 5, 100}), 6);
  EXPECT_EQ(mem_.get(kScratch, 11), "hello, file");
  EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch, 100}), 0);
  EXPECT_EQ(ret(rv::kPread64, {u(fd), kScratch, 4, 7}), 4);
  EXPECT_EQ(mem_.get(kScratch, 4), "file");
  EXPECT_EQ(ret(rv::kLseek, {u(fd), 1, 0 /* SEEK_SET */}), 1);
  EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch, 4}), 4);
  EXPECT_EQ(mem_.get(kScratch, 4), "ello");
  EXPECT_EQ(ret(rv::kWrite, {u(fd), kScratch, 1}), -EBADF);
  EXPECT_EQ(ret(rv::kClose, {u(fd)}), 0);
  EXPECT_EQ(ret(rv::kClose, {u(fd)}), -EBADF);
}

TEST_F(PersonalityTest, OpenWithWriteIntentIsRefused) {
  TempDir dir;
  dir.file("f", "x");
  PersonalityConfig config;
  config.allow_read = {dir.path()};
  make(config);
  EXPECT_EQ(open(dir.path() + "/f", 01 /* O_WRONLY */), -EROFS);
  EXPECT_EQ(open(dir.path() + "/f", 02 /* O_RDWR */), -EROFS);
  EXPECT_EQ(open(dir.path() + "/new", 0100 /* O_CREAT */), -EROFS);
  EXPECT_EQ(open(dir.path() + "/f", 01000 /* O_TRUNC */), -EROFS);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/new"));
}

TEST_F(PersonalityTest, DotDotCannotLeaveTheAllowedDirectory) {
  TempDir dir;
  dir.file("secret.txt", "secret");
  dir.file("allowed/ok.txt", "ok");
  PersonalityConfig config;
  config.allow_read = {dir.path() + "/allowed"};
  make(config);
  EXPECT_EQ(open(dir.path() + "/allowed/../secret.txt"), -ENOENT);
  ASSERT_EQ(ret(rv::kChdir, {str(dir.path() + "/allowed")}), 0);
  EXPECT_EQ(open("../secret.txt"), -ENOENT);
  EXPECT_EQ(open("../../../../../../../../" + dir.path() + "/secret.txt"), -ENOENT);
  EXPECT_EQ(open("ok.txt"), 3);
  // ".." above "/" stays at "/", so this still names the allowed file.
  EXPECT_EQ(open("/../../.." + dir.path() + "/allowed/ok.txt"), 4);
}

TEST_F(PersonalityTest, SymlinkPointingOutOfTheAllowedDirectoryIsRefused) {
  TempDir dir;
  dir.file("secret.txt", "secret");
  dir.file("allowed/real.txt", "real");
  std::filesystem::create_symlink(dir.path() + "/secret.txt", dir.path() + "/allowed/out");
  std::filesystem::create_symlink("../secret.txt", dir.path() + "/allowed/out_rel");
  std::filesystem::create_symlink("real.txt", dir.path() + "/allowed/in");
  std::filesystem::create_symlink("loop", dir.path() + "/allowed/loop");
  PersonalityConfig config;
  config.allow_read = {dir.path() + "/allowed"};
  make(config);
  EXPECT_EQ(open(dir.path() + "/allowed/out"), -ENOENT);
  EXPECT_EQ(open(dir.path() + "/allowed/out_rel"), -ENOENT);
  EXPECT_EQ(open(dir.path() + "/allowed/loop"), -ELOOP);
  const int64_t fd = open(dir.path() + "/allowed/in");
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch, 10}), 4);
  EXPECT_EQ(mem_.get(kScratch, 4), "real");
  // O_NOFOLLOW on a final symlink is ELOOP, as on Linux.
  EXPECT_EQ(open(dir.path() + "/allowed/in", 0400000 /* O_NOFOLLOW */), -ELOOP);
  EXPECT_EQ(ret(rv::kReadlinkat, {u(kAtFdCwd), str(dir.path() + "/allowed/in"), kScratch, 64}), 8);
  EXPECT_EQ(mem_.get(kScratch, 8), "real.txt");
}

TEST_F(PersonalityTest, MergedUsrLibSymlinkResolvesWhenUsrIsAllowed) {
  const std::string libc = "/lib/x86_64-linux-gnu/libc.so.6";
  if (!std::filesystem::is_symlink("/lib") || !std::filesystem::exists(libc))
    GTEST_SKIP() << "host has no merged /usr";
  PersonalityConfig config;
  config.allow_read = {"/usr"};
  make(config);
  const int64_t fd = open(libc);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch, 4}), 4);
  EXPECT_EQ(mem_.get(kScratch, 4),
            "\x7f"
            "ELF");
}

TEST_F(PersonalityTest, FstatRiscv64LayoutHasSizeAt48AndModeAt16) {
  TempDir dir;
  dir.file("f", std::string(1234, 'x'));
  PersonalityConfig config;
  config.allow_read = {dir.path()};
  make(config);
  const int64_t fd = open(dir.path() + "/f");
  ASSERT_GE(fd, 0);
  mem_.put(kScratch, std::string(144, '\xff'));
  ASSERT_EQ(ret(rv::kFstat, {u(fd), kScratch}), 0);
  int64_t size = 0;
  uint32_t mode = 0;
  std::memcpy(&size, mem_.get(kScratch + 48, 8).data(), 8);
  std::memcpy(&mode, mem_.get(kScratch + 16, 4).data(), 4);
  EXPECT_EQ(size, 1234);
  EXPECT_TRUE(S_ISREG(mode));
  EXPECT_EQ(mem_.get(kScratch + 128, 1), "\xff");  // 128 bytes written, not more
  // newfstatat and statx report the same file.
  ASSERT_EQ(ret(rv::kNewfstatat, {u(kAtFdCwd), str(dir.path() + "/f"), kScratch + 0x400, 0}), 0);
  EXPECT_EQ(mem_.get(kScratch + 0x400, 128), mem_.get(kScratch, 128));
  ASSERT_EQ(ret(rv::kStatx, {u(kAtFdCwd), str(dir.path() + "/f"), 0, 0x7ff, kScratch + 0x800}), 0);
  uint64_t statx_size = 0;
  std::memcpy(&statx_size, mem_.get(kScratch + 0x800 + 40, 8).data(), 8);
  EXPECT_EQ(statx_size, 1234u);
}

TEST_F(PersonalityTest, FstatX86_64LayoutHasModeAt24) {
  TempDir dir;
  dir.file("f", std::string(77, 'x'));
  PersonalityConfig config;
  config.arch = Arch::kX86_64;
  config.allow_read = {dir.path()};
  make(config);
  const int64_t fd = ret(257 /* x86-64 openat */, {u(kAtFdCwd), str(dir.path() + "/f"), 0});
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ret(5 /* x86-64 fstat */, {u(fd), kScratch}), 0);
  int64_t size = 0;
  uint32_t mode = 0;
  std::memcpy(&size, mem_.get(kScratch + 48, 8).data(), 8);
  std::memcpy(&mode, mem_.get(kScratch + 24, 4).data(), 4);
  EXPECT_EQ(size, 77);
  EXPECT_TRUE(S_ISREG(mode));
}

TEST_F(PersonalityTest, FstatOfStdioWorksWithoutHostFiles) {
  make();
  ASSERT_EQ(ret(rv::kFstat, {1, kScratch}), 0);
  uint32_t mode = 0;
  std::memcpy(&mode, mem_.get(kScratch + 16, 4).data(), 4);
  EXPECT_TRUE(S_ISFIFO(mode));
  EXPECT_EQ(ret(rv::kFstat, {42, kScratch}), -EBADF);
}

TEST_F(PersonalityTest, Getdents64ListsAnAllowedDirectory) {
  TempDir dir;
  dir.file("d/alpha", "");
  dir.file("d/beta", "");
  PersonalityConfig config;
  config.allow_read = {dir.path()};
  make(config);
  const int64_t fd = open(dir.path() + "/d", 0200000 /* O_DIRECTORY */);
  ASSERT_GE(fd, 0);
  std::set<std::string> names;
  while (true) {
    const int64_t n = ret(rv::kGetdents64, {u(fd), kScratch, 64});  // small: several calls
    ASSERT_GE(n, 0);
    if (n == 0) break;
    const std::string buf = mem_.get(kScratch, static_cast<size_t>(n));
    for (size_t at = 0; at < buf.size();) {
      uint16_t reclen = 0;
      std::memcpy(&reclen, buf.data() + at + 16, 2);
      names.insert(std::string(buf.c_str() + at + 19));
      at += reclen;
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "alpha", "beta"}));
  EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch, 10}), -EISDIR);
}

TEST_F(PersonalityTest, ChdirAndGetcwdFollowTheResolvedPath) {
  TempDir dir;
  dir.file("real/f", "");
  std::filesystem::create_symlink("real", dir.path() + "/link");
  PersonalityConfig config;
  config.allow_read = {dir.path()};
  make(config);
  ASSERT_EQ(ret(rv::kChdir, {str(dir.path() + "/link")}), 0);
  const int64_t n = ret(rv::kGetcwd, {kScratch, 4096});
  const std::string expected = dir.path() + "/real";
  EXPECT_EQ(n, static_cast<int64_t>(expected.size() + 1));
  EXPECT_EQ(mem_.get(kScratch, expected.size()), expected);
  EXPECT_EQ(ret(rv::kGetcwd, {kScratch, 3}), -ERANGE);
  EXPECT_EQ(ret(rv::kChdir, {str("/etc")}), -ENOENT);
}

// ---- memory ----

TEST_F(PersonalityTest, BrkAndMmapDelegateToGuestMemory) {
  make();
  const int64_t start = ret(rv::kBrk, {0});
  EXPECT_EQ(start, static_cast<int64_t>(FakeGuestMemory::kBrkStart));
  EXPECT_EQ(ret(rv::kBrk, {u(start) + 10000}), start + 10000);
  const int64_t a = ret(rv::kMmap, {0, 10000, 3, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, u(-1), 0});
  ASSERT_GT(a, 0);
  EXPECT_EQ(a % 4096, 0);
  const Region* r = mem_.vm().find(static_cast<uint64_t>(a));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->end - r->start, 12288u);  // rounded up to pages
  EXPECT_EQ(ret(rv::kMprotect, {u(a), 4096, 1}), 0);
  EXPECT_EQ(mem_.vm().find(static_cast<uint64_t>(a))->prot, kProtRead);
  EXPECT_EQ(ret(rv::kMadvise, {u(a) + 4096, 4096, 4 /* MADV_DONTNEED */}), 0);
  EXPECT_EQ(ret(rv::kMunmap, {u(a), 12288}), 0);
  EXPECT_EQ(mem_.vm().find(static_cast<uint64_t>(a)), nullptr);
  EXPECT_EQ(ret(rv::kMmap, {0, 0, 3, 0x22, u(-1), 0}), -EINVAL);
  EXPECT_EQ(ret(rv::kMmap, {0, 4096, 3, 0x22, u(-1), 100}), -EINVAL);  // unaligned offset
  EXPECT_EQ(ret(rv::kMunmap, {u(a) + 1, 4096}), -EINVAL);
}

TEST_F(PersonalityTest, FileBackedMmapCopiesTheFileIntoReadOnlyMemory) {
  TempDir dir;
  std::string contents(5000, 'a');
  contents[4096] = 'Z';
  dir.file("lib.so", contents);
  PersonalityConfig config;
  config.allow_read = {dir.path()};
  make(config);
  const int64_t fd = open(dir.path() + "/lib.so");
  ASSERT_GE(fd, 0);
  const int64_t a = ret(rv::kMmap, {0, 8192, 5 /* READ|EXEC */, 2 /* MAP_PRIVATE */, u(fd), 4096});
  ASSERT_GT(a, 0);
  EXPECT_EQ(mem_.get(u(a), 1), "Z");
  EXPECT_EQ(mem_.get(u(a) + 904, 1), std::string(1, '\0'));  // past EOF: zero
  EXPECT_EQ(mem_.vm().find(u(a))->prot, kProtRead | kProtExec);
  // A shared writable mapping would write to the read-only file.
  EXPECT_EQ(ret(rv::kMmap, {0, 4096, 3, 1 /* MAP_SHARED */, u(fd), 0}), -EACCES);
  EXPECT_EQ(ret(rv::kMmap, {0, 4096, 1, 2, 99, 0}), -EBADF);
}

// ---- process ----

TEST_F(PersonalityTest, GetrandomDiffersBetweenCalls) {
  make();
  EXPECT_EQ(ret(rv::kGetrandom, {kScratch, 32, 0}), 32);
  EXPECT_EQ(ret(rv::kGetrandom, {kScratch + 32, 32, 0}), 32);
  EXPECT_NE(mem_.get(kScratch, 32), mem_.get(kScratch + 32, 32));
  EXPECT_NE(mem_.get(kScratch, 32), std::string(32, '\0'));
  EXPECT_EQ(ret(rv::kGetrandom, {kScratch, 32, 0x100}), -EINVAL);
}

TEST_F(PersonalityTest, ExitGroupEndsWithItsStatus) {
  make();
  SyscallOutcome out = call(rv::kExitGroup, {3});
  EXPECT_EQ(out.kind, OutcomeKind::kExit);
  EXPECT_EQ(out.value, 3);
  EXPECT_EQ(call(rv::kExit, {0x1ff}).value, 0xff);
}

TEST_F(PersonalityTest, UnameReportsTheGuestArchitecture) {
  make();
  ASSERT_EQ(ret(rv::kUname, {kScratch}), 0);
  EXPECT_STREQ(mem_.get(kScratch, 65).c_str(), "Linux");
  EXPECT_STREQ(mem_.get(kScratch + 4 * 65, 65).c_str(), "riscv64");
}

TEST_F(PersonalityTest, PrlimitReportsStackAndRefusesRaising) {
  make();
  ASSERT_EQ(ret(rv::kPrlimit64, {0, 3 /* RLIMIT_STACK */, 0, kScratch}), 0);
  uint64_t lim[2];
  std::memcpy(lim, mem_.get(kScratch, 16).data(), 16);
  EXPECT_EQ(lim[0], 8u << 20);
  const uint64_t nofile_up[2] = {100000, 100000};
  mem_.put(kScratch, std::string(reinterpret_cast<const char*>(nofile_up), 16));
  EXPECT_EQ(ret(rv::kPrlimit64, {0, 7 /* RLIMIT_NOFILE */, kScratch, 0}), -EPERM);
  const uint64_t nofile_down[2] = {64, 64};
  mem_.put(kScratch, std::string(reinterpret_cast<const char*>(nofile_down), 16));
  EXPECT_EQ(ret(rv::kPrlimit64, {0, 7, kScratch, kScratch + 16}), 0);
  std::memcpy(lim, mem_.get(kScratch + 16, 16).data(), 16);
  EXPECT_EQ(lim[0], 256u);  // the old value
}

// ---- signals ----

TEST_F(PersonalityTest, TgkillToSelfWithSigIgnIsDropped) {
  make();
  const int64_t pid = ret(rv::kGetpid);
  const uint64_t act[3] = {1 /* SIG_IGN */, 0, 0};  // riscv64 kernel sigaction: 24 bytes
  mem_.put(kScratch, std::string(reinterpret_cast<const char*>(act), sizeof act));
  ASSERT_EQ(ret(rv::kRtSigaction, {15 /* SIGTERM */, kScratch, 0, 8}), 0);
  EXPECT_EQ(ret(rv::kTgkill, {u(pid), u(pid), 15}), 0);
  // The old action reads back as recorded.
  ASSERT_EQ(ret(rv::kRtSigaction, {15, 0, kScratch + 0x100, 8}), 0);
  EXPECT_EQ(mem_.get(kScratch + 0x100, 24), mem_.get(kScratch, 24));
}

TEST_F(PersonalityTest, TgkillToSelfWithDefaultActionEndsWithTheSignal) {
  make();
  const int64_t pid = ret(rv::kGetpid);
  EXPECT_EQ(ret(rv::kTgkill, {u(pid), u(pid), 17 /* SIGCHLD: default ignore */}), 0);
  SyscallOutcome out = call(rv::kTgkill, {u(pid), u(pid), 6 /* SIGABRT */});
  EXPECT_EQ(out.kind, OutcomeKind::kSignal);
  EXPECT_EQ(out.value, 6);
  EXPECT_EQ(ret(rv::kTgkill, {u(pid), 12345, 6}), -ESRCH);
  EXPECT_EQ(ret(rv::kKill, {12345, 9}), -ESRCH);
}

TEST_F(PersonalityTest, BlockedSignalIsDeliveredWhenUnblockedLikeGlibcAbort) {
  make();
  const int64_t pid = ret(rv::kGetpid);
  const uint64_t all = ~0ull;
  mem_.put(kScratch, std::string(reinterpret_cast<const char*>(&all), 8));
  ASSERT_EQ(ret(rv::kRtSigprocmask, {0 /* SIG_BLOCK */, kScratch, kScratch + 8, 8}), 0);
  EXPECT_EQ(ret(rv::kTgkill, {u(pid), u(pid), 6}), 0);  // pending, not delivered
  SyscallOutcome out = call(rv::kRtSigprocmask, {2 /* SIG_SETMASK */, kScratch + 8, 0, 8});
  EXPECT_EQ(out.kind, OutcomeKind::kSignal);
  EXPECT_EQ(out.value, 6);
}

// ---- accounting and copies ----

TEST_F(PersonalityTest, UnknownSyscallIsEnosysAndCountedByNumber) {
  make();
  EXPECT_EQ(ret(999), -ENOSYS);
  EXPECT_EQ(ret(999), -ENOSYS);
  EXPECT_EQ(ret(rv::kGetpid), 2);
  EXPECT_EQ(ret(rv::kSocket, {2, 1, 0}), -EPERM);
  EXPECT_EQ(p_->stats().unknown_by_nr.at(999), 2u);
  EXPECT_EQ(p_->stats().by_name.at("getpid"), 1u);
  EXPECT_EQ(p_->stats().by_name.at("socket"), 1u);
  EXPECT_EQ(p_->stats().total, 4u);
}

TEST_F(PersonalityTest, CopiedPersonalityOwnsIndependentFdsAndOffsets) {
  TempDir dir;
  dir.file("f", "0123456789");
  PersonalityConfig config;
  config.allow_read = {dir.path()};
  make(config);
  const int64_t fd = open(dir.path() + "/f");
  ASSERT_EQ(ret(rv::kRead, {u(fd), kScratch, 2}), 2);
  Personality fork(*p_);
  FakeGuestMemory fork_mem;
  auto fork_ret = [&](uint64_t nr, std::array<uint64_t, 6> args) {
    return fork.handle(SyscallRequest{nr, args}, fork_mem).value;
  };
  EXPECT_EQ(fork_ret(rv::kRead, {u(fd), kScratch, 3}), 3);
  EXPECT_EQ(fork_mem.get(kScratch, 3), "234");
  EXPECT_EQ(fork_ret(rv::kClose, {u(fd), 0}), 0);
  // The original neither moved nor lost its fd.
  EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch, 3}), 3);
  EXPECT_EQ(mem_.get(kScratch, 3), "234");
  mem_.put(kScratch, "orig");
  EXPECT_EQ(ret(rv::kWrite, {1, kScratch, 4}), 4);
  EXPECT_EQ(fork.captured_stdout(), "");
  EXPECT_EQ(p_->captured_stdout(), "orig");
}

// ---- the private /tmp ----

// Writes `text` at the fd's offset and returns what write returned.
#define WRITE_TEXT(fd, text) \
  (mem_.put(kScratch, text), ret(rv::kWrite, {u(fd), kScratch, std::string(text).size()}))

TEST_F(PersonalityTest, TmpFileIsCreatedWrittenAndReadBack) {
  make();  // no allow-list at all: /tmp needs none
  const int64_t fd = open("/tmp/a.txt", kOWronly | kOCreat | kOTrunc);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(WRITE_TEXT(fd, "hello"), 5);
  EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch, 5}), -EBADF);  // opened write-only
  EXPECT_EQ(ret(rv::kClose, {u(fd)}), 0);
  const int64_t rd = open("/tmp/a.txt");
  ASSERT_GE(rd, 0);
  EXPECT_EQ(ret(rv::kRead, {u(rd), kScratch + 0x100, 64}), 5);
  EXPECT_EQ(mem_.get(kScratch + 0x100, 5), "hello");
  EXPECT_EQ(ret(rv::kRead, {u(rd), kScratch + 0x100, 64}), 0);  // end of file
  EXPECT_EQ(WRITE_TEXT(rd, "x"), -EBADF);                      // opened read-only
}

TEST_F(PersonalityTest, TmpOpenFlagsBehaveAsOnLinux) {
  make();
  EXPECT_EQ(open("/tmp/missing"), -ENOENT);
  const int64_t fd = open("/tmp/f", kORdwr | kOCreat | kOExcl);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(open("/tmp/f", kORdwr | kOCreat | kOExcl), -EEXIST);
  EXPECT_EQ(WRITE_TEXT(fd, "0123456789"), 10);
  // O_RDWR: read back through the same fd after seeking.
  EXPECT_EQ(ret(rv::kLseek, {u(fd), 2, 0 /* SEEK_SET */}), 2);
  EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch + 0x100, 3}), 3);
  EXPECT_EQ(mem_.get(kScratch + 0x100, 3), "234");
  EXPECT_EQ(ret(rv::kLseek, {u(fd), 0, 2 /* SEEK_END */}), 10);
  // O_APPEND writes at the end whatever the offset.
  const int64_t ap = open("/tmp/f", kOWronly | kOAppend);
  ASSERT_GE(ap, 0);
  EXPECT_EQ(ret(rv::kLseek, {u(ap), 0, 0}), 0);
  EXPECT_EQ(WRITE_TEXT(ap, "AB"), 2);
  EXPECT_EQ(ret(rv::kPread64, {u(fd), kScratch + 0x100, 12, 0}), 12);
  EXPECT_EQ(mem_.get(kScratch + 0x100, 12), "0123456789AB");
  // O_TRUNC empties it.
  const int64_t tr = open("/tmp/f", kOWronly | kOTrunc);
  ASSERT_GE(tr, 0);
  EXPECT_EQ(ret(rv::kLseek, {u(fd), 0, 2}), 0);
  // pwrite past the end leaves a hole of zeros; ftruncate shortens.
  mem_.put(kScratch, "Z");
  EXPECT_EQ(ret(rv::kPwrite64, {u(fd), kScratch, 1, 4}), 1);
  EXPECT_EQ(ret(rv::kPread64, {u(fd), kScratch + 0x100, 8, 0}), 5);
  EXPECT_EQ(mem_.get(kScratch + 0x100, 5), std::string("\0\0\0\0Z", 5));
  EXPECT_EQ(ret(rv::kFtruncate, {u(fd), 2}), 0);
  EXPECT_EQ(ret(rv::kLseek, {u(fd), 0, 2}), 2);
  // Write intent outside /tmp stays refused.
  EXPECT_EQ(open("/etc/passwd", kOWronly), -EROFS);
  EXPECT_EQ(open("/tmpx", kOWronly | kOCreat), -EROFS);
}

TEST_F(PersonalityTest, TmpFstatReportsSizeModeAndDevice) {
  make();
  const int64_t fd = open("/tmp/s", kOWronly | kOCreat, 0640);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(WRITE_TEXT(fd, "abc"), 3);
  ASSERT_EQ(ret(rv::kFstat, {u(fd), kScratch + 0x1000}), 0);
  uint32_t mode = 0;
  int64_t size = 0;
  std::memcpy(&mode, mem_.get(kScratch + 0x1000 + 16, 4).data(), 4);   // riscv64 st_mode
  std::memcpy(&size, mem_.get(kScratch + 0x1000 + 48, 8).data(), 8);   // riscv64 st_size
  EXPECT_EQ(mode, S_IFREG | 0640);  // 0640 & ~022
  EXPECT_EQ(size, 3);
  // newfstatat on the directory itself.
  ASSERT_EQ(ret(rv::kNewfstatat, {u(kAtFdCwd), str("/tmp"), kScratch + 0x1000, 0}), 0);
  std::memcpy(&mode, mem_.get(kScratch + 0x1000 + 16, 4).data(), 4);
  EXPECT_TRUE(S_ISDIR(mode));
}

TEST_F(PersonalityTest, TmpMkdirGetdentsUnlinkAndRmdir) {
  make();
  ASSERT_EQ(ret(rv::kMkdirat, {u(kAtFdCwd), str("/tmp/d"), 0755}), 0);
  EXPECT_EQ(ret(rv::kMkdirat, {u(kAtFdCwd), str("/tmp/d"), 0755}), -EEXIST);
  // Outside /tmp: invisible without an allow-list (ENOENT), read-only inside one (EROFS).
  EXPECT_EQ(ret(rv::kMkdirat, {u(kAtFdCwd), str("/usr/x"), 0755}), -ENOENT);
  ASSERT_EQ(ret(rv::kChdir, {str("/tmp/d")}), 0);
  const int64_t a = open("alpha", kOWronly | kOCreat);  // relative to the /tmp cwd
  ASSERT_GE(a, 0);
  ASSERT_GE(open("/tmp/d/beta", kOWronly | kOCreat), 0);
  const int64_t dfd = open("/tmp/d", kODirectory);
  ASSERT_GE(dfd, 0);
  std::set<std::string> names;
  while (true) {
    const int64_t n = ret(rv::kGetdents64, {u(dfd), kScratch, 64});  // small: several calls
    ASSERT_GE(n, 0);
    if (n == 0) break;
    const std::string buf = mem_.get(kScratch, static_cast<size_t>(n));
    for (size_t at = 0; at < buf.size();) {
      uint16_t reclen = 0;
      std::memcpy(&reclen, buf.data() + at + 16, 2);
      names.insert(std::string(buf.c_str() + at + 19));
      at += reclen;
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "alpha", "beta"}));
  EXPECT_EQ(ret(rv::kUnlinkat, {u(kAtFdCwd), str("/tmp/d"), 0x200}), -ENOTEMPTY);
  EXPECT_EQ(ret(rv::kUnlinkat, {u(kAtFdCwd), str("/tmp/d"), 0}), -EISDIR);
  // An unlinked file stays readable through its open fd.
  EXPECT_EQ(WRITE_TEXT(a, "kept"), 4);
  EXPECT_EQ(ret(rv::kUnlinkat, {u(kAtFdCwd), str("alpha"), 0}), 0);
  EXPECT_EQ(open("/tmp/d/alpha"), -ENOENT);
  EXPECT_EQ(ret(rv::kFstat, {u(a), kScratch + 0x1000}), 0);
  EXPECT_EQ(ret(rv::kUnlinkat, {u(kAtFdCwd), str("/tmp/d/beta"), 0}), 0);
  EXPECT_EQ(ret(rv::kUnlinkat, {u(kAtFdCwd), str("/tmp/d"), 0x200}), 0);
  EXPECT_EQ(open("/tmp/d", kODirectory), -ENOENT);
  EXPECT_EQ(ret(rv::kUnlinkat, {u(kAtFdCwd), str("/usr/lib"), 0}), -ENOENT);
  PersonalityConfig usr;
  usr.allow_read = {"/usr"};
  make(usr);
  EXPECT_EQ(ret(rv::kUnlinkat, {u(kAtFdCwd), str("/usr/lib"), 0}), -EROFS);
  EXPECT_EQ(ret(rv::kMkdirat, {u(kAtFdCwd), str("/usr/x"), 0755}), -EROFS);
}

TEST_F(PersonalityTest, TmpRenameMovesFilesAndDirectoriesAsLinuxDoes) {
  make();
  auto rename = [&](const std::string& from, const std::string& to, uint64_t flags = 0) {
    return ret(rv::kRenameat2, {u(kAtFdCwd), str(from, 0x8000), u(kAtFdCwd), str(to, 0x9000),
                                flags});
  };
  const int64_t fd = open("/tmp/a", kOWronly | kOCreat);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(WRITE_TEXT(fd, "first"), 5);
  // A file to a new name: the old name is gone, the open fd still writes to the same file.
  ASSERT_EQ(rename("/tmp/a", "/tmp/b"), 0);
  EXPECT_EQ(open("/tmp/a"), -ENOENT);
  EXPECT_EQ(WRITE_TEXT(fd, "+more"), 5);
  const int64_t b = open("/tmp/b");
  ASSERT_GE(b, 0);
  EXPECT_EQ(ret(rv::kRead, {u(b), kScratch + 0x100, 64}), 10);
  EXPECT_EQ(mem_.get(kScratch + 0x100, 10), "first+more");
  // Over an existing file (the atomic-replace idiom), unless RENAME_NOREPLACE.
  const int64_t c = open("/tmp/c", kOWronly | kOCreat);
  ASSERT_GE(c, 0);
  EXPECT_EQ(WRITE_TEXT(c, "new"), 3);
  EXPECT_EQ(rename("/tmp/c", "/tmp/b", 1 /* RENAME_NOREPLACE */), -EEXIST);
  ASSERT_EQ(rename("/tmp/c", "/tmp/b"), 0);
  const int64_t b2 = open("/tmp/b");
  ASSERT_GE(b2, 0);
  EXPECT_EQ(ret(rv::kRead, {u(b2), kScratch + 0x100, 64}), 3);
  EXPECT_EQ(ret(rv::kRead, {u(b), kScratch + 0x100, 64}), 0);  // the replaced file, still open
  EXPECT_EQ(rename("/tmp/b", "/tmp/b"), 0);
  // A directory takes what is below it along, and the working directory follows it.
  ASSERT_EQ(ret(rv::kMkdirat, {u(kAtFdCwd), str("/tmp/d"), 0755}), 0);
  ASSERT_EQ(ret(rv::kMkdirat, {u(kAtFdCwd), str("/tmp/d/sub"), 0755}), 0);
  ASSERT_GE(open("/tmp/d/sub/f", kOWronly | kOCreat), 0);
  ASSERT_EQ(ret(rv::kChdir, {str("/tmp/d/sub")}), 0);
  ASSERT_EQ(rename("/tmp/d", "/tmp/e"), 0);
  EXPECT_EQ(open("/tmp/d/sub/f"), -ENOENT);
  EXPECT_GE(open("/tmp/e/sub/f"), 0);
  EXPECT_GE(open("f"), 0);  // relative to the moved working directory
  // The errors rename(2) gives.
  EXPECT_EQ(rename("/tmp/missing", "/tmp/x"), -ENOENT);
  EXPECT_EQ(rename("/tmp/e", "/tmp/e/sub/inside"), -EINVAL);
  EXPECT_EQ(rename("/tmp/e", "/tmp/b"), -ENOTDIR);
  EXPECT_EQ(rename("/tmp/b", "/tmp/e"), -EISDIR);
  EXPECT_EQ(rename("/tmp/b", "/tmp/nodir/b"), -ENOENT);
  EXPECT_EQ(rename("/tmp/b", "/tmp/b/x"), -ENOTDIR);
  ASSERT_EQ(ret(rv::kMkdirat, {u(kAtFdCwd), str("/tmp/empty"), 0755}), 0);
  EXPECT_EQ(rename("/tmp/empty", "/tmp/e"), -ENOTEMPTY);  // e is not empty
  ASSERT_EQ(rename("/tmp/e/sub", "/tmp/empty"), 0);         // over an empty directory
  EXPECT_GE(open("/tmp/empty/f"), 0);
  EXPECT_EQ(rename("/tmp", "/tmp/x"), -EBUSY);
  EXPECT_EQ(rename("/tmp/b", "/usr/b"), -ENOENT);  // the host outside the allow-list: absent
  EXPECT_EQ(rename("/dev/null", "/dev/zero"), -EACCES);
  EXPECT_EQ(rename("/tmp/b", "/tmp/z", 2 /* RENAME_EXCHANGE */), -EINVAL);
  PersonalityConfig usr;
  usr.allow_read = {"/usr"};
  make(usr);
  ASSERT_GE(open("/tmp/b", kOWronly | kOCreat), 0);
  EXPECT_EQ(rename("/tmp/b", "/usr/b"), -EXDEV);  // between /tmp and the host
  EXPECT_EQ(rename("/usr/lib", "/tmp/lib"), -EXDEV);
  EXPECT_EQ(rename("/usr/lib", "/usr/lib2"), -EROFS);
}

TEST_F(PersonalityTest, TmpFilesCanBeMappedPrivatelyOrReadOnly) {
  make();
  const int64_t fd = open("/tmp/m", kORdwr | kOCreat);
  ASSERT_GE(fd, 0);
  std::string content(5000, 'a');
  content[4096] = 'Z';
  mem_.put(kScratch, content);
  ASSERT_EQ(ret(rv::kWrite, {u(fd), kScratch, content.size()}), 5000);
  // MAP_PRIVATE|PROT_READ|PROT_WRITE of the whole file: its bytes, then zeros to the page end.
  const int64_t a = ret(rv::kMmap, {0, 8192, 3, 0x02 /* MAP_PRIVATE */, u(fd), 0});
  ASSERT_GT(a, 0);
  EXPECT_EQ(mem_.get(u(a), 4), "aaaa");
  EXPECT_EQ(mem_.get(u(a) + 4096, 1), "Z");
  EXPECT_EQ(mem_.get(u(a) + 5000, 3), std::string(3, '\0'));
  // At an offset, and shared read-only.
  const int64_t b = ret(rv::kMmap, {0, 4096, 1, 0x01 /* MAP_SHARED */, u(fd), 4096});
  ASSERT_GT(b, 0);
  EXPECT_EQ(mem_.get(u(b), 2), "Za");
  // Shared and writable would have to write the file back: refused, as by a file system
  // without mmap; a write-only fd cannot be mapped at all.
  EXPECT_EQ(ret(rv::kMmap, {0, 4096, 3, 0x01, u(fd), 0}), -ENODEV);
  const int64_t wo = open("/tmp/m", kOWronly);
  ASSERT_GE(wo, 0);
  EXPECT_EQ(ret(rv::kMmap, {0, 4096, 1, 0x02, u(wo), 0}), -EACCES);
  // Beyond the end of the file: all zeros, as the tail of a file's last page.
  const int64_t c = ret(rv::kMmap, {0, 4096, 1, 0x02, u(fd), 8192});
  ASSERT_GT(c, 0);
  EXPECT_EQ(mem_.get(u(c), 4), std::string(4, '\0'));
}

TEST_F(PersonalityTest, TmpIsLimitedInBytesAndFiles) {
  make();
  const int64_t fd = open("/tmp/big", kOWronly | kOCreat);
  ASSERT_GE(fd, 0);
  // Sparse growth counts too: one byte at the limit is past it.
  mem_.put(kScratch, "x");
  EXPECT_EQ(ret(rv::kPwrite64, {u(fd), kScratch, 1, kTmpMaxBytes}), -EFBIG);
  EXPECT_EQ(ret(rv::kPwrite64, {u(fd), kScratch, 1, kTmpMaxBytes - 1}), 1);
  const int64_t other = open("/tmp/other", kOWronly | kOCreat);
  ASSERT_GE(other, 0);
  EXPECT_EQ(WRITE_TEXT(other, "y"), -ENOSPC);
  // Unlinking and closing gives the room back.
  EXPECT_EQ(ret(rv::kUnlinkat, {u(kAtFdCwd), str("/tmp/big"), 0}), 0);
  EXPECT_EQ(WRITE_TEXT(other, "y"), -ENOSPC);  // still open: still counted
  EXPECT_EQ(ret(rv::kClose, {u(fd)}), 0);
  EXPECT_EQ(WRITE_TEXT(other, "y"), 1);
  // The inode limit (the root and "other" already exist).
  int64_t last = 0;
  for (size_t i = 0; i < kTmpMaxInodes; ++i) {
    last = ret(rv::kMkdirat, {u(kAtFdCwd), str("/tmp/d" + std::to_string(i)), 0755});
    if (last != 0) break;
  }
  EXPECT_EQ(last, -ENOSPC);
  EXPECT_EQ(ret(rv::kMkdirat, {u(kAtFdCwd), str("/tmp/" + std::string(256, 'n')), 0755}),
            -ENAMETOOLONG);
}

TEST_F(PersonalityTest, TmpOfACopyIsPrivateToIt) {
  make();
  const int64_t fd = open("/tmp/shared", kORdwr | kOCreat);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(WRITE_TEXT(fd, "template"), 8);
  Personality fork(*p_);
  FakeGuestMemory fork_mem;
  auto fork_ret = [&](uint64_t nr, std::array<uint64_t, 6> args) {
    return fork.handle(SyscallRequest{nr, args}, fork_mem).value;
  };
  // The fork sees the template's file (and its open fd), then changes it privately.
  fork_mem.put(kScratch, "FORK");
  EXPECT_EQ(fork_ret(rv::kPwrite64, {u(fd), kScratch, 4, 0}), 4);
  fork_mem.put(kScratch + 0x8000, std::string("/tmp/new") + '\0');
  EXPECT_GE(fork_ret(rv::kOpenat, {u(kAtFdCwd), kScratch + 0x8000, kOWronly | kOCreat, 0}), 0);
  EXPECT_EQ(fork_ret(rv::kPread64, {u(fd), kScratch + 0x100, 8, 0}), 8);
  EXPECT_EQ(fork_mem.get(kScratch + 0x100, 8), "FORKlate");
  // The original is untouched by the fork's write and never sees its new file.
  EXPECT_EQ(ret(rv::kPread64, {u(fd), kScratch + 0x100, 8, 0}), 8);
  EXPECT_EQ(mem_.get(kScratch + 0x100, 8), "template");
  EXPECT_EQ(open("/tmp/new"), -ENOENT);
}

TEST_F(PersonalityTest, HostTmpIsHiddenBehindThePrivateOne) {
  PersonalityConfig config;
  config.allow_read = {"/"};  // even with the whole host readable
  make(config);
  EXPECT_EQ(open("/tmp", kODirectory) >= 0, true);
  const int64_t dfd = open("/tmp", kODirectory);
  const int64_t n = ret(rv::kGetdents64, {u(dfd), kScratch, 4096});
  EXPECT_EQ(n, 48);  // just "." and ".." (24 bytes each): nothing of the host's /tmp
}

TEST_F(PersonalityTest, AnAllowedHostDirectoryBelowTmpShowsThroughThePrivateTmp) {
  // A checkout under the host's /tmp must stay readable when it is allowed explicitly.
  char dir_template[] = "/tmp/forkbox-allow-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const std::string file = dir + "/data.txt";
  {
    FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("visible", f);
    std::fclose(f);
  }
  PersonalityConfig config;
  config.allow_read = {dir};
  make(config);
  EXPECT_GE(open(file.c_str()), 0);
  EXPECT_LT(open("/tmp/elsewhere.txt"), 0);  // the rest of /tmp is still the private one
  std::remove(file.c_str());
  ::rmdir(dir.c_str());
}

// ---- virtual devices ----

TEST_F(PersonalityTest, DevNullReadsEofAndSwallowsWrites) {
  make();
  const int64_t fd = open("/dev/null", kORdwr);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch, 16}), 0);
  EXPECT_EQ(WRITE_TEXT(fd, "discarded"), 9);
  EXPECT_EQ(p_->captured_stdout(), "");
  ASSERT_EQ(ret(rv::kFstat, {u(fd), kScratch + 0x1000}), 0);
  uint32_t mode = 0;
  uint64_t rdev = 0;
  std::memcpy(&mode, mem_.get(kScratch + 0x1000 + 16, 4).data(), 4);
  std::memcpy(&rdev, mem_.get(kScratch + 0x1000 + 32, 8).data(), 8);
  EXPECT_TRUE(S_ISCHR(mode));
  EXPECT_EQ(rdev, makedev(1, 3));
}

TEST_F(PersonalityTest, DevZeroReadsZeros) {
  make();
  const int64_t fd = open("/dev/zero");
  ASSERT_GE(fd, 0);
  mem_.put(kScratch, "xxxxxxxx");
  EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch, 8}), 8);
  EXPECT_EQ(mem_.get(kScratch, 8), std::string(8, '\0'));
  EXPECT_EQ(WRITE_TEXT(fd, "x"), -EBADF);  // opened read-only
}

TEST_F(PersonalityTest, DevUrandomAndRandomReadHostEntropy) {
  make();
  for (const char* path : {"/dev/urandom", "/dev/random"}) {
    const int64_t fd = open(path);
    ASSERT_GE(fd, 0) << path;
    EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch, 32}), 32);
    EXPECT_EQ(ret(rv::kRead, {u(fd), kScratch + 32, 32}), 32);
    EXPECT_NE(mem_.get(kScratch, 32), mem_.get(kScratch + 32, 32)) << path;
    EXPECT_NE(mem_.get(kScratch, 32), std::string(32, '\0')) << path;
  }
  // Other device names stay invisible, and devices cannot be created or removed.
  EXPECT_EQ(open("/dev/mem"), -ENOENT);
  EXPECT_EQ(open("/dev/null", kOWronly | kOCreat | kOExcl), -EEXIST);
  EXPECT_EQ(ret(rv::kUnlinkat, {u(kAtFdCwd), str("/dev/null"), 0}), -EACCES);
}

// ---- snapshot images ----

TEST_F(PersonalityTest, EncodedPersonalityDecodesToTheSameGuestView) {
  TempDir dir;
  dir.file("f", "0123456789");
  PersonalityConfig config;
  config.allow_read = {dir.path()};
  make(config);
  const int64_t host_fd = open(dir.path() + "/f");
  ASSERT_EQ(ret(rv::kRead, {u(host_fd), kScratch, 4}), 4);
  const int64_t tmp_fd = open("/tmp/kept", kORdwr | kOCreat);
  EXPECT_EQ(WRITE_TEXT(tmp_fd, "tmp bytes"), 9);
  ASSERT_EQ(ret(rv::kChdir, {str("/tmp")}), 0);
  ASSERT_EQ(ret(rv::kUmask, {077}), 022);
  auto bytes = p_->encode();
  ASSERT_TRUE(bytes.has_value());
  auto decoded = Personality::decode(*bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error();
  p_ = std::make_unique<Personality>(std::move(*decoded));
  // Same offsets, same /tmp contents, same cwd and umask.
  EXPECT_EQ(ret(rv::kRead, {u(host_fd), kScratch, 3}), 3);
  EXPECT_EQ(mem_.get(kScratch, 3), "456");
  EXPECT_EQ(ret(rv::kPread64, {u(tmp_fd), kScratch, 9, 0}), 9);
  EXPECT_EQ(mem_.get(kScratch, 9), "tmp bytes");
  EXPECT_EQ(ret(rv::kGetcwd, {kScratch, 64}), 5);
  EXPECT_EQ(ret(rv::kUmask, {022}), 077);
  // Truncated or corrupted images are refused, never half-decoded.
  EXPECT_FALSE(Personality::decode(bytes->substr(0, bytes->size() / 2)).has_value());
  EXPECT_FALSE(Personality::decode(*bytes + "x").has_value());
}

}  // namespace
}  // namespace forkbox::os

// The server's host hardening (src/common/hardening.hpp). Every test forks a child, hardens the
// child, makes the calls under test there and reports through its exit status, so the test
// process itself stays unfiltered. Exit statuses: 0 success, 10+n: check n failed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/kvm.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <thread>

#include "common/hardening.hpp"

namespace forkbox::hardening {
namespace {

struct ChildEnd {
  bool exited = false;
  int status = -1;  // exit status, or the signal when !exited
};

ChildEnd in_child(const std::function<int()>& body) {
  fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  ChildEnd end;
  int ws = 0;
  if (pid < 0 || waitpid(pid, &ws, 0) != pid) return end;
  end.exited = WIFEXITED(ws);
  end.status = end.exited ? WEXITSTATUS(ws) : WTERMSIG(ws);
  return end;
}

int harden(SeccompMode mode) {
  if (!set_no_new_privs()) return 2;
  SeccompOptions options;
  options.mode = mode;
  if (!apply_seccomp_filter(options)) return 3;
  return 0;
}

TEST(Hardening, AllowedCallsStillWorkUnderTheFilter) {
  ChildEnd end = in_child([] {
    if (int rc = harden(SeccompMode::kKill)) return rc;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return 11;
    if (write(fds[1], "x", 1) != 1) return 12;
    char c = 0;
    if (read(fds[0], &c, 1) != 1 || c != 'x') return 13;
    if (getpid() <= 0) return 14;
    void* p = mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || munmap(p, 1 << 20) != 0) return 15;
    int memfd = static_cast<int>(syscall(SYS_memfd_create, "hardening-test", 0));
    if (memfd < 0 || ftruncate(memfd, 4096) != 0) return 16;
    if (prctl(PR_SET_NAME, "hardened", 0, 0, 0) != 0) return 17;
    return 0;
  });
  EXPECT_TRUE(end.exited) << "killed by signal " << end.status;
  EXPECT_EQ(end.status, 0);
}

TEST(Hardening, ThreadsCanStillBeCreated) {
  // pthread_create tries clone3 first (refused with ENOSYS), then clone with CLONE_THREAD.
  ChildEnd end = in_child([] {
    if (int rc = harden(SeccompMode::kKill)) return rc;
    int value = 0;
    std::thread t([&] { value = 42; });
    t.join();
    return value == 42 ? 0 : 11;
  });
  EXPECT_TRUE(end.exited) << "killed by signal " << end.status;
  EXPECT_EQ(end.status, 0);
}

TEST(Hardening, ExecveKillsTheProcessWithSigsys) {
  ChildEnd end = in_child([] {
    if (int rc = harden(SeccompMode::kKill)) return rc;
    char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
    execv("/bin/true", argv);
    return 11;  // not reached: the filter kills before execve returns
  });
  EXPECT_FALSE(end.exited) << "exit status " << end.status;
  EXPECT_EQ(end.status, SIGSYS);
}

TEST(Hardening, PtraceKillsTheProcessWithSigsys) {
  ChildEnd end = in_child([] {
    if (int rc = harden(SeccompMode::kKill)) return rc;
    (void)ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    return 11;
  });
  EXPECT_FALSE(end.exited) << "exit status " << end.status;
  EXPECT_EQ(end.status, SIGSYS);
}

TEST(Hardening, ForbiddenCallsFailWithEpermInErrnoMode) {
  ChildEnd end = in_child([] {
    if (int rc = harden(SeccompMode::kErrno)) return rc;
    char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
    if (execv("/bin/true", argv) != -1 || errno != EPERM) return 11;
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != -1 || errno != EPERM) return 12;
    char buf[8];
    iovec local{buf, sizeof(buf)}, remote{buf, sizeof(buf)};
    if (syscall(SYS_process_vm_readv, getppid(), &local, 1, &remote, 1, 0) != -1 ||
        errno != EPERM)
      return 13;
    // fork is clone without CLONE_THREAD: refused, so no unfiltered-looking child appears.
    if (fork() != -1 || errno != EPERM) return 14;
    if (syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, nullptr) != -1 || errno != EPERM)
      return 15;
    // Re-enabling core dumps (PR_SET_DUMPABLE) is not among the allowed prctl options.
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != -1 || errno != EPERM) return 16;
    // A terminal-injection ioctl on a standard fd is outside the ioctl allow-list.
    char c = 'x';
    if (ioctl(0, TIOCSTI, &c) != -1 || errno != EPERM) return 17;
    return 0;
  });
  EXPECT_TRUE(end.exited) << "killed by signal " << end.status;
  EXPECT_EQ(end.status, 0);
}

TEST(Hardening, KvmIoctlsStayAllowed) {
  int probe = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (probe < 0) GTEST_SKIP() << "/dev/kvm not available: " << std::strerror(errno);
  close(probe);
  ChildEnd end = in_child([] {
    if (int rc = harden(SeccompMode::kErrno)) return rc;
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) return 11;
    if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) return 12;
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) return 13;
    close(vm);
    close(kvm);
    return 0;
  });
  EXPECT_TRUE(end.exited) << "killed by signal " << end.status;
  EXPECT_EQ(end.status, 0);
}

TEST(Hardening, UnknownExtraSyscallNameIsAnError) {
  ChildEnd end = in_child([] {
    if (!set_no_new_privs()) return 2;
    SeccompOptions options;
    options.mode = SeccompMode::kErrno;
    options.extra_syscalls = {"definitely_not_a_syscall"};
    auto r = apply_seccomp_filter(options);
    if (r || r.error() != HardeningError::kUnknownSyscallName) return 11;
    // Nothing was installed: execve-like refusals must not apply yet.
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0) return 12;
    return 0;
  });
  EXPECT_TRUE(end.exited);
  EXPECT_EQ(end.status, 0);
}

TEST(Hardening, DropPrivilegesClearsCapabilitiesAndDumpable) {
  ChildEnd end = in_child([] {
    if (!drop_privileges()) return 2;
    if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) return 11;
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (syscall(SYS_capget, &header, data) != 0) return 12;
    for (const auto& d : data)
      if (d.effective || d.permitted || d.inheritable) return 13;
    // With no CAP_SYS_ADMIN left, even root cannot mount.
    if (syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, nullptr) != -1) return 14;
    return 0;
  });
  EXPECT_TRUE(end.exited);
  EXPECT_EQ(end.status, 0);
}

}  // namespace
}  // namespace forkbox::hardening

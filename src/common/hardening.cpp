// No-new-privs, privilege dropping and the server's seccomp allow-list; see hardening.hpp.
//
// The allow-list is written by family so that a reader can check it against what the server
// does; every entry is a call that forkbox itself, glibc, libstdc++ threads, Asio's epoll
// reactor, the engines or the ASan/UBSan runtimes make after start-up. Calls that only happen
// before hardening (execve of the server itself, opening /dev/kvm happens through openat which
// stays allowed) are not listed. Names unknown on the build architecture are skipped for the
// base list (it is written for x86-64 and must not break elsewhere) but are errors for
// caller-supplied extras.
#include "common/hardening.hpp"

#include <linux/capability.h>
#include <seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

namespace forkbox::hardening {
namespace {

// The ioctl "type" byte of every KVM request (_IOC_TYPE == KVMIO == 0xAE): the kvm engine's
// VM, vCPU and system ioctls, and nothing else, share it.
constexpr uint64_t kKvmIoctlType = 0xAE00;
constexpr uint64_t kIoctlTypeMask = 0xFF00;
// Terminal and socket ioctls glibc, Asio and the logging library issue on ordinary fds.
constexpr uint64_t kTcgets = 0x5401;      // isatty()
constexpr uint64_t kTiocgwinsz = 0x5413;  // terminal width for log formatting
constexpr uint64_t kFionread = 0x541B;    // Asio: bytes available
constexpr uint64_t kFionbio = 0x5421;     // Asio: non-blocking mode
constexpr uint64_t kFioclex = 0x5451;     // close-on-exec
// prctl options the process still needs after hardening; everything else (notably
// PR_SET_DUMPABLE 1 and PR_SET_SECCOMP changes beyond tightening) is refused.
constexpr uint64_t kPrctlAllowed[] = {PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE,
                                      PR_GET_NO_NEW_PRIVS, PR_GET_SECCOMP, PR_SET_VMA};

const std::vector<std::string_view> kFiles = {
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "open",
    "openat", "close", "close_range", "fstat", "stat", "lstat", "newfstatat", "statx", "lseek",
    "getdents64", "readlink", "readlinkat", "access", "faccessat", "faccessat2", "fcntl", "dup",
    "dup2", "dup3", "pipe", "pipe2", "getcwd", "statfs", "fstatfs", "fsync", "fdatasync",
    "ftruncate", "fallocate", "rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir",
    "mkdirat", "sendfile", "copy_file_range", "flock"};
const std::vector<std::string_view> kMemory = {"mmap", "munmap", "mprotect", "madvise", "mremap",
                                               "brk", "memfd_create", "msync", "mincore"};
const std::vector<std::string_view> kThreads = {
    "futex", "set_robust_list", "get_robust_list", "rseq", "set_tid_address", "sched_yield",
    "sched_getaffinity", "gettid", "getpid", "getppid", "tgkill", "exit", "exit_group",
    "arch_prctl", "restart_syscall"};
const std::vector<std::string_view> kSignals = {"rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
                                                "sigaltstack", "rt_sigtimedwait"};
const std::vector<std::string_view> kTime = {
    "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep",
    "timer_create", "timer_settime", "timer_gettime", "timer_delete", "timerfd_create",
    "timerfd_settime", "timerfd_gettime", "getrusage", "times"};
const std::vector<std::string_view> kEvents = {"epoll_create", "epoll_create1", "epoll_ctl",
                                               "epoll_wait", "epoll_pwait", "epoll_pwait2",
                                               "eventfd2", "poll", "ppoll", "select",
                                               "pselect6"};
const std::vector<std::string_view> kProcessInfo = {
    "getrandom", "uname", "sysinfo", "getuid", "geteuid", "getgid", "getegid", "getresuid",
    "getresgid", "getrlimit", "prlimit64", "sched_getparam", "sched_getscheduler"};
const std::vector<std::string_view> kNetwork = {
    "socket", "socketpair", "bind", "listen", "accept", "accept4", "connect", "getsockname",
    "getpeername", "setsockopt", "getsockopt", "recvfrom", "sendto", "recvmsg", "sendmsg",
    "recvmmsg", "sendmmsg", "shutdown"};

struct FilterDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;

uint32_t default_action(SeccompMode mode) {
  switch (mode) {
    case SeccompMode::kKill: return SCMP_ACT_KILL_PROCESS;
    case SeccompMode::kErrno: return SCMP_ACT_ERRNO(EPERM);
    case SeccompMode::kLog: return SCMP_ACT_LOG;
  }
  return SCMP_ACT_KILL_PROCESS;
}

std::expected<void, HardeningError> allow_names(void* ctx,
                                                const std::vector<std::string_view>& names,
                                                bool unknown_is_error) {
  for (std::string_view name : names) {
    std::string n(name);
    int nr = seccomp_syscall_resolve_name(n.c_str());
    if (nr == __NR_SCMP_ERROR) {
      if (unknown_is_error) return std::unexpected(HardeningError::kUnknownSyscallName);
      continue;
    }
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) != 0)
      return std::unexpected(HardeningError::kSeccompRuleFailed);
  }
  return {};
}

std::expected<void, HardeningError> allow_ioctls(void* ctx, bool kvm) {
  const uint64_t fixed[] = {kTcgets, kTiocgwinsz, kFionread, kFionbio, kFioclex};
  // The kernel reads the request as an unsigned int: compare only the low 32 bits, so that a
  // caller passing a sign-extended value is judged on what the kernel actually uses.
  for (uint64_t request : fixed) {
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                         SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFull, request)) != 0)
      return std::unexpected(HardeningError::kSeccompRuleFailed);
  }
  if (kvm && seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                              SCMP_A1(SCMP_CMP_MASKED_EQ, kIoctlTypeMask, kKvmIoctlType)) != 0)
    return std::unexpected(HardeningError::kSeccompRuleFailed);
  return {};
}

std::expected<void, HardeningError> allow_threads_only(void* ctx) {
  // clone(2) on x86-64 takes the flags first: a thread always has CLONE_THREAD, a fork never.
  if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)) != 0)
    return std::unexpected(HardeningError::kSeccompRuleFailed);
  // clone3 passes its flags in memory, which seccomp cannot read: answer ENOSYS, and glibc's
  // pthread_create falls back to clone(2) above.
  if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) != 0)
    return std::unexpected(HardeningError::kSeccompRuleFailed);
  return {};
}

std::expected<void, HardeningError> allow_prctls(void* ctx) {
  for (uint64_t option : kPrctlAllowed) {
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                         SCMP_A0(SCMP_CMP_EQ, option)) != 0)
      return std::unexpected(HardeningError::kSeccompRuleFailed);
  }
  return {};
}

}  // namespace

const char* describe(HardeningError e) {
  switch (e) {
    case HardeningError::kNoNewPrivsFailed: return "prctl(PR_SET_NO_NEW_PRIVS) failed";
    case HardeningError::kDumpableFailed: return "prctl(PR_SET_DUMPABLE, 0) failed";
    case HardeningError::kCapabilityDropFailed: return "could not drop capabilities";
    case HardeningError::kSeccompInitFailed: return "could not create a seccomp filter";
    case HardeningError::kUnknownSyscallName: return "unknown system call name in allow-list";
    case HardeningError::kSeccompRuleFailed: return "libseccomp refused a filter rule";
    case HardeningError::kSeccompLoadFailed: return "the kernel refused the seccomp filter";
  }
  return "unknown hardening error";
}

const std::vector<std::string_view>& base_allow_list() {
  static const std::vector<std::string_view> all = [] {
    std::vector<std::string_view> v;
    for (const auto* family : {&kFiles, &kMemory, &kThreads, &kSignals, &kTime, &kEvents,
                               &kProcessInfo})
      v.insert(v.end(), family->begin(), family->end());
    return v;
  }();
  return all;
}

std::expected<void, HardeningError> set_no_new_privs() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return std::unexpected(HardeningError::kNoNewPrivsFailed);
  return {};
}

std::expected<void, HardeningError> drop_privileges() {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    return std::unexpected(HardeningError::kDumpableFailed);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capget, &header, data) != 0)
    return std::unexpected(HardeningError::kCapabilityDropFailed);
  bool any = false;
  for (const auto& d : data) any = any || d.effective || d.permitted || d.inheritable;
  if (!any) return {};  // an unprivileged server: nothing to drop
  // The bounding set first (needs CAP_SETPCAP, which we still hold): no later execve could
  // regain anything. EINVAL marks the end of the capabilities this kernel knows.
  for (int cap = 0; cap < 64; ++cap) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;
      return std::unexpected(HardeningError::kCapabilityDropFailed);
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return std::unexpected(HardeningError::kCapabilityDropFailed);
  __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = {};
  if (::syscall(SYS_capset, &header, none) != 0)
    return std::unexpected(HardeningError::kCapabilityDropFailed);
  return {};
}

std::expected<void, HardeningError> apply_seccomp_filter(const SeccompOptions& options) {
  Filter ctx(seccomp_init(default_action(options.mode)));
  if (!ctx) return std::unexpected(HardeningError::kSeccompInitFailed);
  // Every thread gets the filter, not just the caller: worker threads exist by now.
  if (seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1) != 0)
    return std::unexpected(HardeningError::kSeccompInitFailed);
  if (auto r = allow_names(ctx.get(), base_allow_list(), false); !r) return r;
  if (options.allow_network) {
    if (auto r = allow_names(ctx.get(), kNetwork, false); !r) return r;
  }
  std::vector<std::string_view> extras(options.extra_syscalls.begin(),
                                       options.extra_syscalls.end());
  if (auto r = allow_names(ctx.get(), extras, true); !r) return r;
  if (auto r = allow_ioctls(ctx.get(), options.allow_kvm); !r) return r;
  if (auto r = allow_threads_only(ctx.get()); !r) return r;
  if (auto r = allow_prctls(ctx.get()); !r) return r;
  if (seccomp_load(ctx.get()) != 0) return std::unexpected(HardeningError::kSeccompLoadFailed);
  return {};
}

std::expected<void, HardeningError> harden_process(const HardeningOptions& options) {
  if (auto r = set_no_new_privs(); !r) return r;
  if (options.drop_capabilities) {
    if (auto r = drop_privileges(); !r) return r;
  }
  return apply_seccomp_filter(options.seccomp);
}

}  // namespace forkbox::hardening

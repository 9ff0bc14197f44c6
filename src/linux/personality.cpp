// The dispatcher: architecture number -> SysId -> handler, plus statistics, and the value
// semantics of Personality (a copy owns duplicated host fds). The handlers themselves live in
// the syscalls_<family>.cpp files.
#include "linux/personality.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <vector>

#include "linux/fd_table.hpp"
#include "linux/syscall_context.hpp"

namespace forkbox::os {

ProcessState::ProcessState(const PersonalityConfig& config) : paths(config.allow_read) {
  constexpr uint64_t kInfinity = ~0ull;
  rlimits.fill(Rlimit{kInfinity, kInfinity});
  // Why these values: they are what a default Debian login reports, and glibc sizes the main
  // stack and its fd loops from them. NOFILE is forkbox's real per-guest fd limit.
  rlimits[RLIMIT_STACK] = {8ull << 20, kInfinity};
  rlimits[RLIMIT_CORE] = {0, kInfinity};
  rlimits[RLIMIT_NOFILE] = {kMaxGuestFds, kMaxGuestFds};
  rlimits[RLIMIT_NPROC] = {1, 1};  // the guest cannot create processes
  rlimits[RLIMIT_MEMLOCK] = {8ull << 20, 8ull << 20};
  rlimits[RLIMIT_SIGPENDING] = {kSignalCount, kSignalCount};
  rlimits[RLIMIT_MSGQUEUE] = {819200, 819200};
  rlimits[RLIMIT_NICE] = {0, 0};
  rlimits[RLIMIT_RTPRIO] = {0, 0};
}

namespace {

using Handler = SyscallOutcome (*)(SyscallContext&);

constexpr std::array<Handler, kSysIdCount> kHandlers = {
#define FORKBOX_HANDLER_ENTRY(name) &sys_##name,
    FORKBOX_LINUX_SYSCALLS(FORKBOX_HANDLER_ENTRY)
#undef FORKBOX_HANDLER_ENTRY
};

constexpr std::array<std::string_view, kSysIdCount> kNames = {
#define FORKBOX_NAME_ENTRY(name) #name,
    FORKBOX_LINUX_SYSCALLS(FORKBOX_NAME_ENTRY)
#undef FORKBOX_NAME_ENTRY
};

// Dense number -> id lookup per architecture, built once from the tables. Why 512: every
// number either architecture uses for a known call is below 450 (x86-64's newest is 439).
constexpr uint64_t kMaxSyscallNumber = 512;
using DenseTable = std::array<int16_t, kMaxSyscallNumber>;

DenseTable build_dense(std::span<const SyscallNumber> rows) {
  DenseTable table;
  table.fill(-1);
  for (const SyscallNumber& row : rows) table[row.number] = static_cast<int16_t>(row.id);
  return table;
}

}  // namespace

std::optional<SysId> sys_id_for(Arch arch, uint64_t number) {
  static const DenseTable kRiscv64 = build_dense(riscv64_syscall_numbers());
  static const DenseTable kX86_64 = build_dense(x86_64_syscall_numbers());
  if (number >= kMaxSyscallNumber) return std::nullopt;
  const int16_t id = (arch == Arch::kRiscv64 ? kRiscv64 : kX86_64)[number];
  if (id < 0) return std::nullopt;
  return static_cast<SysId>(id);
}

std::string_view sys_name(SysId id) {
  return kNames[static_cast<size_t>(id)];
}

Personality::Personality(PersonalityConfig config)
    : config_(std::move(config)),
      fds_(std::make_unique<FdTable>()),
      state_(std::make_unique<State>(config_)) {}

Personality::Personality(const Personality& other)
    : config_(other.config_),
      stats_(other.stats_),
      fds_(std::make_unique<FdTable>(other.fds_->clone())),
      state_(std::make_unique<State>(*other.state_)) {}

Personality& Personality::operator=(const Personality& other) {
  if (this != &other) *this = Personality(other);
  return *this;
}

Personality::Personality(Personality&&) noexcept = default;
Personality& Personality::operator=(Personality&&) noexcept = default;
Personality::~Personality() = default;

SyscallOutcome Personality::handle(const SyscallRequest& req, GuestMemory& mem) {
  stats_.total += 1;
  const std::optional<SysId> id = sys_id_for(config_.arch, req.number);
  if (!id) {
    stats_.unknown_by_nr[req.number] += 1;
    return fail(ENOSYS);
  }
  SyscallContext ctx{config_, *state_, *fds_, mem, req};
  const SyscallOutcome outcome = kHandlers[static_cast<size_t>(*id)](ctx);
  // A paused call has not happened yet: it is re-issued, and counted, when the guest resumes.
  if (outcome.kind == OutcomeKind::kPause) {
    stats_.total -= 1;
  } else {
    stats_.by_name[std::string(sys_name(*id))] += 1;
  }
  return outcome;
}

const std::string& Personality::captured_stdout() const {
  return state_->captured_stdout;
}
const std::string& Personality::captured_stderr() const {
  return state_->captured_stderr;
}

void Personality::begin_fork() {
  state_->captured_stdout.clear();
  state_->captured_stderr.clear();
  state_->output_bytes = 0;
  stats_ = SyscallStats{};
}

void Personality::set_stdin_data(std::string data) {
  config_.stdio.stdin_data = std::move(data);
  state_->stdin_offset = 0;
}

}  // namespace forkbox::os

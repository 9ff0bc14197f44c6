// Warming a guest to its ready point and freezing it into a Snapshot; see snapshot.hpp. The
// steps: create a machine, load the program, run it to the ready point, capture the machine's
// state, tear the VM down (keeping its RAM memfd), seal the memfd.
#include "kvm/snapshot.hpp"

#include <fcntl.h>

#include <chrono>

#include "elf/loader.hpp"
#include "kvm/guest_loop.hpp"
#include "kvm/kernel_layout.hpp"
#include "kvm/run.hpp"

namespace forkbox::kvm {

bool seal_memfd(int fd) {
  return ::fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0;
}

std::expected<std::shared_ptr<const Snapshot>, std::string> warm_snapshot(
    const WarmRequest& request) {
  const auto started = std::chrono::steady_clock::now();

  // 1. A fresh machine sized for the largest memory limit a fork may ask for.
  MachineConfig config;
  config.memory_bytes = request.memory_bytes;
  auto created = Machine::create(config);
  if (!created) return std::unexpected(std::string(describe(created.error())));
  Machine& m = **created;

  // 2. Load the program at Linux's x86-64 addresses.
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
  if (!loaded) return std::unexpected("cannot load " + request.program + ": " +
                                      elf::describe(loaded.error()));
  m.memory().init_brk(loaded->brk_start);

  // 3. The personality: read-only view, captured stdio, pause at the stdin ready point.
  os::PersonalityConfig pconfig;
  pconfig.arch = os::Arch::kX86_64;
  pconfig.allow_read = request.allow_read;
  for (std::string& dir : default_read_view()) pconfig.allow_read.push_back(std::move(dir));
  pconfig.pause_on_stdin_read = request.ready_on_stdin;
  os::Personality personality(std::move(pconfig));

  // 4. Run to the ready point.
  if (!m.start(loaded->entry, loaded->stack_pointer))
    return std::unexpected("cannot set the initial registers");
  LoopEnd end;
  {
    Deadline deadline(m.run_page(), request.timeout_ms);
    CodeChannel channel;
    channel.pause_on_read = !request.ready_on_stdin && !request.ready_on_wait_request;
    HostCallState host;  // no request: wait_request is the ready point
    end = serve_guest(m, personality, deadline, channel, false,
                      request.ready_on_wait_request ? &host : nullptr);
  }
  if (!end.ready) {
    std::string why = end.message.empty() ? describe(end.status) : end.message;
    if (end.status == RunStatus::kExited) why = "exited with status " + std::to_string(end.exit_code);
    std::string err = personality.captured_stderr().substr(0, 2000);
    return std::unexpected("the warm-up of " + request.program + " stopped before its ready point (" +
                           why + ")" + (err.empty() ? "" : ": " + err));
  }
  if (!personality.captured_stdout().empty() || !personality.captured_stderr().empty())
    return std::unexpected("the warm-up printed output before its ready point: " +
                           personality.captured_stderr().substr(0, 2000));

  // 5. Freeze: capture the state, destroy the VM, seal its RAM.
  auto image = m.capture();
  if (!image) return std::unexpected(std::string(describe(image.error())));
  personality.set_pause_on_stdin_read(false);
  UniqueFd memfd = Machine::into_memfd(std::move(*created));
  if (!memfd || !seal_memfd(memfd.get())) return std::unexpected("cannot seal the snapshot memfd");
  auto snap = std::make_shared<Snapshot>(Snapshot{std::move(*image), std::move(memfd),
                                                  std::move(personality), request.ready_on_stdin,
                                                  0});
  snap->warm_us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::steady_clock::now() - started)
                                            .count());
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

namespace {
// Why 4: each used machine holds its VM and private pages (~1-3 MiB here) until destroyed; a
// few may wait while forks are prepared, more means destruction is falling behind.
constexpr size_t kMaxRetiredBacklog = 4;

uint64_t micros_since(std::chrono::steady_clock::time_point t) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - t)
                                   .count());
}
}  // namespace

FreshForks::FreshForks(size_t ahead, uint64_t max_pages)
    : ahead_(ahead), max_pages_(max_pages), thread_([this] { background(); }) {}

FreshForks::~FreshForks() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  thread_.join();
}

void FreshForks::retarget(const std::shared_ptr<const Snapshot>& snap) {
  target_ = snap;
  touches_.reset();
  learning_ = false;
  while (!ready_.empty()) {
    retired_.push_back(std::move(ready_.front()));
    ready_.pop_front();
    ++stats_.discarded_stale;
  }
}

std::expected<std::unique_ptr<Machine>, KvmError> FreshForks::take(
    const std::shared_ptr<const Snapshot>& snap, uint64_t max_pages) {
  bool track = false;
  std::shared_ptr<const TouchList> touches;
  {
    std::unique_lock lock(mu_);
    if (snap != target_) retarget(snap);
    // Wait for a fork being prepared rather than start another from scratch: it is further on.
    ready_cv_.wait(lock, [&] { return !ready_.empty() || preparing_ == 0 || stop_; });
    if (!ready_.empty()) {
      // Only forks of `snap` are ever in ready_ here: retarget() cleared the others, and the
      // background thread drops a fork whose snapshot stopped being the target meanwhile.
      std::unique_ptr<Machine> m = std::move(ready_.front().machine);
      ready_.pop_front();
      ++stats_.used_prepared;
      work_cv_.notify_one();  // prepare the next one
      m->set_max_pages(max_pages);
      return m;
    }
    track = !touches_ && !learning_;
    if (track) learning_ = true;
    touches = touches_;
    ++stats_.forked_inline;
  }
  auto m = Machine::create_fork(snap->image, snap->memfd.get(), false, max_pages);
  if (!m) {
    std::lock_guard lock(mu_);
    if (track) learning_ = false;
    return m;
  }
  if (track) (*m)->track_accesses();
  // Replaying the touched pages costs less than taking the same shadow page faults one by one
  // while the program runs (~3 ms against ~4.5 ms for Python's print(1+1) here).
  if (touches && !(*m)->prewarm(*touches, snap->image)) {
    retire(std::move(*m), snap);
    return Machine::create_fork(snap->image, snap->memfd.get(), false, max_pages);
  }
  return m;
}

void FreshForks::retire(std::unique_ptr<Machine> machine, std::shared_ptr<const Snapshot> snap) {
  if (!machine) return;
  {
    std::lock_guard lock(mu_);
    // Backpressure: when destruction falls this far behind, the caller destroys its own
    // machine, so used VMs (and their memory) never pile up without bound. Not a machine that
    // tracked its accesses: its touch list must reach the background thread.
    if (retired_.size() < 2 * kMaxRetiredBacklog || machine->tracking_accesses()) {
      retired_.push_back({std::move(snap), std::move(machine)});
      machine = nullptr;
    }
  }
  if (!machine) {
    work_cv_.notify_one();
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  machine.reset();
  const uint64_t us = micros_since(started);
  std::lock_guard lock(mu_);
  ++stats_.reaped;
  stats_.teardown_us += us;
}

FreshForks::Stats FreshForks::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

bool FreshForks::wait_ready(size_t count, uint64_t timeout_ms) const {
  std::unique_lock lock(mu_);
  return ready_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                            [&] { return ready_.size() >= count; });
}

void FreshForks::background() {
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] {
      return stop_ || !retired_.empty() ||
             (target_ && touches_ && ready_.size() + preparing_ < ahead_);
    });
    if (stop_) return;
    // Preparing comes first (a request may be waiting for it) unless used machines pile up.
    const bool can_prepare = target_ && touches_ && ready_.size() + preparing_ < ahead_;
    if (!retired_.empty() && (!can_prepare || retired_.size() > kMaxRetiredBacklog)) {
      Entry e = std::move(retired_.front());
      retired_.pop_front();
      lock.unlock();
      const auto started = std::chrono::steady_clock::now();
      std::shared_ptr<const TouchList> learnt;
      if (e.machine->tracking_accesses())
        learnt = std::make_shared<const TouchList>(e.machine->touched_pages());
      e.machine.reset();
      const uint64_t us = micros_since(started);
      lock.lock();
      if (learnt && e.snap == target_ && !touches_) {
        touches_ = std::move(learnt);
        learning_ = false;
      }
      ++stats_.reaped;
      stats_.teardown_us += us;
      continue;
    }
    // Prepare one fork of the current target.
    std::shared_ptr<const Snapshot> snap = target_;
    std::shared_ptr<const TouchList> touches = touches_;
    ++preparing_;
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    auto m = Machine::create_fork(snap->image, snap->memfd.get(), false, max_pages_);
    bool ok = m.has_value();
    if (ok) ok = (*m)->prewarm(*touches, snap->image).has_value();
    const uint64_t us = micros_since(started);
    lock.lock();
    --preparing_;
    stats_.prepare_us += us;
    if (ok && snap == target_) {
      ready_.push_back({std::move(snap), std::move(*m)});
      ++stats_.prepared;
    } else {
      // A failed fork or prewarm, or a snapshot replaced meanwhile: never handed out. After a
      // failure, stop preparing until an execution re-learns the list (no retry loop).
      if (!ok && snap == target_) touches_.reset();
      if (m) retired_.push_back({std::move(snap), std::move(*m)});
      ++stats_.discarded_stale;
    }
    ready_cv_.notify_all();
  }
}

}  // namespace forkbox::kvm

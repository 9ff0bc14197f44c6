// The kvm engine's runtimes: `python` (host python3, numpy imported before the snapshot) and
// `lua` (host lua5.4), each served from a snapshot of its agent (guest/agents/) warmed to the
// ready point. Two fork styles:
//   pooled (default): a bounded pool of VMs, each a MAP_PRIVATE fork of the snapshot with dirty
//     logging; after every execution the VM is reset in place (dirty pages dropped with
//     MADV_DONTNEED, allocator/address space/vCPU restored), so the next one starts pristine.
//   fresh: a new VM per execution (KVM_CREATE_VM, MAP_PRIVATE of the sealed memfd, full state
//     restore), destroyed afterwards: zeroboot's method. FreshForks (snapshot.hpp) prepares
//     them ahead on a background thread (prewarmed with the pages an execution touches) and
//     destroys used ones there, so a request finds one ready; each VM still runs one execution.
// Both block for milliseconds, so blocking() is true; requests beyond the pool wait in a bounded
// queue and are refused with kBusy when it is full. The snapshot is re-warmed every N forks or T
// seconds when the configuration asks (template rotation), so long-lived servers do not hand
// one address layout and hash seed to every request forever.
#include "kvm/runtimes.hpp"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "kvm/exec_channel.hpp"
#include "kvm/guest_loop.hpp"
#include "sandbox/counters.hpp"
#include "kvm/kernel_layout.hpp"
#include "kvm/run.hpp"
#include "kvm/snapshot.hpp"
#include "kvm/snapshot_file.hpp"

namespace forkbox::kvm {

namespace {

using Clock = std::chrono::steady_clock;

uint64_t micros_since(Clock::time_point t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count());
}

// Why 64: a pool is one VM per core by default; more than 64 VMs in one runtime would only add
// memory, never throughput, on any machine forkbox targets.
constexpr size_t kMaxPoolSize = 64;
// Why 64 GiB: the engine's own cap on a RAM slot (machine.cpp's kMaxMemoryBytes).
constexpr uint64_t kMaxMemoryMb = 64ull << 10;

struct Recipe {
  WarmRequest warm;
  RuntimeInfo info;
};

std::string directory_of(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return {};
  std::string real(buf);
  return real.substr(0, real.rfind('/'));
}

std::expected<Recipe, std::string> recipe_for(const RuntimeConfig& config) {
  Recipe r;
  std::string agent;
  std::string name = config.name;
  if (name == "lua-kvm") name = "lua";
  if (name == "python") {
    r.warm.program = config.program.empty() ? "/usr/bin/python3" : config.program;
    agent = bundled_path("guest/agents/python_agent.py");
    // -I: no user site, no PYTHON* variables, and not the agent's directory on sys.path.
    r.warm.argv = {"python3", "-I", agent};
    r.info = {"python", "3.11", "kvm", {"py", "python3"}};
  } else if (name == "lua") {
    r.warm.program = config.program.empty() ? "/usr/bin/lua5.4" : config.program;
    agent = bundled_path("guest/agents/lua_agent.lua");
    r.warm.argv = {"lua5.4", agent};
    r.warm.ready_on_stdin = true;
    r.info = {"lua", "5.4", "kvm", {"lua5.4"}};
  } else {
    return std::unexpected("kvm has no runtime '" + config.name + "' (python or lua)");
  }
  r.info.name = config.name;
  std::string agent_dir = directory_of(agent);
  if (agent_dir.empty()) return std::unexpected("the agent " + agent + " is missing");
  r.warm.allow_read = config.allow_read;
  r.warm.allow_read.push_back(agent_dir);
  std::map<std::string, std::string> env = {{"PATH", "/usr/bin:/bin"},
                                            {"HOME", "/tmp"},
                                            {"LANG", "C.UTF-8"},
                                            // One vCPU: numpy's BLAS must not start threads.
                                            {"OPENBLAS_NUM_THREADS", "1"},
                                            {"OMP_NUM_THREADS", "1"},
                                            {"MKL_NUM_THREADS", "1"}};
  for (const auto& [k, v] : config.env) env[k] = v;
  for (const auto& [k, v] : env) r.warm.envp.push_back(k + "=" + v);
  if (config.memory_mb == 0 || config.memory_mb > kMaxMemoryMb)
    return std::unexpected("memory_mb must be between 1 and 65536");
  r.warm.memory_bytes = config.memory_mb << 20;
  return r;
}

// What a saved snapshot must have been warmed from to stand for this recipe.
uint64_t recipe_tag(const WarmRequest& w) {
  Checksum64 sum;
  auto add = [&sum](std::string_view s) {
    const uint64_t n = s.size();
    sum.update(&n, sizeof n);
    std::string padded(s);
    padded.resize((s.size() + 7) & ~size_t{7}, '\0');
    sum.update(padded.data(), padded.size());
  };
  add(w.program);
  // The interpreter and the agent as files: an upgraded python3 or an edited agent is another
  // recipe even under the same path.
  for (const std::string& file : {w.program, w.argv.size() > 2 ? w.argv[2] : w.argv.back()}) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) continue;
    const uint64_t id[3] = {static_cast<uint64_t>(st.st_size),
                            static_cast<uint64_t>(st.st_mtim.tv_sec),
                            static_cast<uint64_t>(st.st_mtim.tv_nsec)};
    sum.update(id, sizeof id);
  }
  for (const auto& list : {w.argv, w.envp, w.allow_read}) {
    add("--");
    for (const std::string& s : list) add(s);
  }
  const uint64_t fields[2] = {w.memory_bytes, w.ready_on_stdin ? 1u : 0u};
  sum.update(fields, sizeof fields);
  return sum.value();
}

// One VM of the pool and the snapshot it was forked from.
struct Slot {
  std::shared_ptr<const Snapshot> snap;
  std::unique_ptr<Machine> machine;
};

// A bounded pool of slots with a bounded wait queue: take() hands out an idle slot, waits for
// one while fewer than `queue_limit` callers already wait, and refuses with kBusy beyond that;
// give() returns it. Thread-safe.
class SlotPool {
 public:
  SlotPool(size_t slots, size_t queue_limit) : queue_limit_(queue_limit) {
    for (size_t i = 0; i < slots; ++i) idle_.push_back(std::make_unique<Slot>());
  }
  [[nodiscard]] std::expected<std::unique_ptr<Slot>, RuntimeError> take() {
    std::unique_lock lock(mu_);
    if (idle_.empty()) {
      if (waiting_ >= queue_limit_) return std::unexpected(RuntimeError::kBusy);
      ++waiting_;
      cv_.wait(lock, [&] { return !idle_.empty(); });
      --waiting_;
    }
    std::unique_ptr<Slot> slot = std::move(idle_.back());
    idle_.pop_back();
    return slot;
  }
  void give(std::unique_ptr<Slot> slot) {
    {
      std::lock_guard lock(mu_);
      idle_.push_back(std::move(slot));
    }
    cv_.notify_one();
  }
 private:
  const size_t queue_limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Slot>> idle_;  // guarded by mu_
  size_t waiting_ = 0;                       // guarded by mu_
};

class KvmRuntime final : public Runtime {
 public:
  KvmRuntime(RuntimeConfig config, Recipe recipe, std::shared_ptr<const Snapshot> snap)
      : config_(std::move(config)),
        recipe_(std::move(recipe)),
        snap_(std::move(snap)),
        pooled_(config_.style != "fresh"),
        warmed_at_(Clock::now()),
        pool_size_(std::clamp<size_t>(
            config_.pool_size ? config_.pool_size : std::thread::hardware_concurrency(), 1,
            kMaxPoolSize)),
        pool_(pool_size_, config_.queue_limit),
        fresh_(pooled_ ? nullptr
                       : std::make_unique<FreshForks>(pool_size_, max_pages_for({}, *snap_))) {}

  const RuntimeInfo& info() const override { return recipe_.info; }
  bool blocking() const override { return true; }

  std::expected<ExecResult, RuntimeError> exec(const ExecRequest& req) override {
    const auto started = Clock::now();
    auto slot = pool_.take();
    if (!slot) return std::unexpected(slot.error());
    ExecResult result = run_in(**slot, req);
    pool_.give(std::move(*slot));
    result.timings.total_us = micros_since(started);
    result.timings.queue_us =
        result.timings.total_us -
        std::min(result.timings.total_us, result.timings.fork_us + result.timings.run_us);
    return result;
  }

  SandboxCounters counters() const override { return counters_.snapshot(pool_size_); }

 private:
  std::shared_ptr<const Snapshot> current_snapshot() {
    std::lock_guard lock(snap_mu_);
    const bool by_count =
        config_.rotate_after_forks && forks_since_warm_ >= config_.rotate_after_forks;
    const bool by_time =
        config_.rotate_after_seconds &&
        Clock::now() - warmed_at_ >= std::chrono::seconds(config_.rotate_after_seconds);
    if (by_count || by_time) {
      // Re-warm: a new address layout, hash seed and interpreter state for the forks to come.
      // On failure keep serving from the old snapshot rather than failing requests.
      if (auto fresh = warm_snapshot(recipe_.warm)) snap_ = std::move(*fresh);
      warmed_at_ = Clock::now();
      forks_since_warm_ = 0;
      rotations_.fetch_add(1, std::memory_order_relaxed);
    }
    ++forks_since_warm_;
    return snap_;
  }

  uint64_t max_pages_for(const ExecRequest& req, const Snapshot& snap) const {
    uint64_t mb = req.memory_mb ? req.memory_mb : config_.memory_mb;
    uint64_t bytes = std::min<uint64_t>(mb, kMaxMemoryMb) << 20;
    bytes = std::min(bytes, snap.image.memory_size - kReservedBytes);
    return bytes / kPageBytes;
  }

  static ExecResult engine_error(std::string message) {
    ExecResult r;
    r.status = RunStatus::kEngineError;
    r.message = std::move(message);
    return r;
  }

  ExecResult run_in(Slot& slot, const ExecRequest& req) {
    // Lua's agent reads the request through stdin's buffer: it gets only the seed it uses.
    const size_t seed_bytes = recipe_.warm.ready_on_stdin ? kLuaSeedBytes : kPythonSeedBytes;
    auto blob = encode_request(req.file_name.empty() ? "<string>" : req.file_name, req.code,
                               req.args, seed_bytes);
    if (!blob) {
      ExecResult r = engine_error(blob.error());
      r.status = RunStatus::kLoadError;
      return r;
    }
    // 1. A VM at the snapshot: reuse the pooled one (already reset) or fork a new one.
    const auto fork_started = Clock::now();
    std::shared_ptr<const Snapshot> snap = current_snapshot();
    const uint64_t max_pages = max_pages_for(req, *snap);
    if (!pooled_) {
      // Fresh: a never-used VM, prepared ahead by fresh_ when one is ready (see FreshForks).
      auto m = fresh_->take(snap, max_pages);
      if (!m) return engine_error(std::string("cannot fork the snapshot: ") + describe(m.error()));
      slot.machine = std::move(*m);
      slot.snap = snap;
      counters_.add_fork();
    } else if (!slot.machine || slot.snap != snap) {
      slot.machine.reset();
      auto m = Machine::create_fork(snap->image, snap->memfd.get(), true, max_pages);
      if (!m) return engine_error(std::string("cannot fork the snapshot: ") + describe(m.error()));
      slot.machine = std::move(*m);
      slot.snap = snap;
      counters_.add_fork();
    }
    Machine& m = *slot.machine;
    m.set_max_pages(max_pages);  // this request's limit (a pooled VM kept the previous one)
    ExecResult result;
    result.timings.fork_us = micros_since(fork_started);

    // 2. The request goes in: the code channel (Python) or the front of stdin (Lua).
    const auto run_started = Clock::now();
    os::Personality personality = snap->personality;
    CodeChannel channel;
    if (snap->ready_on_stdin) {
      personality.set_stdin_data(*blob + req.stdin_data);
    } else {
      channel.data = std::move(*blob);
      personality.set_stdin_data(req.stdin_data);
    }

    // 3. Resume inside the pending read and run to the end under the deadline.
    LoopEnd end;
    {
      Deadline deadline(m.run_page(), req.timeout_ms ? req.timeout_ms : config_.timeout_ms);
      end = serve_guest(m, personality, deadline, channel, true);
    }
    if (end.ready) {
      end.status = RunStatus::kEngineError;
      end.message = "the agent paused again at its ready point";
    }
    result.status = end.status;
    result.exit_code = end.exit_code;
    result.signal = end.signal;
    result.message = std::move(end.message);
    result.stdout_data = personality.captured_stdout();
    result.stderr_data = personality.captured_stderr();
    result.usage.syscalls = end.syscalls;
    result.timings.run_us = micros_since(run_started);
    counters_.count_outcome(result.status);

    // 4. Back to the snapshot (pooled) or away with the VM (fresh). A VM whose reset fails is
    // dropped, so one broken execution never reaches the next.
    const auto reset_started = Clock::now();
    if (pooled_) {
      auto dropped = m.reset(snap->image, max_pages);
      if (dropped) {
        result.usage.pages_written = *dropped;
        counters_.add_reset();
      } else {
        slot.machine.reset();
      }
    } else {
      // The VM's private copies: what this execution (and its prewarm) wrote. Destroyed by
      // fresh_'s thread after the result is returned.
      if (auto copied = m.private_pages()) result.usage.pages_written = *copied;
      fresh_->retire(std::move(slot.machine), snap);
    }
    result.timings.fork_us += micros_since(reset_started);
    return result;
  }


  const RuntimeConfig config_;
  const Recipe recipe_;
  std::mutex snap_mu_;
  std::shared_ptr<const Snapshot> snap_;  // guarded by snap_mu_
  const bool pooled_;
  Clock::time_point warmed_at_;    // guarded by snap_mu_
  uint64_t forks_since_warm_ = 0;  // guarded by snap_mu_
  const size_t pool_size_;
  SlotPool pool_;
  AtomicSandboxCounters counters_;
  std::atomic<uint64_t> rotations_{0};
  // Fresh style only: prepares VMs ahead and destroys used ones off the request path. Last, so
  // it is destroyed first (its thread stops before anything it could reach goes).
  std::unique_ptr<FreshForks> fresh_;
};

}  // namespace

std::expected<std::shared_ptr<Runtime>, std::string> make_runtime(const RuntimeConfig& config) {
  return make_runtime(config, config.snapshot_path);
}

std::expected<WarmRequest, std::string> warm_request_for(const RuntimeConfig& config) {
  auto recipe = recipe_for(config);
  if (!recipe) return std::unexpected(recipe.error());
  return recipe->warm;
}

std::expected<std::shared_ptr<Runtime>, std::string> make_runtime(const RuntimeConfig& config,
                                                                  const std::string& snapshot_path,
                                                                  std::string* note) {
  std::string why;
  if (!available(&why)) return std::unexpected("kvm is not available: " + why);
  if (config.style != "pooled" && config.style != "fresh")
    return std::unexpected("unknown style '" + config.style + "' (pooled or fresh)");
  auto recipe = recipe_for(config);
  if (!recipe) return std::unexpected(recipe.error());
  std::string said;
  if (!snapshot_path.empty()) {
    auto loaded = load_snapshot(snapshot_path, recipe_tag(recipe->warm));
    // A snapshot for another memory size would not match this configuration's limits.
    if (loaded && (*loaded)->image.memory_size == kReservedBytes + recipe->warm.memory_bytes) {
      if (note) *note = "loaded the snapshot from " + snapshot_path;
      return std::make_shared<KvmRuntime>(config, std::move(*recipe), std::move(*loaded));
    }
    said = loaded ? "the snapshot in " + snapshot_path + " is for another memory size"
                  : std::string(describe(loaded.error())) + " (" + snapshot_path + ")";
  }
  auto snap = warm_snapshot(recipe->warm);
  if (!snap) return std::unexpected(snap.error());
  if (!snapshot_path.empty()) {
    auto saved = save_snapshot(**snap, snapshot_path, recipe_tag(recipe->warm));
    said += saved ? "; warmed and saved a new one"
                  : std::string("; warmed, but saving failed: ") + describe(saved.error());
  }
  if (note) *note = said.empty() ? "warmed" : said;
  return std::make_shared<KvmRuntime>(config, std::move(*recipe), std::move(*snap));
}

namespace {

// A static x86-64 handler program (guest/include/forkbox.h) warmed to forkbox_wait_request and
// served from a pool of VMs reset in place after every request, like the pooled runtimes.
class KvmHandler final : public Handler {
 public:
  KvmHandler(HandlerConfig config, std::shared_ptr<const Snapshot> snap)
      : config_(std::move(config)),
        snap_(std::move(snap)),
        pool_size_(std::clamp<size_t>(std::thread::hardware_concurrency(), 1, kMaxPoolSize)),
        pool_(pool_size_, kHandlerQueueLimit) {}

  const std::string& name() const override { return config_.name; }
  bool blocking() const override { return true; }

  SandboxCounters counters() const override { return counters_.snapshot(pool_size_); }

  std::expected<HandlerResponse, RuntimeError> handle(const HandlerRequest& req) override {
    auto slot = pool_.take();
    if (!slot) return std::unexpected(slot.error());
    HandlerResponse out = serve(**slot, req);
    pool_.give(std::move(*slot));
    return out;
  }

 private:
  // Why 64: the same bound as a runtime's default queue_limit (factory.hpp).
  static constexpr size_t kHandlerQueueLimit = 64;

  HandlerResponse serve(Slot& slot, const HandlerRequest& req) {
    const auto started = Clock::now();
    const uint64_t max_pages =
        std::min<uint64_t>(config_.memory_mb << 20, snap_->image.memory_size - kReservedBytes) /
        kPageBytes;
    HandlerResponse failed;
    failed.status = RunStatus::kEngineError;
    if (!slot.machine) {
      auto m = Machine::create_fork(snap_->image, snap_->memfd.get(), true, max_pages);
      if (!m) {
        failed.message = std::string("cannot fork the handler: ") + describe(m.error());
        return failed;
      }
      slot.machine = std::move(*m);
      slot.snap = snap_;
      counters_.add_fork();
    }
    Machine& m = *slot.machine;
    m.set_max_pages(max_pages);
    os::Personality personality = snap_->personality;
    CodeChannel channel;
    HostCallState host;
    host.request = &req;
    LoopEnd end;
    {
      Deadline deadline(m.run_page(), config_.timeout_ms);
      end = serve_guest(m, personality, deadline, channel, true, &host);
    }
    HandlerResponse out = std::move(host.response);
    out.status = end.status;
    out.message = std::move(end.message);
    if (!end.responded) {
      if (end.status == RunStatus::kExited) {
        out.status = RunStatus::kFault;
        out.message =
            "handler exited with status " + std::to_string(end.exit_code) + " without responding";
      }
      out.http_status = 500;
      out.content_type.clear();
      out.body.clear();
    }
    out.usage.syscalls = end.syscalls;
    counters_.count_outcome(out.status);
    // Back to the snapshot; a VM whose reset fails is dropped so it cannot reach the next one.
    if (auto dropped = m.reset(snap_->image, max_pages)) {
      out.usage.pages_written = *dropped;
      counters_.add_reset();
    } else {
      slot.machine.reset();
    }
    out.run_us = micros_since(started);
    return out;
  }

  const HandlerConfig config_;
  const std::shared_ptr<const Snapshot> snap_;
  const size_t pool_size_;
  SlotPool pool_;
  AtomicSandboxCounters counters_;
};

}  // namespace

std::expected<std::shared_ptr<Handler>, std::string> make_handler(const HandlerConfig& config) {
  std::string why;
  if (!available(&why)) return std::unexpected("kvm is not available: " + why);
  if (config.memory_mb == 0 || config.memory_mb > kMaxMemoryMb)
    return std::unexpected("memory_mb must be between 1 and 65536");
  WarmRequest warm;
  warm.program = config.program;
  warm.argv = {config.program};
  warm.memory_bytes = config.memory_mb << 20;
  warm.ready_on_wait_request = true;
  auto snap = warm_snapshot(warm);
  if (!snap) return std::unexpected("handler '" + config.name + "': " + snap.error());
  return std::make_shared<KvmHandler>(config, std::move(*snap));
}

}  // namespace forkbox::kvm

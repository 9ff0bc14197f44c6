// Counters behind GET /metrics (Prometheus text format 0.0.4). The request path only ever
// writes counters owned by its own event-loop thread (single-writer relaxed atomics: a plain
// load and store, no locked instruction, no shared cache line), and the scrape sums the
// per-thread slots. Per-runtime and per-handler metering lives in EntryMetrics objects that the
// store keeps by name, so counters survive a reload that replaces the sandbox behind the name.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sandbox/runtime.hpp"

namespace forkbox::server {

enum class Route : uint8_t {
  kRoot,
  kApp,
  kExec,
  kPistonExecute,
  kPistonRuntimes,
  kRuntimes,
  kHealthz,
  kMetrics,
  kAdmin,
  kOther,  // not found, malformed, rejected before routing
  kCount,
};
inline constexpr size_t kRouteCount = static_cast<size_t>(Route::kCount);
[[nodiscard]] const char* route_name(Route r);

// Outcome of one sandboxed call, as metered per runtime and handler.
enum class Outcome : uint8_t { kOk, kFault, kTimeout, kMemory, kOutput, kError, kBusy, kCount };
inline constexpr size_t kOutcomeCount = static_cast<size_t>(Outcome::kCount);
[[nodiscard]] const char* outcome_name(Outcome o);
[[nodiscard]] Outcome outcome_of(RunStatus s);

// Requests refused before reaching a sandbox, by reason.
enum class Rejection : uint8_t { kAuth, kRate, kConcurrency, kQueueFull, kConnections, kCount };
inline constexpr size_t kRejectionCount = static_cast<size_t>(Rejection::kCount);

// Written by one thread, read by any.
class Counter {
 public:
  void add(uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(uint64_t n) { v_.store(n, std::memory_order_relaxed); }
  [[nodiscard]] uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// Latency bucket upper bounds in microseconds (Prometheus `le`, reported in seconds).
inline constexpr std::array<uint64_t, 16> kLatencyBoundsUs = {
    25,     50,     100,     250,     500,     1'000,     2'500,     5'000,
    10'000, 25'000, 100'000, 250'000, 1'000'000, 2'500'000, 10'000'000, 60'000'000};

struct Histogram {
  std::array<Counter, kLatencyBoundsUs.size() + 1> buckets;  // last: +Inf
  Counter sum_us;
  void observe(uint64_t us);
};

struct alignas(64) RouteSlot {
  std::array<Counter, 5> by_class;  // 1xx .. 5xx
  Histogram latency;
};

struct alignas(64) ThreadMetrics {
  std::array<RouteSlot, kRouteCount> routes;
  std::array<Counter, kRejectionCount> rejections;
  Counter connections_accepted;
  Counter connections_open;  // gauge
  Counter timeouts;          // connections closed by read/idle/write timeouts
  Counter bad_requests;      // malformed HTTP
};

struct alignas(64) EntrySlot {
  std::array<Counter, kOutcomeCount> outcomes;
  Histogram latency;
  Counter instructions;
  Counter cpu_us;
  Counter pages_written;
};

// Metering of one runtime or handler name, one slot per event-loop thread.
struct EntryMetrics {
  EntryMetrics(std::string kind_, std::string name_, unsigned threads)
      : kind(std::move(kind_)), name(std::move(name_)), slots(threads) {}
  std::string kind;  // "runtime" or "handler"
  std::string name;
  std::vector<EntrySlot> slots;
  std::atomic<size_t> queued{0};  // blocking calls waiting or running (the bounded queue)
};

// Live sandbox state for the scrape: engine counters and the current queue limit.
struct SandboxSample {
  const EntryMetrics* metrics;
  SandboxCounters counters;
};

class MetricsStore {
 public:
  explicit MetricsStore(unsigned threads);
  MetricsStore(const MetricsStore&) = delete;
  MetricsStore& operator=(const MetricsStore&) = delete;

  [[nodiscard]] ThreadMetrics& thread(unsigned index) { return threads_[index]; }
  [[nodiscard]] unsigned thread_count() const { return static_cast<unsigned>(threads_.size()); }
  // The metering object for a name; created on first use, kept for the server's lifetime.
  [[nodiscard]] std::shared_ptr<EntryMetrics> entry(const std::string& kind,
                                                    const std::string& name);

  std::atomic<uint64_t> reloads_ok{0};
  std::atomic<uint64_t> reloads_failed{0};

  // Appends the whole exposition to `out`.
  void render(std::string& out, const std::vector<SandboxSample>& live) const;

 private:
  std::vector<ThreadMetrics> threads_;
  mutable std::mutex entries_mutex_;  // only taken at registry build and scrape time
  std::map<std::pair<std::string, std::string>, std::shared_ptr<EntryMetrics>> entries_;
};

}  // namespace forkbox::server

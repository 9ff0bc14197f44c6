// Bearer-token API keys with per-key limits. A key's state (requests in flight, rate-limit
// clock) lives for the server's lifetime in a KeyStore, so a reload that keeps a key keeps its
// accounting, and requests in flight across a reload release the slot they took.
//
// The rate limit is GCRA (a token bucket expressed as one "theoretical arrival time"), updated
// with a compare-and-swap so concurrent event loops never take a lock for it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "server/config.hpp"

namespace forkbox::server {

class KeyState {
 public:
  explicit KeyState(std::string name) : name_(std::move(name)) {}
  [[nodiscard]] const std::string& name() const { return name_; }
  void set_limits(const ApiKeyConfig& config);

  // True when one more request fits the rate; consumes it.
  [[nodiscard]] bool take_rate(int64_t now_ns);
  // Nanoseconds until take_rate could succeed (for Retry-After).
  [[nodiscard]] int64_t rate_wait_ns(int64_t now_ns) const;
  // True when one more request fits the concurrency limit; the caller must leave() later.
  [[nodiscard]] bool enter();
  void leave() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  std::string name_;
  std::atomic<uint32_t> max_concurrency_{0};
  std::atomic<uint32_t> in_flight_{0};
  std::atomic<int64_t> interval_ns_{0};  // 0: no rate limit
  std::atomic<int64_t> tolerance_ns_{0};
  std::atomic<int64_t> tat_ns_{0};
};

class KeyStore {
 public:
  // The state for a token, created on first sight and kept (and updated) afterwards.
  [[nodiscard]] KeyState* state(const ApiKeyConfig& config);

 private:
  std::mutex mutex_;  // only at registry build (start and reload)
  std::map<std::string, std::unique_ptr<KeyState>> states_;
};

}  // namespace forkbox::server

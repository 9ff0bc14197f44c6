// API key limits; see api_keys.hpp.
#include "server/api_keys.hpp"

#include <algorithm>

namespace forkbox::server {

void KeyState::set_limits(const ApiKeyConfig& config) {
  max_concurrency_.store(config.max_concurrency, std::memory_order_relaxed);
  if (config.rate_per_second > 0) {
    auto interval = static_cast<int64_t>(1e9 / config.rate_per_second);
    interval = std::max<int64_t>(interval, 1);
    uint32_t burst = std::max<uint32_t>(config.burst, 1);
    interval_ns_.store(interval, std::memory_order_relaxed);
    tolerance_ns_.store(interval * (burst - 1), std::memory_order_relaxed);
  } else {
    interval_ns_.store(0, std::memory_order_relaxed);
  }
}

bool KeyState::take_rate(int64_t now_ns) {
  int64_t interval = interval_ns_.load(std::memory_order_relaxed);
  if (interval == 0) return true;
  int64_t tolerance = tolerance_ns_.load(std::memory_order_relaxed);
  int64_t tat = tat_ns_.load(std::memory_order_relaxed);
  for (;;) {
    int64_t start = std::max(tat, now_ns);
    if (start - now_ns > tolerance) return false;
    if (tat_ns_.compare_exchange_weak(tat, start + interval, std::memory_order_relaxed)) return true;
  }
}

int64_t KeyState::rate_wait_ns(int64_t now_ns) const {
  int64_t tat = tat_ns_.load(std::memory_order_relaxed);
  int64_t tolerance = tolerance_ns_.load(std::memory_order_relaxed);
  return std::max<int64_t>(0, tat - now_ns - tolerance);
}

bool KeyState::enter() {
  uint32_t max = max_concurrency_.load(std::memory_order_relaxed);
  uint32_t now = in_flight_.fetch_add(1, std::memory_order_relaxed);
  if (max != 0 && now >= max) {
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

KeyState* KeyStore::state(const ApiKeyConfig& config) {
  std::lock_guard lock(mutex_);
  auto& slot = states_[config.token];
  if (!slot) slot = std::make_unique<KeyState>(config.name);
  slot->set_limits(config);
  return slot.get();
}

}  // namespace forkbox::server

// What the server serves at one moment: the runtimes, their Piston aliases, the handlers and the
// API keys. A Registry is immutable once built; reload builds a new one and swaps it in, and
// each event loop picks the new one up between requests (see server.cpp), so a request always
// sees one consistent registry and in-flight requests finish on the one they started with.
//
// Sandboxes come from a SandboxLoader: the real one (load_sandboxes) asks the factory for the
// configured runtimes and handlers and logs one warning for each that cannot be built; tests
// inject fakes through the same type.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/runtime.hpp"
#include "server/api_keys.hpp"
#include "server/config.hpp"
#include "server/metrics.hpp"

namespace forkbox::server {

struct Sandboxes {
  struct RuntimeSlot {
    std::shared_ptr<Runtime> runtime;
    size_t queue_limit = 64;  // blocking runtimes: calls that may wait or run at once
  };
  struct HandlerSlot {
    std::shared_ptr<Handler> handler;
    size_t queue_limit = 64;
  };
  std::vector<RuntimeSlot> runtimes;
  std::vector<HandlerSlot> handlers;
};

// Builds the sandboxes a configuration names. Called at start and at every reload, off the
// event loops (building a sandbox warms a program and may take long).
using SandboxLoader = std::function<Sandboxes(const ServerConfig&)>;

// The real loader: make_runtime/make_handler for each entry; failures are logged and skipped.
[[nodiscard]] Sandboxes load_sandboxes(const ServerConfig& config);

struct RuntimeEntry {
  std::shared_ptr<Runtime> runtime;
  std::shared_ptr<EntryMetrics> metrics;
  size_t queue_limit = 64;
};

struct HandlerEntry {
  std::shared_ptr<Handler> handler;
  std::shared_ptr<EntryMetrics> metrics;
  size_t queue_limit = 64;
};

struct Registry {
  uint64_t generation = 0;
  std::map<std::string, RuntimeEntry, std::less<>> runtimes;
  std::map<std::string, std::string, std::less<>> aliases;  // alias -> runtime name
  std::map<std::string, HandlerEntry, std::less<>> handlers;
  std::map<std::string, KeyState*, std::less<>> keys;  // token -> state (owned by the KeyStore)

  // By name or Piston alias; nullptr when unknown.
  [[nodiscard]] const RuntimeEntry* find_runtime(std::string_view name) const;
  [[nodiscard]] const HandlerEntry* find_handler(std::string_view name) const;
  [[nodiscard]] std::vector<SandboxSample> samples() const;
};

[[nodiscard]] std::shared_ptr<const Registry> build_registry(const ServerConfig& config,
                                                             Sandboxes sandboxes,
                                                             MetricsStore& metrics,
                                                             KeyStore& keys,
                                                             uint64_t generation);

}  // namespace forkbox::server

// Registry construction and lookup; see registry.hpp.
#include "server/registry.hpp"

#include "sandbox/factory.hpp"
#include "server/log.hpp"

namespace forkbox::server {

Sandboxes load_sandboxes(const ServerConfig& config) {
  Sandboxes out;
  for (const RuntimeConfig& rc : config.runtimes) {
    auto runtime = make_runtime(rc);
    if (!runtime) {
      log_warning("runtime '{}' ({}) is not available: {}", rc.name, rc.engine, runtime.error());
      continue;
    }
    out.runtimes.push_back({std::move(*runtime), rc.queue_limit});
  }
  for (const HandlerConfig& hc : config.handlers) {
    auto handler = make_handler(hc);
    if (!handler) {
      log_warning("handler '{}' ({}) is not available: {}", hc.name, hc.engine, handler.error());
      continue;
    }
    out.handlers.push_back({std::move(*handler), config.handler_queue_limit});
  }
  return out;
}

const RuntimeEntry* Registry::find_runtime(std::string_view name) const {
  if (auto it = runtimes.find(name); it != runtimes.end()) return &it->second;
  if (auto a = aliases.find(name); a != aliases.end()) {
    if (auto it = runtimes.find(a->second); it != runtimes.end()) return &it->second;
  }
  return nullptr;
}

const HandlerEntry* Registry::find_handler(std::string_view name) const {
  auto it = handlers.find(name);
  return it == handlers.end() ? nullptr : &it->second;
}

std::vector<SandboxSample> Registry::samples() const {
  std::vector<SandboxSample> out;
  for (const auto& [name, e] : runtimes) out.push_back({e.metrics.get(), e.runtime->counters()});
  for (const auto& [name, e] : handlers) out.push_back({e.metrics.get(), e.handler->counters()});
  return out;
}

std::shared_ptr<const Registry> build_registry(const ServerConfig& config, Sandboxes sandboxes,
                                               MetricsStore& metrics, KeyStore& keys,
                                               uint64_t generation) {
  auto registry = std::make_shared<Registry>();
  registry->generation = generation;
  for (auto& slot : sandboxes.runtimes) {
    if (!slot.runtime) continue;
    const RuntimeInfo& info = slot.runtime->info();
    if (registry->runtimes.contains(info.name)) {
      log_warning("runtime '{}' is configured twice; serving the first", info.name);
      continue;
    }
    RuntimeEntry entry{slot.runtime, metrics.entry("runtime", info.name), slot.queue_limit};
    for (const std::string& alias : info.aliases) registry->aliases.emplace(alias, info.name);
    registry->runtimes.emplace(info.name, std::move(entry));
  }
  for (auto& slot : sandboxes.handlers) {
    if (!slot.handler) continue;
    const std::string& name = slot.handler->name();
    if (registry->handlers.contains(name)) {
      log_warning("handler '{}' is configured twice; serving the first", name);
      continue;
    }
    registry->handlers.emplace(
        name, HandlerEntry{slot.handler, metrics.entry("handler", name), slot.queue_limit});
  }
  for (const ApiKeyConfig& key : config.api_keys) registry->keys[key.token] = keys.state(key);
  return registry;
}

}  // namespace forkbox::server

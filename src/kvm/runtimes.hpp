// The kvm engine's runtimes and handlers for the sandbox model (see sandbox/runtime.hpp).
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "kvm/snapshot.hpp"
#include "sandbox/factory.hpp"

namespace forkbox::kvm {

[[nodiscard]] std::expected<std::shared_ptr<Runtime>, std::string> make_runtime(
    const RuntimeConfig& config);
// The same runtime, its snapshot kept in the file `snapshot_path` (snapshot_file.hpp): loaded
// from there when the file holds a valid snapshot for this forkbox and this host's CPU,
// otherwise warmed as usual and saved there (a failed save is not fatal: the runtime serves
// from memory). `note`, when given, receives one line saying which happened and why.
[[nodiscard]] std::expected<std::shared_ptr<Runtime>, std::string> make_runtime(
    const RuntimeConfig& config, const std::string& snapshot_path, std::string* note = nullptr);
// The warm-up a runtime configuration stands for (interpreter, agent, argv, environment, read
// view, memory): what make_runtime snapshots, for tools that warm the same agent themselves
// (the dirty-page trace in tests/kvm).
[[nodiscard]] std::expected<WarmRequest, std::string> warm_request_for(const RuntimeConfig& config);
[[nodiscard]] std::expected<std::shared_ptr<Handler>, std::string> make_handler(
    const HandlerConfig& config);

}  // namespace forkbox::kvm

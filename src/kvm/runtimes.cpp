// Placeholder until kvm snapshots land (issue #6).
#include "kvm/runtimes.hpp"

namespace forkbox::kvm {

std::expected<std::shared_ptr<Runtime>, std::string> make_runtime(const RuntimeConfig& config) {
  return std::unexpected("kvm runtime '" + config.name + "' is not available yet");
}
std::expected<std::shared_ptr<Handler>, std::string> make_handler(const HandlerConfig& config) {
  return std::unexpected("kvm handler '" + config.name + "' is not available yet");
}

}  // namespace forkbox::kvm

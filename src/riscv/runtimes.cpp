// Placeholder until the template/instance model lands (issue #3).
#include "riscv/runtimes.hpp"

namespace forkbox::riscv {

std::expected<std::shared_ptr<Runtime>, std::string> make_runtime(const RuntimeConfig& config) {
  return std::unexpected("riscv runtime '" + config.name + "' is not available yet");
}
std::expected<std::shared_ptr<Handler>, std::string> make_handler(const HandlerConfig& config) {
  return std::unexpected("riscv handler '" + config.name + "' is not available yet");
}

}  // namespace forkbox::riscv

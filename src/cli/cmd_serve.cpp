// Placeholder: `forkbox serve` is being built.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

#include <fmt/format.h>

namespace forkbox::cli {

Command register_serve(CLI::App& app) {
  app.add_subcommand("serve", "(not available yet)")->allow_extras();
  return [](const std::vector<std::string>&) {
    fmt::print(stderr, "forkbox: serve is not available yet\n");
    return kExitUsage;
  };
}

}  // namespace forkbox::cli

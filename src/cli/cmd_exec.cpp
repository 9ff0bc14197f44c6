// Placeholder: `forkbox exec` is being built.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

#include <fmt/format.h>

namespace forkbox::cli {

Command register_exec(CLI::App& app) {
  app.add_subcommand("exec", "(not available yet)")->allow_extras();
  return [](const std::vector<std::string>&) {
    fmt::print(stderr, "forkbox: exec is not available yet\n");
    return kExitUsage;
  };
}

}  // namespace forkbox::cli

// Placeholder: `forkbox bench exec` is being built.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

#include <fmt/format.h>

namespace forkbox::cli {

Command register_bench_exec(CLI::App& app) {
  app.add_subcommand("exec", "(not available yet)")->allow_extras();
  return [](const std::vector<std::string>&) {
    fmt::print(stderr, "forkbox: bench exec is not available yet\n");
    return kExitUsage;
  };
}

}  // namespace forkbox::cli

// Placeholder: `forkbox bench fork` is being built.
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

#include <fmt/format.h>

namespace forkbox::cli {

Command register_bench_fork(CLI::App& app) {
  app.add_subcommand("fork", "(not available yet)")->allow_extras();
  return [](const std::vector<std::string>&) {
    fmt::print(stderr, "forkbox: bench fork is not available yet\n");
    return kExitUsage;
  };
}

}  // namespace forkbox::cli

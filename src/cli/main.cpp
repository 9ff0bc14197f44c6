// forkbox: command-line front end. Parses the subcommand and hands over to it.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

int main(int argc, char** argv) {
  CLI::App app{"forkbox: per-request sandboxes in copy-on-write forks of warmed programs"};
  app.require_subcommand(1);
  forkbox::cli::Command run = forkbox::cli::register_run(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : forkbox::cli::kExitUsage;
  }
  if (app.got_subcommand("run")) return run();
  return forkbox::cli::kExitUsage;
}

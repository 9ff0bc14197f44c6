// forkbox: command-line front end. Parses the subcommand and hands over to it.
#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

int main(int argc, char** argv) {
  CLI::App app{"forkbox: per-request sandboxes in copy-on-write forks of warmed programs"};
  app.require_subcommand(1);
  forkbox::cli::Command run = forkbox::cli::register_run(app);
  // Everything after the first `--` is the guest's command line, never forkbox's options.
  std::vector<std::string> tail;
  int parsed_argc = argc;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      tail.assign(argv + i + 1, argv + argc);
      parsed_argc = i;
      break;
    }
  }
  try {
    app.parse(parsed_argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : forkbox::cli::kExitUsage;
  }
  if (app.got_subcommand("run")) return run(tail);
  return forkbox::cli::kExitUsage;
}

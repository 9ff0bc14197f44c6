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
  using namespace forkbox::cli;
  Command run = register_run(app);
  Command exec = register_exec(app);
  Command serve = register_serve(app);
  CLI::App* bench = app.add_subcommand("bench", "Built-in benchmarks (one JSON object on stdout)");
  bench->require_subcommand(1);
  Command bench_fork = register_bench_fork(*bench);
  Command bench_exec = register_bench_exec(*bench);
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
  if (app.got_subcommand("exec")) return exec(tail);
  if (app.got_subcommand("serve")) return serve(tail);
  if (bench->got_subcommand("fork")) return bench_fork(tail);
  if (bench->got_subcommand("exec")) return bench_exec(tail);
  return forkbox::cli::kExitUsage;
}

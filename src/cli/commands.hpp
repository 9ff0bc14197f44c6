// Subcommand registration for the `forkbox` CLI. Each subcommand lives in its own file
// (cmd_run.cpp, ...) and registers its options on the CLI11 app; main() dispatches.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace forkbox::cli {

// Registers a subcommand; the returned callable runs it after parsing and returns the exit
// status. `tail` holds the words after a literal `--` (a program and its arguments), which
// main() keeps away from the option parser.
using Command = std::function<int(const std::vector<std::string>& tail)>;

Command register_run(CLI::App& app);

}  // namespace forkbox::cli

// Subcommand registration for the `forkbox` CLI. Each subcommand lives in its own file
// (cmd_run.cpp, ...) and registers its options on the CLI11 app; main() dispatches.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace forkbox::cli {

// Registers a subcommand; the returned callable runs it after parsing and returns the exit
// status.
using Command = std::function<int()>;

Command register_run(CLI::App& app);

}  // namespace forkbox::cli

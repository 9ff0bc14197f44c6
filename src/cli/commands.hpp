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

Command register_run(CLI::App& app);      // cmd_run.cpp
Command register_exec(CLI::App& app);     // cmd_exec.cpp
Command register_serve(CLI::App& app);    // cmd_serve.cpp
// `forkbox bench` has one subcommand per benchmark, each in its own file.
Command register_bench_fork(CLI::App& bench);  // cmd_bench_fork.cpp (riscv forks)
Command register_bench_exec(CLI::App& bench);  // cmd_bench_exec.cpp (kvm executions)

}  // namespace forkbox::cli

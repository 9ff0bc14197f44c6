// Loading a static RV64 executable into a root machine: map it, build the stack as Linux does,
// and point the hart at its entry. Shared by one-shot runs (run.cpp) and templates.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "riscv/machine.hpp"

namespace forkbox::riscv {

// A one-line reason on failure (missing file, malformed ELF, dynamic executable, ...).
[[nodiscard]] std::expected<void, std::string> load_static_program(
    Machine& m, const std::string& program, const std::vector<std::string>& argv,
    const std::vector<std::string>& envp);

}  // namespace forkbox::riscv

// A warmed program frozen at its ready point, the parent of every fork that serves a request.
//
// Building one is a linear list of steps: load the ELF, run it until it pauses (its first read
// of stdin, or forkbox_wait_request), decode all of its code, freeze. A Template is immutable
// from then on and shared by std::shared_ptr<const Template>: any number of threads may fork it
// at once, and replacing it (hot reload) never disturbs forks in flight, which keep theirs.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "riscv/machine.hpp"

namespace forkbox::riscv {

struct TemplateSpec {
  std::string program;            // host path of the static RV64 ELF
  std::vector<std::string> argv;  // argv[0] included
  std::vector<std::string> envp;
  os::PersonalityConfig personality;  // stdio is captured; pause_on_stdin_read as needed
  uint64_t memory_bytes = 512ull << 20;
  // Why 10^10: warming Lua takes a few million instructions; a program that has not reached
  // its ready point after this many never will, and the budget keeps a broken one from
  // hanging the server's start.
  uint64_t warmup_instructions = 10'000'000'000ull;
  // Translate the program's code to host code at freeze time (jit.hpp). Off: every fork
  // interprets (for comparison, and as a fallback).
  bool translate = true;
};

class Template {
 public:
  // Loads and warms the program; a one-line reason on failure (load error, exit or fault
  // before the ready point, with the program's stderr).
  [[nodiscard]] static std::expected<std::shared_ptr<const Template>, std::string> build(
      const TemplateSpec& spec);
  // Freezes a root machine that is paused at its ready point.
  [[nodiscard]] static std::shared_ptr<const Template> freeze(
      std::unique_ptr<Machine> paused, std::unordered_map<std::string, uint64_t> symbols = {},
      bool translate = true);

  [[nodiscard]] const Machine& machine() const { return *machine_; }
  [[nodiscard]] ReadyPoint ready_point() const { return machine_->ready_point(); }
  // Address of a function in the program, by ELF symbol name.
  [[nodiscard]] std::optional<uint64_t> symbol(const std::string& name) const;
  // Host memory the template holds: its pages plus decoded code.
  [[nodiscard]] size_t memory_bytes() const;

 private:
  explicit Template(std::unique_ptr<Machine> m) : machine_(std::move(m)) {}
  std::unique_ptr<Machine> machine_;
  std::unordered_map<std::string, uint64_t> symbols_;
};

}  // namespace forkbox::riscv

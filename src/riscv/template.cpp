// Template construction: load, warm up to the ready point, decode, freeze.
#include "riscv/template.hpp"

#include <fstream>
#include <iterator>

#include "riscv/load.hpp"
#include "elf/symbols.hpp"

namespace forkbox::riscv {
std::expected<std::shared_ptr<const Template>, std::string> Template::build(
    const TemplateSpec& spec) {
  // 1. Load the program into a fresh root machine.
  os::PersonalityConfig pc = spec.personality;
  pc.arch = os::Arch::kRiscv64;
  auto m = std::make_unique<Machine>(std::move(pc), spec.memory_bytes);
  if (auto loaded = load_static_program(*m, spec.program, spec.argv, spec.envp); !loaded)
    return std::unexpected(spec.program + ": " + loaded.error());

  // 2. Warm up: run to the ready point.
  Stop stop = m->run(spec.warmup_instructions);
  if (stop.reason != StopReason::kPaused) {
    std::string err = m->personality().captured_stderr();
    if (err.size() > 512) err.resize(512);
    return std::unexpected(spec.program + ": did not reach its ready point (" + describe(stop) +
                           (err.empty() ? ")" : "): " + err));
  }

  // 3. Symbols for calls by name; 4. decode and freeze.
  std::ifstream f(spec.program, std::ios::binary);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  return freeze(std::move(m), elf::read_function_symbols(bytes), spec.translate);
}

std::shared_ptr<const Template> Template::freeze(
    std::unique_ptr<Machine> paused, std::unordered_map<std::string, uint64_t> symbols,
    bool translate) {
  paused->decode_all();
  if (translate) paused->translate_all();
  auto t = std::shared_ptr<Template>(new Template(std::move(paused)));
  t->symbols_ = std::move(symbols);
  return t;
}

std::optional<uint64_t> Template::symbol(const std::string& name) const {
  auto it = symbols_.find(name);
  if (it == symbols_.end()) return std::nullopt;
  return it->second;
}

size_t Template::memory_bytes() const {
  size_t pages = machine_->memory().pages_owned() * os::kPageSize;
  return pages + machine_->overhead_bytes();
}

}  // namespace forkbox::riscv

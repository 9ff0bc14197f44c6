// load_static_program; see load.hpp.
#include "riscv/load.hpp"

#include "elf/loader.hpp"

namespace forkbox::riscv {
namespace {

// AT_HWCAP for RV64GC: one bit per single-letter extension (I, M, A, F, D, C), as Linux reports.
constexpr uint64_t kHwcapRv64gc = (1u << ('I' - 'A')) | (1u << ('M' - 'A')) | (1u << ('A' - 'A')) |
                                  (1u << ('F' - 'A')) | (1u << ('D' - 'A')) | (1u << ('C' - 'A'));

}  // namespace

std::expected<void, std::string> load_static_program(Machine& m, const std::string& program,
                                                     const std::vector<std::string>& argv,
                                                     const std::vector<std::string>& envp) {
  elf::LoadOptions lo;
  lo.arch = os::Arch::kRiscv64;
  lo.argv = argv;
  lo.envp = envp;
  lo.stack_top = Layout::kStackTop;
  lo.pie_base = Layout::kPieBase;
  lo.hwcap = kHwcapRv64gc;
  auto loaded = elf::load_program(program, lo, m.memory());
  if (!loaded) return std::unexpected(std::string(elf::describe(loaded.error())));
  if (loaded->dynamic)
    return std::unexpected("dynamically linked RISC-V programs are not supported; link with -static");
  m.memory().set_brk_start(loaded->brk_start);
  m.cpu().pc = loaded->entry;
  m.cpu().x[2] = loaded->stack_pointer;
  return {};
}

}  // namespace forkbox::riscv

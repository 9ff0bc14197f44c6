// Engine dispatch for runtime and handler construction; see factory.hpp.
#include "sandbox/factory.hpp"

#include "kvm/runtimes.hpp"
#include "riscv/runtimes.hpp"

namespace forkbox {

std::expected<std::shared_ptr<Runtime>, std::string> make_runtime(const RuntimeConfig& config) {
  if (config.engine == "riscv") return riscv::make_runtime(config);
  if (config.engine == "kvm") return kvm::make_runtime(config);
  return std::unexpected("unknown engine '" + config.engine + "' (riscv or kvm)");
}

std::expected<std::shared_ptr<Handler>, std::string> make_handler(const HandlerConfig& config) {
  if (config.engine == "riscv") return riscv::make_handler(config);
  if (config.engine == "kvm") return kvm::make_handler(config);
  return std::unexpected("unknown engine '" + config.engine + "' (riscv or kvm)");
}

std::vector<RuntimeConfig> default_runtime_configs() {
  std::vector<RuntimeConfig> out;
  RuntimeConfig lua;
  lua.name = "lua";
  lua.engine = "riscv";
  out.push_back(lua);
  RuntimeConfig python;
  python.name = "python";
  python.engine = "kvm";
  out.push_back(python);
  RuntimeConfig lua_kvm;
  lua_kvm.name = "lua-kvm";
  lua_kvm.engine = "kvm";
  out.push_back(lua_kvm);
  return out;
}

std::vector<HandlerConfig> default_handler_configs() {
  HandlerConfig hello;
  hello.name = "hello";
  hello.engine = "riscv";
  hello.program = bundled_path("guest/examples/hello_handler");
  HandlerConfig hello_kvm = hello;  // the same handler, x86-64, in a KVM micro-VM
  hello_kvm.name = "hello-kvm";
  hello_kvm.engine = "kvm";
  hello_kvm.program = bundled_path("guest/examples/hello_handler_x86_64");
  return {hello, hello_kvm};
}

}  // namespace forkbox

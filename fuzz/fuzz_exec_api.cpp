// libFuzzer target: the JSON of the execution APIs (src/server/exec_api.hpp). Each input is a
// request body handed to both parsers, /v1/exec and Piston's /api/v2/execute, under the default
// server limits; an accepted request must respect those limits. The same bytes then go through
// the response formatters as a guest's stdout and stderr (guests print arbitrary bytes,
// including invalid UTF-8), and the formatted body must be valid JSON. Exceptions escaping
// either side are findings: the router does not expect any.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/exec_api.hpp"

namespace {

void check_limits(const forkbox::server::ExecCall& call,
                  const forkbox::server::ServerConfig& config) {
  const forkbox::ExecRequest& r = call.request;
  if (r.code.size() > config.max_code_bytes || r.stdin_data.size() > config.max_stdin_bytes ||
      r.args.size() > config.max_args || r.timeout_ms > config.max_timeout_ms ||
      r.memory_mb > config.max_memory_mb)
    __builtin_trap();
  for (const auto& a : r.args)
    if (a.size() > config.max_arg_bytes) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const forkbox::server::ServerConfig config;
  std::string_view body(reinterpret_cast<const char*>(data), size);  // bytes, not a C string
  if (auto v1 = forkbox::server::parse_exec_v1(body, config)) check_limits(*v1, config);
  if (auto piston = forkbox::server::parse_piston_execute(body, config))
    check_limits(*piston, config);

  forkbox::ExecResult result;
  result.status = static_cast<forkbox::RunStatus>(size % 8);
  result.stdout_data = std::string(body);
  result.stderr_data = std::string(body.substr(0, body.size() / 2));
  result.message = std::string(body.substr(body.size() / 2));
  forkbox::RuntimeInfo info{"lua", "5.4.6", "riscv", {"lua5.4"}};
  for (const std::string& out : {forkbox::server::format_exec_v1(result, info),
                                 forkbox::server::format_piston_execute(result, info),
                                 forkbox::server::json_error(body, body),
                                 forkbox::server::piston_error(body)}) {
    if (!nlohmann::json::accept(out)) __builtin_trap();
  }
  return 0;
}

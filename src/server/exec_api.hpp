// The JSON of the execution APIs: POST /v1/exec (forkbox's own shape) and Piston v2
// (POST /api/v2/execute, GET /api/v2/runtimes), so existing Piston clients work unchanged.
// Parsing turns a hostile request body into a typed ExecRequest, checking every size against
// the configured limits; formatting turns an ExecResult into the response body. Neither knows
// about HTTP connections, which keeps them testable and the router short.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "sandbox/runtime.hpp"
#include "server/config.hpp"
#include "server/registry.hpp"

namespace forkbox::server {

// Why 64: real programs' JSON nests a few levels; deeper nesting only serves to exhaust the
// parser's stack or memory.
inline constexpr size_t kMaxJsonDepth = 64;

struct ApiError {
  unsigned http_status;  // 400 bad request, 413 too large
  std::string message;
};

struct ExecCall {
  std::string runtime;  // name or alias
  std::string version;  // Piston: requested version ("*" or a prefix); empty for /v1/exec
  ExecRequest request;
};

[[nodiscard]] std::expected<ExecCall, ApiError> parse_exec_v1(std::string_view body,
                                                              const ServerConfig& limits);
[[nodiscard]] std::expected<ExecCall, ApiError> parse_piston_execute(std::string_view body,
                                                                     const ServerConfig& limits);

// Piston version selection: "", "*", "x" or an exact or dotted-prefix match ("5.4" ~ "5.4.6").
[[nodiscard]] bool version_matches(std::string_view wanted, std::string_view have);

// The /v1/exec status word for a run status: ok, timeout, memory, fault or error.
[[nodiscard]] const char* exec_status_word(RunStatus s);

[[nodiscard]] std::string format_exec_v1(const ExecResult& result, const RuntimeInfo& info);
[[nodiscard]] std::string format_piston_execute(const ExecResult& result, const RuntimeInfo& info);
[[nodiscard]] std::string format_runtimes_v1(const Registry& registry);
[[nodiscard]] std::string format_piston_runtimes(const Registry& registry);

// {"error": message, "id": id}; id omitted when empty.
[[nodiscard]] std::string json_error(std::string_view message, std::string_view id);
// Piston's error shape: {"message": message}.
[[nodiscard]] std::string piston_error(std::string_view message);

}  // namespace forkbox::server

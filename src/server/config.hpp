// The configuration of `forkbox serve`: what to listen on, how many threads, the HTTP limits
// that keep hostile clients from holding memory or connections, API keys, the access log, and
// which runtimes and handlers to serve. It comes from a TOML file (forkbox.toml, see
// docs/server.md for every key), from the FORKBOX_API_KEYS environment variable and from CLI
// flags, in that order of precedence (later wins). Every default here is the documented one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/factory.hpp"

namespace forkbox::server {

enum class AccessLogMode : uint8_t { kOff, kSampled, kFull };

struct ApiKeyConfig {
  std::string name;   // shown in the access log and errors instead of the secret
  std::string token;  // the bearer token
  uint32_t max_concurrency = 0;  // requests in flight with this key (0: unlimited)
  double rate_per_second = 0;    // sustained request rate (0: unlimited)
  uint32_t burst = 0;            // requests above the rate allowed in a burst (0: rate, min 1)
};

// Hard ceilings on values read from the configuration itself, so a typo cannot ask for a
// million threads or a terabyte body buffer.
inline constexpr unsigned kMaxThreads = 256;
inline constexpr size_t kMaxHeaderBytesCeiling = 1u << 20;
inline constexpr size_t kMaxBodyBytesCeiling = 256u << 20;

struct ServerConfig {
  std::string address = "127.0.0.1";  // loopback by default: exposing it is a decision
  uint16_t port = 8080;
  unsigned threads = 0;           // event-loop threads (0: one per core)
  unsigned blocking_threads = 0;  // worker threads for blocking (kvm) sandboxes (0: cores)

  bool root_route = true;  // GET / answers root_body (the benchmark baseline)
  std::string root_body = "Hello from forkbox\n";

  // HTTP limits. Why these defaults: 8 KiB of headers is what common proxies accept; 1 MiB of
  // body is far above any program text the execution API takes (max_code_bytes).
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  size_t max_connections = 10'000;  // per server; beyond it new connections are closed
  uint64_t read_timeout_ms = 10'000;   // a started request must arrive completely in this time
  uint64_t idle_timeout_ms = 60'000;   // a keep-alive connection may wait this long for one
  uint64_t write_timeout_ms = 10'000;  // a response must be taken by the client in this time
  uint64_t drain_timeout_ms = 10'000;  // graceful shutdown waits this long for in-flight work

  // Execution API limits (/v1/exec and /api/v2/execute).
  size_t max_code_bytes = 256 * 1024;
  size_t max_stdin_bytes = 512 * 1024;
  size_t max_args = 64;
  size_t max_arg_bytes = 4096;
  uint64_t max_timeout_ms = 60'000;  // requests may lower the runtime's timeout, up to this
  uint64_t max_memory_mb = 2048;

  size_t handler_queue_limit = 64;  // blocking handlers: requests that may wait for a worker
  bool admin_reload = true;  // POST /admin/reload (loopback clients only)

  AccessLogMode access_log = AccessLogMode::kOff;
  uint32_t access_log_sample = 100;  // kSampled: one request in N
  std::string access_log_path;       // empty: stderr

  std::vector<ApiKeyConfig> api_keys;

  // Sandboxes. When the file names no runtime (handler), the built-in defaults are served.
  std::vector<RuntimeConfig> runtimes;
  std::vector<HandlerConfig> handlers;

  std::string config_path;  // the file this came from (reload re-reads it); empty: built-in
};

enum class ConfigErrorKind : uint8_t {
  kUnreadable,  // the file could not be opened or parsed as TOML
  kBadValue,    // a key has the wrong type or is out of range
  kBadListen,   // ADDR:PORT did not parse
};

struct ConfigError {
  ConfigErrorKind kind;
  std::string message;  // one line, names the key and the file
};

// The built-in configuration: loopback:8080, default runtimes and the `hello` handler.
[[nodiscard]] ServerConfig default_config();

// Reads a TOML file over the defaults. Unknown keys are errors (a typo must not be silently
// ignored in a security-relevant file).
[[nodiscard]] std::expected<ServerConfig, ConfigError> load_config(const std::string& path);

// Adds keys from FORKBOX_API_KEYS ("token" or "name:token", comma separated; default limits).
[[nodiscard]] std::expected<void, ConfigError> add_env_api_keys(ServerConfig& config,
                                                                std::string_view value);

// Parses "ADDR:PORT", "[v6]:PORT" or ":PORT" into the config.
[[nodiscard]] std::expected<void, ConfigError> apply_listen(ServerConfig& config,
                                                            std::string_view listen);

}  // namespace forkbox::server

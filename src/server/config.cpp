// TOML configuration for `forkbox serve`; see config.hpp. Each table is read through a small
// reader that records which keys it consumed, so an unknown (misspelt) key is an error naming
// the table and the key rather than a silently ignored setting.
#define TOML_EXCEPTIONS 0
#define TOML_HEADER_ONLY 1
#include "server/config.hpp"

#include <charconv>
#include <filesystem>
#include <limits>
#include <set>
#include <toml++/toml.h>

namespace forkbox::server {
namespace {

std::unexpected<ConfigError> bad(std::string message) {
  return std::unexpected(ConfigError{ConfigErrorKind::kBadValue, std::move(message)});
}

// Reads typed keys out of one TOML table and remembers which were read.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string where) : table_(table), where_(std::move(where)) {}

  template <typename T>
  std::expected<void, ConfigError> unsigned_key(std::string_view key, T& out,
                                                uint64_t max = std::numeric_limits<T>::max()) {
    const toml::node* node = find(key);
    if (!node) return {};
    std::optional<int64_t> v = node->value<int64_t>();
    if (!v || *v < 0 || static_cast<uint64_t>(*v) > max)
      return bad(fmt("must be an integer in [0, " + std::to_string(max) + "]", key));
    out = static_cast<T>(*v);
    return {};
  }

  std::expected<void, ConfigError> double_key(std::string_view key, double& out) {
    const toml::node* node = find(key);
    if (!node) return {};
    std::optional<double> v = node->value<double>();
    if (!v || !(*v >= 0) || *v > 1e9) return bad(fmt("must be a number in [0, 1e9]", key));
    out = *v;
    return {};
  }

  std::expected<void, ConfigError> bool_key(std::string_view key, bool& out) {
    const toml::node* node = find(key);
    if (!node) return {};
    std::optional<bool> v = node->value<bool>();
    if (!v) return bad(fmt("must be true or false", key));
    out = *v;
    return {};
  }

  std::expected<void, ConfigError> string_key(std::string_view key, std::string& out) {
    const toml::node* node = find(key);
    if (!node) return {};
    std::optional<std::string> v = node->value<std::string>();
    if (!v) return bad(fmt("must be a string", key));
    out = std::move(*v);
    return {};
  }

  std::expected<void, ConfigError> string_list_key(std::string_view key,
                                                   std::vector<std::string>& out) {
    const toml::node* node = find(key);
    if (!node) return {};
    const toml::array* array = node->as_array();
    if (!array) return bad(fmt("must be an array of strings", key));
    out.clear();
    for (const toml::node& item : *array) {
      std::optional<std::string> v = item.value<std::string>();
      if (!v) return bad(fmt("must be an array of strings", key));
      out.push_back(std::move(*v));
    }
    return {};
  }

  std::expected<void, ConfigError> string_map_key(std::string_view key,
                                                  std::map<std::string, std::string>& out) {
    const toml::node* node = find(key);
    if (!node) return {};
    const toml::table* table = node->as_table();
    if (!table) return bad(fmt("must be a table of strings", key));
    for (auto&& [k, v] : *table) {
      std::optional<std::string> s = v.value<std::string>();
      if (!s) return bad(fmt("must be a table of strings", key));
      out[std::string(k.str())] = std::move(*s);
    }
    return {};
  }

  // Call last: any key that no reader asked for is a mistake in the file.
  std::expected<void, ConfigError> no_unknown_keys() const {
    for (auto&& [k, v] : table_) {
      if (!known_.contains(std::string(k.str())))
        return bad(where_ + ": unknown key '" + std::string(k.str()) + "'");
    }
    return {};
  }

 private:
  const toml::node* find(std::string_view key) {
    known_.insert(std::string(key));
    return table_.get(key);
  }
  std::string fmt(const std::string& what, std::string_view key) const {
    return where_ + ": '" + std::string(key) + "' " + what;
  }

  const toml::table& table_;
  std::string where_;
  std::set<std::string> known_;
};

#define FORKBOX_TRY(expr)                         \
  do {                                            \
    if (auto r_ = (expr); !r_) return std::unexpected(r_.error()); \
  } while (0)

std::expected<void, ConfigError> read_server(const toml::table& t, const std::string& where,
                                             ServerConfig& c) {
  TableReader r(t, where + " [server]");
  std::string listen;
  FORKBOX_TRY(r.string_key("listen", listen));
  if (!listen.empty()) FORKBOX_TRY(apply_listen(c, listen));
  FORKBOX_TRY(r.unsigned_key("threads", c.threads, kMaxThreads));
  FORKBOX_TRY(r.unsigned_key("blocking_threads", c.blocking_threads, kMaxThreads));
  FORKBOX_TRY(r.bool_key("root_route", c.root_route));
  FORKBOX_TRY(r.string_key("root_body", c.root_body));
  FORKBOX_TRY(r.unsigned_key("max_header_bytes", c.max_header_bytes, kMaxHeaderBytesCeiling));
  FORKBOX_TRY(r.unsigned_key("max_body_bytes", c.max_body_bytes, kMaxBodyBytesCeiling));
  FORKBOX_TRY(r.unsigned_key("max_connections", c.max_connections, 1'000'000));
  // Why a day at most: longer timeouts are indistinguishable from none.
  constexpr uint64_t kDayMs = 86'400'000;
  FORKBOX_TRY(r.unsigned_key("read_timeout_ms", c.read_timeout_ms, kDayMs));
  FORKBOX_TRY(r.unsigned_key("idle_timeout_ms", c.idle_timeout_ms, kDayMs));
  FORKBOX_TRY(r.unsigned_key("write_timeout_ms", c.write_timeout_ms, kDayMs));
  FORKBOX_TRY(r.unsigned_key("drain_timeout_ms", c.drain_timeout_ms, kDayMs));
  FORKBOX_TRY(r.unsigned_key("handler_queue_limit", c.handler_queue_limit, 1'000'000));
  FORKBOX_TRY(r.bool_key("admin_reload", c.admin_reload));
  FORKBOX_TRY(r.no_unknown_keys());
  if (c.max_header_bytes < 512) return bad(where + " [server]: max_header_bytes below 512");
  if (c.read_timeout_ms == 0 || c.idle_timeout_ms == 0 || c.write_timeout_ms == 0)
    return bad(where + " [server]: timeouts must be positive");
  return {};
}

std::expected<void, ConfigError> read_exec(const toml::table& t, const std::string& where,
                                           ServerConfig& c) {
  TableReader r(t, where + " [exec]");
  FORKBOX_TRY(r.unsigned_key("max_code_bytes", c.max_code_bytes, kMaxBodyBytesCeiling));
  FORKBOX_TRY(r.unsigned_key("max_stdin_bytes", c.max_stdin_bytes, kMaxBodyBytesCeiling));
  FORKBOX_TRY(r.unsigned_key("max_args", c.max_args, 4096));
  FORKBOX_TRY(r.unsigned_key("max_arg_bytes", c.max_arg_bytes, 1u << 20));
  FORKBOX_TRY(r.unsigned_key("max_timeout_ms", c.max_timeout_ms, 86'400'000));
  FORKBOX_TRY(r.unsigned_key("max_memory_mb", c.max_memory_mb, 1u << 20));
  return r.no_unknown_keys();
}

std::expected<void, ConfigError> read_access_log(const toml::table& t, const std::string& where,
                                                 ServerConfig& c) {
  TableReader r(t, where + " [access_log]");
  std::string mode;
  FORKBOX_TRY(r.string_key("mode", mode));
  if (mode == "off") c.access_log = AccessLogMode::kOff;
  else if (mode == "sampled") c.access_log = AccessLogMode::kSampled;
  else if (mode == "full") c.access_log = AccessLogMode::kFull;
  else if (!mode.empty()) return bad(where + " [access_log]: mode must be off, sampled or full");
  FORKBOX_TRY(r.unsigned_key("sample", c.access_log_sample, 1'000'000));
  if (c.access_log_sample == 0) c.access_log_sample = 1;
  FORKBOX_TRY(r.string_key("path", c.access_log_path));
  return r.no_unknown_keys();
}

std::expected<void, ConfigError> read_api_key(const toml::table& t, const std::string& where,
                                              ServerConfig& c) {
  TableReader r(t, where);
  ApiKeyConfig key;
  FORKBOX_TRY(r.string_key("name", key.name));
  FORKBOX_TRY(r.string_key("token", key.token));
  FORKBOX_TRY(r.unsigned_key("max_concurrency", key.max_concurrency));
  FORKBOX_TRY(r.double_key("rate_per_second", key.rate_per_second));
  FORKBOX_TRY(r.unsigned_key("burst", key.burst));
  FORKBOX_TRY(r.no_unknown_keys());
  // Why 16 bytes at least: a shorter bearer token is guessable over a network.
  if (key.token.size() < 16) return bad(where + ": token must be at least 16 characters");
  if (key.name.empty()) key.name = "key" + std::to_string(c.api_keys.size());
  c.api_keys.push_back(std::move(key));
  return {};
}

std::string resolve(const std::string& path, const std::filesystem::path& base) {
  if (path.empty() || path.front() == '/') return path;
  return (base / path).lexically_normal().string();
}

std::expected<void, ConfigError> read_runtime(const toml::table& t, const std::string& where,
                                              const std::filesystem::path& base,
                                              ServerConfig& c) {
  TableReader r(t, where);
  RuntimeConfig rt;
  FORKBOX_TRY(r.string_key("name", rt.name));
  FORKBOX_TRY(r.string_key("engine", rt.engine));
  FORKBOX_TRY(r.string_key("program", rt.program));
  FORKBOX_TRY(r.string_list_key("allow_read", rt.allow_read));
  FORKBOX_TRY(r.string_map_key("env", rt.env));
  FORKBOX_TRY(r.unsigned_key("timeout_ms", rt.timeout_ms));
  FORKBOX_TRY(r.unsigned_key("memory_mb", rt.memory_mb));
  FORKBOX_TRY(r.unsigned_key("max_instructions", rt.max_instructions));
  FORKBOX_TRY(r.string_key("style", rt.style));
  FORKBOX_TRY(r.unsigned_key("pool_size", rt.pool_size, 4096));
  FORKBOX_TRY(r.unsigned_key("queue_limit", rt.queue_limit, 1'000'000));
  FORKBOX_TRY(r.unsigned_key("rotate_after_forks", rt.rotate_after_forks));
  FORKBOX_TRY(r.unsigned_key("rotate_after_seconds", rt.rotate_after_seconds));
  FORKBOX_TRY(r.string_key("snapshot_path", rt.snapshot_path));
  FORKBOX_TRY(r.bool_key("translate", rt.translate));
  FORKBOX_TRY(r.no_unknown_keys());
  if (rt.name.empty() || rt.engine.empty()) return bad(where + ": name and engine are required");
  rt.program = resolve(rt.program, base);
  rt.snapshot_path = resolve(rt.snapshot_path, base);
  for (std::string& dir : rt.allow_read) dir = resolve(dir, base);
  c.runtimes.push_back(std::move(rt));
  return {};
}

std::expected<void, ConfigError> read_handler(const toml::table& t, const std::string& where,
                                              const std::filesystem::path& base,
                                              ServerConfig& c) {
  TableReader r(t, where);
  HandlerConfig h;
  FORKBOX_TRY(r.string_key("name", h.name));
  FORKBOX_TRY(r.string_key("engine", h.engine));
  FORKBOX_TRY(r.string_key("program", h.program));
  FORKBOX_TRY(r.unsigned_key("max_instructions", h.max_instructions));
  FORKBOX_TRY(r.unsigned_key("timeout_ms", h.timeout_ms));
  FORKBOX_TRY(r.unsigned_key("memory_mb", h.memory_mb));
  FORKBOX_TRY(r.bool_key("translate", h.translate));
  FORKBOX_TRY(r.no_unknown_keys());
  if (h.name.empty() || h.program.empty()) return bad(where + ": name and program are required");
  // The name is one URL path segment: /app/{name}/.
  for (char ch : h.name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.')
      return bad(where + ": name may hold only letters, digits, '-', '_' and '.'");
  }
  h.program = resolve(h.program, base);
  c.handlers.push_back(std::move(h));
  return {};
}

template <typename Fn>
std::expected<void, ConfigError> each_table(const toml::table& root, std::string_view key,
                                            const std::string& where, Fn&& fn) {
  const toml::node* node = root.get(key);
  if (!node) return {};
  const toml::array* array = node->as_array();
  if (!array) return bad(where + ": '" + std::string(key) + "' must be an array of tables");
  size_t i = 0;
  for (const toml::node& item : *array) {
    const toml::table* t = item.as_table();
    std::string here = where + " [[" + std::string(key) + "]] #" + std::to_string(i++);
    if (!t) return bad(here + ": not a table");
    FORKBOX_TRY(fn(*t, here));
  }
  return {};
}

}  // namespace

ServerConfig default_config() {
  ServerConfig c;
  c.runtimes = default_runtime_configs();
  c.handlers = default_handler_configs();
  return c;
}

std::expected<ServerConfig, ConfigError> load_config(const std::string& path) {
  toml::parse_result parsed = toml::parse_file(path);
  if (!parsed) {
    const toml::parse_error& e = parsed.error();
    return std::unexpected(ConfigError{
        ConfigErrorKind::kUnreadable,
        path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description())});
  }
  const toml::table& root = parsed.table();
  ServerConfig c;
  c.config_path = path;
  std::filesystem::path base = std::filesystem::absolute(path).parent_path();
  std::set<std::string_view> known = {"server", "exec", "access_log", "api_keys", "runtimes",
                                      "handlers"};
  for (auto&& [k, v] : root) {
    if (!known.contains(k.str())) return bad(path + ": unknown table '" + std::string(k.str()) + "'");
  }
  auto sub = [&](std::string_view key) -> const toml::table* {
    const toml::node* n = root.get(key);
    return n ? n->as_table() : nullptr;
  };
  for (std::string_view key : {"server", "exec", "access_log"}) {
    if (root.get(key) && !sub(key)) return bad(path + ": '" + std::string(key) + "' must be a table");
  }
  if (const toml::table* t = sub("server")) FORKBOX_TRY(read_server(*t, path, c));
  if (const toml::table* t = sub("exec")) FORKBOX_TRY(read_exec(*t, path, c));
  if (const toml::table* t = sub("access_log")) FORKBOX_TRY(read_access_log(*t, path, c));
  FORKBOX_TRY(each_table(root, "api_keys", path, [&](const toml::table& t, const std::string& w) {
    return read_api_key(t, w, c);
  }));
  FORKBOX_TRY(each_table(root, "runtimes", path, [&](const toml::table& t, const std::string& w) {
    return read_runtime(t, w, base, c);
  }));
  FORKBOX_TRY(each_table(root, "handlers", path, [&](const toml::table& t, const std::string& w) {
    return read_handler(t, w, base, c);
  }));
  if (!root.get("runtimes")) c.runtimes = default_runtime_configs();
  if (!root.get("handlers")) c.handlers = default_handler_configs();
  return c;
}

std::expected<void, ConfigError> add_env_api_keys(ServerConfig& config, std::string_view value) {
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view item = value.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) continue;
    ApiKeyConfig key;
    if (size_t colon = item.find(':'); colon != std::string_view::npos) {
      key.name = std::string(item.substr(0, colon));
      key.token = std::string(item.substr(colon + 1));
    } else {
      key.name = "env" + std::to_string(config.api_keys.size());
      key.token = std::string(item);
    }
    if (key.token.size() < 16)
      return bad("FORKBOX_API_KEYS: token '" + key.name + "' must be at least 16 characters");
    config.api_keys.push_back(std::move(key));
  }
  return {};
}

std::expected<void, ConfigError> apply_listen(ServerConfig& config, std::string_view listen) {
  auto fail = [&] {
    return std::unexpected(ConfigError{ConfigErrorKind::kBadListen,
                                       "listen address '" + std::string(listen) +
                                           "' is not ADDR:PORT"});
  };
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return fail();
  std::string_view host = listen.substr(0, colon);
  std::string_view port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) return fail();
  config.address = host.empty() ? "127.0.0.1" : std::string(host);
  config.port = static_cast<uint16_t>(value);
  return {};
}

}  // namespace forkbox::server

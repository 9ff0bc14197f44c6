// Execution API JSON; see exec_api.hpp. Guest output is arbitrary bytes, so every dump
// replaces invalid UTF-8 instead of throwing.
#include "server/exec_api.hpp"

#include <nlohmann/json.hpp>

namespace forkbox::server {
namespace {

using nlohmann::json;

std::unexpected<ApiError> fail(unsigned status, std::string message) {
  return std::unexpected(ApiError{status, std::move(message)});
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Rejects nesting deeper than kMaxJsonDepth before the parser sees the text.
bool depth_ok(std::string_view text) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

std::expected<json, ApiError> parse_object(std::string_view body) {
  if (!depth_ok(body)) return fail(400, "JSON nested too deeply");
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return fail(400, "request body is not valid JSON");
  if (!j.is_object()) return fail(400, "request body must be a JSON object");
  return j;
}

std::expected<void, ApiError> optional_string(const json& j, const char* key, std::string& out,
                                              size_t max, const char* limit_name) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) return fail(400, std::string("'") + key + "' must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max)
    return fail(413, std::string("'") + key + "' exceeds " + limit_name + " (" +
                         std::to_string(max) + " bytes)");
  out = s;
  return {};
}

std::expected<void, ApiError> read_args(const json& j, const ServerConfig& limits,
                                        std::vector<std::string>& out) {
  auto it = j.find("args");
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_array()) return fail(400, "'args' must be an array of strings");
  if (it->size() > limits.max_args)
    return fail(400, "'args' holds more than max_args (" + std::to_string(limits.max_args) + ")");
  for (const json& a : *it) {
    if (!a.is_string()) return fail(400, "'args' must be an array of strings");
    const auto& s = a.get_ref<const std::string&>();
    if (s.size() > limits.max_arg_bytes)
      return fail(413, "an argument exceeds max_arg_bytes (" +
                           std::to_string(limits.max_arg_bytes) + ")");
    out.push_back(s);
  }
  return {};
}

// An unsigned integer limit the request may lower: absent or null keeps the runtime default.
std::expected<void, ApiError> optional_limit(const json& j, const char* key, uint64_t max,
                                             uint64_t& out, uint64_t scale_down = 1) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_number_integer() && it->get<int64_t>() == -1 && scale_down > 1) return {};  // Piston
  if (!it->is_number_unsigned())
    return fail(400, std::string("'") + key + "' must be a non-negative integer");
  uint64_t v = it->get<uint64_t>();
  if (scale_down > 1) v = (v + scale_down - 1) / scale_down;
  if (v > max)
    return fail(400, std::string("'") + key + "' exceeds the server's maximum (" +
                         std::to_string(max) + (scale_down > 1 ? " MiB)" : ")"));
  out = v;
  return {};
}

#define FORKBOX_API_TRY(expr)                                          \
  do {                                                                 \
    if (auto r_ = (expr); !r_) return std::unexpected(r_.error());     \
  } while (0)

const char* signal_name(int sig) {
  switch (sig) {
    case 1: return "SIGHUP";
    case 2: return "SIGINT";
    case 3: return "SIGQUIT";
    case 4: return "SIGILL";
    case 5: return "SIGTRAP";
    case 6: return "SIGABRT";
    case 7: return "SIGBUS";
    case 8: return "SIGFPE";
    case 9: return "SIGKILL";
    case 11: return "SIGSEGV";
    case 13: return "SIGPIPE";
    case 14: return "SIGALRM";
    case 15: return "SIGTERM";
    case 24: return "SIGXCPU";
    case 25: return "SIGXFSZ";
    default: return "SIGKILL";
  }
}

json usage_json(const ExecResult& r, const RuntimeInfo& info) {
  json usage = json::object();
  if (info.engine == "riscv") usage["instructions"] = r.usage.instructions;
  else usage["cpu_us"] = r.usage.cpu_us;
  usage["pages_written"] = r.usage.pages_written;
  return usage;
}

}  // namespace

std::expected<ExecCall, ApiError> parse_exec_v1(std::string_view body, const ServerConfig& limits) {
  auto parsed = parse_object(body);
  if (!parsed) return std::unexpected(parsed.error());
  const json& j = *parsed;
  ExecCall call;
  auto rt = j.find("runtime");
  if (rt == j.end() || !rt->is_string() || rt->get_ref<const std::string&>().empty())
    return fail(400, "'runtime' (a string) is required");
  call.runtime = rt->get<std::string>();
  auto code = j.find("code");
  if (code == j.end() || !code->is_string()) return fail(400, "'code' (a string) is required");
  FORKBOX_API_TRY(optional_string(j, "code", call.request.code, limits.max_code_bytes,
                                  "max_code_bytes"));
  FORKBOX_API_TRY(optional_string(j, "stdin", call.request.stdin_data, limits.max_stdin_bytes,
                                  "max_stdin_bytes"));
  FORKBOX_API_TRY(read_args(j, limits, call.request.args));
  FORKBOX_API_TRY(optional_limit(j, "timeout_ms", limits.max_timeout_ms, call.request.timeout_ms));
  FORKBOX_API_TRY(optional_limit(j, "memory_mb", limits.max_memory_mb, call.request.memory_mb));
  call.request.file_name = "<string>";
  return call;
}

std::expected<ExecCall, ApiError> parse_piston_execute(std::string_view body,
                                                       const ServerConfig& limits) {
  auto parsed = parse_object(body);
  if (!parsed) return std::unexpected(parsed.error());
  const json& j = *parsed;
  ExecCall call;
  auto lang = j.find("language");
  if (lang == j.end() || !lang->is_string() || lang->get_ref<const std::string&>().empty())
    return fail(400, "language is required as a string");
  call.runtime = lang->get<std::string>();
  FORKBOX_API_TRY(optional_string(j, "version", call.version, 64, "64"));
  auto files = j.find("files");
  if (files == j.end() || !files->is_array() || files->empty())
    return fail(400, "files is required as a non-empty array");
  // forkbox runs one program text; further files have nowhere to go in the sandbox.
  if (files->size() > 1) return fail(400, "only one file is supported");
  const json& file = files->front();
  if (!file.is_object()) return fail(400, "files[0] must be an object");
  auto content = file.find("content");
  if (content == file.end() || !content->is_string())
    return fail(400, "files[0].content is required as a string");
  FORKBOX_API_TRY(optional_string(file, "content", call.request.code, limits.max_code_bytes,
                                  "max_code_bytes"));
  call.request.file_name = "main";
  FORKBOX_API_TRY(optional_string(file, "name", call.request.file_name, 255, "255"));
  FORKBOX_API_TRY(optional_string(j, "stdin", call.request.stdin_data, limits.max_stdin_bytes,
                                  "max_stdin_bytes"));
  FORKBOX_API_TRY(read_args(j, limits, call.request.args));
  FORKBOX_API_TRY(optional_limit(j, "run_timeout", limits.max_timeout_ms, call.request.timeout_ms));
  // Piston gives memory in bytes (-1: no limit beyond the runtime's).
  FORKBOX_API_TRY(optional_limit(j, "run_memory_limit", limits.max_memory_mb,
                                 call.request.memory_mb, 1024 * 1024));
  return call;
}

bool version_matches(std::string_view wanted, std::string_view have) {
  if (wanted.empty() || wanted == "*" || wanted == "x") return true;
  if (wanted == have) return true;
  return have.size() > wanted.size() && have.starts_with(wanted) && have[wanted.size()] == '.';
}

const char* exec_status_word(RunStatus s) {
  switch (s) {
    case RunStatus::kExited: return "ok";
    case RunStatus::kTimeout: return "timeout";
    case RunStatus::kMemoryLimit:
    case RunStatus::kOutputLimit: return "memory";
    case RunStatus::kSignaled:
    case RunStatus::kFault: return "fault";
    case RunStatus::kLoadError:
    case RunStatus::kEngineError: break;
  }
  return "error";
}

std::string format_exec_v1(const ExecResult& r, const RuntimeInfo& info) {
  json j = json::object();
  j["stdout"] = r.stdout_data;
  j["stderr"] = r.stderr_data;
  j["exit_code"] = r.status == RunStatus::kSignaled ? 128 + r.signal : r.exit_code;
  j["status"] = exec_status_word(r.status);
  if (r.status == RunStatus::kSignaled) j["signal"] = signal_name(r.signal);
  if (!r.message.empty()) j["message"] = r.message;
  j["timings"] = {{"queue_us", r.timings.queue_us},
                  {"fork_us", r.timings.fork_us},
                  {"run_us", r.timings.run_us},
                  {"total_us", r.timings.total_us}};
  j["usage"] = usage_json(r, info);
  return dump(j);
}

std::string format_piston_execute(const ExecResult& r, const RuntimeInfo& info) {
  json run = json::object();
  run["stdout"] = r.stdout_data;
  run["stderr"] = r.stderr_data;
  run["output"] = r.stdout_data + r.stderr_data;
  // Piston reports a killed program with code null and the signal's name; limits kill with
  // SIGKILL there, so clients that test `signal` see the same thing here.
  switch (r.status) {
    case RunStatus::kExited:
      run["code"] = r.exit_code;
      run["signal"] = nullptr;
      run["status"] = r.exit_code == 0 ? json(nullptr) : json("RE");
      break;
    case RunStatus::kSignaled:
      run["code"] = nullptr;
      run["signal"] = signal_name(r.signal);
      run["status"] = "SG";
      break;
    case RunStatus::kTimeout:
      run["code"] = nullptr;
      run["signal"] = "SIGKILL";
      run["status"] = "TO";
      break;
    case RunStatus::kOutputLimit:
      run["code"] = nullptr;
      run["signal"] = "SIGKILL";
      run["status"] = "OL";
      break;
    case RunStatus::kMemoryLimit:
    case RunStatus::kFault:
      run["code"] = nullptr;
      run["signal"] = r.status == RunStatus::kFault ? "SIGSEGV" : "SIGKILL";
      run["status"] = "SG";
      break;
    case RunStatus::kLoadError:
    case RunStatus::kEngineError:
      run["code"] = nullptr;
      run["signal"] = nullptr;
      run["status"] = "XX";
      break;
  }
  run["message"] = r.message.empty() ? json(nullptr) : json(r.message);
  run["wall_time"] = r.timings.total_us / 1000;
  run["cpu_time"] = (info.engine == "kvm" ? r.usage.cpu_us : r.timings.run_us) / 1000;
  json j = {{"language", info.name}, {"version", info.version}, {"run", std::move(run)}};
  return dump(j);
}

std::string format_runtimes_v1(const Registry& registry) {
  json list = json::array();
  for (const auto& [name, e] : registry.runtimes) {
    const RuntimeInfo& info = e.runtime->info();
    list.push_back({{"name", info.name},
                    {"version", info.version},
                    {"engine", info.engine},
                    {"aliases", info.aliases},
                    {"blocking", e.runtime->blocking()}});
  }
  json handlers = json::array();
  for (const auto& [name, e] : registry.handlers)
    handlers.push_back({{"name", name}, {"path", "/app/" + name + "/"}});
  return dump(json{{"runtimes", std::move(list)}, {"handlers", std::move(handlers)}});
}

std::string format_piston_runtimes(const Registry& registry) {
  json list = json::array();
  for (const auto& [name, e] : registry.runtimes) {
    const RuntimeInfo& info = e.runtime->info();
    list.push_back({{"language", info.name},
                    {"version", info.version},
                    {"aliases", info.aliases},
                    {"runtime", info.engine}});
  }
  return dump(list);
}

std::string json_error(std::string_view message, std::string_view id) {
  json j = {{"error", message}};
  if (!id.empty()) j["id"] = id;
  return dump(j);
}

std::string piston_error(std::string_view message) { return dump(json{{"message", message}}); }

}  // namespace forkbox::server

// Routes of `forkbox serve`; see router.hpp and docs/server.md for the shapes. Every error
// answer is a small JSON body; 5xx answers carry a request id that the error log repeats.
#include "server/router.hpp"

#include <strings.h>
#include <time.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "server/connection.hpp"
#include "server/exec_api.hpp"
#include "server/log.hpp"

namespace forkbox::server {
namespace {

using Clock = std::chrono::steady_clock;

// Why 64: names echoed back in errors are request data; a short prefix identifies them.
constexpr size_t kMaxEchoedName = 64;
// Guest-chosen content types are copied into a header: bounded and free of control bytes.
constexpr size_t kMaxContentType = 256;

uint64_t micros_since(Clock::time_point t0) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
}

int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string echo(std::string_view name) { return std::string(name.substr(0, kMaxEchoedName)); }

void not_found(Reply& r, std::string_view what) {
  r.set_json(404, json_error(what, {}));
}

bool method_not_allowed(Reply& r, std::string_view allow) {
  r.set_json(405, json_error("method not allowed", {}));
  r.allow = allow;
  return true;
}

void server_error(Connection& c, unsigned status, std::string_view public_message,
                  std::string log_message) {
  Reply& r = c.reply();
  r.set_json(status, json_error(public_message, c.request_id()));
  r.log_message = std::move(log_message);
}

void busy(Connection& c, std::string_view what) {
  Reply& r = c.reply();
  r.set_json(503, json_error(std::string(what) + " is busy; retry later", {}));
  r.retry_after_s = 1;
  r.outcome = Outcome::kBusy;
  c.worker().metrics.rejections[static_cast<size_t>(Rejection::kQueueFull)].add();
}

// Checks the bearer token when API keys are configured and applies the key's limits. Returns
// false with the reply filled when the request may not proceed.
bool authorize(Connection& c, const Registry& registry) {
  if (registry.keys.empty()) return true;
  Reply& r = c.reply();
  ThreadMetrics& m = c.worker().metrics;
  const Request& req = c.request();
  auto it = req.find(http::field::authorization);
  std::string_view value = it == req.end() ? std::string_view{} : sv(it->value());
  constexpr std::string_view kBearer = "Bearer ";
  auto key = registry.keys.end();
  if (value.size() > kBearer.size() && ::strncasecmp(value.data(), kBearer.data(), kBearer.size()) == 0)
    key = registry.keys.find(value.substr(kBearer.size()));
  if (key == registry.keys.end()) {
    r.set_json(401, json_error("a valid bearer token is required", {}));
    r.www_authenticate = true;
    m.rejections[static_cast<size_t>(Rejection::kAuth)].add();
    return false;
  }
  KeyState* state = key->second;
  int64_t now = monotonic_ns();
  if (!state->take_rate(now)) {
    r.set_json(429, json_error("rate limit of key '" + state->name() + "' exceeded", {}));
    r.retry_after_s = static_cast<unsigned>(
        std::clamp<int64_t>((state->rate_wait_ns(now) + 999'999'999) / 1'000'000'000, 1, 3600));
    m.rejections[static_cast<size_t>(Rejection::kRate)].add();
    return false;
  }
  if (!state->enter()) {
    r.set_json(429, json_error("concurrency limit of key '" + state->name() + "' reached", {}));
    r.retry_after_s = 1;
    m.rejections[static_cast<size_t>(Rejection::kConcurrency)].add();
    return false;
  }
  c.hold_key(state);
  return true;
}

// Runs `job` on the blocking pool unless the sandbox's bounded queue is full; `finish` fills
// the reply on the connection's loop. Returns like route_request.
template <typename Job, typename Finish>
bool run_blocking(Connection& c, EntryMetrics& metrics, size_t limit, std::string_view what,
                  Job job, Finish finish) {
  if (metrics.queued.fetch_add(1, std::memory_order_relaxed) >= limit) {
    metrics.queued.fetch_sub(1, std::memory_order_relaxed);
    c.reply().entry = &metrics;
    busy(c, what);
    return true;
  }
  Clock::time_point submitted = Clock::now();
  c.worker().server.pool->submit([self = c.shared_from_this(), &metrics, submitted,
                                  job = std::move(job), finish = std::move(finish)]() mutable {
    uint64_t queue_us = micros_since(submitted);
    auto result = job();
    metrics.queued.fetch_sub(1, std::memory_order_relaxed);
    asio::post(self->executor(), [self, queue_us, result = std::move(result),
                                  finish = std::move(finish)]() mutable {
      finish(*self, std::move(result), queue_us);
      self->complete();
    });
  });
  return false;
}

// --- /app/{name}/{rest} -------------------------------------------------------------------

bool valid_content_type(std::string_view ct) {
  if (ct.size() > kMaxContentType) return false;
  return std::all_of(ct.begin(), ct.end(), [](char ch) {
    auto u = static_cast<unsigned char>(ch);
    return u >= 0x20 && u != 0x7f;
  });
}

void fill_handler_reply(Connection& c, const std::string& name,
                        std::expected<HandlerResponse, RuntimeError>& result, uint64_t measured_us) {
  Reply& r = c.reply();
  if (!result) {
    if (result.error() == RuntimeError::kBusy) return busy(c, "handler '" + name + "'");
    r.outcome = Outcome::kError;
    return server_error(c, 503, "handler '" + name + "' is unavailable",
                        "handler " + name + " unavailable");
  }
  HandlerResponse& h = *result;
  r.usage = h.usage;
  r.sandbox_us = h.run_us ? h.run_us : measured_us;
  r.outcome = outcome_of(h.status);
  switch (h.status) {
    case RunStatus::kExited:
      if (h.http_status < 200 || h.http_status > 599 || !valid_content_type(h.content_type)) {
        r.outcome = Outcome::kFault;
        return server_error(c, 500, "handler returned an invalid response",
                            "handler " + name + ": invalid status or content type");
      }
      r.status = static_cast<unsigned>(h.http_status);
      if (h.content_type.empty()) {
        r.content_type = "application/octet-stream";
      } else {
        r.owned_content_type = std::move(h.content_type);
        r.content_type = r.owned_content_type;
      }
      r.body = std::move(h.body);
      return;
    case RunStatus::kTimeout:
      return server_error(c, 504, "handler exceeded its instruction or time limit",
                          "handler " + name + ": " + h.message);
    case RunStatus::kMemoryLimit:
    case RunStatus::kOutputLimit:
      return server_error(c, 507, "handler exceeded its memory limit",
                          "handler " + name + ": " + h.message);
    case RunStatus::kSignaled:
    case RunStatus::kFault:
      return server_error(c, 500, "handler fault", "handler " + name + ": " + h.message);
    case RunStatus::kLoadError:
    case RunStatus::kEngineError:
      return server_error(c, 500, "handler error", "handler " + name + ": " + h.message);
  }
}

bool route_app(Connection& c, std::string_view path, std::string_view query) {
  Reply& r = c.reply();
  r.route = Route::kApp;
  std::string_view rest = path.substr(5);  // after "/app/"
  size_t slash = rest.find('/');
  std::string_view name = rest.substr(0, slash);
  std::string_view sub = slash == std::string_view::npos ? "/" : rest.substr(slash);
  const Registry& registry = c.worker().registry();
  if (!authorize(c, registry)) return true;
  const HandlerEntry* entry = registry.find_handler(name);
  if (!entry) {
    not_found(r, "no handler named '" + echo(name) + "'");
    return true;
  }
  r.entry = entry->metrics.get();
  const Request& req = c.request();
  HandlerRequest& hr = c.handler_request();
  hr.method = sv(req.method_string());
  hr.path = sub;
  hr.query = query;
  hr.headers.clear();
  for (const auto& field : req) hr.headers.emplace_back(sv(field.name_string()), sv(field.value()));
  hr.body = req.body();
  if (entry->handler->blocking()) {
    std::string name_copy = entry->handler->name();
    return run_blocking(
        c, *entry->metrics, entry->queue_limit, "handler '" + name_copy + "'",
        [handler = entry->handler, &hr] { return handler->handle(hr); },
        [name_copy](Connection& conn, std::expected<HandlerResponse, RuntimeError> result,
                    uint64_t) { fill_handler_reply(conn, name_copy, result, 0); });
  }
  Clock::time_point t0 = Clock::now();
  auto result = entry->handler->handle(hr);
  fill_handler_reply(c, entry->handler->name(), result, micros_since(t0));
  return true;
}

// --- /v1/exec and /api/v2/execute ---------------------------------------------------------

void fill_exec_reply(Connection& c, bool piston, const std::shared_ptr<Runtime>& runtime,
                     std::expected<ExecResult, RuntimeError>& result, uint64_t queue_us,
                     uint64_t measured_us) {
  Reply& r = c.reply();
  const RuntimeInfo& info = runtime->info();
  if (!result) {
    if (result.error() == RuntimeError::kBusy) return busy(c, "runtime '" + info.name + "'");
    r.outcome = Outcome::kError;
    if (piston) {
      r.set_json(503, piston_error(info.name + " is unavailable"));
      return;
    }
    return server_error(c, 503, "runtime '" + info.name + "' is unavailable",
                        "runtime " + info.name + " unavailable");
  }
  ExecResult& e = *result;
  e.timings.queue_us += queue_us;
  r.usage = e.usage;
  r.sandbox_us = e.timings.total_us ? e.timings.total_us : measured_us;
  r.outcome = outcome_of(e.status);
  if (e.status == RunStatus::kLoadError || e.status == RunStatus::kEngineError) {
    if (piston) {
      r.set_json(500, piston_error(info.name + ": " + e.message));
      r.log_message = "runtime " + info.name + ": " + e.message;
      return;
    }
    return server_error(c, 500, "runtime '" + info.name + "' failed: " + e.message,
                        "runtime " + info.name + ": " + e.message);
  }
  r.set_json(200, piston ? format_piston_execute(e, info) : format_exec_v1(e, info));
}

bool route_exec(Connection& c, bool piston) {
  Reply& r = c.reply();
  r.route = piston ? Route::kPistonExecute : Route::kExec;
  const Request& req = c.request();
  if (req.method() != http::verb::post) return method_not_allowed(r, "POST");
  const Registry& registry = c.worker().registry();
  if (!authorize(c, registry)) return true;
  const ServerConfig& config = c.worker().server.config;
  auto call = piston ? parse_piston_execute(req.body(), config) : parse_exec_v1(req.body(), config);
  if (!call) {
    r.set_json(call.error().http_status, piston ? piston_error(call.error().message)
                                                : json_error(call.error().message, {}));
    return true;
  }
  const RuntimeEntry* entry = registry.find_runtime(call->runtime);
  if (piston && entry && !version_matches(call->version, entry->runtime->info().version))
    entry = nullptr;
  if (!entry) {
    if (piston) {
      // Piston answers an unknown language or version with 400 and this message.
      r.set_json(400, piston_error(echo(call->runtime) + "-" + echo(call->version) +
                                   " runtime is unknown"));
    } else {
      r.set_json(404, json_error("unknown runtime '" + echo(call->runtime) + "'", {}));
    }
    return true;
  }
  r.entry = entry->metrics.get();
  std::shared_ptr<Runtime> runtime = entry->runtime;
  if (runtime->blocking()) {
    return run_blocking(
        c, *entry->metrics, entry->queue_limit, "runtime '" + runtime->info().name + "'",
        [runtime, request = std::move(call->request)] { return runtime->exec(request); },
        [runtime, piston](Connection& conn, std::expected<ExecResult, RuntimeError> result,
                          uint64_t queue_us) {
          fill_exec_reply(conn, piston, runtime, result, queue_us, 0);
        });
  }
  Clock::time_point t0 = Clock::now();
  auto result = runtime->exec(call->request);
  fill_exec_reply(c, piston, runtime, result, 0, micros_since(t0));
  return true;
}

// --- small routes ---------------------------------------------------------------------------

bool is_get(const Request& req) {
  return req.method() == http::verb::get || req.method() == http::verb::head;
}

bool route_healthz(Connection& c) {
  Reply& r = c.reply();
  r.route = Route::kHealthz;
  if (!is_get(c.request())) return method_not_allowed(r, "GET, HEAD");
  const Registry& registry = c.worker().registry();
  nlohmann::json runtimes = nlohmann::json::array(), handlers = nlohmann::json::array();
  for (const auto& [name, e] : registry.runtimes) runtimes.push_back(name);
  for (const auto& [name, e] : registry.handlers) handlers.push_back(name);
  bool draining = c.worker().draining;
  nlohmann::json j = {{"status", draining ? "draining" : "ok"},
                      {"runtimes", std::move(runtimes)},
                      {"handlers", std::move(handlers)},
                      {"generation", registry.generation}};
  r.set_json(draining ? 503 : 200, j.dump());
  return true;
}

bool route_metrics(Connection& c) {
  Reply& r = c.reply();
  r.route = Route::kMetrics;
  if (!is_get(c.request())) return method_not_allowed(r, "GET, HEAD");
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  c.worker().server.metrics.render(r.body, c.worker().registry().samples());
  return true;
}

bool route_runtimes(Connection& c, bool piston) {
  Reply& r = c.reply();
  r.route = piston ? Route::kPistonRuntimes : Route::kRuntimes;
  if (!is_get(c.request())) return method_not_allowed(r, "GET, HEAD");
  const Registry& registry = c.worker().registry();
  if (!authorize(c, registry)) return true;
  r.set_json(200, piston ? format_piston_runtimes(registry) : format_runtimes_v1(registry));
  return true;
}

bool route_reload(Connection& c) {
  Reply& r = c.reply();
  r.route = Route::kAdmin;
  ServerState& server = c.worker().server;
  if (!server.config.admin_reload) {
    not_found(r, "not found");
    return true;
  }
  if (!c.remote_is_loopback()) {
    r.set_json(403, json_error("the admin endpoint only answers loopback clients", {}));
    return true;
  }
  if (c.request().method() != http::verb::post) return method_not_allowed(r, "POST");
  if (!authorize(c, c.worker().registry())) return true;
  // Building sandboxes takes long: the control thread does it, this loop keeps serving.
  asio::post(server.control, [self = c.shared_from_this(), &server] {
    auto result = server.reload();
    std::shared_ptr<const Registry> now = server.registry.load();
    asio::post(self->executor(), [self, result, now] {
      if (!result) {
        server_error(*self, 500, "reload failed: " + result.error().message,
                     "reload: " + result.error().message);
      } else {
        nlohmann::json runtimes = nlohmann::json::array(), handlers = nlohmann::json::array();
        for (const auto& [name, e] : now->runtimes) runtimes.push_back(name);
        for (const auto& [name, e] : now->handlers) handlers.push_back(name);
        nlohmann::json j = {{"status", "reloaded"},
                            {"generation", now->generation},
                            {"runtimes", std::move(runtimes)},
                            {"handlers", std::move(handlers)}};
        self->reply().set_json(200, j.dump());
      }
      self->complete();
    });
  });
  return false;
}

}  // namespace

bool route_request(Connection& c) {
  const Request& req = c.request();
  Reply& r = c.reply();
  std::string_view target = sv(req.target());
  size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  const ServerConfig& config = c.worker().server.config;

  if (path == "/" && config.root_route) {
    r.route = Route::kRoot;
    if (!is_get(req)) return method_not_allowed(r, "GET, HEAD");
    r.content_type = "text/plain; charset=utf-8";
    r.static_body = config.root_body;
    r.use_static_body = true;
    return true;
  }
  if (path.starts_with("/app/")) return route_app(c, path, query);
  if (path == "/v1/exec") return route_exec(c, false);
  if (path == "/api/v2/execute") return route_exec(c, true);
  if (path == "/healthz") return route_healthz(c);
  if (path == "/metrics") return route_metrics(c);
  if (path == "/v1/runtimes") return route_runtimes(c, false);
  if (path == "/api/v2/runtimes") return route_runtimes(c, true);
  if (path == "/admin/reload") return route_reload(c);
  not_found(r, "not found");
  return true;
}

}  // namespace forkbox::server

// End-to-end tests of the server library over loopback: a real Server on a free port, fake
// sandboxes injected through the SandboxLoader, and a raw-socket HTTP client, so every route
// and error path of issue #4 is exercised without the real engines.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "fake_sandbox.hpp"
#include "http_client.hpp"
#include "server/server.hpp"

namespace forkbox::server {
namespace {

using nlohmann::json;
using testing::FakeHandler;
using testing::FakeRuntime;
using testing::HttpClient;

ServerConfig test_config() {
  ServerConfig c;
  c.address = "127.0.0.1";
  c.port = 0;
  c.threads = 2;
  c.blocking_threads = 2;
  c.read_timeout_ms = 400;
  c.idle_timeout_ms = 2000;
  c.drain_timeout_ms = 3000;
  c.max_header_bytes = 2048;
  c.max_body_bytes = 64 * 1024;
  c.max_code_bytes = 1024;
  return c;
}

// Serves "fake" (inline), "slow" (blocking, queue of 1), "echo" (inline handler) and
// "becho" (blocking handler). `tag` shows which reload generation built the handler.
struct Fixture {
  explicit Fixture(ServerConfig config = test_config()) {
    auto loader = [this](const ServerConfig&) {
      Sandboxes s;
      s.runtimes.push_back({std::make_shared<FakeRuntime>("fake", false), 64});
      s.runtimes.push_back({std::make_shared<FakeRuntime>("slow", true), 1});
      std::string tag = "g" + std::to_string(loads.fetch_add(1) + 1);
      s.handlers.push_back({std::make_shared<FakeHandler>("echo", false, tag), 64});
      s.handlers.push_back({std::make_shared<FakeHandler>("becho", true, tag), 64});
      return s;
    };
    auto created = Server::create(std::move(config), loader);
    EXPECT_TRUE(created.has_value()) << (created ? "" : created.error().message);
    server = std::move(*created);
    server->start(false);
  }
  std::atomic<int> loads{0};
  std::unique_ptr<Server> server;
  uint16_t port() const { return server->port(); }
};

json body_json(const testing::HttpResponse& r) { return json::parse(r.body); }

TEST(ServerRoutes, RootAnswersConstantText) {
  Fixture f;
  HttpClient c(f.port());
  auto r = c.request("GET", "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "Hello from forkbox\n");
  EXPECT_EQ(r->headers["content-type"], "text/plain; charset=utf-8");
  EXPECT_TRUE(r->headers.contains("date"));
  auto post = c.request("POST", "/", "x");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->headers["allow"], "GET, HEAD");
}

TEST(ServerRoutes, RootCanBeTurnedOff) {
  ServerConfig config = test_config();
  config.root_route = false;
  Fixture f(config);
  HttpClient c(f.port());
  auto r = c.request("GET", "/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST(ServerHttp, KeepAliveServesManyRequestsOnOneConnection) {
  Fixture f;
  HttpClient c(f.port());
  for (int i = 0; i < 50; ++i) {
    auto r = c.request("GET", "/app/echo/x");
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
  }
}

TEST(ServerHttp, PipelinedRequestsAreAnsweredInOrder) {
  Fixture f;
  HttpClient c(f.port());
  std::string batch;
  for (int i = 0; i < 5; ++i)
    batch += "GET /app/echo/p" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_TRUE(c.send_raw(batch));
  for (int i = 0; i < 5; ++i) {
    auto r = c.read_response();
    ASSERT_TRUE(r) << i;
    EXPECT_NE(r->body.find("/p" + std::to_string(i)), std::string::npos) << r->body;
  }
}

TEST(ServerHttp, MalformedRequestGets400AndClose) {
  Fixture f;
  HttpClient c(f.port());
  ASSERT_TRUE(c.send_raw("GARBAGE\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->headers["connection"], "close");
  EXPECT_TRUE(c.closed_by_peer(3000));
}

TEST(ServerHttp, OversizedHeadersGet431) {
  Fixture f;
  HttpClient c(f.port());
  auto r = c.request("GET", "/", "", "X-Big: " + std::string(4096, 'a') + "\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
}

TEST(ServerHttp, OversizedBodyGets413) {
  Fixture f;
  HttpClient c(f.port());
  auto r = c.request("POST", "/v1/exec", std::string(100 * 1024, 'x'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST(ServerHttp, SlowClientIsDisconnectedAfterReadTimeout) {
  Fixture f;
  HttpClient c(f.port());
  ASSERT_TRUE(c.send_raw("GET / HTTP/1.1\r\nHost: x\r\n"));  // never finishes the header
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer(3000));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(300));
}

TEST(ServerHttp, IdleConnectionIsClosedAfterIdleTimeout) {
  ServerConfig config = test_config();
  config.idle_timeout_ms = 300;
  Fixture f(config);
  HttpClient c(f.port());
  ASSERT_TRUE(c.request("GET", "/"));
  EXPECT_TRUE(c.closed_by_peer(3000));
}

TEST(ServerHttp, ExpectContinueIsHonoured) {
  Fixture f;
  HttpClient c(f.port());
  std::string body = R"({"runtime":"fake","code":"print:hi"})";
  ASSERT_TRUE(c.send_raw("POST /v1/exec HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  auto cont = c.read_response();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.send_raw(body));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(ServerApp, HandlerResponseIsPassedThrough) {
  Fixture f;
  HttpClient c(f.port());
  auto r = c.request("POST", "/app/echo/a/b?x=1", "payload", "X-Test: yes\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->headers["content-type"], "text/plain");
  EXPECT_EQ(r->body, "g1 POST /a/b q=x=1 h=yes b=payload");
  auto created = c.request("GET", "/app/echo/created");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201);
  auto bare = c.request("GET", "/app/echo");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->body, "g1 GET / q= h= b=");
}

TEST(ServerApp, BlockingHandlerRunsOffTheLoop) {
  Fixture f;
  HttpClient c(f.port());
  auto r = c.request("GET", "/app/becho/x");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "g1 GET /x q= h= b=");
}

TEST(ServerApp, GuestFailuresMapToStatusCodes) {
  Fixture f;
  HttpClient c(f.port());
  struct Case {
    const char* path;
    int status;
  } cases[] = {{"/app/echo/fault", 500},   {"/app/echo/timeout", 504},
               {"/app/echo/memory", 507},  {"/app/echo/badtype", 500},
               {"/app/becho/fault", 500},  {"/app/echo/busy", 503},
               {"/app/nosuch/", 404}};
  for (const Case& k : cases) {
    auto r = c.request("GET", k.path);
    ASSERT_TRUE(r) << k.path;
    EXPECT_EQ(r->status, k.status) << k.path;
    json j = body_json(*r);
    EXPECT_TRUE(j.contains("error")) << k.path;
    if (k.status >= 500 && k.status != 503) {
      EXPECT_TRUE(j.contains("id")) << k.path;
      EXPECT_EQ(j["id"].get<std::string>().size(), 20u);
    }
    if (k.status == 503) {
      EXPECT_EQ(r->headers["retry-after"], "1");
    }
  }
  // A header-injection attempt by the guest never reaches the wire.
  auto r = c.request("GET", "/app/echo/badtype");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->headers.contains("set-cookie"));
}

TEST(ServerExec, RunsCodeAndReportsTheDocumentedShape) {
  Fixture f;
  HttpClient c(f.port());
  auto r = c.request("POST", "/v1/exec",
                     R"({"runtime":"fake","code":"print:hi","stdin":"!","args":["a","b"]})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json j = body_json(*r);
  EXPECT_EQ(j["stdout"], "hi! a b");
  EXPECT_EQ(j["stderr"], "err");
  EXPECT_EQ(j["exit_code"], 0);
  EXPECT_EQ(j["status"], "ok");
  for (const char* k : {"queue_us", "fork_us", "run_us", "total_us"})
    EXPECT_TRUE(j["timings"].contains(k)) << k;
  EXPECT_EQ(j["usage"]["instructions"], 1000);
  EXPECT_EQ(j["usage"]["pages_written"], 3);
  // A blocking runtime reports cpu_us instead of instructions.
  auto b = c.request("POST", "/v1/exec", R"({"runtime":"slow","code":"exit:3"})");
  ASSERT_TRUE(b);
  json bj = body_json(*b);
  EXPECT_EQ(bj["exit_code"], 3);
  EXPECT_EQ(bj["usage"]["cpu_us"], 7);
  EXPECT_FALSE(bj["usage"].contains("instructions"));
}

TEST(ServerExec, OutcomesAppearInStatus) {
  Fixture f;
  HttpClient c(f.port());
  for (auto [code, status] : {std::pair{"fault", "fault"}, std::pair{"timeout", "timeout"},
                              std::pair{"memory", "memory"}}) {
    auto r = c.request("POST", "/v1/exec",
                       json{{"runtime", "fake"}, {"code", code}}.dump());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(body_json(*r)["status"], status);
  }
  auto e = c.request("POST", "/v1/exec", R"({"runtime":"fake","code":"error"})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 500);
  EXPECT_TRUE(body_json(*e).contains("id"));
}

TEST(ServerExec, RequestErrorsAreJson) {
  Fixture f;
  HttpClient c(f.port());
  struct Case {
    std::string body;
    int status;
  } cases[] = {
      {"{not json", 400},
      {"[1,2]", 400},
      {R"({"code":"x"})", 400},
      {R"({"runtime":"fake"})", 400},
      {R"({"runtime":"fake","code":1})", 400},
      {R"({"runtime":"nosuch","code":"x"})", 404},
      {json{{"runtime", "fake"}, {"code", std::string(2000, 'x')}}.dump(), 413},
      {R"({"runtime":"fake","code":"x","timeout_ms":-5})", 400},
      {R"({"runtime":"fake","code":"x","timeout_ms":99999999})", 400},
      {std::string(100, '[') + std::string(100, ']'), 400},
  };
  for (const Case& k : cases) {
    auto r = c.request("POST", "/v1/exec", k.body);
    ASSERT_TRUE(r) << k.body;
    EXPECT_EQ(r->status, k.status) << k.body;
    EXPECT_TRUE(body_json(*r).contains("error")) << k.body;
  }
  auto get = c.request("GET", "/v1/exec");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
}

TEST(ServerExec, FullQueueGets503WithRetryAfter) {
  Fixture f;
  // "slow" admits one call at a time: hold it, then ask again.
  std::thread holder([&] {
    HttpClient c(f.port());
    auto r = c.request("POST", "/v1/exec", R"({"runtime":"slow","code":"sleep:600"})");
    EXPECT_TRUE(r && r->status == 200);
  });
  testing::sleep_ms(150);
  HttpClient c(f.port());
  auto r = c.request("POST", "/v1/exec", R"({"runtime":"slow","code":"print:x"})");
  holder.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->headers["retry-after"], "1");
  auto busy = c.request("POST", "/v1/exec", R"({"runtime":"fake","code":"busy"})");
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503);
}

TEST(ServerPiston, RuntimesAndExecuteUsePistonShapes) {
  Fixture f;
  HttpClient c(f.port());
  auto list = c.request("GET", "/api/v2/runtimes");
  ASSERT_TRUE(list);
  json l = body_json(*list);
  ASSERT_TRUE(l.is_array());
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0]["language"], "fake");
  EXPECT_EQ(l[0]["version"], "1.2.3");
  EXPECT_EQ(l[0]["aliases"][0], "fake-alias");

  auto r = c.request("POST", "/api/v2/execute",
                     R"({"language":"fake-alias","version":"1.2","files":[{"content":"print:hi"}],
                         "stdin":"","args":["x"],"run_timeout":3000})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json j = body_json(*r);
  EXPECT_EQ(j["language"], "fake");
  EXPECT_EQ(j["version"], "1.2.3");
  EXPECT_EQ(j["run"]["stdout"], "hi x");
  EXPECT_EQ(j["run"]["stderr"], "err");
  EXPECT_EQ(j["run"]["output"], "hi xerr");
  EXPECT_EQ(j["run"]["code"], 0);
  EXPECT_TRUE(j["run"]["signal"].is_null());

  auto to = c.request("POST", "/api/v2/execute",
                      R"({"language":"fake","version":"*","files":[{"content":"timeout"}]})");
  ASSERT_TRUE(to);
  json t = body_json(*to);
  EXPECT_TRUE(t["run"]["code"].is_null());
  EXPECT_EQ(t["run"]["signal"], "SIGKILL");

  auto unknown = c.request("POST", "/api/v2/execute",
                           R"({"language":"fake","version":"9","files":[{"content":"x"}]})");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_EQ(body_json(*unknown)["message"], "fake-9 runtime is unknown");
  auto bad = c.request("POST", "/api/v2/execute", R"({"language":"fake"})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_TRUE(body_json(*bad).contains("message"));
}

TEST(ServerRoutes, RuntimesHealthzAndMetrics) {
  Fixture f;
  HttpClient c(f.port());
  auto rt = c.request("GET", "/v1/runtimes");
  ASSERT_TRUE(rt);
  json j = body_json(*rt);
  ASSERT_EQ(j["runtimes"].size(), 2u);
  EXPECT_EQ(j["runtimes"][0]["name"], "fake");
  EXPECT_EQ(j["runtimes"][1]["blocking"], true);
  EXPECT_EQ(j["handlers"].size(), 2u);
  auto h = c.request("GET", "/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(body_json(*h)["status"], "ok");
  ASSERT_TRUE(c.request("GET", "/app/echo/fault"));
  ASSERT_TRUE(c.request("POST", "/v1/exec", R"({"runtime":"fake","code":"timeout"})"));
  auto m = c.request("GET", "/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  for (const char* needle :
       {"forkbox_http_requests_total{route=\"app\",code=\"5xx\"} 1",
        "forkbox_http_request_duration_seconds_bucket{route=\"exec\",le=\"+Inf\"} 1",
        "forkbox_sandbox_requests_total{kind=\"handler\",name=\"echo\",outcome=\"fault\"} 1",
        "forkbox_sandbox_requests_total{kind=\"runtime\",name=\"fake\",outcome=\"timeout\"} 1",
        "forkbox_sandbox_instructions_total{kind=\"runtime\",name=\"fake\"} 1000",
        "forkbox_engine_forks_total{kind=\"runtime\",name=\"fake\"} 1",
        "forkbox_engine_pool_size", "forkbox_http_connections_open"}) {
    EXPECT_NE(m->body.find(needle), std::string::npos) << needle;
  }
  auto nf = c.request("GET", "/nope");
  ASSERT_TRUE(nf);
  EXPECT_EQ(nf->status, 404);
  EXPECT_EQ(body_json(*nf)["error"], "not found");
}

TEST(ServerKeys, BearerTokensAndPerKeyLimits) {
  ServerConfig config = test_config();
  config.threads = 1;
  ApiKeyConfig limited;
  limited.name = "limited";
  limited.token = "limited-token-0123456789";
  limited.rate_per_second = 1;
  limited.burst = 2;
  ApiKeyConfig open;
  open.name = "open";
  open.token = "open-token-0123456789abc";
  open.max_concurrency = 1;
  config.api_keys = {limited, open};
  Fixture f(config);
  HttpClient c(f.port());
  auto none = c.request("GET", "/app/echo/");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->headers["www-authenticate"], "Bearer realm=\"forkbox\"");
  auto wrong = c.request("GET", "/app/echo/", "", "Authorization: Bearer nope\r\n");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  // Public routes need no key.
  EXPECT_EQ(c.request("GET", "/healthz")->status, 200);
  EXPECT_EQ(c.request("GET", "/")->status, 200);
  // Rate: a burst of two, then 429 with Retry-After.
  std::string auth = "Authorization: Bearer " + limited.token + "\r\n";
  EXPECT_EQ(c.request("GET", "/app/echo/", "", auth)->status, 200);
  EXPECT_EQ(c.request("GET", "/app/echo/", "", auth)->status, 200);
  auto limited_r = c.request("GET", "/app/echo/", "", auth);
  ASSERT_TRUE(limited_r);
  EXPECT_EQ(limited_r->status, 429);
  EXPECT_TRUE(limited_r->headers.contains("retry-after"));
  // Concurrency: one blocking call in flight with the "open" key, a second is refused.
  std::string open_auth = "Authorization: Bearer " + open.token + "\r\n";
  std::thread holder([&] {
    HttpClient h(f.port());
    auto r = h.request("GET", "/app/becho/sleep", "", open_auth);
    EXPECT_TRUE(r && r->status == 200);
  });
  testing::sleep_ms(100);
  auto second = c.request("GET", "/app/echo/", "", open_auth);
  holder.join();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 429);
  EXPECT_EQ(c.request("GET", "/app/echo/", "", open_auth)->status, 200);
}

TEST(ServerReload, ReloadUnderLoadDropsNoRequest) {
  Fixture f;
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&] {
      HttpClient c(f.port());
      while (!stop.load()) {
        auto r = c.request("GET", "/app/echo/x");
        if (r && r->status == 200) ok.fetch_add(1);
        else bad.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(f.server->reload().has_value());
    testing::sleep_ms(20);
  }
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(ok.load(), 50);
  HttpClient c(f.port());
  auto r = c.request("GET", "/app/echo/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.substr(0, 3), "g11");  // served by the last generation
  auto admin = c.request("POST", "/admin/reload");
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->status, 200);
  EXPECT_EQ(body_json(*admin)["generation"], 12);
}

TEST(ServerReload, ReloadReReadsTheConfigFileAndReportsErrors) {
  std::string path = ::testing::TempDir() + "/forkbox_reload_test.toml";
  { std::ofstream(path) << "[server]\nthreads = 1\n"; }
  auto config = load_config(path);
  ASSERT_TRUE(config) << config.error().message;
  config->port = 0;
  Fixture f(*config);
  { std::ofstream(path) << "[server\n"; }  // broken
  auto r = f.server->reload();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ServerErrorKind::kConfig);
  HttpClient c(f.port());
  auto admin = c.request("POST", "/admin/reload");
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->status, 500);
  EXPECT_EQ(c.request("GET", "/app/echo/")->status, 200);  // still serving the old registry
}

TEST(ServerShutdown, DrainFinishesInFlightRequests) {
  Fixture f;
  std::optional<testing::HttpResponse> slow;
  std::thread t([&] {
    HttpClient c(f.port());
    slow = c.request("GET", "/app/becho/sleep");
  });
  testing::sleep_ms(100);
  HttpClient idle(f.port());
  ASSERT_TRUE(idle.request("GET", "/"));
  f.server->shutdown();
  t.join();
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->status, 200);
  EXPECT_EQ(slow->headers["connection"], "close");
  EXPECT_TRUE(idle.closed_by_peer(2000));
  f.server->wait();
  HttpClient after(f.port());
  EXPECT_FALSE(after.connected());
}

TEST(ServerConfigFile, ParsesEveryTableAndRejectsUnknownKeys) {
  std::string path = ::testing::TempDir() + "/forkbox_config_test.toml";
  {
    std::ofstream(path) << R"(
[server]
listen = "127.0.0.1:9090"
threads = 3
root_route = false
max_body_bytes = 2048
[exec]
max_code_bytes = 100
[access_log]
mode = "sampled"
sample = 10
[[api_keys]]
name = "ci"
token = "0123456789abcdef0123"
max_concurrency = 4
rate_per_second = 2.5
[[runtimes]]
name = "lua"
engine = "riscv"
timeout_ms = 500
translate = false
[[handlers]]
name = "hello"
program = "guests/hello"
)";
  }
  auto c = load_config(path);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->port, 9090);
  EXPECT_EQ(c->threads, 3u);
  EXPECT_FALSE(c->root_route);
  EXPECT_EQ(c->max_body_bytes, 2048u);
  EXPECT_EQ(c->max_code_bytes, 100u);
  EXPECT_EQ(c->access_log, AccessLogMode::kSampled);
  ASSERT_EQ(c->api_keys.size(), 1u);
  EXPECT_EQ(c->api_keys[0].max_concurrency, 4u);
  ASSERT_EQ(c->runtimes.size(), 1u);
  EXPECT_EQ(c->runtimes[0].timeout_ms, 500u);
  EXPECT_FALSE(c->runtimes[0].translate);
  ASSERT_EQ(c->handlers.size(), 1u);
  EXPECT_TRUE(c->handlers[0].translate);  // the default
  EXPECT_EQ(c->handlers[0].program.front(), '/');  // resolved against the file's directory
  { std::ofstream(path) << "[server]\nthreds = 2\n"; }
  auto typo = load_config(path);
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("threds"), std::string::npos);
  ServerConfig env;
  EXPECT_TRUE(add_env_api_keys(env, "a:0123456789abcdef,0123456789abcdefg"));
  EXPECT_EQ(env.api_keys.size(), 2u);
  EXPECT_FALSE(add_env_api_keys(env, "short"));
  EXPECT_FALSE(apply_listen(env, "nonsense"));
  EXPECT_TRUE(apply_listen(env, "[::1]:80"));
  EXPECT_EQ(env.address, "::1");
}

TEST(ServerStart, BindFailureIsReported) {
  Fixture first;
  ServerConfig config = test_config();
  config.address = "not-an-ip";
  auto r = Server::create(config, [](const ServerConfig&) { return Sandboxes{}; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ServerErrorKind::kBind);
}

}  // namespace
}  // namespace forkbox::server

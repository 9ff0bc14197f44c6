// `forkbox serve`: builds the server configuration (built-in defaults, then the TOML file, then
// FORKBOX_API_KEYS, then flags), starts the server library and waits for a signal. Everything
// else lives in src/server; this file only turns flags into a ServerConfig.
#include <fmt/format.h>
#include <signal.h>

#include <cstdlib>
#include <string>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "common/hardening.hpp"
#include "server/config.hpp"
#include "server/server.hpp"

namespace forkbox::cli {
namespace {

struct ServeOptions {
  std::string config_path;
  std::string listen;
  unsigned threads = 0;
  bool threads_set = false;
  bool access_log = false;
  bool no_seccomp = false;
};

int serve(const ServeOptions& opt) {
  using namespace forkbox::server;
  ServerConfig config;
  if (!opt.config_path.empty()) {
    auto loaded = load_config(opt.config_path);
    if (!loaded) {
      fmt::print(stderr, "forkbox serve: {}\n", loaded.error().message);
      return kExitUsage;
    }
    config = std::move(*loaded);
  } else {
    config = default_config();
  }
  if (const char* keys = std::getenv("FORKBOX_API_KEYS"); keys && *keys) {
    if (auto r = add_env_api_keys(config, keys); !r) {
      fmt::print(stderr, "forkbox serve: {}\n", r.error().message);
      return kExitUsage;
    }
  }
  if (!opt.listen.empty()) {
    if (auto r = apply_listen(config, opt.listen); !r) {
      fmt::print(stderr, "forkbox serve: {}\n", r.error().message);
      return kExitUsage;
    }
  }
  if (opt.threads_set) config.threads = opt.threads;
  if (opt.access_log) config.access_log = AccessLogMode::kFull;

  // A client that goes away mid-response must not kill the server.
  ::signal(SIGPIPE, SIG_IGN);

  auto server = Server::create(std::move(config));
  if (!server) {
    fmt::print(stderr, "forkbox serve: {}\n", server.error().message);
    return kExitUsage;
  }

  // The server is bound and its sandboxes are warm: from here on it needs no privileges and
  // only the system calls on the allow-list (src/common/hardening.hpp).
  if (!opt.no_seccomp) {
    if (auto r = forkbox::hardening::harden_process({}); !r) {
      fmt::print(stderr, "forkbox serve: hardening failed: {}\n",
                 forkbox::hardening::describe(r.error()));
      return kExitUsage;
    }
  }

  (*server)->start(/*handle_signals=*/true);
  // Scripts and tests read the bound port (useful with :0) from this line.
  fmt::print(stderr, "forkbox serve: listening on port {}\n", (*server)->port());
  (*server)->wait();
  fmt::print(stderr, "forkbox serve: stopped\n");
  return 0;
}

}  // namespace

Command register_serve(CLI::App& app) {
  auto opt = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve per-request sandboxes over HTTP (see docs/server.md)");
  cmd->add_option("--config", opt->config_path, "TOML configuration file (forkbox.toml)");
  cmd->add_option("--listen", opt->listen, "ADDR:PORT to listen on (default 127.0.0.1:8080)");
  cmd->add_option_function<unsigned>(
         "--threads",
         [opt](unsigned n) {
           opt->threads = n;
           opt->threads_set = true;
         },
         "event-loop threads (default: one per core)")
      ->check(CLI::Range(1u, server::kMaxThreads));
  cmd->add_flag("--access-log", opt->access_log, "log every request (JSON lines on stderr)");
  cmd->add_flag("--no-seccomp", opt->no_seccomp, "do not apply the server's seccomp filter");
  return [opt](const std::vector<std::string>&) { return serve(*opt); };
}

}  // namespace forkbox::cli

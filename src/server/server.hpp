// `forkbox serve`: an HTTP/1.1 server (Boost.Asio + Boost.Beast) that runs each sandboxed
// request in a fresh fork of a warmed program. One event loop per thread, each with its own
// listening socket (SO_REUSEPORT lets the kernel spread connections), its own connections and
// its own snapshot of the registry, so the request path takes no lock. Blocking sandboxes run
// on a bounded worker pool and post their result back to the owning loop.
//
// Lifecycle: create() binds and loads the sandboxes; start() runs the loops; shutdown() (or
// SIGINT/SIGTERM) stops accepting, lets in-flight requests finish and closes idle connections,
// up to drain_timeout_ms; wait() returns when everything has stopped. reload() (or SIGHUP, or
// POST /admin/reload from loopback) re-reads the configuration and swaps the registry without
// dropping a request.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "server/config.hpp"
#include "server/registry.hpp"

namespace forkbox::server {

enum class ServerErrorKind : uint8_t {
  kBind,    // the listening address could not be bound
  kConfig,  // the configuration is unusable (reload: the file no longer parses)
};

struct ServerError {
  ServerErrorKind kind;
  std::string message;
};

struct ServerState;  // server_state.hpp

class Server {
 public:
  // Binds the listening sockets (port 0 picks a free one, see port()) and loads the sandboxes.
  [[nodiscard]] static std::expected<std::unique_ptr<Server>, ServerError> create(
      ServerConfig config, SandboxLoader loader = load_sandboxes);
  ~Server();  // shuts down and waits when still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] uint16_t port() const;
  // Starts the event loops and the control thread. With handle_signals, SIGINT/SIGTERM drain
  // and stop, SIGHUP reloads.
  void start(bool handle_signals);
  // Begins a graceful shutdown; thread-safe, returns at once.
  void shutdown();
  // Blocks until the server has stopped.
  void wait();
  // Re-reads the configuration file (when there is one) and swaps in a new registry. Blocking,
  // thread-safe; concurrent calls are serialised.
  [[nodiscard]] std::expected<void, ServerError> reload();

 private:
  explicit Server(std::unique_ptr<ServerState> state);
  std::unique_ptr<ServerState> state_;
};

}  // namespace forkbox::server

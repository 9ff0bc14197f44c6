// Internals shared by the server's parts (server.cpp, connection.cpp, router.cpp): the state
// of the whole server and of one event-loop thread (a Worker). Not part of the library's API.
//
// Ownership: ServerState owns the workers, the blocking pool and the registry; a Worker owns
// its io_context, acceptor and the set of its live connections (each Connection is owned by
// the shared_ptrs its pending operations hold, the set only lists them for draining).
#pragma once

// Before Asio: Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <atomic>
#include <boost/asio.hpp>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/unique_fd.hpp"
#include "server/blocking_pool.hpp"
#include "server/config.hpp"
#include "server/metrics.hpp"
#include "server/registry.hpp"
#include "server/server.hpp"

namespace forkbox::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Connection;
struct ServerState;

struct Worker {
  Worker(ServerState& server_, unsigned index_);

  ServerState& server;
  unsigned index;
  asio::io_context ioc{1};  // run by exactly one thread
  std::optional<tcp::acceptor> acceptor;
  std::unordered_set<Connection*> connections;
  size_t max_connections = 0;
  bool draining = false;
  ThreadMetrics& metrics;
  std::thread thread;

  // The registry this loop serves from; refreshed between requests when a reload published a
  // newer generation (one relaxed load per request, no shared_ptr copy).
  [[nodiscard]] const Registry& registry();

  // The current IMF-fixdate for the Date header, formatted once per second.
  [[nodiscard]] std::string_view http_date();

  // A request id unique within this server's lifetime: nonce, loop and counter.
  [[nodiscard]] std::string next_request_id();

  uint64_t access_log_counter = 0;

  void start_accept();
  void begin_drain();

 private:
  void on_accept(boost::system::error_code ec, tcp::socket socket);

  std::shared_ptr<const Registry> registry_;
  uint64_t registry_generation_ = 0;
  time_t date_second_ = 0;
  char date_[40] = {};
  size_t date_len_ = 0;
  uint64_t request_counter_ = 0;
};

struct ServerState {
  ServerState(ServerConfig config_, SandboxLoader loader_, unsigned threads);

  ServerConfig config;  // listen address, limits; not changed by reload
  SandboxLoader loader;
  MetricsStore metrics;
  KeyStore keys;

  // The published registry and its generation (release-stored after the pointer).
  std::atomic<std::shared_ptr<const Registry>> registry;
  std::atomic<uint64_t> generation{0};
  std::mutex reload_mutex;  // serialises reloads (control thread and API callers)

  std::unique_ptr<BlockingPool> pool;
  std::vector<std::unique_ptr<Worker>> workers;

  asio::io_context control{1};  // signals, reloads, the drain deadline
  std::optional<asio::signal_set> signals;
  std::optional<asio::steady_timer> drain_timer;
  std::thread control_thread;
  std::atomic<bool> draining{false};
  unsigned workers_done = 0;  // control thread only
  bool started = false;
  bool joined = false;

  uint32_t nonce = 0;  // request-id prefix, random per process
  UniqueFd access_log_file;
  int access_log_fd = 2;

  void publish(std::shared_ptr<const Registry> next);
  [[nodiscard]] std::expected<void, ServerError> reload();
  void begin_shutdown();  // on the control thread
  void wait_signal();     // on the control thread
};

}  // namespace forkbox::server

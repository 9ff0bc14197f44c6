// The server's lifecycle: binding, the event-loop threads, the control thread (signals,
// reloads, the drain deadline) and registry publication; see server.hpp.
#include "server/server.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <random>

#include "server/connection.hpp"
#include "server/log.hpp"
#include "server/server_state.hpp"

namespace forkbox::server {

// --- Worker -----------------------------------------------------------------------------------

Worker::Worker(ServerState& server_, unsigned index_)
    : server(server_), index(index_), metrics(server_.metrics.thread(index_)) {}

const Registry& Worker::registry() {
  uint64_t g = server.generation.load(std::memory_order_acquire);
  if (g != registry_generation_ || !registry_) {
    registry_ = server.registry.load();
    registry_generation_ = g;
  }
  return *registry_;
}

std::string_view Worker::http_date() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  if (ts.tv_sec != date_second_ || date_len_ == 0) {
    date_second_ = ts.tv_sec;
    tm utc{};
    ::gmtime_r(&ts.tv_sec, &utc);
    date_len_ = std::strftime(date_, sizeof date_, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  }
  return {date_, date_len_};
}

std::string Worker::next_request_id() {
  return fmt::format("{:08x}{:02x}{:010x}", server.nonce, index, ++request_counter_);
}

void Worker::start_accept() {
  acceptor->async_accept(ioc, [this](boost::system::error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void Worker::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (draining || !acceptor->is_open()) return;
  if (ec) {
    // Out of descriptors or memory: wait a little instead of spinning on accept.
    log_warning("accept failed: {}", ec.message());
    auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(50));
    timer->async_wait([this, timer](boost::system::error_code) {
      if (!draining) start_accept();
    });
    return;
  }
  metrics.connections_accepted.add();
  if (connections.size() >= max_connections) {
    metrics.rejections[static_cast<size_t>(Rejection::kConnections)].add();
    boost::system::error_code ignored;
    socket.close(ignored);
  } else {
    std::make_shared<Connection>(*this, std::move(socket))->start();
  }
  start_accept();
}

void Worker::begin_drain() {
  draining = true;
  boost::system::error_code ignored;
  if (acceptor) acceptor->close(ignored);
  std::vector<Connection*> live(connections.begin(), connections.end());
  for (Connection* c : live) c->drain();
}

// --- ServerState ------------------------------------------------------------------------------

ServerState::ServerState(ServerConfig config_, SandboxLoader loader_, unsigned threads)
    : config(std::move(config_)), loader(std::move(loader_)), metrics(threads) {}

void ServerState::publish(std::shared_ptr<const Registry> next) {
  uint64_t g = next->generation;
  registry.store(std::move(next));
  generation.store(g, std::memory_order_release);
}

std::expected<void, ServerError> ServerState::reload() {
  std::lock_guard lock(reload_mutex);
  ServerConfig next = config;
  if (!config.config_path.empty()) {
    auto loaded = load_config(config.config_path);
    if (!loaded) {
      metrics.reloads_failed.fetch_add(1);
      log_warning("reload failed: {}", loaded.error().message);
      return std::unexpected(ServerError{ServerErrorKind::kConfig, loaded.error().message});
    }
    if (const char* env = std::getenv("FORKBOX_API_KEYS"); env && *env) {
      if (auto r = add_env_api_keys(*loaded, env); !r) {
        metrics.reloads_failed.fetch_add(1);
        return std::unexpected(ServerError{ServerErrorKind::kConfig, r.error().message});
      }
    }
    next.runtimes = std::move(loaded->runtimes);
    next.handlers = std::move(loaded->handlers);
    next.api_keys = std::move(loaded->api_keys);
    next.handler_queue_limit = loaded->handler_queue_limit;
  }
  Sandboxes sandboxes = loader(next);
  uint64_t g = generation.load() + 1;
  publish(build_registry(next, std::move(sandboxes), metrics, keys, g));
  metrics.reloads_ok.fetch_add(1);
  std::shared_ptr<const Registry> now = registry.load();
  log_info("reloaded (generation {}): {} runtimes, {} handlers", g, now->runtimes.size(),
           now->handlers.size());
  return {};
}

void ServerState::begin_shutdown() {
  if (draining.exchange(true)) {
    // A second request to stop: do not wait for the drain any longer.
    for (auto& w : workers) w->ioc.stop();
    return;
  }
  log_info("draining: waiting up to {} ms for in-flight requests", config.drain_timeout_ms);
  for (auto& w : workers) {
    Worker* worker = w.get();
    asio::post(worker->ioc, [worker] { worker->begin_drain(); });
  }
  drain_timer.emplace(control, std::chrono::milliseconds(config.drain_timeout_ms));
  drain_timer->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    log_warning("drain timeout: stopping with requests still in flight");
    for (auto& w : workers) w->ioc.stop();
  });
}

void ServerState::wait_signal() {
  signals->async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      log_info("SIGHUP: reloading");
      [[maybe_unused]] auto r = reload();
    } else {
      begin_shutdown();
    }
    wait_signal();
  });
}

// --- Server -----------------------------------------------------------------------------------

namespace {

using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

std::expected<void, ServerError> bind_worker(Worker& w, const tcp::endpoint& endpoint) {
  auto fail = [&](const boost::system::error_code& ec) {
    return std::unexpected(ServerError{
        ServerErrorKind::kBind, fmt::format("cannot listen on {}:{}: {}",
                                            endpoint.address().to_string(), endpoint.port(),
                                            ec.message())});
  };
  boost::system::error_code ec;
  w.acceptor.emplace(w.ioc);
  w.acceptor->open(endpoint.protocol(), ec);
  if (ec) return fail(ec);
  w.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return fail(ec);
  // Each loop has its own listening socket on the same port; the kernel spreads connections.
  w.acceptor->set_option(reuse_port(true), ec);
  if (ec) return fail(ec);
  w.acceptor->bind(endpoint, ec);
  if (ec) return fail(ec);
  w.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec);
  return {};
}

}  // namespace

Server::Server(std::unique_ptr<ServerState> state) : state_(std::move(state)) {}

std::expected<std::unique_ptr<Server>, ServerError> Server::create(ServerConfig config,
                                                                   SandboxLoader loader) {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  unsigned threads = config.threads ? config.threads : cores;
  unsigned blocking = config.blocking_threads ? config.blocking_threads : cores;
  auto state = std::make_unique<ServerState>(std::move(config), std::move(loader), threads);
  ServerState& s = *state;
  s.nonce = std::random_device{}();

  if (!s.config.access_log_path.empty()) {
    int fd = ::open(s.config.access_log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                    0640);
    if (fd < 0) {
      return std::unexpected(ServerError{
          ServerErrorKind::kConfig,
          "cannot open access log " + s.config.access_log_path + ": " + std::strerror(errno)});
    }
    s.access_log_file.reset(fd);
    s.access_log_fd = fd;
  }

  boost::system::error_code ec;
  std::string host = s.config.address == "localhost" ? "127.0.0.1" : s.config.address;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {
    return std::unexpected(ServerError{ServerErrorKind::kBind,
                                       "listen address '" + s.config.address +
                                           "' is not an IP address"});
  }
  tcp::endpoint endpoint(address, s.config.port);
  for (unsigned i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>(s, i);
    w->max_connections = (s.config.max_connections + threads - 1) / threads;
    if (auto r = bind_worker(*w, endpoint); !r) return std::unexpected(r.error());
    // Port 0: the first socket picked a port, the others join it.
    if (i == 0) endpoint.port(w->acceptor->local_endpoint().port());
    s.workers.push_back(std::move(w));
  }
  s.config.port = endpoint.port();

  Sandboxes sandboxes = s.loader(s.config);
  s.publish(build_registry(s.config, std::move(sandboxes), s.metrics, s.keys, 1));
  s.pool = std::make_unique<BlockingPool>(blocking);
  return std::unique_ptr<Server>(new Server(std::move(state)));
}

Server::~Server() {
  if (state_->started && !state_->joined) {
    shutdown();
    wait();
  }
  // Jobs still in the pool post to loops that no longer run; finish them before the loops go.
  state_->pool.reset();
}

uint16_t Server::port() const { return state_->config.port; }

void Server::start(bool handle_signals) {
  ServerState& s = *state_;
  if (s.started) return;
  s.started = true;
  auto guard = std::make_shared<asio::executor_work_guard<asio::io_context::executor_type>>(
      s.control.get_executor());
  if (handle_signals) {
    s.signals.emplace(s.control, SIGINT, SIGTERM, SIGHUP);
    s.wait_signal();
  }
  for (auto& w : s.workers) {
    Worker* worker = w.get();
    worker->start_accept();
    worker->thread = std::thread([worker, &s, guard] {
      worker->ioc.run();
      asio::post(s.control, [&s, guard] {
        if (++s.workers_done < s.workers.size()) return;
        if (s.drain_timer) s.drain_timer->cancel();
        if (s.signals) {
          boost::system::error_code ignored;
          s.signals->cancel(ignored);
        }
        guard->reset();
      });
    });
  }
  s.control_thread = std::thread([&s] { s.control.run(); });
  guard.reset();
}

void Server::shutdown() {
  ServerState& s = *state_;
  asio::post(s.control, [&s] { s.begin_shutdown(); });
}

void Server::wait() {
  ServerState& s = *state_;
  if (!s.started || s.joined) return;
  for (auto& w : s.workers) w->thread.join();
  s.control_thread.join();
  s.joined = true;
}

std::expected<void, ServerError> Server::reload() { return state_->reload(); }

}  // namespace forkbox::server

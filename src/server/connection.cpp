// One HTTP/1.1 connection; see connection.hpp.
#include "server/connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "server/exec_api.hpp"
#include "server/log.hpp"
#include "server/router.hpp"

namespace forkbox::server {

using Clock = std::chrono::steady_clock;

namespace {

// Why 64 KiB: buffers that grew past this for one large request are given back, so a
// connection idling after an upload does not pin its peak memory.
constexpr size_t kKeepBufferBytes = 64 * 1024;
// A closing connection reads and discards what the client still sends for this long, so the
// client sees our error response rather than a reset.
constexpr uint64_t kLingerMs = 2'000;
// Bytes asked of the kernel per read: requests are small, bodies come in a few reads.
constexpr size_t kReadChunk = 16 * 1024;

bool is_loopback(const tcp::endpoint& ep) {
  const asio::ip::address a = ep.address();
  if (a.is_v4()) return a.to_v4().is_loopback();
  if (a.is_v6()) {
    asio::ip::address_v6 v6 = a.to_v6();
    return v6.is_loopback() || (v6.is_v4_mapped() &&
                                asio::ip::make_address_v4(asio::ip::v4_mapped, v6).is_loopback());
  }
  return false;
}

}  // namespace

void Reply::reset() {
  status = 200;
  content_type = "application/json";
  body.clear();
  use_static_body = false;
  retry_after_s = 0;
  www_authenticate = false;
  allow = {};
  close = false;
  route = Route::kOther;
  entry = nullptr;
  outcome = Outcome::kOk;
  usage = {};
  sandbox_us = 0;
  log_message.clear();
}

void Reply::set_json(unsigned status_, std::string body_) {
  status = status_;
  content_type = "application/json";
  body = std::move(body_);
}

Connection::Connection(Worker& worker, tcp::socket socket)
    : worker_(worker),
      socket_(std::move(socket)),
      timer_(worker.ioc),
      buffer_(worker.server.config.max_header_bytes + worker.server.config.max_body_bytes +
              kKeepBufferBytes) {
  const ServerConfig& c = worker_.server.config;
  // The timer wakes at least this often; a timeout is noticed at most this late.
  uint64_t shortest = std::min({c.read_timeout_ms, c.idle_timeout_ms, c.write_timeout_ms});
  timer_period_ = std::chrono::milliseconds(std::max<uint64_t>(shortest / 4, 1));
  boost::system::error_code ec;
  tcp::endpoint remote = socket_.remote_endpoint(ec);
  remote_loopback_ = !ec && is_loopback(remote);
  socket_.set_option(tcp::no_delay(true), ec);
  worker_.connections.insert(this);
  worker_.metrics.connections_open.set(worker_.connections.size());
}

Connection::~Connection() {
  if (held_key_) held_key_->leave();
}

void Connection::start() {
  arm_timer(Clock::now());
  read_next();
}

void Connection::drain() {
  if (phase_ == Phase::kIdle) close();
}

const std::string& Connection::request_id() {
  if (request_id_.empty()) request_id_ = worker_.next_request_id();
  return request_id_;
}

void Connection::set_deadline(uint64_t ms) {
  deadline_ = Clock::now() + std::chrono::milliseconds(ms);
}

void Connection::arm_timer(Clock::time_point now) {
  Clock::time_point at = std::min(deadline_, now + timer_period_);
  at = std::max(at, now + std::chrono::milliseconds(1));
  timer_.expires_at(at);
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) { self->on_timer(ec); });
}

void Connection::on_timer(beast::error_code ec) {
  if (phase_ == Phase::kClosed || ec == asio::error::operation_aborted) return;
  Clock::time_point now = Clock::now();
  // A sandbox call has its own limits; the connection only waits for it.
  if (phase_ != Phase::kProcessing && now >= deadline_) {
    worker_.metrics.timeouts.add();
    close();
    return;
  }
  if (phase_ == Phase::kProcessing) deadline_ = now + timer_period_;
  arm_timer(now);
}

void Connection::read_next() {
  const ServerConfig& c = worker_.server.config;
  request_id_.clear();
  sent_continue_ = false;
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(c.max_header_bytes));
  parser_->body_limit(c.max_body_bytes);
  parser_->eager(true);
  if (buffer_.size() > 0) {
    phase_ = Phase::kReading;  // a pipelined request is already here
    set_deadline(c.read_timeout_ms);
  } else {
    if (worker_.draining) {
      close();
      return;
    }
    phase_ = Phase::kIdle;
    set_deadline(c.idle_timeout_ms);
  }
  do_read();
}

void Connection::do_read() {
  // Parse what the buffer already holds (pipelined requests) before reading more.
  while (buffer_.size() > 0) {
    beast::error_code ec;
    size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_more) break;
    if (ec) {
      on_parse_error(ec);
      return;
    }
    if (parser_->is_done()) {
      dispatch();
      return;
    }
    if (used == 0) break;
  }
  if (buffer_.size() > 0 && phase_ == Phase::kIdle) {
    // The request has started: from now on the (shorter) read timeout applies.
    phase_ = Phase::kReading;
    set_deadline(worker_.server.config.read_timeout_ms);
  }
  if (parser_->is_header_done() && !sent_continue_) {
    sent_continue_ = true;
    const Request& req = parser_->get();
    auto expect = req.find(http::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](beast::error_code wec, size_t) {
                          if (wec) self->close();
                          else if (self->phase_ != Phase::kClosed) self->do_read();
                        });
      return;
    }
  }
  size_t room = buffer_.max_size() - buffer_.size();
  if (room == 0) {
    on_parse_error(http::error::buffer_overflow);
    return;
  }
  socket_.async_read_some(buffer_.prepare(std::min(kReadChunk, room)),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->on_read(ec, n);
                          });
}

void Connection::on_read(beast::error_code ec, size_t bytes) {
  if (phase_ == Phase::kClosed) return;
  if (ec == asio::error::eof && (parser_->got_some() || buffer_.size() > 0)) {
    beast::error_code eof_ec;
    parser_->put_eof(eof_ec);
    if (eof_ec) {
      on_parse_error(eof_ec);
      return;
    }
    if (parser_->is_done()) {
      keep_alive_ = false;
      dispatch();
      return;
    }
  }
  if (ec) {
    close();
    return;
  }
  buffer_.commit(bytes);
  do_read();
}

void Connection::on_parse_error(beast::error_code ec) {
  worker_.metrics.bad_requests.add();
  phase_ = Phase::kProcessing;
  request_start_ = Clock::now();
  reply_.reset();
  reply_.close = true;
  keep_alive_ = false;
  if (ec == http::error::header_limit ||
      (ec == http::error::buffer_overflow && !parser_->is_header_done())) {
    reply_.set_json(431, json_error("request header fields too large", {}));
  } else if (ec == http::error::body_limit || ec == http::error::buffer_overflow) {
    reply_.set_json(413, json_error("request body too large", {}));
  } else {
    reply_.set_json(400, json_error("malformed HTTP request: " + ec.message(), {}));
  }
  send();
}

void Connection::dispatch() {
  phase_ = Phase::kProcessing;
  request_start_ = Clock::now();
  reply_.reset();
  keep_alive_ = parser_->get().keep_alive();
  if (route_request(*this)) send();
}

void Connection::complete() {
  if (phase_ != Phase::kProcessing) return;  // closed while the sandbox ran
  send();
}

void Connection::send() {
  if (held_key_) {
    held_key_->leave();
    held_key_ = nullptr;
  }
  if (worker_.draining || reply_.close) keep_alive_ = false;
  Clock::time_point now = Clock::now();
  auto elapsed_us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(now - request_start_).count());

  // Metering.
  RouteSlot& slot = worker_.metrics.routes[static_cast<size_t>(reply_.route)];
  slot.by_class[std::clamp(reply_.status / 100, 1u, 5u) - 1].add();
  slot.latency.observe(elapsed_us);
  if (reply_.entry) {
    EntrySlot& e = reply_.entry->slots[worker_.index];
    e.outcomes[static_cast<size_t>(reply_.outcome)].add();
    e.latency.observe(reply_.sandbox_us);
    e.instructions.add(reply_.usage.instructions);
    e.cpu_us.add(reply_.usage.cpu_us);
    e.pages_written.add(reply_.usage.pages_written);
  }
  if (reply_.status >= 500) {
    log_error("id={} route={} status={}: {}", request_id(), route_name(reply_.route),
              reply_.status, reply_.log_message.empty() ? "-" : reply_.log_message);
  }

  std::string_view body = reply_.use_static_body ? reply_.static_body : reply_.body;
  bool head_only = parser_->is_header_done() && parser_->get().method() == http::verb::head;
  head_.clear();
  auto out = std::back_inserter(head_);
  std::string_view reason = sv(http::obsolete_reason(static_cast<http::status>(reply_.status)));
  fmt::format_to(out,
                 "HTTP/1.1 {} {}\r\nServer: forkbox\r\nDate: {}\r\nContent-Type: {}\r\n"
                 "Content-Length: {}\r\n",
                 reply_.status, reason, worker_.http_date(), reply_.content_type, body.size());
  if (reply_.retry_after_s) fmt::format_to(out, "Retry-After: {}\r\n", reply_.retry_after_s);
  if (reply_.www_authenticate) head_ += "WWW-Authenticate: Bearer realm=\"forkbox\"\r\n";
  if (!reply_.allow.empty()) fmt::format_to(out, "Allow: {}\r\n", reply_.allow);
  if (!keep_alive_) head_ += "Connection: close\r\n";
  else if (parser_->get().version() == 10) head_ += "Connection: keep-alive\r\n";
  head_ += "\r\n";
  if (head_only) body = {};
  bytes_sent_ = head_.size() + body.size();
  if (worker_.server.config.access_log != AccessLogMode::kOff) write_access_log();

  phase_ = Phase::kWriting;
  set_deadline(worker_.server.config.write_timeout_ms);
  std::array<asio::const_buffer, 2> buffers = {asio::buffer(head_),
                                               asio::buffer(body.data(), body.size())};
  asio::async_write(socket_, buffers, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->on_written(ec);
  });
}

void Connection::on_written(beast::error_code ec) {
  if (phase_ == Phase::kClosed) return;
  if (ec) {
    close();
    return;
  }
  if (!keep_alive_) {
    linger();
    return;
  }
  if (reply_.body.capacity() > kKeepBufferBytes) std::string().swap(reply_.body);
  if (buffer_.size() == 0 && buffer_.capacity() > kKeepBufferBytes) buffer_.shrink_to_fit();
  read_next();
}

void Connection::linger() {
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) {
    close();
    return;
  }
  phase_ = Phase::kLingering;
  set_deadline(kLingerMs);
  buffer_.clear();
  auto space = buffer_.prepare(4096);
  socket_.async_read_some(space, [self = shared_from_this()](beast::error_code rec, size_t) {
    if (rec || self->phase_ == Phase::kClosed) self->close();
    else self->linger();
  });
}

void Connection::close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  if (held_key_) {
    held_key_->leave();
    held_key_ = nullptr;
  }
  beast::error_code ec;
  socket_.close(ec);
  timer_.cancel();
  worker_.connections.erase(this);
  worker_.metrics.connections_open.set(worker_.connections.size());
}

void Connection::write_access_log() {
  const ServerConfig& c = worker_.server.config;
  if (c.access_log == AccessLogMode::kSampled &&
      (worker_.access_log_counter++ % c.access_log_sample) != 0)
    return;
  nlohmann::json j = nlohmann::json::object();
  j["ts"] = worker_.http_date();
  j["id"] = request_id();
  beast::error_code ec;
  tcp::endpoint remote = socket_.remote_endpoint(ec);
  j["remote"] = ec ? std::string("-") : remote.address().to_string();
  if (parser_->is_header_done()) {
    const Request& req = parser_->get();
    j["method"] = sv(req.method_string());
    j["target"] = sv(req.target());
  }
  j["route"] = route_name(reply_.route);
  j["status"] = reply_.status;
  j["bytes"] = bytes_sent_;
  j["us"] = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - request_start_)
                .count();
  if (reply_.entry) {
    j["sandbox"] = reply_.entry->name;
    j["outcome"] = outcome_name(reply_.outcome);
  }
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  // One write per line: lines from different loops do not interleave. A failed write of the
  // access log must not fail the request.
  [[maybe_unused]] ssize_t n = ::write(worker_.server.access_log_fd, line.data(), line.size());
}

}  // namespace forkbox::server

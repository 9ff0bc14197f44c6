// One HTTP/1.1 connection: read a request (Beast's parser, with header and body limits), hand
// it to the router, write the response, repeat while keep-alive holds. Requests are answered in
// order, so pipelined requests (already in the read buffer) are parsed and answered one after
// another without another read.
//
// Buffers are per connection and reused for every request: the read buffer, the response head
// and the header views handed to guest handlers. The response body is sent from the string the
// sandbox produced (gather write), never copied.
//
// Timeouts use one lazily re-armed timer per connection instead of one timer operation per
// read: the deadline is a field the request path updates, and the timer, when it fires early,
// only re-arms itself for the remaining time.
#pragma once

// Before Asio: Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sandbox/runtime.hpp"
#include "server/api_keys.hpp"
#include "server/metrics.hpp"
#include "server/server_state.hpp"

namespace forkbox::server {

namespace beast = boost::beast;
namespace http = beast::http;

using RequestParser = http::request_parser<http::string_body>;
using Request = http::request<http::string_body>;

// Beast 1.74 has its own string_view type.
inline std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

// The response the router fills in; reset before each request, capacity kept.
struct Reply {
  unsigned status = 200;
  std::string_view content_type = "application/json";
  std::string owned_content_type;  // when content_type points here
  std::string body;
  std::string_view static_body;  // constant bodies (GET /) are not copied into `body`
  bool use_static_body = false;
  unsigned retry_after_s = 0;  // > 0: Retry-After header
  bool www_authenticate = false;
  std::string_view allow;  // 405: the Allow header
  bool close = false;      // send Connection: close and close after writing
  Route route = Route::kOther;
  // Metering of the sandbox that answered, if any.
  EntryMetrics* entry = nullptr;
  Outcome outcome = Outcome::kOk;
  ExecUsage usage;
  uint64_t sandbox_us = 0;
  std::string log_message;  // 5xx: what the error log says about it

  void reset();
  void set_json(unsigned status_, std::string body_);
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Worker& worker, tcp::socket socket);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  // The server is draining: close now if between requests, else after the current response.
  void drain();

  [[nodiscard]] Worker& worker() { return worker_; }
  [[nodiscard]] const Request& request() const { return parser_->get(); }
  [[nodiscard]] Reply& reply() { return reply_; }
  [[nodiscard]] HandlerRequest& handler_request() { return handler_request_; }
  [[nodiscard]] bool remote_is_loopback() const { return remote_loopback_; }
  [[nodiscard]] asio::any_io_executor executor() { return socket_.get_executor(); }
  // A key slot (concurrency) held by this request, released when its response is sent.
  void hold_key(KeyState* key) { held_key_ = key; }
  // Called (on this connection's loop) when a deferred reply is ready.
  void complete();
  // The request id, created on first use (errors and the access log).
  [[nodiscard]] const std::string& request_id();

 private:
  enum class Phase : uint8_t { kIdle, kReading, kProcessing, kWriting, kLingering, kClosed };

  void read_next();
  void do_read();
  void on_read(beast::error_code ec, size_t bytes);
  void on_parse_error(beast::error_code ec);
  void dispatch();
  void send();
  void on_written(beast::error_code ec);
  void finish_request();
  void linger();
  void close();
  void set_deadline(uint64_t ms);
  void arm_timer(std::chrono::steady_clock::time_point now);
  void on_timer(beast::error_code ec);
  void write_access_log();

  Worker& worker_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::milliseconds timer_period_;
  Phase phase_ = Phase::kIdle;
  bool keep_alive_ = true;
  bool sent_continue_ = false;
  bool remote_loopback_ = false;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  Reply reply_;
  HandlerRequest handler_request_;
  std::string head_;  // response status line and headers
  KeyState* held_key_ = nullptr;
  std::string request_id_;
  std::chrono::steady_clock::time_point request_start_;
  size_t bytes_sent_ = 0;
};

}  // namespace forkbox::server

// libFuzzer target: HTTP/1.1 request parsing as the server does it. The bytes are a stream of
// pipelined requests, delivered in chunks whose sizes come from the input's first byte (a
// client may split a request anywhere), parsed by Beast's request_parser configured exactly as
// src/server/connection.cpp configures it (header and body limits from ServerConfig, eager
// body parsing, a fresh parser per request, parse what is buffered before reading more). Each
// complete request's target and body then go to the execution-API parsers it would reach.
// Findings: crashes, sanitizer reports, a request that passes the configured limits, or an
// exception escaping (the connection does not expect any).
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "server/config.hpp"
#include "server/exec_api.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using Parser = http::request_parser<http::string_body>;

// Why 64 requests: a pipelined stream longer than that exercises nothing new per input.
constexpr int kMaxRequests = 64;

void new_parser(std::optional<Parser>& p, const forkbox::server::ServerConfig& c) {
  p.emplace();
  p->header_limit(static_cast<uint32_t>(c.max_header_bytes));
  p->body_limit(c.max_body_bytes);
  p->eager(true);
}

void handle(const Parser& p, const forkbox::server::ServerConfig& c) {
  const auto& req = p.get();
  if (req.body().size() > c.max_body_bytes) __builtin_trap();
  std::string_view target(req.target().data(), req.target().size());
  if (target.starts_with("/v1/exec")) (void)forkbox::server::parse_exec_v1(req.body(), c);
  if (target.starts_with("/api/v2/execute"))
    (void)forkbox::server::parse_piston_execute(req.body(), c);
  (void)req.keep_alive();
  for (const auto& field : req) (void)field.value().size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const forkbox::server::ServerConfig config = [] {
    forkbox::server::ServerConfig c;
    c.max_header_bytes = 2048;  // small limits so inputs can cross them
    c.max_body_bytes = 4096;
    return c;
  }();
  const size_t chunk = 1 + data[0] % 64;
  ++data;
  --size;

  beast::flat_buffer buffer;
  std::optional<Parser> parser;
  new_parser(parser, config);
  int requests = 0;
  size_t offset = 0;
  while (requests < kMaxRequests) {
    // "Read": append the next chunk, or end of stream.
    if (offset < size) {
      size_t n = std::min(chunk, size - offset);
      auto dst = buffer.prepare(n);
      std::memcpy(dst.data(), data + offset, n);
      buffer.commit(n);
      offset += n;
    } else {
      beast::error_code ec;
      parser->put_eof(ec);
      if (!ec && parser->is_done()) handle(*parser, config);
      break;
    }
    bool failed = false;
    while (buffer.size() > 0) {
      beast::error_code ec;
      size_t used = parser->put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == http::error::need_more) break;
      if (ec) {
        failed = true;  // the connection answers 400/413/431 and closes
        break;
      }
      if (parser->is_done()) {
        handle(*parser, config);
        ++requests;
        new_parser(parser, config);
        continue;
      }
      if (used == 0) break;
    }
    if (failed) break;
    // The connection reports a header that cannot fit as an overflow; so does this loop.
    if (!parser->is_header_done() && buffer.size() > config.max_header_bytes) break;
  }
  return 0;
}

// Templates and forks on the riscv engine: isolation between a template and its forks and
// between siblings, exact reset, host-call plumbing, large host writes, guest calls.
#include <gtest/gtest.h>

#include <array>
#include <thread>
#include <cstring>
#include <string>

#include "riscv/runtimes.hpp"
#include "riscv/template.hpp"

using namespace forkbox;
using namespace forkbox::riscv;

namespace {

std::string guest(const char* name) { return std::string(FORKBOX_TEST_GUESTS) + "/" + name; }

std::shared_ptr<const Template> echo_template() {
  TemplateSpec spec;
  spec.program = guest("handler_echo");
  spec.argv = {spec.program};
  auto t = Template::build(spec);
  EXPECT_TRUE(t) << (t ? "" : t.error());
  return t ? *t : nullptr;
}

struct Served {
  Stop stop;
  std::string body;
};

Served serve(Machine& m, const char* query, std::string_view body = {},
             std::vector<std::pair<std::string_view, std::string_view>> headers = {}) {
  HandlerRequest req;
  req.method = "GET";
  req.path = "/";
  req.query = query;
  req.body = body;
  req.headers = std::move(headers);
  m.set_request(&req);
  Served s{m.run(10'000'000), {}};
  m.set_request(nullptr);
  s.body = m.response().body;
  return s;
}

// A digest of everything a guest can observe: registers, FP state and every readable page.
uint64_t state_hash(const Machine& m) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  };
  mix(m.cpu().x, sizeof(uint64_t) * 32);
  mix(m.cpu().f, sizeof m.cpu().f);
  mix(&m.cpu().pc, sizeof m.cpu().pc);
  uint64_t sum = 0;
  m.memory().for_each_page([&](uint64_t page, const uint8_t* data) {
    uint64_t ph = 1469598103934665603ull ^ page;
    for (size_t i = 0; i < 4096; i += 8) {
      uint64_t w;
      std::memcpy(&w, data + i, 8);
      ph = (ph ^ w) * 1099511628211ull;
    }
    sum += ph;  // order-independent over pages
  });
  mix(&sum, sizeof sum);
  for (const auto& [start, r] : m.memory().vm().regions()) {
    mix(&r.start, sizeof r.start);
    mix(&r.end, sizeof r.end);
    mix(&r.prot, sizeof r.prot);
  }
  uint64_t brk = m.memory().brk();
  mix(&brk, sizeof brk);
  return h;
}

TEST(Fork, HandlerRespondsFromAFreshFork) {
  auto t = echo_template();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->ready_point(), ReadyPoint::kWaitRequest);
  Machine m(t, 64 << 20);
  Served s = serve(m, "0");
  EXPECT_EQ(s.stop.reason, StopReason::kResponded) << describe(s.stop);
  EXPECT_EQ(s.body, "100 1\n");
  EXPECT_EQ(m.response().http_status, 200);
  EXPECT_EQ(m.response().content_type, "text/plain");
  EXPECT_EQ(m.response().log, "served\n");
}

TEST(Fork, WritesInAForkAreNeverSeenByTheTemplateOrASibling) {
  auto t = echo_template();
  ASSERT_TRUE(t);
  uint64_t before = state_hash(t->machine());
  Machine a(t, 64 << 20), b(t, 64 << 20);
  EXPECT_EQ(serve(a, "64").body, "100 2\n");  // it sees its own write of table[0]
  EXPECT_GE(a.memory().pages_owned(), 64u);
  // The sibling forked before a ran and still sees the template's values.
  EXPECT_EQ(serve(b, "0").body, "100 1\n");
  EXPECT_EQ(state_hash(t->machine()), before);
  Machine c(t, 64 << 20);  // forked after a and b wrote
  EXPECT_EQ(serve(c, "0").body, "100 1\n");
}

TEST(Fork, ResetRestoresTheWholeGuestVisibleStateExactly) {
  auto t = echo_template();
  ASSERT_TRUE(t);
  Machine m(t, 64 << 20);
  uint64_t fresh = state_hash(m);
  EXPECT_EQ(serve(m, "40").body, "100 2\n");
  EXPECT_NE(state_hash(m), fresh);
  m.reset();
  EXPECT_EQ(state_hash(m), fresh);
  EXPECT_EQ(m.memory().pages_owned(), 0u);
  EXPECT_EQ(serve(m, "40").body, "100 2\n");  // and it serves identically again
}

TEST(Fork, AFaultOrLimitInOneForkDoesNotAffectTheNext) {
  auto t = echo_template();
  ASSERT_TRUE(t);
  Machine m(t, 64 << 20);
  HandlerRequest req;
  req.query = "64";
  m.set_request(&req);
  Stop limited = m.run(50);  // far too few instructions
  EXPECT_EQ(limited.reason, StopReason::kInstructionLimit);
  m.reset();
  m.memory().set_memory_limit(2 * 4096);  // two pages: the 64-page write must fail
  Served mem = serve(m, "64");
  EXPECT_EQ(mem.stop.reason, StopReason::kMemoryLimit);
  m.reset();
  m.memory().set_memory_limit(64 << 20);
  EXPECT_EQ(serve(m, "2").body, "100 2\n");
}

TEST(Fork, OneMebibyteRequestBodyReachesTheGuestAndNotTheTemplate) {
  auto t = echo_template();
  ASSERT_TRUE(t);
  uint64_t before = state_hash(t->machine());
  std::string body(1u << 20, '\0');
  uint64_t sum = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    body[i] = static_cast<char>('a' + (i * 7) % 26);
    sum = sum * 31 + static_cast<unsigned char>(body[i]);
  }
  Machine m(t, 64 << 20);
  Served s = serve(m, "0", body, {{"X-Big", "1"}});
  ASSERT_EQ(s.stop.reason, StopReason::kResponded) << describe(s.stop);
  EXPECT_EQ(s.body, "100 1\n" + std::to_string(body.size()) + "\n" + std::to_string(sum) + "\n");
  EXPECT_EQ(state_hash(t->machine()), before);
  Machine sibling(t, 64 << 20);
  EXPECT_EQ(serve(sibling, "0").body, "100 1\n");
}

TEST(Fork, HostWritesIntoAForkAreVisibleToItsGuest) {
  auto t = echo_template();
  ASSERT_TRUE(t);
  Machine m(t, 64 << 20);
  std::string big(1u << 20, 'z');
  auto at = m.memory().map(0, big.size(), os::kProtRead | os::kProtWrite, os::Placement::kHint);
  ASSERT_TRUE(at);
  ASSERT_TRUE(m.memory().write(*at, big.data(), big.size()));
  uint8_t last = 0;
  ASSERT_TRUE(m.memory().load<uint8_t>(*at + big.size() - 1, last));
  EXPECT_EQ(last, 'z');
  EXPECT_EQ(t->machine().memory().vm().find(*at), nullptr);  // the template never saw it
}

TEST(Fork, ForksHaveSmallHostOverhead) {
  auto t = echo_template();
  ASSERT_TRUE(t);
  Machine m(t, 64 << 20);
  (void)serve(m, "2");
  EXPECT_LE(m.overhead_bytes(), 16u * 1024) << "beyond the pages it wrote";
}

TEST(Fork, CallsAGuestFunctionBySymbol) {
  auto t = echo_template();
  ASSERT_TRUE(t);
  auto strlen_addr = t->symbol("strlen");
  ASSERT_TRUE(strlen_addr);
  Machine m(t, 64 << 20);
  const char text[] = "copy-on-write";
  auto arg = m.push_bytes(text, sizeof text);
  ASSERT_TRUE(arg);
  Stop s = m.call(*strlen_addr, {*arg}, 1'000'000);
  ASSERT_EQ(s.reason, StopReason::kReturned) << describe(s);
  EXPECT_EQ(s.value, 13);
}

TEST(Fork, HandlerFromTheFactoryServesRequests) {
  HandlerConfig cfg;
  cfg.name = "echo";
  cfg.program = guest("handler_echo");
  auto h = riscv::make_handler(cfg);
  ASSERT_TRUE(h) << h.error();
  for (int i = 0; i < 3; ++i) {
    HandlerRequest req;
    req.query = "0";
    auto r = (*h)->handle(req);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, RunStatus::kExited) << r->message;
    EXPECT_EQ(r->body, "100 1\n");
  }
  EXPECT_EQ((*h)->counters().forks, 1u);
  EXPECT_EQ((*h)->counters().resets, 2u);
}

TEST(Fork, NonHandlerProgramIsRefusedAsAHandler) {
  HandlerConfig cfg;
  cfg.name = "exit";
  cfg.program = guest("exit_code");
  auto h = riscv::make_handler(cfg);
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().find("did not reach its ready point"), std::string::npos) << h.error();
}

}  // namespace

namespace {

TEST(Fork, AReplacedHandlerReleasesItsForkOnceANewOneServes) {
  HandlerConfig cfg;
  cfg.name = "echo";
  cfg.program = guest("handler_echo");
  std::weak_ptr<Handler> old_handler;
  {
    auto h = riscv::make_handler(cfg);
    ASSERT_TRUE(h) << h.error();
    HandlerRequest req;
    ASSERT_TRUE((*h)->handle(req));  // leaves a fork of its template on this thread
    old_handler = *h;
  }
  EXPECT_TRUE(old_handler.expired());
  // A hot reload's replacement serves on the same thread: the old fork (and the template it
  // holds) must be swept, not kept until the thread ends.
  auto fresh = riscv::make_handler(cfg);
  ASSERT_TRUE(fresh) << fresh.error();
  HandlerRequest req;
  auto r = (*fresh)->handle(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "100 1\n");
  EXPECT_EQ((*fresh)->counters().forks, 1u);
  EXPECT_EQ(riscv::thread_fork_slots(), 1u) << "the replaced handler's fork was kept";
}

}  // namespace

namespace {

// Regression test for finding F2 (docs/security.md): a thread that served requests keeps a
// cached fork and a page pool in thread-local storage; at thread exit they may be destroyed in
// either order, and the fork's pages must not be returned into a destroyed pool (heap
// corruption at server shutdown; under ASan a use-after-free report).
TEST(Fork, AServingThreadExitsCleanlyWhateverTheThreadLocalDestructionOrder) {
  HandlerConfig cfg;
  cfg.name = "echo";
  cfg.program = guest("handler_echo");
  auto h = riscv::make_handler(cfg);
  ASSERT_TRUE(h) << h.error();
  for (int round = 0; round < 4; ++round) {
    std::thread worker([&] {
      HandlerRequest req;
      req.query = "8";  // writes pages, so the pool and the fork both hold some at exit
      for (int i = 0; i < 3; ++i) {
        auto r = (*h)->handle(req);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->body, "100 2\n");
      }
    });
    worker.join();
  }
}

}  // namespace

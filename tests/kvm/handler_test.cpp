// kvm::make_handler: a static x86-64 handler program (tests/kvm/handlers/echo_handler.c) using
// the host-call ABI of guest/include/forkbox.h, warmed to forkbox_wait_request and served from
// pooled VMs. Pins the ABI's semantics (fields, headers, "full length" copies, respond limits,
// log) and that a crash, a deadline, a second wait or an exit without a response is reported
// and never reaches the next request. Skips without a usable /dev/kvm.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "kvm/run.hpp"
#include "kvm/runtimes.hpp"
#include "skip_without_kvm.hpp"

namespace forkbox::kvm {
namespace {

std::shared_ptr<Handler> echo_handler() {
  HandlerConfig c;
  c.name = "echo";
  c.engine = "kvm";
  c.program = KVM_ECHO_HANDLER;
  c.timeout_ms = 500;
  auto h = kvm::make_handler(c);
  EXPECT_TRUE(h.has_value()) << (h ? "" : h.error());
  return h ? *h : nullptr;
}

HandlerResponse call(Handler& h, std::string_view path, std::string_view body = {}) {
  HandlerRequest req;
  req.method = "POST";
  req.path = path;
  req.query = "a=1";
  req.body = body;
  req.headers = {{"Host", "example"}, {"x-test", "yes"}};
  auto r = h.handle(req);
  EXPECT_TRUE(r.has_value());
  return r ? *r : HandlerResponse{};
}

TEST(KvmHandler, EchoesRequestFieldsAndHeadersThroughTheHostCalls) {
  SKIP_WITHOUT_KVM();
  auto h = echo_handler();
  ASSERT_TRUE(h);
  for (int i = 0; i < 5; ++i) {
    HandlerResponse r = call(*h, "/echo", "payload");
    EXPECT_EQ(r.status, RunStatus::kExited) << r.message;
    EXPECT_EQ(r.http_status, 201);
    EXPECT_EQ(r.content_type, "text/x-echo");
    // The global counter is 1 every time: each request starts from the snapshot.
    EXPECT_EQ(r.body, "POST /echo?a=1|payload|yes|Host|1");
    EXPECT_EQ(r.log, "handling\n");
  }
}

TEST(KvmHandler, OversizedBodyIsRefusedAndTheHandlerCanStillRespond) {
  SKIP_WITHOUT_KVM();
  auto h = echo_handler();
  ASSERT_TRUE(h);
  HandlerResponse r = call(*h, "/big");
  EXPECT_EQ(r.status, RunStatus::kExited);
  EXPECT_EQ(r.body, "big refused -22");
}

TEST(KvmHandler, CrashDeadlineSecondWaitAndExitNeverPoisonThePool) {
  SKIP_WITHOUT_KVM();
  auto h = echo_handler();
  ASSERT_TRUE(h);
  struct Case {
    const char* path;
    RunStatus status;
    const char* message;
  };
  for (const Case& c : {Case{"/crash", RunStatus::kFault, "segmentation fault"},
                        Case{"/spin", RunStatus::kTimeout, "deadline"},
                        Case{"/again", RunStatus::kFault, "without responding"},
                        Case{"/exit", RunStatus::kFault, "exited with status 7"}}) {
    HandlerResponse bad = call(*h, c.path);
    EXPECT_EQ(bad.status, c.status) << c.path << ": " << bad.message;
    EXPECT_NE(bad.message.find(c.message), std::string::npos) << c.path << ": " << bad.message;
    EXPECT_EQ(bad.body, "");
    HandlerResponse next = call(*h, "/echo");
    EXPECT_EQ(next.status, RunStatus::kExited) << "after " << c.path << ": " << next.message;
    EXPECT_EQ(next.body, "POST /echo?a=1||yes|Host|1") << "after " << c.path;
  }
  EXPECT_EQ(h->counters().timeouts, 1u);
  EXPECT_EQ(h->counters().faults, 3u);
}

TEST(KvmHandler, BundledHelloExampleAnswersOnKvm) {
  SKIP_WITHOUT_KVM();
  const std::string program = std::string(KVM_GUEST_EXAMPLES) + "/hello_handler_x86_64";
  if (::access(program.c_str(), X_OK) != 0) GTEST_SKIP() << program << " is not built";
  HandlerConfig c;
  c.name = "hello";
  c.engine = "kvm";
  c.program = program;
  auto h = kvm::make_handler(c);
  ASSERT_TRUE(h.has_value()) << h.error();
  HandlerResponse r = call(**h, "/");
  EXPECT_EQ(r.status, RunStatus::kExited) << r.message;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.content_type, "text/plain");
  EXPECT_FALSE(r.body.empty());
}

TEST(KvmHandler, ProgramThatNeverWaitsIsRefused) {
  SKIP_WITHOUT_KVM();
  HandlerConfig c;
  c.name = "no-wait";
  c.engine = "kvm";
  c.program = "/bin/true";
  auto h = kvm::make_handler(c);
  ASSERT_FALSE(h.has_value());
  EXPECT_NE(h.error().find("before its ready point"), std::string::npos) << h.error();
}

}  // namespace
}  // namespace forkbox::kvm

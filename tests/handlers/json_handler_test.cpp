// guest/examples/json_handler.c run natively against a fake host (fake_host/forkbox.h): the
// handler's own main() reads a prepared request through the SDK calls and responds, and the
// fake's forkbox_respond jumps back here, as the real one ends the fork. This pins what the
// riscv64 build will answer under forkbox: the document, the two-call pattern for fields larger
// than the handler's fixed buffers, and 400 for a malformed query.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csetjmp>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

extern "C" int json_handler_main(void);

namespace {

struct FakeRequest {
  bool under_forkbox = true;
  std::string method = "GET";
  std::string path = "/";
  std::string query;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct FakeResponse {
  bool responded = false;
  int status = 0;
  std::string content_type;
  std::string body;
};

FakeRequest g_request;
FakeResponse g_response;
int g_field_calls = 0;
std::jmp_buf g_responded;

long copy_out(const std::string& value, void* buf, size_t cap) {
  std::memcpy(buf, value.data(), std::min(cap, value.size()));
  return static_cast<long>(value.size());
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// No C++ object lives in this frame, so jumping back into it skips no destructor.
int run_handler() {
  g_response = FakeResponse{};
  g_field_calls = 0;
  if (setjmp(g_responded) != 0) return 0;
  return json_handler_main();
}

FakeResponse serve(FakeRequest req) {
  g_request = std::move(req);
  int status = run_handler();
  EXPECT_TRUE(g_response.responded) << "handler exited " << status << " without responding";
  return g_response;
}

TEST(JsonHandler, RendersTheRequestAsJson) {
  FakeRequest req;
  req.method = "POST";
  req.path = "/items/42";
  req.query = "a=1&name=J%C3%B6rg+M&flag";
  req.body = "foobar";
  req.headers = {{"Content-Type", "text/plain"}, {"User-Agent", "test\"agent"}};
  FakeResponse res = serve(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body,
            "{\"method\":\"POST\",\"path\":\"/items/42\",\"query\":["
            "{\"name\":\"a\",\"value\":\"1\"},{\"name\":\"name\",\"value\":\"J\xc3\xb6rg M\"},"
            "{\"name\":\"flag\"}],\"headers\":{\"content-type\":\"text/plain\","
            "\"user-agent\":\"test\\\"agent\"},\"body_length\":6,"
            "\"body_fnv1a64\":\"85944171f73967e8\"}\n");
}

TEST(JsonHandler, MalformedQueryIsAnswered400) {
  FakeRequest req;
  req.query = "a=%zz";
  FakeResponse res = serve(req);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body,
            "{\"error\":\"malformed query: '%' must be followed by two hexadecimal digits\"}\n");
}

TEST(JsonHandler, FieldsLargerThanItsBuffersAreReadWithASecondCall) {
  FakeRequest req;
  req.body.assign(300 * 1024, 'x');         // beyond the 64 KiB inline body buffer
  req.path = "/" + std::string(9000, 'p');  // beyond the 8 KiB path buffer
  req.query = "k=" + std::string(9000, 'v');
  FakeResponse res = serve(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(res.body.find("\"body_length\":307200,"), std::string::npos);
  EXPECT_NE(res.body.find(std::string(9000, 'p')), std::string::npos);
  EXPECT_NE(res.body.find("\"value\":\"" + std::string(9000, 'v') + "\""), std::string::npos);
  EXPECT_GT(g_field_calls, 4) << "expected second calls for the oversized fields";
}

TEST(JsonHandler, OutsideForkboxItExitsWithStatus2) {
  FakeRequest req;
  req.under_forkbox = false;
  g_request = req;
  EXPECT_EQ(run_handler(), 2);
  EXPECT_FALSE(g_response.responded);
}

}  // namespace

extern "C" {

long forkbox_wait_request(void) {
  return g_request.under_forkbox ? 0 : -ENOSYS;
}

long forkbox_request_field(int field, void* buf, size_t cap) {
  ++g_field_calls;
  switch (field) {
    case 0:
      return copy_out(g_request.method, buf, cap);
    case 1:
      return copy_out(g_request.path, buf, cap);
    case 2:
      return copy_out(g_request.query, buf, cap);
    case 3:
      return copy_out(g_request.body, buf, cap);
    default:
      return -EINVAL;
  }
}

long forkbox_request_header(const char* name, size_t name_len, char* buf, size_t cap) {
  for (const auto& [key, value] : g_request.headers)
    if (iequals(key, std::string_view(name, name_len))) return copy_out(value, buf, cap);
  return -ENOENT;
}

long forkbox_respond(int status, const char* content_type, const void* body, size_t len) {
  g_response.responded = true;
  g_response.status = status;
  g_response.content_type = content_type ? content_type : "";
  g_response.body.assign(static_cast<const char*>(body), len);
  std::longjmp(g_responded, 1);
}

long forkbox_log(const char*, size_t len) {
  return static_cast<long>(len);
}

}  // extern "C"

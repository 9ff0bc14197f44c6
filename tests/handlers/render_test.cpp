// Unit tests of guest/examples/render.h, the JSON rendering and query decoding of the example
// json_handler, compiled natively: the logic is plain C with no host calls, so it is tested
// here at full speed and the riscv64 build only has to agree on the compiler's side.
#include "render.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::string json_string(std::string_view s) {
  std::vector<char> buf(s.size() * 6 + 2);
  FbOut out = fb_out(buf.data(), buf.size());
  fb_json_string(&out, s.data(), s.size());
  EXPECT_FALSE(out.overflow);
  return std::string(buf.data(), out.len);
}

struct Parsed {
  FbQueryError error;
  std::vector<std::string> names;
  std::vector<std::string> values;  // "<none>" when the parameter has no '='
};

Parsed parse(std::string_view q) {
  std::vector<char> scratch_mem(q.size() + 1);
  FbOut scratch = fb_out(scratch_mem.data(), q.size());
  FbQueryParam params[FB_QUERY_PARAMS_MAX];
  size_t count = 0;
  Parsed p;
  p.error = fb_parse_query(q.data(), q.size(), &scratch, params, &count);
  for (size_t i = 0; i < count; ++i) {
    p.names.emplace_back(params[i].name, params[i].name_len);
    p.values.push_back(params[i].has_value ? std::string(params[i].value, params[i].value_len)
                                           : "<none>");
  }
  return p;
}

TEST(RenderJsonString, PlainAsciiIsQuotedUnchanged) {
  EXPECT_EQ(json_string("hello world"), "\"hello world\"");
  EXPECT_EQ(json_string(""), "\"\"");
}

TEST(RenderJsonString, QuotesBackslashesAndControlCharactersAreEscaped) {
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(json_string(std::string_view("\x01\x1f\x7f", 3)), "\"\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(json_string(std::string_view("a\0b", 3)), "\"a\\u0000b\"");
}

TEST(RenderJsonString, ValidUtf8PassesThrough) {
  EXPECT_EQ(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

TEST(RenderJsonString, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(json_string("\xff"), "\"\\ufffd\"");
  EXPECT_EQ(json_string("\xc0\xaf"), "\"\\ufffd\\ufffd\"");                        // overlong '/'
  EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");             // surrogate
  EXPECT_EQ(json_string("\xe2\x82"), "\"\\ufffd\\ufffd\"");                        // truncated
  EXPECT_EQ(json_string("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // > U+10FFFF
}

TEST(RenderOut, OverflowIsReportedAndNeverWritesPastTheEnd) {
  char buf[8] = {0, 0, 0, 0, 0, 0, 'Z', 'Z'};
  FbOut out = fb_out(buf, 6);
  fb_json_string(&out, "abcdef", 6);
  EXPECT_TRUE(out.overflow);
  EXPECT_LE(out.len, 6u);
  EXPECT_EQ(buf[6], 'Z');
  EXPECT_EQ(buf[7], 'Z');
}

TEST(RenderQuery, DecodesPercentEscapesAndPlus) {
  Parsed p = parse("a=1&name=J%C3%B6rg+M&empty=&flag");
  ASSERT_EQ(p.error, FB_QUERY_OK);
  EXPECT_EQ(p.names, (std::vector<std::string>{"a", "name", "empty", "flag"}));
  EXPECT_EQ(p.values, (std::vector<std::string>{"1", "J\xc3\xb6rg M", "", "<none>"}));
}

TEST(RenderQuery, EmptyPiecesAreSkippedAndDuplicatesKept) {
  Parsed p = parse("&x=1&&x=2&");
  ASSERT_EQ(p.error, FB_QUERY_OK);
  EXPECT_EQ(p.names, (std::vector<std::string>{"x", "x"}));
  EXPECT_EQ(p.values, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(parse("").names.size(), 0u);
}

TEST(RenderQuery, MalformedEscapesAreErrors) {
  EXPECT_EQ(parse("a=%").error, FB_QUERY_BAD_ESCAPE);
  EXPECT_EQ(parse("a=%4").error, FB_QUERY_BAD_ESCAPE);
  EXPECT_EQ(parse("a=%zz").error, FB_QUERY_BAD_ESCAPE);
  EXPECT_EQ(parse("%g0=1").error, FB_QUERY_BAD_ESCAPE);
  EXPECT_EQ(parse("a=%41").error, FB_QUERY_OK);
}

TEST(RenderQuery, NamelessParameterIsAnError) {
  EXPECT_EQ(parse("=1").error, FB_QUERY_EMPTY_NAME);
}

TEST(RenderQuery, MoreThanTheLimitIsAnError) {
  std::string q;
  for (int i = 0; i < FB_QUERY_PARAMS_MAX; ++i) q += "p=1&";
  EXPECT_EQ(parse(q).error, FB_QUERY_OK);
  EXPECT_EQ(parse(q + "p=1").error, FB_QUERY_TOO_MANY_PARAMS);
}

TEST(RenderFnv, KnownVectors) {
  EXPECT_EQ(fb_fnv1a64("", 0), 0xcbf29ce484222325ull);
  EXPECT_EQ(fb_fnv1a64("a", 1), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fb_fnv1a64("foobar", 6), 0x85944171f73967e8ull);
}

TEST(RenderDocument, EchoesRequestWithEscapingAndDigest) {
  const char* query = "q=a%22b&n";
  std::vector<char> scratch_mem(32);
  FbOut scratch = fb_out(scratch_mem.data(), scratch_mem.size());
  FbQueryParam params[FB_QUERY_PARAMS_MAX];
  size_t count = 0;
  ASSERT_EQ(fb_parse_query(query, std::strlen(query), &scratch, params, &count), FB_QUERY_OK);
  FbHeaderView headers[2] = {{"user-agent", "curl/8\t1", 8, 1}, {"x-request-id", "", 0, 0}};
  FbRequestView view = {"POST", 4, "/x/\xff", 4, params, count, headers, 2, "foobar", 6};
  char buf[512];
  FbOut out = fb_out(buf, sizeof buf);
  ASSERT_EQ(fb_render_request_json(&out, &view), 0);
  EXPECT_EQ(std::string(buf, out.len),
            "{\"method\":\"POST\",\"path\":\"/x/\\ufffd\","
            "\"query\":[{\"name\":\"q\",\"value\":\"a\\\"b\"},{\"name\":\"n\"}],"
            "\"headers\":{\"user-agent\":\"curl/8\\t1\"},"
            "\"body_length\":6,\"body_fnv1a64\":\"85944171f73967e8\"}\n");
}

TEST(RenderDocument, TooSmallBufferFailsCleanly) {
  FbRequestView view = {"GET", 3, "/", 1, nullptr, 0, nullptr, 0, "", 0};
  char buf[16];
  FbOut out = fb_out(buf, sizeof buf);
  EXPECT_EQ(fb_render_request_json(&out, &view), -1);
  EXPECT_TRUE(out.overflow);
}

TEST(RenderError, ComposesMessageAndDetailAsOneEscapedString) {
  char buf[128];
  FbOut out = fb_out(buf, sizeof buf);
  ASSERT_EQ(fb_render_error_json(&out, "malformed query", "'%' must be \"hex\""), 0);
  EXPECT_EQ(std::string(buf, out.len),
            "{\"error\":\"malformed query: '%' must be \\\"hex\\\"\"}\n");
}

}  // namespace

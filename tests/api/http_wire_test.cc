// HTTP/1.1 request parsing and response writing of the event-loop server.
#include "api/internal/http_wire.h"

#include <gtest/gtest.h>

namespace yiwang::api::internal {
namespace {

WireParse Parse(std::string_view input, WireRequest* out, WireLimits limits = {}) {
  return ParseRequest(input, limits, out);
}

TEST(HttpWireTest, ParsesARequestWithQueryHeadersAndBody) {
  WireRequest wire;
  const std::string input =
      "POST /api/v1/cases/%33301?code=a%2Bb+c&min_position=7&flag HTTP/1.1\r\n"
      "Host: x\r\nContent-Type: application/json\r\ncontent-length: 4\r\n"
      "Authorization:   Bearer t  \r\n\r\n{\"a\"NEXT";
  ASSERT_EQ(Parse(input, &wire), WireParse::kComplete);
  EXPECT_EQ(wire.request.method, "POST");
  EXPECT_EQ(wire.request.path, "/api/v1/cases/3301");
  EXPECT_EQ(wire.request.get_param_value("code"), "a+b c");
  EXPECT_EQ(wire.request.get_param_value("min_position"), "7");
  EXPECT_TRUE(wire.request.has_param("flag"));
  EXPECT_EQ(wire.request.get_header_value("authorization"), "Bearer t");
  EXPECT_EQ(wire.request.body, "{\"a\"");
  EXPECT_EQ(wire.consumed, input.size() - 4);
  EXPECT_TRUE(wire.keep_alive);
}

TEST(HttpWireTest, WaitsForTheWholeHeadAndBody) {
  const std::string input = "POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789";
  for (size_t cut = 0; cut < input.size(); ++cut) {
    WireRequest wire;
    EXPECT_EQ(Parse(std::string_view(input).substr(0, cut), &wire), WireParse::kIncomplete)
        << cut;
  }
  WireRequest wire;
  EXPECT_EQ(Parse(input, &wire), WireParse::kComplete);
}

TEST(HttpWireTest, ConnectionHeaderAndVersionDecideKeepAlive) {
  WireRequest close;
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &close), WireParse::kComplete);
  EXPECT_FALSE(close.keep_alive);
  WireRequest old;
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\n\r\n", &old), WireParse::kComplete);
  EXPECT_FALSE(old.keep_alive);
  WireRequest old_keep;
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &old_keep),
            WireParse::kComplete);
  EXPECT_TRUE(old_keep.keep_alive);
}

TEST(HttpWireTest, ExpectContinueIsReportedUntilTheBodyArrives) {
  WireRequest wire;
  EXPECT_EQ(Parse("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", &wire),
            WireParse::kIncomplete);
  EXPECT_TRUE(wire.expects_continue);
}

TEST(HttpWireTest, BadRequestsAreErrorsWithTheirStatus) {
  struct Case {
    std::string input;
    int status;
  };
  WireLimits small;
  small.head_bytes_max = 64;
  small.body_bytes_max = 10;
  const std::vector<Case> cases = {
      {"GARBAGE\r\n\r\n", 400},
      {"GET /x\r\n\r\n", 400},
      {"GET  /x HTTP/1.1\r\n\r\n", 400},
      {"GET x HTTP/1.1\r\n\r\n", 400},
      {"G(T /x HTTP/1.1\r\n\r\n", 400},
      {"GET /x HTTP/2.0\r\n\r\n", 505},
      {"GET /x HTTP/1.1\r\nNo colon here\r\n\r\n", 400},
      {"GET /x HTTP/1.1\r\n: empty name\r\n\r\n", 400},
      {"GET /x HTTP/1.1\r\n folded: x\r\n\r\n", 400},
      {"POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"POST /x HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
      {"POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
      {"POST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 413},
      {"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411},
      {"POST /x HTTP/1.1\r\nExpect: something\r\n\r\n", 417},
      {"GET /x HTTP/1.1\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n", 431},
      {"GET /x HTTP/1.1\r\nX-Long: " + std::string(100, 'a'), 431},
  };
  for (const Case& one : cases) {
    WireRequest wire;
    EXPECT_EQ(Parse(one.input, &wire, small), WireParse::kError) << one.input;
    EXPECT_EQ(wire.error_status, one.status) << one.input;
    EXPECT_FALSE(wire.error_message.empty()) << one.input;
  }
}

TEST(HttpWireTest, UrlDecoding) {
  EXPECT_EQ(UrlDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(UrlDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(UrlDecode("%E5%BC%A0", true), "张");
  EXPECT_EQ(UrlDecode("bad%zzescape%2", true), "bad%zzescape%2");
}

TEST(HttpWireTest, SerializesStatusHeadersAndLength) {
  httplib::Response response;
  response.status = 201;
  response.set_header("ETag", "\"3\"");
  response.set_header("Content-Length", "999");  // ours wins
  response.set_content("{\"a\":1}", "application/json");
  EXPECT_EQ(SerializeResponse(response, true, false, false),
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nETag: \"3\"\r\n"
            "Content-Length: 7\r\n\r\n{\"a\":1}");
  EXPECT_EQ(SerializeResponse(response, false, false, true),
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nETag: \"3\"\r\n"
            "Content-Length: 7\r\nConnection: close\r\n\r\n");
}

}  // namespace
}  // namespace yiwang::api::internal

// The route table: the compiled matcher agrees with std::regex on the patterns the server uses,
// path parameters cannot be forged from the query string, HEAD uses GET routes.
#include "api/router.h"

#include <gtest/gtest.h>

#include <regex>

namespace yiwang::api {
namespace {

TEST(RouterTest, CompiledPatternsAgreeWithStdRegex) {
  const std::vector<std::string> patterns = {
      R"(/api/v1/cases/([0-9A-Za-z\-]{1,40}))",
      R"(/api/v1/cases/([0-9A-Za-z\-]{1,40})/([a-z\-]{1,32}))",
      R"(/api/v1/applicants/([0-9Xx]{1,18})/(cases|certificates))",
      R"(/api/v1/streams/([0-9A-Za-z\-_.:]{1,128}))",
      R"(/api/v1/catalog/([A-Za-z0-9\-]{1,64}))",
      "/healthz",
      R"(/a/([0-9]+)/b)",
  };
  const std::vector<std::string> paths = {
      "/api/v1/cases/3301062026112700017",
      "/api/v1/cases/3301062026112700017/",
      "/api/v1/cases/3301062026112700017/start-review",
      "/api/v1/cases/3301062026112700017/Start",
      "/api/v1/cases/" + std::string(40, 'a'),
      "/api/v1/cases/" + std::string(41, 'a'),
      "/api/v1/cases/",
      "/api/v1/cases/a/b/c",
      "/api/v1/applicants/11010519491231002X/cases",
      "/api/v1/applicants/11010519491231002X/certificates",
      "/api/v1/applicants/11010519491231002X/casesx",
      "/api/v1/applicants/1101051949123100200/cases",
      "/api/v1/streams/case-3301062026112700017",
      "/api/v1/streams/catalog-GA.JZZ:1_2",
      "/api/v1/streams/a b",
      "/api/v1/catalog/GA-JZZ-SL",
      "/healthz",
      "/healthz/",
      "/a/123/b",
      "/a//b",
      "",
  };
  for (const std::string& pattern : patterns) {
    const auto tokens = Router::Compile(pattern);
    ASSERT_TRUE(tokens.has_value()) << pattern;
    const std::regex regex(pattern);
    for (const std::string& path : paths) {
      std::smatch expected;
      const bool regex_matched = std::regex_match(path, expected, regex);
      std::vector<std::string_view> captures;
      EXPECT_EQ(Router::MatchTokens(*tokens, path, &captures), regex_matched)
          << pattern << " on " << path;
      if (!regex_matched) continue;
      ASSERT_EQ(captures.size() + 1, expected.size()) << pattern << " on " << path;
      for (size_t group = 0; group < captures.size(); ++group) {
        EXPECT_EQ(captures[group], expected[group + 1].str()) << pattern << " on " << path;
      }
    }
  }
}

TEST(RouterTest, UnsupportedPatternsFallBackToStdRegex) {
  EXPECT_FALSE(Router::Compile(R"(/x/(a+b))").has_value());
  EXPECT_FALSE(Router::Compile(R"(/x/.*)").has_value());
  Router router;
  int hits = 0;
  router.Get(R"(/x/(\d+)z)", [&](const httplib::Request& request, httplib::Response&) {
    ++hits;
    EXPECT_EQ(PathParam(request, 1), "42");
  });
  httplib::Request request;
  request.method = "GET";
  request.path = "/x/42z";
  const RouteHandler* handler = router.Match(request);
  ASSERT_NE(handler, nullptr);
  httplib::Response response;
  (*handler)(request, response);
  EXPECT_EQ(hits, 1);
}

TEST(RouterTest, PathParamsComeFromThePathNeverFromTheQuery) {
  Router router;
  router.Get(R"(/cases/([0-9]{1,5}))", [](const httplib::Request&, httplib::Response&) {});
  httplib::Request request;
  request.method = "GET";
  request.path = "/cases/17";
  request.params.emplace("$1", "99999");
  request.params.emplace("$2", "forged");
  request.params.emplace("code", "abc");
  ASSERT_NE(router.Match(request), nullptr);
  EXPECT_EQ(PathParam(request, 1), "17");
  EXPECT_EQ(PathParam(request, 2), "");
  EXPECT_EQ(request.get_param_value("code"), "abc");

  request.path = "/nowhere";
  request.params.emplace("$1", "forged");
  EXPECT_EQ(router.Match(request), nullptr);
  EXPECT_EQ(PathParam(request, 1), "");
}

TEST(RouterTest, MethodsAreSeparateAndHeadUsesGet) {
  Router router;
  std::string seen;
  router.Get("/r", [&](const httplib::Request&, httplib::Response&) { seen = "get"; });
  router.Post("/r", [&](const httplib::Request&, httplib::Response&) { seen = "post"; });
  httplib::Response response;
  for (const char* method : {"GET", "POST", "HEAD"}) {
    httplib::Request request;
    request.method = method;
    request.path = "/r";
    const RouteHandler* handler = router.Match(request);
    ASSERT_NE(handler, nullptr) << method;
    (*handler)(request, response);
    EXPECT_EQ(seen, std::string(method) == "POST" ? "post" : "get");
  }
  httplib::Request put;
  put.method = "PUT";
  put.path = "/r";
  EXPECT_EQ(router.Match(put), nullptr);
}

}  // namespace
}  // namespace yiwang::api

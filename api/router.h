// Router: the route table of the HTTP server, with cpp-httplib's handler model (a handler takes
// an httplib::Request and fills an httplib::Response), so route files read as they would on
// httplib::Server. A pattern is matched against the whole path; its groups are the path
// parameters, read with PathParam(request, 1…).
//
// Matching: libstdc++'s std::regex costs about 8 µs per match of a route like
// /api/v1/cases/([0-9A-Za-z\-]{1,40})/([a-z\-]{1,32}), a third of a progress query. Patterns made
// of literal text, character-class groups with a bound (`([a-z\-]{1,32})`, `([0-9]+)`) and
// alternatives of literals (`(cases|certificates)`) are therefore compiled to a small matcher
// (well under a microsecond); any other pattern falls back to std::regex.
//
// Thread-safety: routes are added before the server starts; Match is then called concurrently.
#pragma once

#include <httplib.h>

#include <bitset>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace yiwang::api {

using RouteHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

// The path parameter `index` (1 for the first group of the route's pattern); empty when absent.
std::string PathParam(const httplib::Request& request, int index);

class Router {
 public:
  Router& Get(const std::string& pattern, RouteHandler handler);
  Router& Post(const std::string& pattern, RouteHandler handler);

  // The handler for request.method and request.path, with the path parameters stored in the
  // request; nullptr when no route matches (HEAD uses the GET routes).
  const RouteHandler* Match(httplib::Request& request) const;

  // A compiled pattern (exposed for tests).
  struct Token {
    enum class Kind { kLiteral, kClass, kAlternatives } kind = Kind::kLiteral;
    std::string literal;
    std::bitset<256> characters;  // kClass
    size_t min = 1, max = 1;      // kClass
    std::vector<std::string> alternatives;
    bool capture = false;
  };
  // The tokens of `pattern`, or nullopt when it needs std::regex.
  static std::optional<std::vector<Token>> Compile(std::string_view pattern);
  // Matches `path` against `tokens` as a whole; the captured groups go to `captures`.
  static bool MatchTokens(const std::vector<Token>& tokens, std::string_view path,
                          std::vector<std::string_view>* captures);

 private:
  struct Route {
    std::string method;
    std::string literal_prefix;  // the pattern up to its first regex metacharacter
    std::optional<std::vector<Token>> tokens;
    // When tokens is empty. On the heap: GCC 12 under ASan reports std::regex's members as
    // maybe-uninitialised when the Route is moved (a false positive that -Werror would fail).
    std::unique_ptr<std::regex> regex;
    RouteHandler handler;
  };
  Router& Add(std::string method, const std::string& pattern, RouteHandler handler);

  std::vector<Route> routes_;
};

}  // namespace yiwang::api

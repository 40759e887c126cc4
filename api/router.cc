#include "api/router.h"

namespace yiwang::api {
namespace {

constexpr std::string_view kRegexMetacharacters = "\\^$.|?*+()[]{}";
// Path parameters travel in request.params under "$1", "$2"…; Match first erases every query
// parameter whose name starts with '$', so a query string cannot forge them.
constexpr char kParamPrefix = '$';

bool ParseBound(std::string_view text, size_t* at, size_t* value) {
  size_t number = 0;
  const size_t start = *at;
  while (*at < text.size() && text[*at] >= '0' && text[*at] <= '9') {
    number = number * 10 + static_cast<size_t>(text[*at] - '0');
    ++*at;
  }
  *value = number;
  return *at > start;
}

// "[…]" at text[*at]; leaves *at after the ']'.
bool ParseClass(std::string_view text, size_t* at, std::bitset<256>* characters) {
  ++*at;  // '['
  while (*at < text.size() && text[*at] != ']') {
    char first = text[*at];
    if (first == '\\' && *at + 1 < text.size()) first = text[++*at];
    ++*at;
    if (*at + 1 < text.size() && text[*at] == '-' && text[*at + 1] != ']') {
      char last = text[*at + 1];
      *at += 2;
      if (last == '\\' && *at < text.size()) last = text[(*at)++];
      for (int c = static_cast<unsigned char>(first); c <= static_cast<unsigned char>(last); ++c) {
        characters->set(static_cast<size_t>(c));
      }
    } else {
      characters->set(static_cast<unsigned char>(first));
    }
  }
  if (*at >= text.size()) return false;
  ++*at;  // ']'
  return true;
}

// "(…)" at pattern[*at]; leaves *at after the ')'.
bool ParseGroup(std::string_view pattern, size_t* at, Router::Token* token) {
  token->capture = true;
  ++*at;  // '('
  if (*at < pattern.size() && pattern[*at] == '[') {
    token->kind = Router::Token::Kind::kClass;
    if (!ParseClass(pattern, at, &token->characters)) return false;
    if (*at < pattern.size() && pattern[*at] == '+') {
      token->min = 1;
      token->max = SIZE_MAX;
      ++*at;
    } else if (*at < pattern.size() && pattern[*at] == '{') {
      ++*at;
      if (!ParseBound(pattern, at, &token->min) || *at >= pattern.size() || pattern[*at] != ',') {
        return false;
      }
      ++*at;
      if (!ParseBound(pattern, at, &token->max) || *at >= pattern.size() || pattern[*at] != '}') {
        return false;
      }
      ++*at;
    }
    if (*at >= pattern.size() || pattern[*at] != ')') return false;
    ++*at;
    return token->min >= 1 && token->min <= token->max;
  }
  token->kind = Router::Token::Kind::kAlternatives;
  std::string current;
  for (; *at < pattern.size(); ++*at) {
    const char c = pattern[*at];
    if (c == '|' || c == ')') {
      if (current.empty()) return false;
      token->alternatives.push_back(std::move(current));
      current.clear();
      if (c == ')') {
        ++*at;
        return true;
      }
    } else if (kRegexMetacharacters.find(c) != std::string_view::npos) {
      return false;
    } else {
      current.push_back(c);
    }
  }
  return false;
}

bool MatchFrom(const std::vector<Router::Token>& tokens, size_t index, std::string_view path,
               std::vector<std::string_view>* captures) {
  if (index == tokens.size()) return path.empty();
  const Router::Token& token = tokens[index];
  switch (token.kind) {
    case Router::Token::Kind::kLiteral:
      return path.starts_with(token.literal) &&
             MatchFrom(tokens, index + 1, path.substr(token.literal.size()), captures);
    case Router::Token::Kind::kClass: {
      size_t run = 0;
      while (run < path.size() && run < token.max &&
             token.characters.test(static_cast<unsigned char>(path[run]))) {
        ++run;
      }
      for (; run >= token.min; --run) {  // longest first, as a regex would
        captures->push_back(path.substr(0, run));
        if (MatchFrom(tokens, index + 1, path.substr(run), captures)) return true;
        captures->pop_back();
      }
      return false;
    }
    case Router::Token::Kind::kAlternatives:
      for (const std::string& alternative : token.alternatives) {
        if (!path.starts_with(alternative)) continue;
        captures->push_back(path.substr(0, alternative.size()));
        if (MatchFrom(tokens, index + 1, path.substr(alternative.size()), captures)) return true;
        captures->pop_back();
      }
      return false;
  }
  return false;
}

void StoreParams(httplib::Request& request, const std::vector<std::string>& values) {
  for (auto it = request.params.begin(); it != request.params.end();) {
    it = !it->first.empty() && it->first[0] == kParamPrefix ? request.params.erase(it)
                                                            : std::next(it);
  }
  for (size_t index = 0; index < values.size(); ++index) {
    request.params.emplace(kParamPrefix + std::to_string(index + 1), values[index]);
  }
}

}  // namespace

std::string PathParam(const httplib::Request& request, int index) {
  const auto found = request.params.find(kParamPrefix + std::to_string(index));
  return found == request.params.end() ? std::string() : found->second;
}

std::optional<std::vector<Router::Token>> Router::Compile(std::string_view pattern) {
  std::vector<Token> tokens;
  size_t at = 0;
  while (at < pattern.size()) {
    const char c = pattern[at];
    if (c == '(') {
      Token group;
      if (!ParseGroup(pattern, &at, &group)) return std::nullopt;
      tokens.push_back(std::move(group));
      continue;
    }
    char literal = c;
    if (c == '\\' && at + 1 < pattern.size() &&
        kRegexMetacharacters.find(pattern[at + 1]) != std::string_view::npos) {
      literal = pattern[++at];
    } else if (kRegexMetacharacters.find(c) != std::string_view::npos) {
      return std::nullopt;
    }
    if (tokens.empty() || tokens.back().kind != Token::Kind::kLiteral) tokens.emplace_back();
    tokens.back().literal.push_back(literal);
    ++at;
  }
  return tokens;
}

bool Router::MatchTokens(const std::vector<Token>& tokens, std::string_view path,
                         std::vector<std::string_view>* captures) {
  captures->clear();
  return MatchFrom(tokens, 0, path, captures);
}

Router& Router::Get(const std::string& pattern, RouteHandler handler) {
  return Add("GET", pattern, std::move(handler));
}

Router& Router::Post(const std::string& pattern, RouteHandler handler) {
  return Add("POST", pattern, std::move(handler));
}

Router& Router::Add(std::string method, const std::string& pattern, RouteHandler handler) {
  Route route;
  route.method = std::move(method);
  route.literal_prefix = pattern.substr(0, pattern.find_first_of(kRegexMetacharacters));
  route.tokens = Compile(pattern);
  if (!route.tokens.has_value()) route.regex = std::make_unique<std::regex>(pattern);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
  return *this;
}

const RouteHandler* Router::Match(httplib::Request& request) const {
  // Both arms string_views: with "GET" : request.method the ternary would build a temporary
  // std::string and the view would dangle.
  const std::string_view method =
      request.method == "HEAD" ? std::string_view("GET") : std::string_view(request.method);
  std::vector<std::string_view> captures;
  for (const Route& route : routes_) {
    if (route.method != method || !request.path.starts_with(route.literal_prefix)) continue;
    std::vector<std::string> values;
    if (route.tokens.has_value()) {
      if (!MatchTokens(*route.tokens, request.path, &captures)) continue;
      values.assign(captures.begin(), captures.end());
    } else {
      std::smatch matches;
      if (!std::regex_match(request.path, matches, *route.regex)) continue;
      for (size_t group = 1; group < matches.size(); ++group) values.push_back(matches[group]);
    }
    StoreParams(request, values);
    return &route.handler;
  }
  StoreParams(request, {});
  return nullptr;
}

}  // namespace yiwang::api

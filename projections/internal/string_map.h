// String-keyed hash maps searchable with a string_view, without building a key.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "projections/internal/hash_index.h"

namespace yiwang::projections::internal {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return HashBytes(text); }
};

template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

}  // namespace yiwang::projections::internal

#include "eventstore/digest.h"

#include "eventstore/internal/sha256.h"

namespace yiwang {

std::string Sha256Hex(std::string_view data) {
  return eventstore_internal::HexOf(eventstore_internal::Sha256({data}));
}

}  // namespace yiwang

// One stored event decoded once for every projection (the runner's live and bulk paths).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "domain/envelope.h"
#include "domain/events.h"
#include "domain/status.h"
#include "projections/runner.h"

namespace yiwang::projections::internal {

struct DecodedEvent {
  EventEnvelope envelope;
  std::optional<RecordedCaseEvent> recorded;  // case events (case stream, case event type)

  ProjectedEvent view() const {
    if (!recorded.has_value()) return ProjectedEvent{envelope, nullptr, {}};
    return ProjectedEvent{envelope, &*recorded,
                          std::string_view(envelope.stream).substr(kCaseStreamPrefix.size())};
  }
};

// Decodes the event stored at `position` into `out`, reusing its strings' capacity. kDataLoss
// when it does not decode or says another position.
Status DecodeStored(uint64_t position, std::string_view bytes, DecodedEvent* out);

}  // namespace yiwang::projections::internal

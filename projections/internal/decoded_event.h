// One stored event decoded once for every projection (the runner's live and bulk paths).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "domain/envelope.h"
#include "domain/events.h"
#include "domain/status.h"
#include "projections/internal/case_slots.h"
#include "projections/runner.h"

namespace yiwang::projections::internal {

struct DecodedEvent {
  EventEnvelope envelope;
  std::optional<RecordedCaseEvent> recorded;  // case events (case stream, case event type)
  uint32_t case_slot = kNoCaseSlot;           // see NumberCase

  std::string_view case_number() const {
    return recorded.has_value() ? std::string_view(envelope.stream).substr(kCaseStreamPrefix.size())
                                : std::string_view();
  }

  // Numbers a case event's case within the batch `slots` numbers (ProjectedEvent::case_slot).
  void NumberCase(CaseSlotter* slots) {
    case_slot = recorded.has_value() ? slots->SlotOf(case_number()) : kNoCaseSlot;
  }

  ProjectedEvent view() const {
    if (!recorded.has_value()) return ProjectedEvent{envelope, nullptr, {}};
    return ProjectedEvent{envelope, &*recorded, case_number(), case_slot};
  }
};

// Decodes the event stored at `position` into `out`, reusing its strings' capacity. kDataLoss
// when it does not decode or says another position.
Status DecodeStored(uint64_t position, std::string_view bytes, DecodedEvent* out);

}  // namespace yiwang::projections::internal

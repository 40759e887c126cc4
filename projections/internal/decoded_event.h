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

// The envelope is a view: of the stored bytes when they are canonical (DecodeStored's fast
// path: nothing copied, so the bytes must outlive every use of the event), else of the
// envelope the parser filled, kept here. Reused event after event, its strings keep their
// capacity.
class DecodedEvent {
 public:
  EnvelopeView envelope() const { return borrowed_ ? view_ : EnvelopeView(owned_); }

  std::string_view case_number() const {
    if (!recorded_.has_value()) return std::string_view();
    return (borrowed_ ? view_.stream : std::string_view(owned_.stream))
        .substr(kCaseStreamPrefix.size());
  }

  // Numbers a case event's case within the batch `slots` numbers (ProjectedEvent::case_slot).
  void NumberCase(CaseSlotter* slots) {
    case_slot_ = recorded_.has_value() ? slots->SlotOf(case_number()) : kNoCaseSlot;
  }

  ProjectedEvent view() const {
    if (!recorded_.has_value()) return ProjectedEvent{envelope(), nullptr, {}};
    return ProjectedEvent{envelope(), &*recorded_, case_number(), case_slot_};
  }

 private:
  friend Status DecodeStored(uint64_t position, std::string_view bytes, DecodedEvent* out);

  bool borrowed_ = false;  // view_ is the envelope, else owned_
  EnvelopeView view_;     // of the stored bytes
  EventEnvelope owned_;   // the parser's (bytes not in canonical form)
  std::optional<RecordedCaseEvent> recorded_;  // case events (case stream, case event type)
  uint32_t case_slot_ = kNoCaseSlot;           // see NumberCase
};

// Decodes the event stored at `position`, `bytes`, into `out`, reusing its strings' capacity.
// `bytes` must stay unchanged while `out`'s envelope is used. kDataLoss when it does not decode
// or says another position.
Status DecodeStored(uint64_t position, std::string_view bytes, DecodedEvent* out);

}  // namespace yiwang::projections::internal

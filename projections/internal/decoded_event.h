// One stored event decoded once for every projection (the runner's live and bulk paths).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "domain/envelope.h"
#include "domain/events.h"
#include "domain/status.h"
#include "projections/internal/case_slots.h"
#include "projections/internal/prefetch.h"
#include "projections/runner.h"

namespace yiwang::projections::internal {

// The envelope is a view: of the stored bytes when they are canonical (DecodeStored's fast
// path: nothing copied, so the bytes must outlive every use of the event), else of the
// envelope the parser filled, kept here; so a DecodedEvent stays where it was decoded (neither
// copied nor moved). Reused event after event, its strings keep their capacity.
class DecodedEvent {
 public:
  DecodedEvent() = default;
  DecodedEvent(const DecodedEvent&) = delete;
  DecodedEvent& operator=(const DecodedEvent&) = delete;

  const EnvelopeView& envelope() const { return view_; }

  std::string_view case_number() const {
    return recorded_.has_value() ? view_.stream.substr(kCaseStreamPrefix.size())
                                 : std::string_view();
  }

  // Starts loading what view() and the envelope's fields read first.
  void Prefetch() const {
    PrefetchLines(&view_, (sizeof(view_) + kCacheLineBytes - 1) / kCacheLineBytes);
    PrefetchLines(&recorded_);
  }
  // For NumberCase soon after (see CaseSlotter::Prefetch).
  void PrefetchCase(const CaseSlotter& slots) const {
    if (recorded_.has_value()) slots.Prefetch(case_number());
  }
  // Numbers a case event's case within the batch `slots` numbers (ProjectedEvent::case_slot).
  void NumberCase(CaseSlotter* slots) {
    case_slot_ = recorded_.has_value() ? slots->SlotOf(case_number()) : kNoCaseSlot;
  }

  // Refers to this event: valid while it is neither decoded again nor destroyed.
  ProjectedEvent view() const {
    if (!recorded_.has_value()) return ProjectedEvent{view_, nullptr, {}};
    return ProjectedEvent{view_, &*recorded_, case_number(), case_slot_};
  }

 private:
  friend Status DecodeStored(uint64_t position, std::string_view bytes, DecodedEvent* out);

  // The members every projection reads first, side by side; owned_, rarely used, last.
  EnvelopeView view_;                          // of the stored bytes, or of owned_
  std::optional<RecordedCaseEvent> recorded_;  // case events (case stream, case event type)
  uint32_t case_slot_ = kNoCaseSlot;           // see NumberCase
  // The parser's (bytes not in canonical form), made at the first such event: inline, it was a
  // third of the event's size, and replay keeps ~16,000 events in flight.
  std::unique_ptr<EventEnvelope> owned_;
};

// Decodes the event stored at `position`, `bytes`, into `out`, reusing its strings' capacity.
// `bytes` must stay unchanged while `out`'s envelope is used. kDataLoss when it does not decode
// or says another position.
Status DecodeStored(uint64_t position, std::string_view bytes, DecodedEvent* out);

}  // namespace yiwang::projections::internal

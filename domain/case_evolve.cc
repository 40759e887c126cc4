// Evolve: folding stored events into CaseState. No validation here: events passed Decide when
// they were written, and the decoder checked their shape when they were read.
#include <array>

#include "domain/case.h"

namespace yiwang {
namespace {

constexpr std::array<std::string_view, kCaseStatusCount> kStatusNames = {
    "None",        "Submitted",        "MaterialsRequested", "Accepted",  "Transferred",
    "UnderReview", "SpecialProcedure", "Suspended",          "Approved",  "Denied",
    "NotAccepted", "Issued",           "Delivered",          "Withdrawn", "Closed",
};

bool IsPauseStatus(CaseStatus status) {
  return status == CaseStatus::kSpecialProcedure || status == CaseStatus::kSuspended;
}

// Type-specific effects beyond the status change. Facts without effects take the generic one.
void Apply(const CaseSubmitted& event, const RecordedCaseEvent& recorded, CaseState* state) {
  state->case_number = event.case_number;
  state->service_code = event.service_code;
  state->applicant_id_number = event.applicant.id_number;
  state->channel = event.channel;
  state->outlet = event.outlet;
  state->materials = event.materials;
  state->submitted_at = recorded.occurred_at;
}
void Apply(const MaterialsRequested& event, const RecordedCaseEvent& recorded, CaseState* state) {
  state->materials_requested = true;
  state->materials_requested_at = recorded.occurred_at;
  state->supplement_due = event.due;
}
void Apply(const MaterialsSupplemented& event, const RecordedCaseEvent& recorded,
           CaseState* state) {
  state->materials.insert(state->materials.end(), event.materials.begin(), event.materials.end());
  state->supplemented_at = recorded.occurred_at;
}
void Apply(const CaseAccepted& event, const RecordedCaseEvent& recorded, CaseState* state) {
  state->accepted_at = recorded.occurred_at;
  state->acceptance = event;
  if (!recorded.actor.department.empty()) state->department = recorded.actor.department;
}
void Apply(const CaseNotAccepted&, const RecordedCaseEvent& recorded, CaseState* state) {
  state->decided_at = recorded.occurred_at;
}
void Apply(const CaseTransferred& event, const RecordedCaseEvent&, CaseState* state) {
  state->department = event.department;
}
void Apply(const ReviewStepCompleted& event, const RecordedCaseEvent&, CaseState* state) {
  state->review_steps.push_back(event.step);
}
void Apply(const DeadlineExtended& event, const RecordedCaseEvent&, CaseState* state) {
  state->extension_working_days += event.working_days;
}
void Apply(const CaseApproved&, const RecordedCaseEvent& recorded, CaseState* state) {
  state->decided_at = recorded.occurred_at;
}
void Apply(const CaseDenied&, const RecordedCaseEvent& recorded, CaseState* state) {
  state->decided_at = recorded.occurred_at;
}
void Apply(const CertificateIssued& event, const RecordedCaseEvent& recorded, CaseState* state) {
  state->certificate = event;
  state->issued_at = recorded.occurred_at;
}
void Apply(const CaseDelivered&, const RecordedCaseEvent& recorded, CaseState* state) {
  state->delivered_at = recorded.occurred_at;
}
void Apply(const CaseWithdrawn&, const RecordedCaseEvent& recorded, CaseState* state) {
  state->withdrawn_at = recorded.occurred_at;
}
void Apply(const CaseClosed& event, const RecordedCaseEvent& recorded, CaseState* state) {
  state->closed_at = recorded.occurred_at;
  state->result_code = event.result_code;
}
void Apply(const SupervisionOrdered& event, const RecordedCaseEvent&, CaseState* state) {
  state->open_supervision_orders[event.order_id] = event.due;
}
void Apply(const SupervisionAnswered& event, const RecordedCaseEvent&, CaseState* state) {
  state->open_supervision_orders.erase(event.order_id);
}
void Apply(const Consulted&, const RecordedCaseEvent&, CaseState* state) { ++state->consultations; }
void Apply(const Evaluated& event, const RecordedCaseEvent&, CaseState* state) {
  state->evaluation_grade = event.grade;
  if (!event.rectification_id.empty() && event.rectification_due.has_value()) {
    state->open_rectifications[event.rectification_id] = *event.rectification_due;
  }
}
void Apply(const RectificationRecorded& event, const RecordedCaseEvent&, CaseState* state) {
  state->open_rectifications.erase(event.rectification_id);
}
void Apply(const TripRecorded&, const RecordedCaseEvent&, CaseState* state) { ++state->trips; }
template <typename Event>
void Apply(const Event&, const RecordedCaseEvent&, CaseState*) {}

// The status each event type leads to.
struct StatusVisitor {
  CaseStatus before;
  CaseStatus operator()(const CaseSubmitted&) const { return CaseStatus::kSubmitted; }
  CaseStatus operator()(const MaterialsRequested&) const { return CaseStatus::kMaterialsRequested; }
  CaseStatus operator()(const MaterialsSupplemented&) const { return CaseStatus::kSubmitted; }
  CaseStatus operator()(const CaseAccepted&) const { return CaseStatus::kAccepted; }
  CaseStatus operator()(const CaseNotAccepted&) const { return CaseStatus::kNotAccepted; }
  CaseStatus operator()(const CaseTransferred&) const { return CaseStatus::kTransferred; }
  CaseStatus operator()(const ReviewStarted&) const { return CaseStatus::kUnderReview; }
  CaseStatus operator()(const SpecialProcedureStarted&) const {
    return CaseStatus::kSpecialProcedure;
  }
  CaseStatus operator()(const CaseSuspended&) const { return CaseStatus::kSuspended; }
  CaseStatus operator()(const CaseResumed&) const { return CaseStatus::kUnderReview; }
  CaseStatus operator()(const CaseApproved&) const { return CaseStatus::kApproved; }
  CaseStatus operator()(const CaseDenied&) const { return CaseStatus::kDenied; }
  CaseStatus operator()(const CertificateIssued&) const { return CaseStatus::kIssued; }
  CaseStatus operator()(const CaseDelivered&) const { return CaseStatus::kDelivered; }
  CaseStatus operator()(const CaseWithdrawn&) const { return CaseStatus::kWithdrawn; }
  CaseStatus operator()(const CaseClosed&) const { return CaseStatus::kClosed; }
  // Recorded facts: ReviewStepCompleted, DeadlineExtended, supervision, consultation,
  // evaluation, rectification, trips.
  CaseStatus operator()(const auto&) const { return before; }
};

}  // namespace

std::string_view CaseStatusName(CaseStatus status) {
  return kStatusNames[static_cast<size_t>(status)];
}

std::optional<CaseStatus> ParseCaseStatus(std::string_view name) {
  for (size_t index = 0; index < kStatusNames.size(); ++index) {
    if (kStatusNames[index] == name) return static_cast<CaseStatus>(index);
  }
  return std::nullopt;
}

CaseStatus StatusAfter(CaseStatus before, const CaseEvent& event) {
  return std::visit(StatusVisitor{before}, event);
}

void EvolveInPlace(CaseState* state, const RecordedCaseEvent& recorded) {
  const CaseStatus next = StatusAfter(state->status, recorded.event);
  // Leaving a paused state ends the pause, whatever the way out (resume, withdrawal).
  if (IsPauseStatus(state->status) && next != state->status && !state->pauses.empty() &&
      !state->pauses.back().to.has_value()) {
    state->pauses.back().to = recorded.occurred_at;
  }
  if (IsPauseStatus(next) && next != state->status) {
    state->pauses.push_back(ClockPause{recorded.occurred_at, std::nullopt, next});
  }
  std::visit([&](const auto& event) { Apply(event, recorded, state); }, recorded.event);
  state->status = next;
  state->version = recorded.version;
  state->last_event_at = recorded.occurred_at;
}

CaseState Evolve(CaseState state, const RecordedCaseEvent& recorded) {
  EvolveInPlace(&state, recorded);
  return state;
}

}  // namespace yiwang

// The stored form of the dashboard's rows and catalog facts (grammar in projections/README.md),
// and the small pieces of domain knowledge the fold needs without decoding every event.
#include <algorithm>
#include <array>
#include <utility>
#include <variant>

#include "projections/dashboard_internal.h"
#include "projections/internal/binary_codec.h"

namespace yiwang::projections::dashboard_internal {
namespace {

using internal::Reader;
using internal::Writer;

void WriteAcceptance(const CaseAccepted& acceptance, Writer* out) {
  out->Int(acceptance.promised_days);
  out->Int(acceptance.legal_days);
  out->Bool(acceptance.immediate);
  out->Time(acceptance.clock_start);
  out->Date(acceptance.deadline);
  out->Date(acceptance.legal_deadline);
}

CaseAccepted ReadAcceptance(Reader* in) {
  CaseAccepted acceptance;
  acceptance.promised_days = in->Int();
  acceptance.legal_days = in->Int();
  acceptance.immediate = in->Bool();
  acceptance.clock_start = in->Time();
  acceptance.deadline = in->Date();
  acceptance.legal_deadline = in->Date();
  return acceptance;
}

uint8_t DecisionBits(const Decision& decision) {
  return static_cast<uint8_t>((decision.computed ? 1 : 0) | (decision.on_time ? 2 : 0) |
                              (decision.immediate ? 4 : 0));
}

}  // namespace

std::string EncodeRow(const Row& row, const Table& table) {
  Writer out(192 + 32 * row.pauses.size());
  out.U8(kRowFormat);
  out.U32(row.version);
  out.Str(table.item_codes.texts[row.item]);
  out.Str(table.departments.texts[row.department]);
  out.U8(row.level);
  out.U8(row.channel);
  out.U8(static_cast<uint8_t>(row.status));
  out.Bool(row.comprehensive_window);
  out.U8(static_cast<uint8_t>(row.grade));
  out.U8(row.open_rectifications);
  out.Int(row.trips);
  out.Int(row.materials_required);
  out.Int(row.materials_baseline);
  for (int64_t at : {row.submitted_at, row.accepted_at, row.decided_at, row.withdrawn_at,
                     row.closed_at, row.evaluated_at}) {
    out.I64(at);
  }
  out.Bool(row.acceptance.has_value());
  if (row.acceptance) WriteAcceptance(*row.acceptance, &out);
  out.Int(row.extension_working_days);
  out.U32(static_cast<uint32_t>(row.pauses.size()));
  for (const ClockPause& pause : row.pauses) {
    out.Time(pause.from);
    out.OptTime(pause.to);
    out.U8(static_cast<uint8_t>(pause.status));
  }
  out.U8(DecisionBits(row.decision));
  out.Int(row.decision.handling_working_days);
  return out.Take();
}

Status DecodeRow(std::string_view bytes, Table* table, Row* row) {
  Reader in(bytes);
  if (in.U8() != kRowFormat) return DataLoss("dashboard row: unknown format (rebuild it)");
  row->version = in.U32();
  const std::string item = in.Str();
  const std::string department = in.Str();
  row->level = in.U8();
  row->channel = in.U8();
  const uint8_t status = in.U8();
  row->status = status < kCaseStatusCount ? static_cast<CaseStatus>(status) : CaseStatus::kNone;
  row->comprehensive_window = in.Bool();
  row->grade = static_cast<int8_t>(in.U8());
  row->open_rectifications = in.U8();
  row->trips = in.Int();
  row->materials_required = in.Int();
  row->materials_baseline = in.Int();
  for (int64_t* at : {&row->submitted_at, &row->accepted_at, &row->decided_at, &row->withdrawn_at,
                      &row->closed_at, &row->evaluated_at}) {
    *at = in.I64();
  }
  if (in.Bool()) row->acceptance = ReadAcceptance(&in);
  row->extension_working_days = in.Int();
  for (uint32_t count = in.Count(); count > 0 && !in.failed(); --count) {
    ClockPause pause;
    pause.from = in.Time();
    pause.to = in.OptTime();
    pause.status = in.U8() == static_cast<uint8_t>(CaseStatus::kSpecialProcedure)
                       ? CaseStatus::kSpecialProcedure
                       : CaseStatus::kSuspended;
    row->pauses.push_back(pause);
  }
  const uint8_t bits = in.U8();
  row->decision = Decision{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, in.Int()};
  if (in.failed() || !in.at_end() || status >= kCaseStatusCount || item.empty()) {
    return DataLoss("dashboard row: malformed bytes");
  }
  row->item = table->ItemIndex(item);
  row->department = table->departments.Intern(department);
  return Status::Ok();
}

std::string EncodeItem(const ItemFacts& item) {
  Writer out;
  out.U8(kItemFormat);
  out.Str(item.code);
  out.Str(item.name);
  out.Str(item.department);
  out.Int(item.level);
  out.Bool(item.online);
  out.Bool(item.one_window);
  out.Bool(item.retired);
  out.Int(item.materials);
  out.Int(item.baseline_materials);
  return out.Take();
}

Result<ItemFacts> DecodeItem(std::string_view bytes) {
  Reader in(bytes);
  if (in.U8() != kItemFormat) return DataLoss("dashboard item: unknown format (rebuild it)");
  ItemFacts item;
  item.code = in.Str();
  item.name = in.Str();
  item.department = in.Str();
  item.level = in.Int();
  item.online = in.Bool();
  item.one_window = in.Bool();
  item.retired = in.Bool();
  item.published = true;  // only published items are stored
  item.materials = in.Int();
  item.baseline_materials = in.Int();
  if (in.failed() || !in.at_end()) return DataLoss("dashboard item: malformed bytes");
  return item;
}

std::optional<CaseStatus> StatusAfterType(std::string_view type) {
  using S = CaseStatus;
  static constexpr std::array<std::pair<std::string_view, S>, 16> kTransitions = {{
      {"CaseSubmitted", S::kSubmitted},
      {"MaterialsRequested", S::kMaterialsRequested},
      {"MaterialsSupplemented", S::kSubmitted},
      {"CaseAccepted", S::kAccepted},
      {"CaseNotAccepted", S::kNotAccepted},
      {"CaseTransferred", S::kTransferred},
      {"ReviewStarted", S::kUnderReview},
      {"SpecialProcedureStarted", S::kSpecialProcedure},
      {"CaseSuspended", S::kSuspended},
      {"CaseResumed", S::kUnderReview},
      {"CaseApproved", S::kApproved},
      {"CaseDenied", S::kDenied},
      {"CertificateIssued", S::kIssued},
      {"CaseDelivered", S::kDelivered},
      {"CaseWithdrawn", S::kWithdrawn},
      {"CaseClosed", S::kClosed},
  }};
  for (const auto& [name, status] : kTransitions) {
    if (name == type) return status;
  }
  return std::nullopt;
}

std::optional<CaseStatus> StatusAfterEvent(const CaseEvent& event) {
  // StatusAfterType of every alternative's name, worked out once.
  static const auto kByIndex = []<size_t... kIndex>(std::index_sequence<kIndex...>) {
    return std::array<std::optional<CaseStatus>, sizeof...(kIndex)>{
        StatusAfterType(EventTypeName(CaseEvent(std::in_place_index<kIndex>)))...};
  }(std::make_index_sequence<std::variant_size_v<CaseEvent>>());
  return kByIndex[event.index()];
}

Facts FactsOf(const Row& row) {
  Facts facts;
  facts.submitted_at = row.submitted_at;
  facts.accepted_at = row.accepted_at;
  facts.decided_at = row.decided_at;
  facts.closed_at = row.closed_at;
  facts.evaluated_at = row.evaluated_at;
  facts.item = row.item;
  facts.department = row.department;
  facts.handling_working_days = row.decision.handling_working_days;
  // Catalog items hold at most kCatalogMaterialsMax materials; baselines are small counts.
  facts.materials_required = static_cast<uint16_t>(std::clamp(row.materials_required, 0, 0xffff));
  facts.materials_baseline = static_cast<uint16_t>(std::clamp(row.materials_baseline, 0, 0xffff));
  facts.level = row.level;
  facts.channel = row.channel;
  facts.status = static_cast<uint8_t>(row.status);
  facts.grade = row.grade;
  facts.open_rectifications = row.open_rectifications;
  facts.trips_capped = static_cast<uint8_t>(std::clamp(row.trips, 0, 2));
  const std::string_view channel =
      row.channel < std::size(kChannels) ? kChannels[row.channel] : std::string_view();
  uint8_t flags = 0;
  if (IsOnlineChannel(channel)) flags |= Facts::kOnline;
  if (channel == "window") flags |= Facts::kWindowChannel;
  if (row.comprehensive_window) flags |= Facts::kComprehensiveWindow;
  if (row.acceptance.has_value() && row.decided_at == kNoTime && row.withdrawn_at == kNoTime) {
    flags |= Facts::kClockOpen;
  }
  if (row.decision.computed) flags |= Facts::kDecisionComputed;
  if (row.decision.on_time) flags |= Facts::kOnTime;
  if (row.decision.immediate) flags |= Facts::kImmediate;
  facts.flags = flags;
  return facts;
}

void FillSlaState(const Row& row, CaseState* scratch) {
  scratch->status = row.status;
  scratch->acceptance = row.acceptance;
  scratch->pauses = row.pauses;
  scratch->extension_working_days = row.extension_working_days;
  scratch->decided_at.reset();
  if (row.decided_at != kNoTime) scratch->decided_at = Timestamp{row.decided_at};
  scratch->withdrawn_at.reset();
  if (row.withdrawn_at != kNoTime) scratch->withdrawn_at = Timestamp{row.withdrawn_at};
}

}  // namespace yiwang::projections::dashboard_internal

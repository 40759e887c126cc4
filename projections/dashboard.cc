// The dashboard projection's fold: catalog facts and one row per case, staged per runner batch
// and published to the in-memory table at Committed.
#include "projections/dashboard.h"

#include <mutex>
#include <utility>
#include <variant>

#include "domain/catalog.h"
#include "domain/events.h"
#include "domain/sla.h"
#include "projections/dashboard_internal.h"
#include "projections/internal/binary_codec.h"

namespace yiwang::projections {

using internal::TaggedKey;

using dashboard_internal::kNoChannel;
using dashboard_internal::kNoTime;
using dashboard_internal::Row;
using dashboard_internal::Table;

namespace {

constexpr char kCaseKeyTag = 'c';  // 'c' case-number -> row
constexpr char kItemKeyTag = 'i';  // 'i' item-code   -> item facts

bool IsPauseStatus(CaseStatus status) {
  return status == CaseStatus::kSpecialProcedure || status == CaseStatus::kSuspended;
}

uint8_t ChannelIndex(std::string_view channel) {
  for (size_t index = 0; index < std::size(kChannels); ++index) {
    if (kChannels[index] == channel) return static_cast<uint8_t>(index);
  }
  return kNoChannel;
}

// The same pause bookkeeping as domain Evolve: leaving a paused state ends the pause, entering
// one starts a new pause.
void MoveTo(CaseStatus next, Timestamp at, Row* row) {
  if (IsPauseStatus(row->status) && next != row->status && !row->pauses.empty() &&
      !row->pauses.back().to.has_value()) {
    row->pauses.back().to = at;
  }
  if (IsPauseStatus(next) && next != row->status) {
    row->pauses.push_back(ClockPause{at, std::nullopt, next});
  }
  row->status = next;
}

// Freezes the facts of a decision with the domain's SLA clock, read on the decision day.
void Decide(const WorkingCalendar& calendar, Row* row) {
  row->decision = {};
  if (!row->acceptance.has_value() || row->accepted_at == kNoTime) return;
  CaseState scratch;
  dashboard_internal::FillSlaState(*row, &scratch);
  Result<SlaView> sla = ComputeSla(scratch, calendar, Timestamp{row->decided_at});
  Result<int> between = calendar.WorkingDaysBetween(LocalDateOf(Timestamp{row->accepted_at}),
                                                    LocalDateOf(Timestamp{row->decided_at}));
  if (!sla.ok() || !between.ok()) return;
  row->decision.computed = true;
  row->decision.on_time = sla->decided_on_time;
  row->decision.handling_working_days = sla->elapsed_working_days;
  row->decision.immediate = *between <= 0;
}

}  // namespace

Dashboard::Dashboard(ReadStore* read_store, const WorkingCalendar* calendar)
    : read_store_(read_store), calendar_(calendar), table_(std::make_unique<Table>()) {}

Dashboard::~Dashboard() = default;

Status Dashboard::EnsureLoaded() const {
  {
    std::shared_lock lock(mutex_);
    if (loaded_) return Status::Ok();
  }
  std::unique_lock lock(mutex_);
  if (loaded_) return Status::Ok();
  return LoadLocked();
}

Status Dashboard::LoadLocked() const {
  if (read_store_ == nullptr) return Unavailable("dashboard: no read store");
  auto table = std::make_unique<Table>();
  Status decoded;
  for (const char tag : {kItemKeyTag, kCaseKeyTag}) {
    const std::string prefix(1, tag);
    std::string last;
    size_t visited = kScanEntriesMax;
    while (visited == kScanEntriesMax && decoded.ok()) {
      visited = 0;
      YIWANG_RETURN_IF_ERROR(read_store_->Scan(
          kDashboardFamily, prefix, last, [&](std::string_view key, std::string_view value) {
            ++visited;
            last = key;
            const std::string_view id = key.substr(1);
            if (tag == kItemKeyTag) {
              Result<dashboard_internal::ItemFacts> item = dashboard_internal::DecodeItem(value);
              if (!item.ok()) decoded = item.status();
              if (item.ok()) table->items[table->ItemIndex(id)] = std::move(item).value();
              return decoded.ok();
            }
            Row row;
            decoded = dashboard_internal::DecodeRow(value, table.get(), &row);
            if (decoded.ok()) table->Upsert(id, std::move(row));
            return decoded.ok();
          }));
    }
  }
  YIWANG_RETURN_IF_ERROR(decoded);
  table_ = std::move(table);
  loaded_ = true;
  return Status::Ok();
}

Status Dashboard::Apply(const ProjectedEvent& event, ReadBatch* batch) {
  YIWANG_RETURN_IF_ERROR(EnsureLoaded());
  if (event.envelope.stream.starts_with(kCatalogStreamPrefix)) {
    return ApplyCatalog(event.envelope, batch);
  }
  if (event.recorded != nullptr) return ApplyCase(event);
  return Status::Ok();
}

// Catalog facts are published to the table at once (under the lock): a dropped batch discards
// the whole table, which is then reloaded from what was committed.
Status Dashboard::ApplyCatalog(const EnvelopeView& event, ReadBatch* batch) {
  const std::string_view code = event.stream.substr(kCatalogStreamPrefix.size());
  dashboard_internal::ItemFacts facts;
  if (event.type == kCatalogItemPublished) {
    Result<CatalogItem> item = DecodeCatalogItem(event.data);
    if (!item.ok()) return DataLoss("catalog item does not decode: " + item.status().message());
    facts = dashboard_internal::ItemFacts{item->code,
                                          item->name,
                                          item->department,
                                          item->level,
                                          item->AllowsOnline(),
                                          item->one_window,
                                          /*published=*/true,
                                          /*retired=*/false,
                                          static_cast<int32_t>(item->materials.size()),
                                          item->baseline_materials};
  } else if (event.type == kCatalogItemRetired) {
    std::optional<uint32_t> known = table_->item_codes.Find(code);
    if (!known.has_value()) return Status::Ok();
    facts = table_->items[*known];
    facts.retired = true;
  } else {
    return Status::Ok();
  }
  facts.code = std::string(code);
  std::string bytes = dashboard_internal::EncodeItem(facts);
  {
    std::unique_lock lock(mutex_);
    table_->items[table_->ItemIndex(code)] = std::move(facts);
  }
  return batch->Put(kDashboardFamily, TaggedKey(kItemKeyTag, code), bytes);
}

Result<Row*> Dashboard::PendingRow(const ProjectedEvent& event, bool create) {
  if (Row* found = pending_.Find(event)) return found;
  if (std::optional<uint32_t> committed = table_->case_index.Find(event.case_number)) {
    return &pending_.Put(event, table_->rows[*committed]);
  }
  if (!create) return static_cast<Row*>(nullptr);
  return &pending_.Emplace(event);
}

namespace {

// Interns on the runner thread, the tables' only writer: a known text needs no lock; a new one
// is added under the exclusive lock, since queries read the tables meanwhile.
uint32_t InternDepartment(std::string_view department, Table* table, std::shared_mutex* mutex) {
  if (std::optional<uint32_t> known = table->departments.Find(department)) return *known;
  std::unique_lock lock(*mutex);
  return table->departments.Intern(department);
}

// The item's facts at submission.
void Submit(const CaseSubmitted& submitted, Timestamp at, Table* table, std::shared_mutex* mutex,
            Row* row) {
  std::optional<uint32_t> known = table->item_codes.Find(submitted.service_code);
  if (!known.has_value()) {
    std::unique_lock lock(*mutex);
    known = table->ItemIndex(submitted.service_code);
  }
  row->item = *known;
  const dashboard_internal::ItemFacts& item = table->items[row->item];
  row->department = InternDepartment(item.department, table, mutex);
  row->level = static_cast<uint8_t>(item.level);
  row->materials_required = item.materials;
  row->materials_baseline = item.baseline_materials;
  row->channel = ChannelIndex(submitted.channel);
  row->submitted_at = at.unix_ms;
}

}  // namespace

Status Dashboard::ApplyCase(const ProjectedEvent& projected) {
  const EnvelopeView& event = projected.envelope;
  // Dispatched on the decoded alternative: comparing the type name with up to ~20 names cost
  // ~200 instructions an event.
  const CaseEvent& data = projected.recorded->event;
  const std::optional<CaseStatus> next = dashboard_internal::StatusAfterEvent(data);
  const bool fact = std::holds_alternative<TripRecorded>(data) ||
                    std::holds_alternative<Evaluated>(data) ||
                    std::holds_alternative<RectificationRecorded>(data) ||
                    std::holds_alternative<DeadlineExtended>(data);
  if (!next.has_value() && !fact) return Status::Ok();  // no figure depends on it
  Result<Row*> found = PendingRow(projected, std::holds_alternative<CaseSubmitted>(data));
  if (!found.ok()) return found.status();
  Row* row = *found;
  if (row == nullptr) {
    return DataLoss("case event before CaseSubmitted in " + std::string(event.stream));
  }
  if (event.version <= row->version) return Status::Ok();  // already folded
  row->version = event.version;
  const int64_t at = event.occurred_at.unix_ms;
  if (const auto* submitted = std::get_if<CaseSubmitted>(&data)) {
    Submit(*submitted, event.occurred_at, table_.get(), &mutex_, row);
  } else if (const auto* accepted = std::get_if<CaseAccepted>(&data)) {
    row->acceptance = *accepted;
    row->acceptance->acceptance_number.clear();
    row->accepted_at = at;
    row->comprehensive_window = row->acceptance->comprehensive_window;
    if (!event.actor.department.empty()) {
      row->department = InternDepartment(event.actor.department, table_.get(), &mutex_);
    }
  } else if (const auto* transferred = std::get_if<CaseTransferred>(&data)) {
    row->department = InternDepartment(transferred->department, table_.get(), &mutex_);
  } else if (const auto* extended = std::get_if<DeadlineExtended>(&data)) {
    row->extension_working_days += extended->working_days;
  } else if (const auto* evaluated = std::get_if<Evaluated>(&data)) {
    row->grade = static_cast<int8_t>(evaluated->grade);
    row->evaluated_at = at;
    if (!evaluated->rectification_id.empty()) ++row->open_rectifications;
  } else if (std::holds_alternative<RectificationRecorded>(data)) {
    if (row->open_rectifications > 0) --row->open_rectifications;
  } else if (std::holds_alternative<TripRecorded>(data)) {
    ++row->trips;
  } else if (std::holds_alternative<CaseWithdrawn>(data)) {
    row->withdrawn_at = at;
  } else if (std::holds_alternative<CaseClosed>(data)) {
    row->closed_at = at;
  }
  if (next.has_value()) MoveTo(*next, event.occurred_at, row);
  if (std::holds_alternative<CaseApproved>(data) || std::holds_alternative<CaseDenied>(data)) {
    row->decided_at = at;
    Decide(*calendar_, row);
  }
  return Status::Ok();
}

void Dashboard::Prefetch(const ProjectedEvent& event) const { pending_.Prefetch(event); }

Status Dashboard::Flush(ReadBatch* batch) {
  return pending_.TryEach([&](std::string_view case_number, const Row& row) {
    return batch->Put(kDashboardFamily, TaggedKey(kCaseKeyTag, case_number),
                      dashboard_internal::EncodeRow(row, *table_));
  });
}

void Dashboard::Committed() {
  std::unique_lock lock(mutex_);
  pending_.ForEach([this](std::string_view case_number, Row& row) {
    table_->Upsert(case_number, std::move(row));
  });
  pending_.Clear();
}

void Dashboard::Discard() {
  pending_.Clear();
  std::unique_lock lock(mutex_);
  table_ = std::make_unique<Table>();
  loaded_ = false;
}

size_t Dashboard::case_count() const {
  std::shared_lock lock(mutex_);
  return table_->rows.size();
}

}  // namespace yiwang::projections

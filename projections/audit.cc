// The write side of the audit trail: index entries, departments, supervision orders.
#include "projections/audit.h"

#include <utility>
#include <variant>

#include "domain/catalog.h"
#include "domain/events.h"
#include "projections/audit_format.h"

namespace yiwang::projections {

using namespace audit_format;  // NOLINT(google-build-using-namespace): this module's own format

namespace {

// A batch's first SetCaseDepartment of a case the bounded cache has forgotten: no department
// id (0 is "none", real ones stay under kAuditDepartmentsMax) equals it, so the new one is
// written. Never left in the table: SetCaseDepartment replaces it at once.
constexpr uint32_t kNoDepartmentKnown = UINT32_MAX;

Result<std::optional<uint32_t>> GetU32(const ReadBatch& batch, const std::string& key) {
  Result<std::optional<std::string>> bytes = batch.Get(kAuditFamily, key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<uint32_t>();
  std::optional<uint32_t> value = ParseU32(**bytes);
  if (!value) return DataLoss("audit trail: malformed value of key " + key.substr(0, 1));
  return value;
}

}  // namespace

Status AuditTrail::Apply(const ProjectedEvent& event, ReadBatch* batch) {
  // Reads go through the runner's batch too: it (and, in replay, the batch still being
  // committed) is newer than the store.
  batch_ = batch;
  if (!loaded_) YIWANG_RETURN_IF_ERROR(Load(event.envelope.position));
  if (event.envelope.position <= covered_) return Status::Ok();  // indexed before a crash
  return ApplyOne(event);
}

// Reads the coverage mark and, when the index is behind the runner (a crash between the two
// commits), indexes the missing positions from the log.
Status AuditTrail::Load(uint64_t first_position) {
  Result<std::optional<std::string>> covered = batch_->Get(kAuditFamily, kCoveredKey);
  if (!covered.ok()) return covered.status();
  covered_ = covered->has_value() ? FromBigEndian(**covered) : 0;
  Result<std::optional<uint32_t>> next = GetU32(*batch_, std::string(kNextDepartmentKey));
  if (!next.ok()) return next.status();
  next_department_ = next->value_or(1);
  loaded_ = true;
  if (covered_ + 1 >= first_position) return Status::Ok();
  if (log_ == nullptr) {
    return FailedPrecondition("audit trail: positions " + std::to_string(covered_ + 1) + ".." +
                              std::to_string(first_position - 1) +
                              " must be re-read from the log, and none is attached");
  }
  return log_->ForEach(
      covered_ + 1, first_position - 1, [this](uint64_t position, std::string_view bytes) {
        Result<EventEnvelope> envelope = DecodeEnvelope(bytes);
        if (!envelope.ok()) {
          return DataLoss("audit trail: event " + std::to_string(position) +
                          " does not decode: " + envelope.status().message());
        }
        const EnvelopeView view(*envelope);
        if (!envelope->stream.starts_with(kCaseStreamPrefix) || !IsCaseEventType(envelope->type)) {
          return ApplyOne(ProjectedEvent{view, nullptr, {}});
        }
        Result<CaseEvent> data = DecodeEventData(envelope->type, envelope->schema, envelope->data);
        if (!data.ok()) {
          return DataLoss("audit trail: case event " + std::to_string(position) +
                          " does not decode: " + data.status().message());
        }
        const RecordedCaseEvent recorded{envelope->version, envelope->occurred_at,
                                         ActorView::Of(envelope->actor), std::move(data).value()};
        return ApplyOne(
            ProjectedEvent{view, &recorded, view.stream.substr(kCaseStreamPrefix.size())});
      });
}

Status AuditTrail::ApplyOne(const ProjectedEvent& projected) {
  const EnvelopeView& event = projected.envelope;
  uint32_t department = 0;
  if (projected.recorded != nullptr) {
    Result<uint32_t> id = CaseEventDepartment(projected);
    if (!id.ok()) return id.status();
    department = *id;
  } else if (event.type == kCatalogItemPublished) {
    Result<CatalogItem> item = DecodeCatalogItem(event.data);
    if (!item.ok()) return DataLoss("catalog item does not decode: " + item.status().message());
    Result<uint32_t> id = Intern(item->department);
    if (!id.ok()) return id.status();
    department = *id;
    item_departments_[item->code] = department;
    YIWANG_RETURN_IF_ERROR(
        batch_->Put(kAuditFamily, TaggedKey(kItemTag, item->code), U32Bytes(*id)));
  } else if (!event.actor.department.empty()) {
    Result<uint32_t> id = Intern(event.actor.department);
    if (!id.ok()) return id.status();
    department = *id;
  }
  YIWANG_RETURN_IF_ERROR(SetEntry(event.position,
                                  projected.recorded != nullptr
                                      ? CaseEventTypeCode(projected.recorded->event)
                                      : TypeCode(event.type),
                                  department, ActorHash(event.actor.id)));
  covered_ = event.position;
  return Status::Ok();
}

// The case's department for this event, following acceptance and transfers (see audit.h).
Result<uint32_t> AuditTrail::CaseEventDepartment(const ProjectedEvent& projected) {
  const EnvelopeView& event = projected.envelope;
  const CaseEvent& data = projected.recorded->event;
  if (event.type == "CaseAccepted" && !event.actor.department.empty()) {
    Result<uint32_t> id = Intern(event.actor.department);
    if (!id.ok()) return id.status();
    YIWANG_RETURN_IF_ERROR(SetCaseDepartment(projected, *id));
    return id;
  }
  if (const auto* submitted = std::get_if<CaseSubmitted>(&data)) {
    return SubmittedDepartment(projected, submitted->service_code);
  }
  const bool needs_data = std::holds_alternative<CaseTransferred>(data) ||
                          std::holds_alternative<SupervisionOrdered>(data) ||
                          std::holds_alternative<SupervisionAnswered>(data);
  if (!needs_data) return CaseDepartment(projected);
  Result<uint32_t> current = CaseDepartment(projected);
  if (!current.ok()) return current;
  if (const auto* transferred = std::get_if<CaseTransferred>(&data)) {
    Result<uint32_t> receiver = Intern(transferred->department);
    if (!receiver.ok()) return receiver.status();
    YIWANG_RETURN_IF_ERROR(SetCaseDepartment(projected, *receiver));
    return current;  // the transfer belongs to the sender
  }
  YIWANG_RETURN_IF_ERROR(RecordSupervision(projected, *current));
  return current;
}

// A new case belongs to its item's department.
Result<uint32_t> AuditTrail::SubmittedDepartment(const ProjectedEvent& projected,
                                                 std::string_view service_code) {
  uint32_t id = 0;
  auto item = item_departments_.find(service_code);
  if (item != item_departments_.end()) {
    id = item->second;
  } else {
    Result<std::optional<uint32_t>> stored = GetU32(*batch_, TaggedKey(kItemTag, service_code));
    if (!stored.ok()) return stored.status();
    id = stored->value_or(0);
    item_departments_.insert_or_assign(std::string(service_code), id);
  }
  YIWANG_RETURN_IF_ERROR(SetCaseDepartment(projected, id));
  return id;
}

Result<uint32_t> AuditTrail::CaseDepartment(const ProjectedEvent& projected) {
  if (const uint32_t* known = batch_departments_.Find(projected)) return *known;
  const std::string_view case_number = projected.case_number;
  uint32_t department = 0;
  if (std::optional<uint32_t> slot = known_cases_.Find(case_number)) {
    department = known_departments_[*slot];
  } else {
    Result<std::optional<uint32_t>> stored = GetU32(*batch_, TaggedKey(kCaseTag, case_number));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) {
      return DataLoss("case event before CaseSubmitted in " + std::string(case_number));
    }
    department = **stored;
    RememberCaseDepartment(case_number, department);
  }
  batch_departments_.Put(projected, department);
  return department;
}

Status AuditTrail::SetCaseDepartment(const ProjectedEvent& projected, uint32_t department) {
  const std::string_view case_number = projected.case_number;
  uint32_t* known = batch_departments_.Find(projected);
  if (known == nullptr) {  // first touch in this batch: what the bounded cache knows, if anything
    const std::optional<uint32_t> slot = known_cases_.Find(case_number);
    known =
        &batch_departments_.Put(projected, slot ? known_departments_[*slot] : kNoDepartmentKnown);
  }
  if (*known == department) return Status::Ok();
  *known = department;
  RememberCaseDepartment(case_number, department);
  return batch_->Put(kAuditFamily, TaggedKey(kCaseTag, case_number), U32Bytes(department));
}

void AuditTrail::RememberCaseDepartment(std::string_view case_number, uint32_t department) {
  if (known_cases_.size() >= kAuditCaseCacheEntriesMax && !known_cases_.Find(case_number)) {
    known_cases_.Reset();
    known_departments_.clear();
  }
  const uint32_t slot = known_cases_.SlotOf(case_number);
  if (slot == known_departments_.size()) {
    known_departments_.push_back(department);
  } else {
    known_departments_[slot] = department;
  }
}

// Department names -> small ids, so an entry stays 9 bytes; 0 is "none".
Result<uint32_t> AuditTrail::Intern(std::string_view department) {
  if (department.empty()) return uint32_t{0};
  auto found = department_ids_.find(department);
  if (found != department_ids_.end()) return found->second;
  Result<std::optional<uint32_t>> stored = GetU32(*batch_, TaggedKey(kDepartmentTag, department));
  if (!stored.ok()) return stored.status();
  uint32_t id = stored->value_or(0);
  if (id == 0) {
    if (next_department_ > kAuditDepartmentsMax) {
      return ResourceExhausted("audit trail: more than " + std::to_string(kAuditDepartmentsMax) +
                               " departments");
    }
    id = next_department_++;
    YIWANG_RETURN_IF_ERROR(
        batch_->Put(kAuditFamily, TaggedKey(kDepartmentTag, department), U32Bytes(id)));
    YIWANG_RETURN_IF_ERROR(
        batch_->Put(kAuditFamily, kNextDepartmentKey, U32Bytes(next_department_)));
  }
  department_ids_.emplace(std::string(department), id);
  department_names_.emplace(id, department);
  return id;
}

Result<std::string> AuditTrail::DepartmentName(uint32_t id) {
  if (id == 0) return std::string();
  auto found = department_names_.find(id);
  if (found != department_names_.end()) return found->second;
  // Rare (after a restart): the dictionary is small, scan it.
  std::string name;
  Status status = read_store_->Scan(kAuditFamily, std::string(1, kDepartmentTag), "",
                                    [&](std::string_view key, std::string_view value) {
                                      if (ParseU32(value) != id) return true;
                                      name = std::string(key.substr(1));
                                      return false;
                                    });
  YIWANG_RETURN_IF_ERROR(status);
  department_names_.emplace(id, name);
  return name;
}

Status AuditTrail::RecordSupervision(const ProjectedEvent& projected, uint32_t department) {
  const EnvelopeView& event = projected.envelope;
  const CaseEvent& data = projected.recorded->event;
  const std::string case_number(projected.case_number);
  if (const auto* ordered = std::get_if<SupervisionOrdered>(&data)) {
    Result<std::string> department_name = DepartmentName(department);
    if (!department_name.ok()) return department_name.status();
    SupervisionOrder order;
    order.position = event.position;
    order.case_number = case_number;
    order.order_id = ordered->order_id;
    order.department = *department_name;
    order.ordered_by = event.actor.id;
    order.ordered_at = event.occurred_at;
    order.note = ordered->note;
    order.due = ordered->due;
    YIWANG_RETURN_IF_ERROR(
        batch_->Put(kAuditFamily, OrderKey(event.position), EncodeOrder(order)));
    return batch_->Put(kAuditFamily, OrderIdKey(case_number, ordered->order_id),
                         BigEndian(event.position));
  }
  const auto& answered = std::get<SupervisionAnswered>(data);
  Result<std::optional<std::string>> position =
      batch_->Get(kAuditFamily, OrderIdKey(case_number, answered.order_id));
  if (!position.ok()) return position.status();
  if (!position->has_value()) {
    return DataLoss("answer to unknown supervision order " + answered.order_id + " of " +
                    case_number);
  }
  const uint64_t order_position = FromBigEndian(**position);
  Result<std::optional<std::string>> bytes = batch_->Get(kAuditFamily, OrderKey(order_position));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return DataLoss("audit trail: supervision order record missing");
  Result<SupervisionOrder> order = DecodeOrder(order_position, **bytes);
  if (!order.ok()) return order.status();
  if (order->answer_position != 0) return Status::Ok();  // the first answer counts
  order->answer_position = event.position;
  order->answered_by = event.actor.id;
  order->answered_at = event.occurred_at;
  order->answer = answered.answer;
  return batch_->Put(kAuditFamily, OrderKey(order_position), EncodeOrder(*order));
}

Status AuditTrail::SetEntry(uint64_t position, uint8_t type, uint32_t department,
                            uint32_t actor_hash) {
  const uint64_t index = (position - 1) / kAuditChunkEntries;
  if (index != chunk_index_) {
    YIWANG_RETURN_IF_ERROR(FlushChunk());
    Result<std::optional<std::string>> stored = batch_->Get(kAuditFamily, ChunkKey(index));
    if (!stored.ok()) return stored.status();
    chunk_.assign(kAuditChunkEntries * kEntryBytes, '\0');
    if (stored->has_value()) (*stored)->copy(chunk_.data(), chunk_.size());
    chunk_index_ = index;
  }
  PutEntry(&chunk_, (position - 1) % kAuditChunkEntries, Entry{type, department, actor_hash});
  chunk_dirty_ = true;
  return Status::Ok();
}

Status AuditTrail::FlushChunk() {
  if (!chunk_dirty_) return Status::Ok();
  chunk_dirty_ = false;
  return batch_->Put(kAuditFamily, ChunkKey(chunk_index_), chunk_);
}

Status AuditTrail::Flush(ReadBatch* batch) {
  if (batch_ == nullptr) return Status::Ok();  // nothing applied in this batch
  YIWANG_RETURN_IF_ERROR(FlushChunk());
  return batch->Put(kAuditFamily, kCoveredKey, BigEndian(covered_));
}

void AuditTrail::Committed() {
  batch_ = nullptr;
  batch_departments_.Clear();
}

void AuditTrail::Discard() {
  batch_ = nullptr;
  batch_departments_.Clear();
  ClearMemory();
}

void AuditTrail::ClearMemory() {
  loaded_ = false;
  covered_ = 0;
  department_ids_.clear();
  department_names_.clear();
  known_cases_.Reset();
  known_departments_.clear();
  item_departments_.clear();
  chunk_index_ = UINT64_MAX;
  chunk_.clear();
  chunk_dirty_ = false;
}

}  // namespace yiwang::projections

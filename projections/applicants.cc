#include "projections/applicants.h"

#include <utility>
#include <variant>

#include "domain/id_number.h"
#include "domain/json.h"
#include "projections/internal/binary_codec.h"

namespace yiwang::projections {

namespace {

using internal::Reader;
using internal::Writer;

constexpr char kCaseSeparator = '\x00';
constexpr char kCertificateSeparator = '\x01';
constexpr size_t kCursorBytesMax = 64;

std::string IndexKey(std::string_view id_number, char separator, std::string_view suffix) {
  std::string key;
  key.reserve(id_number.size() + 1 + suffix.size());
  key.append(id_number);
  key.push_back(separator);
  key.append(suffix);
  return key;
}

// case entry = service-code:str state:u8 submitted-at:i64 version:u32
std::string EncodeCase(const ApplicantCase& entry) {
  Writer out;
  out.Str(entry.service_code);
  out.U8(static_cast<uint8_t>(entry.state));
  out.Time(entry.submitted_at);
  out.U32(entry.version);
  return out.Take();
}

Result<ApplicantCase> DecodeCase(std::string_view case_number, std::string_view bytes) {
  Reader in(bytes);
  ApplicantCase entry;
  entry.case_number = std::string(case_number);
  entry.service_code = in.Str();
  const uint8_t state = in.U8();
  entry.submitted_at = in.Time();
  entry.version = in.U32();
  if (in.failed() || !in.at_end() || state >= kCaseStatusCount) {
    return DataLoss("applicant index: malformed case entry " + entry.case_number);
  }
  entry.state = static_cast<CaseStatus>(state);
  return entry;
}

// certificate entry = service-code:str case-number:str delivery:u8 issued-at:i64
std::string EncodeCertificate(const ApplicantCertificate& entry) {
  Writer out;
  out.Str(entry.service_code);
  out.Str(entry.case_number);
  out.U8(static_cast<uint8_t>(entry.delivery));
  out.Time(entry.issued_at);
  return out.Take();
}

Result<ApplicantCertificate> DecodeCertificate(std::string_view certificate_id,
                                               std::string_view bytes) {
  Reader in(bytes);
  ApplicantCertificate entry;
  entry.certificate_id = std::string(certificate_id);
  entry.service_code = in.Str();
  entry.case_number = in.Str();
  const uint8_t delivery = in.U8();
  entry.issued_at = in.Time();
  if (in.failed() || !in.at_end() || delivery > 1) {
    return DataLoss("applicant index: malformed certificate entry " + entry.certificate_id);
  }
  entry.delivery = delivery == 1 ? Delivery::kExpress : Delivery::kPickup;
  return entry;
}

// Cursors are the last key suffix returned: printable ASCII, bounded.
Status CheckCursor(std::string_view cursor) {
  if (cursor.size() > kCursorBytesMax) return InvalidArgument("cursor too long", "cursor");
  for (char character : cursor) {
    if (character < '!' || character > '~') return InvalidArgument("malformed cursor", "cursor");
  }
  return Status::Ok();
}

std::string CursorOf(const ApplicantCase& item) { return item.case_number; }
std::string CursorOf(const ApplicantCertificate& item) { return item.certificate_id; }

// The normalised ID number, after checking the page request.
Result<std::string> CheckRequest(std::string_view id_number, std::string_view cursor,
                                 size_t limit) {
  Result<CitizenId> id = ParseCitizenId(id_number);
  if (!id.ok()) {
    return InvalidArgument(id.status().message(), "id_number")
        .WithReason(std::string(kInvalidIdNumberReason));
  }
  YIWANG_RETURN_IF_ERROR(CheckCursor(cursor));
  if (limit < 1 || limit > kApplicantPageItemsMax) {
    return InvalidArgument("limit must be 1.." + std::to_string(kApplicantPageItemsMax), "limit");
  }
  return id->text();
}

// Scans one key range of an applicant; Decode turns (suffix, value) into an item.
template <typename Item, typename Decode>
Result<ApplicantPage<Item>> ListRange(const ReadStore& store, const std::string& id_number,
                                      char separator, std::string_view cursor, size_t limit,
                                      Decode decode) {
  const std::string prefix = IndexKey(id_number, separator, "");
  const std::string start_after = cursor.empty() ? "" : IndexKey(id_number, separator, cursor);
  ApplicantPage<Item> page;
  Status item_status;
  bool more = false;
  Status status = store.Scan(kApplicantsFamily, prefix, start_after,
                             [&](std::string_view key, std::string_view value) {
                               if (page.items.size() == limit) {
                                 more = true;
                                 return false;
                               }
                               Result<Item> item = decode(key.substr(prefix.size()), value);
                               if (!item.ok()) {
                                 item_status = item.status();
                                 return false;
                               }
                               page.items.push_back(std::move(item).value());
                               return true;
                             });
  YIWANG_RETURN_IF_ERROR(status);
  YIWANG_RETURN_IF_ERROR(item_status);
  if (more) page.next_cursor = CursorOf(page.items.back());
  return page;
}

}  // namespace

Result<ApplicantIndex::PendingCase*> ApplicantIndex::Pending(const ProjectedEvent& event,
                                                             ReadBatch* batch) {
  if (PendingCase* found = pending_.Find(event)) return found;
  const std::string_view case_number = event.case_number;
  Result<std::optional<std::string>> id_number = batch->Get(kApplicantCasesFamily, case_number);
  if (!id_number.ok()) return id_number.status();
  if (!id_number->has_value()) {
    return DataLoss("case event before CaseSubmitted in case " + std::string(case_number));
  }
  Result<std::optional<std::string>> bytes =
      batch->Get(kApplicantsFamily, IndexKey(**id_number, kCaseSeparator, case_number));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) {
    return DataLoss("applicant index: no entry for " + std::string(case_number));
  }
  Result<ApplicantCase> entry = DecodeCase(case_number, **bytes);
  if (!entry.ok()) return entry.status();
  PendingCase pending{std::move(**id_number), std::move(entry).value()};
  return &pending_.Put(event, std::move(pending));
}

Status ApplicantIndex::Apply(const ProjectedEvent& event, ReadBatch* batch) {
  if (event.recorded == nullptr) return Status::Ok();
  const CaseEvent& data = event.recorded->event;
  const EnvelopeView& envelope = event.envelope;
  if (const auto* submitted = std::get_if<CaseSubmitted>(&data)) {
    const std::string& id_number = submitted->applicant.id_number;
    YIWANG_RETURN_IF_ERROR(batch->Put(kApplicantCasesFamily, event.case_number, id_number));
    ApplicantCase entry{std::string(event.case_number), submitted->service_code,
                        CaseStatus::kSubmitted, envelope.occurred_at, envelope.version};
    pending_.Put(event, PendingCase{id_number, std::move(entry)});
    return Status::Ok();
  }
  Result<PendingCase*> found = Pending(event, batch);
  if (!found.ok()) return found.status();
  PendingCase& pending = **found;
  ApplicantCase& entry = pending.entry;
  if (envelope.version <= entry.version) return Status::Ok();  // already applied
  entry.state = StatusAfter(entry.state, data);
  entry.version = envelope.version;
  if (const auto* issued = std::get_if<CertificateIssued>(&data)) {
    ApplicantCertificate certificate{issued->certificate_id, entry.service_code,
                                     std::string(event.case_number), issued->delivery,
                                     envelope.occurred_at};
    return batch->Put(kApplicantsFamily,
                      IndexKey(pending.id_number, kCertificateSeparator, issued->certificate_id),
                      EncodeCertificate(certificate));
  }
  return Status::Ok();
}

Status ApplicantIndex::Flush(ReadBatch* batch) {
  return pending_.TryEach([batch](std::string_view case_number, const PendingCase& pending) {
    return batch->Put(kApplicantsFamily, IndexKey(pending.id_number, kCaseSeparator, case_number),
                      EncodeCase(pending.entry));
  });
}

Result<ApplicantPage<ApplicantCase>> ApplicantIndex::ListCases(std::string_view id_number,
                                                               std::string_view cursor,
                                                               size_t limit) const {
  Result<std::string> id = CheckRequest(id_number, cursor, limit);
  if (!id.ok()) return id.status();
  return ListRange<ApplicantCase>(*read_store_, *id, kCaseSeparator, cursor, limit, DecodeCase);
}

Result<ApplicantPage<ApplicantCertificate>> ApplicantIndex::ListCertificates(
    std::string_view id_number, std::string_view cursor, size_t limit) const {
  Result<std::string> id = CheckRequest(id_number, cursor, limit);
  if (!id.ok()) return id.status();
  return ListRange<ApplicantCertificate>(*read_store_, *id, kCertificateSeparator, cursor, limit,
                                         DecodeCertificate);
}

std::string WriteApplicantCasesJson(const ApplicantPage<ApplicantCase>& page) {
  JsonWriter json(256 + 160 * page.items.size());
  json.BeginObject().Key("items").BeginArray();
  for (const ApplicantCase& item : page.items) {
    json.BeginObject()
        .Field("case_number", item.case_number)
        .Field("service_code", item.service_code)
        .Field("state", CaseStatusName(item.state))
        .Field("submitted_at", FormatTimestamp(item.submitted_at))
        .Field("version", item.version)
        .EndObject();
  }
  json.EndArray().Key("next_cursor");
  page.next_cursor.empty() ? json.Null() : json.String(page.next_cursor);
  return json.EndObject().Take();
}

std::string WriteApplicantCertificatesJson(const ApplicantPage<ApplicantCertificate>& page) {
  JsonWriter json(256 + 160 * page.items.size());
  json.BeginObject().Key("items").BeginArray();
  for (const ApplicantCertificate& item : page.items) {
    json.BeginObject()
        .Field("certificate_id", item.certificate_id)
        .Field("service_code", item.service_code)
        .Field("case_number", item.case_number)
        .Field("delivery", DeliveryName(item.delivery))
        .Field("issued_at", FormatTimestamp(item.issued_at))
        .EndObject();
  }
  json.EndArray().Key("next_cursor");
  page.next_cursor.empty() ? json.Null() : json.String(page.next_cursor);
  return json.EndObject().Take();
}

}  // namespace yiwang::projections

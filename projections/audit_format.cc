#include "projections/audit_format.h"

#include <charconv>
#include <cstring>

#include "domain/catalog.h"
#include "domain/events.h"
#include "projections/internal/binary_codec.h"

namespace yiwang::projections::audit_format {
namespace {

// Codes are indexes into this table plus one; new types are appended, never reordered (the
// codes are stored).
constexpr std::array<std::string_view, 26> kTypes = {
    "CaseSubmitted",
    "MaterialsRequested",
    "MaterialsSupplemented",
    "CaseAccepted",
    "CaseNotAccepted",
    "CaseTransferred",
    "ReviewStarted",
    "ReviewStepCompleted",
    "SpecialProcedureStarted",
    "CaseSuspended",
    "CaseResumed",
    "DeadlineExtended",
    "CaseApproved",
    "CaseDenied",
    "CertificateIssued",
    "CaseDelivered",
    "CaseWithdrawn",
    "CaseClosed",
    "SupervisionOrdered",
    "SupervisionAnswered",
    "Consulted",
    "Evaluated",
    "RectificationRecorded",
    "TripRecorded",
    kCatalogItemPublished,
    kCatalogItemRetired,
};

constexpr uint8_t kOrderFormat = 1;
constexpr size_t kCursorDigitsMax = 20;

}  // namespace

std::string U32Bytes(uint32_t value) {
  std::string out(4, '\0');
  std::memcpy(out.data(), &value, 4);
  return out;
}

std::optional<uint32_t> ParseU32(std::string_view bytes) {
  if (bytes.size() != 4) return std::nullopt;
  uint32_t value = 0;
  std::memcpy(&value, bytes.data(), 4);
  return value;
}

std::string ChunkKey(uint64_t chunk_index) { return TaggedKey(kChunkTag, BigEndian(chunk_index)); }
std::string OrderKey(uint64_t position) { return TaggedKey(kOrderTag, BigEndian(position)); }
std::string OrderIdKey(std::string_view case_number, std::string_view order_id) {
  std::string key = TaggedKey(kOrderIdTag, case_number);
  key.push_back('\0');
  key.append(order_id);
  return key;
}

uint8_t TypeCode(std::string_view type) {
  for (size_t index = 0; index < kTypes.size(); ++index) {
    if (kTypes[index] == type) return static_cast<uint8_t>(index + 1);
  }
  return kOtherType;
}

bool IsKnownType(std::string_view type) { return TypeCode(type) != kOtherType; }

uint32_t ActorHash(std::string_view actor_id) {
  uint32_t hash = 2166136261u;
  for (char character : actor_id) {
    hash ^= static_cast<uint8_t>(character);
    hash *= 16777619u;
  }
  return hash;
}

void PutEntry(std::string* chunk, uint64_t slot, const Entry& entry) {
  char* at = chunk->data() + slot * kEntryBytes;
  at[0] = static_cast<char>(entry.type);
  std::memcpy(at + 1, &entry.department, 4);
  std::memcpy(at + 5, &entry.actor_hash, 4);
}

Entry GetEntry(std::string_view chunk, uint64_t slot) {
  Entry entry;
  if ((slot + 1) * kEntryBytes > chunk.size()) return entry;
  const char* at = chunk.data() + slot * kEntryBytes;
  entry.type = static_cast<uint8_t>(at[0]);
  std::memcpy(&entry.department, at + 1, 4);
  std::memcpy(&entry.actor_hash, at + 5, 4);
  return entry;
}

std::string EncodeOrder(const SupervisionOrder& order) {
  internal::Writer out;
  out.U8(kOrderFormat);
  out.Str(order.case_number);
  out.Str(order.order_id);
  out.Str(order.department);
  out.Str(order.ordered_by);
  out.Time(order.ordered_at);
  out.Str(order.note);
  out.Date(order.due);
  out.I64(static_cast<int64_t>(order.answer_position));
  out.Str(order.answered_by);
  out.Time(order.answered_at);
  out.Str(order.answer);
  return out.Take();
}

Result<SupervisionOrder> DecodeOrder(uint64_t position, std::string_view bytes) {
  internal::Reader in(bytes);
  SupervisionOrder order;
  order.position = position;
  const uint8_t format = in.U8();
  order.case_number = in.Str();
  order.order_id = in.Str();
  order.department = in.Str();
  order.ordered_by = in.Str();
  order.ordered_at = in.Time();
  order.note = in.Str();
  order.due = in.Date();
  order.answer_position = static_cast<uint64_t>(in.I64());
  order.answered_by = in.Str();
  order.answered_at = in.Time();
  order.answer = in.Str();
  if (in.failed() || !in.at_end() || format != kOrderFormat) {
    return DataLoss("audit trail: malformed supervision order at " + std::to_string(position));
  }
  return order;
}

Result<uint64_t> ParseCursor(std::string_view cursor) {
  uint64_t position = 0;
  auto [end, error] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), position);
  if (cursor.empty() || cursor.size() > kCursorDigitsMax || error != std::errc() ||
      end != cursor.data() + cursor.size() || position == 0 || position == UINT64_MAX) {
    return InvalidArgument("malformed cursor (pass back the next_cursor of a page)", "cursor")
        .WithReason("invalid_value");
  }
  return position;
}

}  // namespace yiwang::projections::audit_format

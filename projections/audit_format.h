// Internal to the audit trail (projections/audit*.cc): its key layout and record formats, written
// down in projections/README.md ("audit" family).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/events.h"
#include "domain/status.h"
#include "projections/audit.h"
#include "projections/internal/binary_codec.h"

namespace yiwang::projections::audit_format {

using internal::BigEndian;
using internal::FromBigEndian;
using internal::TaggedKey;

inline constexpr char kChunkTag = 'b';       // 'b' chunk-index:u64be -> entries
inline constexpr char kDepartmentTag = 'd';  // 'd' name -> id:u32
inline constexpr char kCaseTag = 'k';        // 'k' case-number -> department id:u32
inline constexpr char kItemTag = 'i';        // 'i' item-code -> department id:u32
inline constexpr char kOrderTag = 'o';       // 'o' position:u64be -> supervision order
inline constexpr char kOrderIdTag = 'O';     // 'O' case-number 0x00 order-id -> position:u64be
inline constexpr std::string_view kCoveredKey = "P";         // -> last indexed position:u64be
inline constexpr std::string_view kNextDepartmentKey = "D";  // -> next department id:u32

// entry = type:u8 department:u32 actor-hash:u32 (little-endian); type 0: no entry.
inline constexpr size_t kEntryBytes = 9;
inline constexpr uint8_t kNoEntry = 0;
inline constexpr uint8_t kOtherType = 255;

std::string U32Bytes(uint32_t value);
std::optional<uint32_t> ParseU32(std::string_view bytes);

std::string ChunkKey(uint64_t chunk_index);
std::string OrderKey(uint64_t position);
std::string OrderIdKey(std::string_view case_number, std::string_view order_id);

// 1..254 for the event types yiwang writes, kOtherType for anything else.
uint8_t TypeCode(std::string_view type);
// TypeCode of a case event's type without comparing names: case event codes follow the order of
// CaseEvent's alternatives (a test holds the two equal; both only ever append).
inline uint8_t CaseEventTypeCode(const CaseEvent& event) {
  return static_cast<uint8_t>(event.index() + 1);
}
bool IsKnownType(std::string_view type);
// FNV-1a, 32 bits: candidates only; the actor id is compared on the event itself.
uint32_t ActorHash(std::string_view actor_id);

struct Entry {
  uint8_t type = kNoEntry;
  uint32_t department = 0;
  uint32_t actor_hash = 0;
};
void PutEntry(std::string* chunk, uint64_t slot, const Entry& entry);
Entry GetEntry(std::string_view chunk, uint64_t slot);

// order = format:u8(=1) case-number:str order-id:str department:str ordered-by:str
//         ordered-at:time note:str due:date answer-position:u64 answered-by:str answered-at:time
//         answer:str
std::string EncodeOrder(const SupervisionOrder& order);
Result<SupervisionOrder> DecodeOrder(uint64_t position, std::string_view bytes);

// Cursors are positions written in decimal, "1" .. "18446744073709551614".
Result<uint64_t> ParseCursor(std::string_view cursor);

}  // namespace yiwang::projections::audit_format

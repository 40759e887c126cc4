// The event envelope: what every stored event looks like, whatever its type (DESIGN.md §3).
//
//   {"position":1042,"stream":"case-…","version":3,"type":"MaterialsRequested","schema":1,
//    "occurred_at":"…Z","recorded_at":"…Z","actor":{"id","role","department","channel","outlet"},
//    "correlation_id":"…","causation_id":"…","idempotency_key":"…",
//    "data":{…},"prev_hash":"<64 hex>","hash":"<64 hex>"}
//
// Keys always appear in this order. Empty strings are omitted (actor fields, correlation_id,
// causation_id, idempotency_key); everything else is always present. `data` is the canonical
// encoding of the type-specific payload (domain/events.h) and is copied verbatim.
//
// The hash chain: hash = SHA-256(prev_hash as 32 raw bytes || HashedBytes), where HashedBytes is
// the canonical envelope without its "hash" member, i.e. the full bytes with the trailing
// `,"hash":"<64 hex>"` removed (so they end in `"prev_hash":"…"}`). The first event's prev_hash
// is 64 zeros. Hashing itself lives in eventstore/ (the only module that links a crypto library).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/status.h"
#include "domain/time.h"

namespace yiwang {

// Who did it, in what capacity, where (DESIGN.md §3, `actor`).
struct Actor {
  std::string id;          // "officer-0192", "citizen-<masked id>", "system"
  std::string role;        // citizen | officer | supervisor | analyst | admin | system
  std::string department;  // "330106-GA-CRJ"; empty for citizens
  std::string channel;     // online | mobile | window | kiosk | partner | system
  std::string outlet;      // "330106-HALL-01"; empty when not at an outlet
  bool operator==(const Actor&) const = default;
};

inline constexpr std::string_view kZeroHash =
    "0000000000000000000000000000000000000000000000000000000000000000";
inline constexpr size_t kHashHexLength = 64;
// Limits on what an envelope may hold; a larger event is refused before it is stored.
inline constexpr size_t kEventBytesMax = 256 * 1024;
inline constexpr size_t kStreamIdBytesMax = 128;
// Schemas beyond this are refused as corrupt rather than read as a future layout.
inline constexpr uint32_t kEnvelopeSchemaMax = 1000;

struct EventEnvelope {
  uint64_t position = 0;  // global, gap-free, from 1
  std::string stream;     // "case-3301062026112700017", "catalog-<code>"
  uint32_t version = 0;   // per stream, from 1
  std::string type;       // "CaseSubmitted", …
  uint32_t schema = 1;    // version of the data layout of this type
  Timestamp occurred_at;  // when it happened (command time)
  Timestamp recorded_at;  // when the store committed it
  Actor actor;
  std::string correlation_id;
  std::string causation_id;
  std::string idempotency_key;
  std::string data;       // canonical JSON object
  std::string prev_hash;  // 64 lowercase hex
  std::string hash;       // 64 lowercase hex
  bool operator==(const EventEnvelope&) const = default;
};

// An envelope whose strings are views into bytes owned elsewhere: a stored event's bytes
// (DecodeCanonicalEnvelopeView) or an EventEnvelope (the constructor). What the
// projections read: replay decodes a million events without copying a string of them (the
// copies into EventEnvelope's strings were ~5 % of a replay's instructions). Valid while the
// bytes it views are.
struct ActorView {
  std::string_view id;
  std::string_view role;
  std::string_view department;
  std::string_view channel;
  std::string_view outlet;
  bool operator==(const ActorView&) const = default;
  // Views `actor`'s strings.
  static ActorView Of(const Actor& actor) {
    return {actor.id, actor.role, actor.department, actor.channel, actor.outlet};
  }
};

struct EnvelopeView {
  uint64_t position = 0;
  std::string_view stream;
  uint32_t version = 0;
  std::string_view type;
  uint32_t schema = 1;
  Timestamp occurred_at;
  Timestamp recorded_at;
  ActorView actor;
  std::string_view correlation_id;
  std::string_view causation_id;
  std::string_view idempotency_key;
  std::string_view data;
  std::string_view prev_hash;
  std::string_view hash;

  EnvelopeView() = default;
  // Views `event`'s strings: valid while `event` lives unchanged.
  explicit EnvelopeView(const EventEnvelope& event);
  bool operator==(const EnvelopeView&) const = default;  // the texts, not where they are
};

// Canonical bytes of the whole envelope, "hash" included.
std::string EncodeEnvelope(const EventEnvelope& event);
// The bytes the hash covers: the canonical envelope without the "hash" member.
std::string EncodeEnvelopeForHash(const EventEnvelope& event);
// Turns HashedBytes into the full bytes by adding the "hash" member. `bytes` must end in '}'.
void AppendHashMember(std::string* bytes, std::string_view hash_hex);
// The HashedBytes of full canonical bytes, without copying: returns the prefix that ends just
// before `,"hash":"…"}`; the hashed message is that prefix followed by "}". Fails when the
// bytes do not end in a well-formed hash member.
Result<std::string_view> PrefixBeforeHashMember(std::string_view full_bytes);

// Parses and validates an envelope (types, required members, hash shapes). Does not check the
// hash itself, nor that the bytes are canonical; compare EncodeEnvelope(decoded) for that.
Result<EventEnvelope> DecodeEnvelope(std::string_view bytes);
// DecodeEnvelope into `*out`, reusing its strings' capacity: a loop that decodes event after
// event into one envelope does not allocate once the strings have grown (replay, import). On
// success `*out` equals what DecodeEnvelope returns; on failure (the same errors) its content is
// unspecified. Thread-safe for distinct `out`.
Status DecodeEnvelopeInto(std::string_view bytes, EventEnvelope* out);

// Replay's fast path: decodes an envelope in exactly the canonical form EncodeEnvelope writes
// (members in order, strings without escapes) with a scanner instead of a JSON parser, about
// five times faster. `data` is taken as the bytes between "data": and ,"prev_hash" and checked
// only to be {…}: the caller must parse it strictly (DecodeEventData does, refusing trailing
// content). Returns false, `*out` unspecified, for anything else: DecodeEnvelopeInto then
// decides, and explains an error. When it returns true and the data is one JSON object,
// DecodeEnvelopeInto would have decoded the same envelope. `*out` views `bytes`, which must
// outlive it: nothing is copied.
bool DecodeCanonicalEnvelopeView(std::string_view bytes, EnvelopeView* out);

bool IsLowerHex(std::string_view text);

}  // namespace yiwang

// Reading a copied event (replication, yiwang import) without a full decode: what the store needs
// of it and the proof that its bytes are a canonical envelope. Defined in replicated_append.cc.
// Not part of the public API.
#pragma once

#include <cstdint>
#include <string_view>

#include "domain/envelope.h"
#include "domain/status.h"

namespace yiwang::eventstore_internal {

// The members a replicated append needs. The views point into the event's bytes, or into the
// `scratch` envelope given to ReadCopiedEvent when the bytes had to be decoded in full.
struct CopiedEventFields {
  uint64_t position = 0;
  uint32_t version = 0;
  std::string_view stream;
  std::string_view idempotency_key;  // empty when the event has none
  std::string_view prev_hash;        // 64 lowercase hex
  std::string_view hash;             // 64 lowercase hex
};

// The fast path: one pass over `bytes` that accepts only an envelope in canonical form (fixed
// member order, no whitespace, strings without escapes, canonical numbers and timestamps, `data`
// a strictly valid JSON object, valid UTF-8) and fills `fields`. Whatever it accepts,
// DecodeEnvelope accepts too, with the same members, and EncodeEnvelope gives back exactly `bytes`.
// It returns false for anything else, valid or not, without saying why: the caller then decodes in
// full.
bool ScanCanonicalEnvelope(std::string_view bytes, CopiedEventFields* fields);

// The fields of `bytes` if they are an envelope in canonical form: ScanCanonicalEnvelope, or when
// that declines, DecodeEnvelope into `*scratch` and a comparison with EncodeEnvelope. kDataLoss
// (naming what is wrong) otherwise. Does not check the hash.
Result<CopiedEventFields> ReadCopiedEvent(std::string_view bytes, EventEnvelope* scratch);

}  // namespace yiwang::eventstore_internal

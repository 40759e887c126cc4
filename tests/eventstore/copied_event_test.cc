// The fast read of copied events (eventstore/internal/copied_event.h): it must accept canonical
// envelopes, and whatever it accepts the full decoder must accept with the same members and
// re-encode to the same bytes; everything else goes to the full decoder.
#include "eventstore/internal/copied_event.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "domain/envelope.h"
#include "domain/json.h"
#include "eventstore/internal/sha256.h"

namespace yiwang::testing {
namespace {

using eventstore_internal::CopiedEventFields;
using eventstore_internal::ReadCopiedEvent;
using eventstore_internal::ScanCanonicalEnvelope;

EventEnvelope Envelope(uint64_t position) {
  EventEnvelope event;
  event.position = position;
  event.stream = "case-3301062026112700017";
  event.version = 3;
  event.type = "MaterialsRequested";
  event.occurred_at = Timestamp{1'796'000'000'123};
  event.recorded_at = Timestamp{1'796'000'000'130};
  event.actor = Actor{"officer-0192", "officer", "330106-GA-CRJ", "window", "330106-HALL-01"};
  event.correlation_id = "corr-1";
  event.idempotency_key = "key-1";
  JsonWriter data;
  data.BeginObject()
      .Field("note", "材料齐全 \"quoted\" \\ tab\t")
      .Field("count", int64_t{-12})
      .Key("nested")
      .BeginObject()
      .Key("list")
      .Raw("[1.5e-3,true,false,null,[],{}]")
      .EndObject()
      .EndObject();
  event.data = data.Take();
  event.prev_hash = std::string(kZeroHash);
  event.hash = std::string(64, 'a');
  return event;
}

// The envelopes the tests start from: full, minimal (empty optional members), escaped members.
std::vector<EventEnvelope> Samples() {
  std::vector<EventEnvelope> samples = {Envelope(1042)};
  EventEnvelope minimal = Envelope(1);
  minimal.actor = Actor{};
  minimal.correlation_id.clear();
  minimal.idempotency_key.clear();
  minimal.data = "{}";
  minimal.version = 1;
  samples.push_back(minimal);
  EventEnvelope partial = Envelope(18'446'744'073'709'551'615u);  // the largest position
  partial.actor = Actor{"", "citizen", "", "online", ""};
  partial.causation_id = "cause-9";
  partial.version = 4'294'967'295u;
  samples.push_back(partial);
  return samples;
}

void ExpectSameAsFullDecode(const std::string& bytes, const CopiedEventFields& fields) {
  Result<EventEnvelope> decoded = DecodeEnvelope(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString() << "\n" << bytes;
  EXPECT_EQ(EncodeEnvelope(*decoded), bytes);
  EXPECT_EQ(fields.position, decoded->position);
  EXPECT_EQ(fields.version, decoded->version);
  EXPECT_EQ(fields.stream, decoded->stream);
  EXPECT_EQ(fields.idempotency_key, decoded->idempotency_key);
  EXPECT_EQ(fields.prev_hash, decoded->prev_hash);
  EXPECT_EQ(fields.hash, decoded->hash);
}

TEST(CopiedEventTest, TheFastPathAcceptsCanonicalEnvelopes) {
  for (const EventEnvelope& sample : Samples()) {
    const std::string bytes = EncodeEnvelope(sample);
    CopiedEventFields fields;
    ASSERT_TRUE(ScanCanonicalEnvelope(bytes, &fields)) << bytes;
    ExpectSameAsFullDecode(bytes, fields);
  }
}

TEST(CopiedEventTest, EscapedMembersFallBackToTheFullDecoder) {
  EventEnvelope escaped = Envelope(7);
  escaped.stream = "case-\"odd\\name";
  escaped.actor.outlet = "hall\n2";
  const std::string bytes = EncodeEnvelope(escaped);
  CopiedEventFields fields;
  EXPECT_FALSE(ScanCanonicalEnvelope(bytes, &fields));
  EventEnvelope scratch;
  Result<CopiedEventFields> read = ReadCopiedEvent(bytes, &scratch);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->stream, "case-\"odd\\name");
  EXPECT_EQ(read->position, 7u);
  EXPECT_EQ(read->idempotency_key, "key-1");
}

TEST(CopiedEventTest, NonCanonicalOrBrokenBytesAreRefused) {
  const std::string canonical = EncodeEnvelope(Envelope(5));
  auto replaced = [&](std::string_view from, std::string_view to) {
    std::string bytes = canonical;
    const size_t at = bytes.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return bytes.replace(at, from.size(), to);
  };
  const std::vector<std::string> refused = {
      replaced("\"version\":3", "\"version\": 3"),                           // whitespace
      replaced("\"version\":3", "\"version\":03"),                           // leading zero
      replaced(".123Z", "Z"),                                                // short timestamp
      replaced("\"correlation_id\":\"corr-1\"", "\"correlation_id\":\"\""),  // empty member
      replaced("{\"position\":5,\"stream\":\"case-3301062026112700017\"",
               "{\"stream\":\"case-3301062026112700017\",\"position\":5"),  // member order
      canonical + " ",                                                      // trailing bytes
      replaced("材料", "\xff\xfe"),                                         // not UTF-8
      replaced("\"data\":{", "\"data\":["),                                 // data not an object
      replaced("\"version\":3", "\"version\":0"),                           // out of range
  };
  for (const std::string& bytes : refused) {
    CopiedEventFields fields;
    EXPECT_FALSE(ScanCanonicalEnvelope(bytes, &fields)) << bytes;
    EventEnvelope scratch;
    Result<CopiedEventFields> read = ReadCopiedEvent(bytes, &scratch);
    EXPECT_FALSE(read.ok()) << bytes;
    EXPECT_EQ(read.status().code(), StatusCode::kDataLoss) << bytes;
  }
}

// Random edits of canonical bytes: every edit the fast path accepts must be a canonical envelope
// by the full decoder's verdict, with the same members. Deterministic (fixed seed).
TEST(CopiedEventTest, WhateverTheFastPathAcceptsTheFullDecoderAcceptsAlike) {
  constexpr int kEditsPerSample = 4'000;
  const std::string alphabet = "{}[]\":,\\/-+.0123456789eEtrufalsn \t\x01\x7f\xe6\x9d\x90 abcxyz";
  std::mt19937 random(20261127);
  int accepted = 0;
  int declined = 0;
  for (const EventEnvelope& sample : Samples()) {
    const std::string canonical = EncodeEnvelope(sample);
    for (int edit = 0; edit < kEditsPerSample; ++edit) {
      std::string bytes = canonical;
      const int changes = 1 + static_cast<int>(random() % 2);
      for (int change = 0; change < changes; ++change) {
        const size_t at = random() % bytes.size();
        const char byte = alphabet[random() % alphabet.size()];
        switch (random() % 3) {
          case 0:
            bytes[at] = byte;
            break;
          case 1:
            bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), byte);
            break;
          default:
            bytes.erase(at, 1);
        }
      }
      CopiedEventFields fields;
      if (!ScanCanonicalEnvelope(bytes, &fields)) {
        ++declined;
        continue;
      }
      ++accepted;
      ExpectSameAsFullDecode(bytes, fields);
      if (HasFailure()) return;
    }
  }
  // Both outcomes occur, or the property above proved nothing.
  EXPECT_GT(accepted, 100);
  EXPECT_GT(declined, 100);
}

TEST(CopiedEventTest, ParseHexTakesExactlySixtyFourLowercaseHexDigits) {
  const std::string hex = "0123456789abcdef" + std::string(47, 'f') + "e";
  eventstore_internal::Hash256 hash{};
  ASSERT_TRUE(eventstore_internal::ParseHex(hex, &hash));
  EXPECT_EQ(hash[0], 0x01);
  EXPECT_EQ(hash[7], 0xef);
  EXPECT_EQ(eventstore_internal::HexOf(hash), hex);
  for (size_t at : {size_t{0}, size_t{31}, size_t{63}}) {
    for (char bad : {'A', 'F', 'g', '/', ':', ' ', '\0', '\xff'}) {
      std::string broken = hex;
      broken[at] = bad;
      EXPECT_FALSE(eventstore_internal::ParseHex(broken, &hash)) << at << " " << bad;
    }
  }
  EXPECT_FALSE(eventstore_internal::ParseHex(hex.substr(1), &hash));
  EXPECT_FALSE(eventstore_internal::ParseHex(hex + "0", &hash));
}

}  // namespace
}  // namespace yiwang::testing

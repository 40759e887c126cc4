#include "domain/envelope.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace yiwang {
namespace {

std::string Hex(char digit) { return std::string(kHashHexLength, digit); }

// Every member set, long enough that its strings live on the heap.
EventEnvelope FullEnvelope() {
  EventEnvelope event;
  event.position = 1042;
  event.stream = "case-3301062026112700017-with-a-long-suffix";
  event.version = 7;
  event.type = "ReviewStepCompleted";
  event.schema = 1;
  event.occurred_at = ParseTimestamp("2026-11-27T01:31:05.123Z").value();
  event.recorded_at = ParseTimestamp("2026-11-27T01:31:05.456Z").value();
  event.actor = Actor{"officer-0192-long-identifier", "officer", "330106-GA-CRJ-DEPARTMENT",
                      "window", "330106-HALL-01-NORTH-WING"};
  event.correlation_id = "correlation-0123456789abcdef";
  event.causation_id = "causation-0123456789abcdef";
  event.idempotency_key = "idempotency-0123456789abcdef";
  event.data = R"({"step":"audit","opinion":"同意, 材料齐全, 符合法定条件","note":"n"})";
  event.prev_hash = Hex('a');
  event.hash = Hex('b');
  return event;
}

// Only the required members; every optional string empty (and so omitted from the bytes).
EventEnvelope MinimalEnvelope() {
  EventEnvelope event;
  event.position = 1;
  event.stream = "s";
  event.version = 1;
  event.type = "ReviewStarted";
  event.schema = 1;
  event.data = "{}";
  event.prev_hash = std::string(kZeroHash);
  event.hash = Hex('0');
  return event;
}

// `text` with 1..max_edits random edits: a byte replaced by one JSON cares about, or 1-4 bytes cut.
std::string Mutated(std::string text, int max_edits, std::mt19937* random) {
  const std::string alphabet = "{}[]\":,0123456789abfnrtul\\ \x01\xe5";
  const int edits = 1 + static_cast<int>((*random)() % max_edits);
  for (int edit = 0; edit < edits; ++edit) {
    const size_t at = (*random)() % text.size();
    if ((*random)() % 2 == 0) {
      text[at] = alphabet[(*random)() % alphabet.size()];
    } else {
      text.erase(at, 1 + (*random)() % 4);
    }
  }
  return text;
}

TEST(EnvelopeTest, DecodeRoundTripsCanonicalBytes) {
  for (const EventEnvelope& event : {FullEnvelope(), MinimalEnvelope()}) {
    const std::string bytes = EncodeEnvelope(event);
    Result<EventEnvelope> decoded = DecodeEnvelope(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, event);
    EXPECT_EQ(EncodeEnvelope(*decoded), bytes);
  }
}

TEST(EnvelopeTest, DecodeIntoReusesTheEnvelopeAndClearsAbsentMembers) {
  const std::string full = EncodeEnvelope(FullEnvelope());
  const std::string minimal = EncodeEnvelope(MinimalEnvelope());
  EventEnvelope reused;
  ASSERT_TRUE(DecodeEnvelopeInto(full, &reused).ok());
  EXPECT_EQ(reused, FullEnvelope());
  const size_t stream_capacity = reused.stream.capacity();

  // A small event after a big one: nothing of the big one may survive.
  ASSERT_TRUE(DecodeEnvelopeInto(minimal, &reused).ok());
  EXPECT_EQ(reused, DecodeEnvelope(minimal).value());
  EXPECT_EQ(reused, MinimalEnvelope());
  EXPECT_TRUE(reused.actor.id.empty());
  EXPECT_TRUE(reused.idempotency_key.empty());
  EXPECT_GE(reused.stream.capacity(), stream_capacity);  // capacity kept, not reallocated

  // A failed decode leaves `reused` unspecified; the next good one still decodes exactly.
  EXPECT_FALSE(DecodeEnvelopeInto(R"({"position":1,"bogus":2})", &reused).ok());
  ASSERT_TRUE(DecodeEnvelopeInto(full, &reused).ok());
  EXPECT_EQ(reused, FullEnvelope());
  ASSERT_TRUE(DecodeEnvelopeInto(minimal, &reused).ok());
  EXPECT_EQ(reused, MinimalEnvelope());
}

TEST(EnvelopeTest, DecodeIntoHandlesInputsLargerThanAnyBefore) {
  // The padded copy grows with the input: a big event after small ones decodes whole.
  EventEnvelope event = MinimalEnvelope();
  EventEnvelope reused;
  ASSERT_TRUE(DecodeEnvelopeInto(EncodeEnvelope(event), &reused).ok());
  event.data = R"({"note":")" + std::string(100'000, 'x') + R"("})";
  ASSERT_TRUE(DecodeEnvelopeInto(EncodeEnvelope(event), &reused).ok());
  EXPECT_EQ(reused, event);
}

void ExpectMalformed(const std::string& bytes, std::string_view message_part) {
  SCOPED_TRACE(bytes);
  Result<EventEnvelope> decoded = DecodeEnvelope(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(decoded.status().message().find("malformed event envelope: "), std::string::npos);
  EXPECT_NE(decoded.status().message().find(message_part), std::string::npos)
      << decoded.status().message();
  // DecodeEnvelopeInto refuses the same bytes with the same error, even into a used envelope.
  EventEnvelope reused = FullEnvelope();
  Status into = DecodeEnvelopeInto(bytes, &reused);
  EXPECT_EQ(into.code(), decoded.status().code());
  EXPECT_EQ(into.message(), decoded.status().message());
}

// Replaces the first `from` in the canonical bytes of the full envelope.
std::string FullWith(std::string_view from, std::string_view to) {
  std::string bytes = EncodeEnvelope(FullEnvelope());
  const size_t at = bytes.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return bytes.replace(at, from.size(), to);
}

TEST(EnvelopeTest, MalformedEnvelopesAreDataLoss) {
  ExpectMalformed("", "not JSON");
  ExpectMalformed("[1]", "not a JSON object");
  ExpectMalformed(std::string(kEventBytesMax + 1, ' '), "larger than kEventBytesMax");
  ExpectMalformed(FullWith(R"("position":1042,)", R"("position":1042,"extra":1,)"),
                  "unknown member 'extra'");
  ExpectMalformed(FullWith(R"("role":"officer")", R"("rank":"officer")"),
                  "unknown member 'actor.rank'");
  ExpectMalformed(FullWith(R"("role":"officer")", R"("role":7)"),
                  "member 'actor.role' has the wrong type");
  ExpectMalformed(FullWith(R"("position":1042)", R"("position":"1042")"),
                  "member 'position' has the wrong type");
  ExpectMalformed(FullWith(R"("position":1042)", R"("position":-1)"), "wrong type");
  ExpectMalformed(FullWith(R"("position":1042)", R"("position":0)"), "position must be at least");
  ExpectMalformed(FullWith(R"("version":7)", R"("version":0)"), "version out of range");
  ExpectMalformed(FullWith(R"("version":7)", R"("version":4294967296)"), "version out of range");
  ExpectMalformed(FullWith(R"("schema":1)", R"("schema":1001)"), "schema out of range");
  ExpectMalformed(FullWith(R"("data":{)", R"("data":[],"x":{)"),
                  "member 'data' has the wrong type");
  ExpectMalformed(FullWith("01:31:05.123Z", "25:31:05.123Z"), "member 'occurred_at': expected");
  ExpectMalformed(FullWith(R"("stream":"case-3301062026112700017-with-a-long-suffix",)", ""),
                  "a required member is missing");
  ExpectMalformed(
      FullWith(R"("stream":"case-3301062026112700017-with-a-long-suffix")", R"("stream":"")"),
      "bad stream id");
  ExpectMalformed(FullWith(Hex('b'), Hex('B')), "64 lowercase hex");
  ExpectMalformed(FullWith(Hex('a'), Hex('a') + "a"), "64 lowercase hex");
  ExpectMalformed(FullWith(Hex('a'), Hex('a').substr(1) + "g"), "64 lowercase hex");
}

TEST(EnvelopeTest, IsLowerHexAgreesWithTheDefinitionForEveryByteAndLength) {
  auto reference = [](std::string_view text) {
    for (char c : text) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  };
  EXPECT_TRUE(IsLowerHex(""));
  EXPECT_TRUE(IsLowerHex(kZeroHash));
  for (size_t length = 1; length <= 2 * kHashHexLength + 3; length += 7) {
    std::string text(length, '0');
    for (size_t index = 0; index < length; ++index) text[index] = "0123456789abcdef"[index % 16];
    ASSERT_TRUE(IsLowerHex(text));
    for (size_t at = 0; at < length; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string changed = text;
        changed[at] = static_cast<char>(byte);
        ASSERT_EQ(IsLowerHex(changed), reference(changed)) << length << " " << at << " " << byte;
      }
    }
  }
}

// Random byte edits of a canonical envelope: decoding fails cleanly or yields an envelope, and
// DecodeEnvelopeInto (into an envelope reused across all rounds) always agrees with it.
TEST(EnvelopeTest, MutatedEnvelopesNeverCrashAndBothDecodersAgree) {
  std::mt19937 random(20261127);
  const std::string canonical = EncodeEnvelope(FullEnvelope());
  EventEnvelope reused;
  for (int round = 0; round < 3000; ++round) {
    const std::string mutated = Mutated(canonical, 3, &random);
    Result<EventEnvelope> decoded = DecodeEnvelope(mutated);
    Status into = DecodeEnvelopeInto(mutated, &reused);
    ASSERT_EQ(decoded.ok(), into.ok()) << mutated;
    if (decoded.ok()) {
      EXPECT_EQ(reused, *decoded) << mutated;
    } else {
      EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
      EXPECT_EQ(into.message(), decoded.status().message());
    }
  }
}

TEST(EnvelopeTest, CanonicalDecodeEqualsTheParserOnCanonicalBytes) {
  EventEnvelope some_actor = FullEnvelope();
  some_actor.actor = Actor{"", "citizen", "", "online", ""};  // members left out in between
  some_actor.correlation_id.clear();
  some_actor.idempotency_key.clear();
  EventEnvelope big_numbers = MinimalEnvelope();
  big_numbers.position = UINT64_MAX;
  big_numbers.version = UINT32_MAX;
  big_numbers.schema = static_cast<uint32_t>(kEnvelopeSchemaMax);
  big_numbers.data = R"({"a":{"b":[1,2,{"c":"}"}]},"d":"\"prev_hash\":"})";
  // Every member set first: what the next bytes leave out must be cleared.
  const std::string full_bytes = EncodeEnvelope(FullEnvelope());
  EnvelopeView reused;
  ASSERT_TRUE(DecodeCanonicalEnvelopeView(full_bytes, &reused));
  for (const EventEnvelope& event : {FullEnvelope(), MinimalEnvelope(), some_actor, big_numbers}) {
    const std::string bytes = EncodeEnvelope(event);
    ASSERT_TRUE(DecodeCanonicalEnvelopeView(bytes, &reused)) << bytes;
    EXPECT_EQ(reused, EnvelopeView(event)) << bytes;
    const EventEnvelope parsed = DecodeEnvelope(bytes).value();
    EXPECT_EQ(reused, EnvelopeView(parsed)) << bytes;
  }
}

// The view decodes the same envelope without copying: each of its strings lies in the bytes.
TEST(EnvelopeTest, CanonicalViewPointsIntoTheBytes) {
  const EventEnvelope event = FullEnvelope();
  const std::string bytes = EncodeEnvelope(event);
  EnvelopeView view;
  ASSERT_TRUE(DecodeCanonicalEnvelopeView(bytes, &view)) << bytes;
  EXPECT_EQ(view, EnvelopeView(event));
  for (std::string_view text :
       {view.stream, view.type, view.actor.id, view.actor.role, view.actor.department,
        view.actor.channel, view.actor.outlet, view.correlation_id, view.causation_id,
        view.idempotency_key, view.data, view.prev_hash, view.hash}) {
    ASSERT_FALSE(text.empty());  // FullEnvelope sets every member
    EXPECT_GE(text.data(), bytes.data());
    EXPECT_LE(text.data() + text.size(), bytes.data() + bytes.size());
  }
  // Members absent from the bytes are empty views, whatever the view held before.
  const EventEnvelope minimal = MinimalEnvelope();
  const std::string minimal_bytes = EncodeEnvelope(minimal);
  ASSERT_TRUE(DecodeCanonicalEnvelopeView(minimal_bytes, &view));
  EXPECT_EQ(view, EnvelopeView(minimal));
  EXPECT_TRUE(view.actor.id.empty());
  EXPECT_TRUE(view.correlation_id.empty());
  EXPECT_FALSE(DecodeCanonicalEnvelopeView(bytes.substr(0, bytes.size() - 1), &view));
}

TEST(EnvelopeTest, CanonicalDecodeLeavesEverythingElseToTheParser) {
  EventEnvelope escaped = FullEnvelope();
  escaped.actor.outlet = "hall \"north\"";  // written with escapes
  EventEnvelope control = FullEnvelope();
  control.type = "Type\twith tab";
  // Past the first eight bytes, where the scanner's strings are read a word at a time.
  EventEnvelope late_escape = FullEnvelope();
  late_escape.actor.outlet = "the north hall \"B\"";
  EventEnvelope late_control = FullEnvelope();
  late_control.actor.id = "officer-330106\x01-1";
  EventEnvelope late_backslash = FullEnvelope();
  late_backslash.stream = "case-33010620250904\\1";
  const std::string canonical = EncodeEnvelope(MinimalEnvelope());
  auto replaced = [&](std::string_view from, std::string_view to) {
    std::string bytes = canonical;
    const size_t at = bytes.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return bytes.replace(at, from.size(), to);
  };
  const std::string declined[] = {
      EncodeEnvelope(escaped),
      EncodeEnvelope(control),
      EncodeEnvelope(late_escape),
      EncodeEnvelope(late_control),
      EncodeEnvelope(late_backslash),
      replaced("\"position\":1", "\"position\":01"),        // not canonical, parser accepts
      replaced("\"position\":1", "\"position\":0"),         // out of range
      replaced("\"position\":1", "\"position\":1.0"),       // not an integer
      replaced("\"position\":1", "\"position\" : 1"),       // whitespace
      replaced("\"version\":1", "\"version\":4294967296"),  // over UINT32_MAX
      replaced("\"schema\":1", "\"schema\":1001"),          // over kEnvelopeSchemaMax
      replaced("\"stream\":\"s\"", "\"stream\":\"\""),      // empty stream
      replaced("\"data\":{}", "\"data\":[]"),               // data not an object
      replaced("\"data\":{}", "\"data\":{} "),              // anything after it
      replaced("\"actor\":{}", "\"actor\":{\"outlet\":\"o\",\"id\":\"i\"}"),  // out of order
      replaced("1970-01-01T00:00:00.000Z", "1970-13-01T00:00:00.000Z"),      // no such month
      replaced(std::string(kZeroHash), std::string(63, '0') + "A"),           // upper-case hex
      replaced("\"s\"", "\"\xff\""),                                          // not UTF-8
      canonical.substr(0, canonical.size() - 1),                              // cut short
      "",
  };
  EnvelopeView out;
  for (const std::string& bytes : declined) {
    EXPECT_FALSE(DecodeCanonicalEnvelopeView(bytes, &out)) << bytes;
  }
  // The parser still takes the escaped forms, which the scanner left to it.
  EXPECT_EQ(DecodeEnvelope(declined[0]).value(), escaped);
  EXPECT_EQ(DecodeEnvelope(declined[1]).value(), control);
  EXPECT_EQ(DecodeEnvelope(declined[2]).value(), late_escape);
  EXPECT_EQ(DecodeEnvelope(declined[4]).value(), late_backslash);
  // Long strings without escapes, UTF-8 included, stay on the fast path.
  EventEnvelope plain = FullEnvelope();
  plain.actor.outlet = "杭州市西湖区行政服务中心一楼大厅 window 12";
  plain.stream = "case-330106202509040001512345678";
  const std::string plain_bytes = EncodeEnvelope(plain);
  ASSERT_TRUE(DecodeCanonicalEnvelopeView(plain_bytes, &out)) << plain_bytes;
  EXPECT_EQ(out, EnvelopeView(plain));
}

// The fast path's promise: whenever it accepts bytes whose data is one JSON object, the parser
// accepts them too and decodes the same envelope.
TEST(EnvelopeTest, MutatedEnvelopesTheScannerAcceptsTheParserDecodesTheSame) {
  std::mt19937 random(20261128);
  const std::string canonical = EncodeEnvelope(FullEnvelope());
  const std::string full_data = FullEnvelope().data;
  EnvelopeView scanned;
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::string mutated = Mutated(canonical, 2, &random);
    if (!DecodeCanonicalEnvelopeView(mutated, &scanned)) continue;
    ++accepted;
    Result<EventEnvelope> parsed = DecodeEnvelope(mutated);
    if (scanned.data == full_data) {
      ASSERT_TRUE(parsed.ok()) << mutated << "\n" << parsed.status().ToString();
    }
    if (parsed.ok()) {
      EXPECT_EQ(scanned, EnvelopeView(*parsed)) << mutated;
    }
  }
  EXPECT_GT(accepted, 100);  // mutations of the strings' contents keep the form
}

}  // namespace
}  // namespace yiwang

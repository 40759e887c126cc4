// Strictness of DecodeEventData beyond events_test.cc: the limits and shapes the parser refuses
// before any type decoder runs, nested members, and independence from earlier calls (the decoder
// reuses per-thread buffers).
#include <gtest/gtest.h>

#include <string>

#include "domain/events.h"

namespace yiwang {
namespace {

void ExpectRefused(std::string_view type, const std::string& data, std::string_view field,
                   std::string_view message_part) {
  SCOPED_TRACE(std::string(type) + " " + data.substr(0, 200));
  Result<CaseEvent> decoded = DecodeEventData(type, 1, data);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().reason(), "invalid_event_data");
  EXPECT_EQ(decoded.status().field(), field) << decoded.status().ToString();
  EXPECT_NE(decoded.status().message().find(message_part), std::string::npos)
      << decoded.status().message();
}

// A CaseSubmitted whose applicant and form are given; the rest valid.
std::string Submitted(std::string_view applicant, std::string_view form) {
  return R"({"case_number":"1","query_code_hash":"h","service_code":"GA","channel":"online",)"
         R"("applicant":)" +
         std::string(applicant) + R"(,"materials":["M01"],"form":)" + std::string(form) + "}";
}

constexpr std::string_view kApplicant = R"({"id_number":"x","name":"n"})";

TEST(EventsDecodeTest, DuplicateMembersAreRefusedAtEveryLevel) {
  ExpectRefused("CaseSubmitted", Submitted(R"({"id_number":"x","name":"n","name":"m"})", "{}"),
                "applicant.name", "duplicate member 'applicant.name'");
  ExpectRefused("CaseSubmitted", Submitted(kApplicant, R"({"k":"1","k":"2"})"), "form.k",
                "duplicate member 'form.k'");
  ExpectRefused("CaseSubmitted", R"({"case_number":"1","case_number":"1","query_code_hash":"h"})",
                "case_number", "duplicate member 'case_number'");
  // Also members no decoder knows: refused as duplicates before they are refused as unknown.
  ExpectRefused("CaseSuspended", R"({"reason":"x","z":1,"z":2})", "z", "duplicate member 'z'");
}

TEST(EventsDecodeTest, UnknownMembersAreRefusedAtEveryLevel) {
  ExpectRefused("ReviewStarted", R"({"note":"x"})", "note", "unknown member 'note'");
  ExpectRefused("CaseSubmitted",
                Submitted(R"({"id_number":"x","name":"n","phone":"1","email":"e"})", "{}"),
                "applicant.email", "unknown member 'applicant.email'");
  // The first unknown member in document order is the one named.
  ExpectRefused("CaseSuspended", R"({"b":1,"reason":"x","a":2})", "b", "unknown member 'b'");
}

TEST(EventsDecodeTest, WrongTypesAreRefusedWithTheMembersPath) {
  ExpectRefused("CaseSubmitted", Submitted(R"({"id_number":"x","name":null})", "{}"),
                "applicant.name", "must be a string");
  ExpectRefused("CaseSubmitted", Submitted(R"(["x","n"])", "{}"), "applicant", "must be an object");
  ExpectRefused("CaseSubmitted", Submitted(kApplicant, R"(["k"])"), "form", "must be an object");
  ExpectRefused("CaseSubmitted", Submitted(kApplicant, R"({"k":1})"), "form.k",
                "must be a string within limits");
  ExpectRefused("MaterialsSupplemented", R"({"materials":"M01"})", "materials", "an array");
  ExpectRefused("MaterialsSupplemented", R"({"materials":["M01",null]})", "materials", "strings");
  ExpectRefused("CaseAccepted", R"({"acceptance_number":"A","promised_days":true})",
                "promised_days", "must be an integer");
  ExpectRefused("Evaluated", R"({"grade":"5"})", "grade", "must be an integer");
  // Every number anywhere must be an integer, even in a member no decoder knows.
  ExpectRefused("CaseSuspended", R"({"reason":"x","extra":1.5})", "extra", "must be an integer");
  ExpectRefused("CaseSuspended", R"({"reason":"x","extra":[1e3]})", "extra", "must be an integer");
  ExpectRefused("Evaluated", R"({"grade":9223372036854775808})", "grade", "must be an integer");
}

TEST(EventsDecodeTest, MalformedLiteralsAreErrorsNotCrashes) {
  // simdjson classifies a value by its first byte; the literal must still be checked whole.
  ExpectRefused("CaseSuspended", R"({"reason":"x","n":nul})", "n", "malformed null");
  ExpectRefused("CaseSuspended", R"({"reason":"x","n":nullx})", "n", "malformed null");
  ExpectRefused("CaseSuspended", R"({"reason":"x","b":tru})", "b", "malformed bool");
  ExpectRefused("CaseSuspended", R"({"reason":"x","b":[falsy]})", "b", "malformed bool");
}

TEST(EventsDecodeTest, NestingDeeperThanTheDeepestEventIsRefused) {
  // applicant.name is as deep as data goes: root, object, scalar. One more level is refused.
  ExpectRefused("CaseSuspended", R"({"reason":"x","a":{"b":{"c":1}}})", "a.b.c",
                "nested too deeply");
  ExpectRefused("CaseSuspended", R"({"reason":"x","a":[[1]]})", "a", "nested too deeply");
  ExpectRefused("CaseSuspended", R"({"reason":"x","a":[{"b":1}]})", "a.b", "nested too deeply");
  ExpectRefused("CaseSubmitted", Submitted(R"({"id_number":"x","name":{"first":"n"}})", "{}"),
                "applicant.name.first", "nested too deeply");
  // At the limit it parses, and only the unknown member is refused.
  ExpectRefused("CaseSuspended", R"({"reason":"x","a":{"b":[]}})", "a", "unknown member 'a'");
}

std::string Members(size_t count, std::string_view first) {
  std::string out = "{" + std::string(first);
  for (size_t index = 0; index < count; ++index) {
    out += ",\"k" + std::to_string(index) + "\":\"v\"";
  }
  return out + "}";
}

std::string Items(size_t count) {
  std::string out = "[";
  for (size_t index = 0; index < count; ++index) out += index == 0 ? "\"M\"" : ",\"M\"";
  return out + "]";
}

TEST(EventsDecodeTest, MemberElementAndFieldCountsAreLimited) {
  // 128 members parse (and the extra ones are unknown); 129 do not.
  ExpectRefused("CaseSuspended", Members(127, R"("reason":"x")"), "k0", "unknown member 'k0'");
  ExpectRefused("CaseSuspended", Members(128, R"("reason":"x")"), "", "too many members");
  ExpectRefused("MaterialsSupplemented", R"({"materials":)" + Items(128) + "}", "materials",
                "too long");
  ExpectRefused("MaterialsSupplemented", R"({"materials":)" + Items(129) + "}", "materials",
                "too many elements");
  ExpectRefused("CaseSubmitted", Submitted(kApplicant, Members(64, R"("a":"1")")), "form",
                "too many fields");
  Result<CaseEvent> at_limit =
      DecodeEventData("CaseSubmitted", 1, Submitted(kApplicant, Members(63, R"("a":"1")")));
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  EXPECT_EQ(std::get<CaseSubmitted>(*at_limit).form.size(), 64u);
  ExpectRefused(
      "CaseSubmitted",
      Submitted(kApplicant, R"({")" + std::string(kEventIdBytesMax + 1, 'k') + R"(":"v"})"),
      "form." + std::string(kEventIdBytesMax + 1, 'k'), "bad form key");
  ExpectRefused("CaseSubmitted", Submitted(kApplicant, R"({"":"v"})"), "form.", "bad form key");
}

TEST(EventsDecodeTest, EscapedKeysAndStringsAreReadUnescaped) {
  Result<CaseEvent> decoded =
      DecodeEventData("CaseSuspended", 1, R"({"re\u0061son":"line\nbreak \"q\" \u4e2d"})");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(std::get<CaseSuspended>(*decoded).reason, "line\nbreak \"q\" 中");
  ExpectRefused("CaseSuspended", R"({"reason":"x","re\u0061son":"y"})", "reason", "duplicate");
}

TEST(EventsDecodeTest, ResultsDoNotDependOnEarlierCalls) {
  const std::string big = Submitted(R"({"id_number":"x","name":"n","phone":"1","address":"a"})",
                                    Members(40, R"("a":"1")"));
  const std::string small = Submitted(kApplicant, R"({"z":"9"})");
  Result<CaseEvent> small_first = DecodeEventData("CaseSubmitted", 1, small);
  ASSERT_TRUE(small_first.ok());
  Result<CaseEvent> big_decoded = DecodeEventData("CaseSubmitted", 1, big);
  ASSERT_TRUE(big_decoded.ok());
  EXPECT_EQ(std::get<CaseSubmitted>(*big_decoded).form.size(), 41u);
  EXPECT_FALSE(DecodeEventData("CaseSubmitted", 1, big.substr(0, big.size() - 3)).ok());
  Result<CaseEvent> small_again = DecodeEventData("CaseSubmitted", 1, small);
  ASSERT_TRUE(small_again.ok());
  EXPECT_EQ(*small_again, *small_first);
  const CaseSubmitted& submitted = std::get<CaseSubmitted>(*small_again);
  EXPECT_EQ(submitted.form.size(), 1u);
  EXPECT_EQ(submitted.applicant.phone, "");
  // The decoded values own their strings: later calls do not change them.
  EXPECT_EQ(std::get<CaseSubmitted>(*big_decoded).applicant.address, "a");
}

TEST(EventsDecodeTest, EveryTypeNameIsFoundAndNearMissesAreNot) {
  for (std::string_view type : {"CaseSubmitted", "MaterialsRequested", "ReviewStarted",
                                "CaseResumed", "TripRecorded", "Evaluated", "Consulted"}) {
    Result<CaseEvent> decoded = DecodeEventData(type, 1, "{}");
    if (!decoded.ok()) {
      EXPECT_NE(decoded.status().reason(), "unknown_event_type") << type;
    }
  }
  for (std::string_view type : {"", "C", "caseSubmitted", "CaseSubmitte", "CaseSubmittedX",
                                "TripRecordeD", "CatalogItemPublished"}) {
    Result<CaseEvent> decoded = DecodeEventData(type, 1, "{}");
    ASSERT_FALSE(decoded.ok()) << type;
    EXPECT_EQ(decoded.status().reason(), "unknown_event_type") << type;
    EXPECT_EQ(decoded.status().field(), "type");
  }
}

}  // namespace
}  // namespace yiwang

#include "domain/events.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace yiwang {
namespace {

Timestamp Instant(std::string_view text) { return ParseTimestamp(text).value(); }

// One event of every type with every member set, optional ones included.
std::vector<CaseEvent> FullEvents() {
  return {
      CaseSubmitted{"3301062026112700017",
                    "s1:9f86d081884c7d65",
                    "GA-HJ-QY",
                    "window",
                    "330106-HALL-01",
                    Applicant{"33010619850307123X", "张\"三\"\n", "13800000000", "杭州市西湖区"},
                    {"M01", "M02"},
                    {{"b", "2"}, {"a", "1"}}},
      MaterialsRequested{{"户口簿", "M03"}, "请于期限内补正", CivilDate{2026, 12, 11}},
      MaterialsSupplemented{{"M03"}},
      CaseAccepted{"SL-2026-001", 10, 20, false, true, Instant("2026-11-27T01:31:05.123Z"),
                   CivilDate{2026, 12, 11}, CivilDate{2026, 12, 25}},
      CaseNotAccepted{"不属于本机关职权范围"},
      CaseTransferred{"330100-GA-CRJ", "市局审批"},
      ReviewStarted{},
      ReviewStepCompleted{ReviewStep::kAudit, "同意", "材料齐全"},
      SpecialProcedureStarted{SpecialProcedureKind::kExpertReview, "专家评审"},
      CaseSuspended{"等待申请人说明"},
      CaseResumed{},
      DeadlineExtended{10, "情况复杂"},
      CaseApproved{"准予许可"},
      CaseDenied{"不符合条件", "可申请复议"},
      CertificateIssued{"CERT-001", Delivery::kExpress, "SF1234567890"},
      CaseDelivered{"本人签收"},
      CaseWithdrawn{"申请人撤回"},
      CaseClosed{"approved", "办结"},
      SupervisionOrdered{"order-1", "请加快办理", CivilDate{2026, 12, 1}},
      SupervisionAnswered{"order-1", "已加快"},
      Consulted{"需要什么材料?", "身份证"},
      Evaluated{1, "太慢", "rect-1", CivilDate{2026, 12, 18}},
      RectificationRecorded{"rect-1", "已整改"},
      TripRecorded{"330106-HALL-01", "submit"},
  };
}

// The same types with every optional member left empty.
std::vector<CaseEvent> MinimalEvents() {
  return {
      CaseSubmitted{
          "1", "h", "GA", "online", "", Applicant{"33010619850307123X", "李四", "", ""}, {}, {}},
      MaterialsRequested{{"M03"}, "", CivilDate{2026, 2, 28}},
      CaseTransferred{"330100-GA-CRJ", ""},
      ReviewStepCompleted{ReviewStep::kUndertake, "", ""},
      CaseApproved{},
      CertificateIssued{"CERT-002", Delivery::kPickup, ""},
      CaseDelivered{},
      CaseWithdrawn{},
      CaseClosed{"withdrawn", ""},
      Evaluated{5, "", "", std::nullopt},
      TripRecorded{"", "pickup"},
  };
}

void ExpectRoundTrip(const CaseEvent& event) {
  const std::string data = EncodeEventData(event);
  SCOPED_TRACE(std::string(EventTypeName(event)) + " " + data);
  Result<CaseEvent> decoded = DecodeEventData(EventTypeName(event), EventSchema(event), data);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, event);
  EXPECT_EQ(EncodeEventData(*decoded), data);
}

TEST(EventsTest, EveryTypeRoundTripsByteForByte) {
  std::set<std::string_view> types;
  for (const CaseEvent& event : FullEvents()) {
    ExpectRoundTrip(event);
    types.insert(EventTypeName(event));
    EXPECT_TRUE(IsCaseEventType(EventTypeName(event)));
    EXPECT_EQ(EventSchema(event), 1u);
  }
  EXPECT_EQ(types.size(), std::variant_size_v<CaseEvent>);
  for (const CaseEvent& event : MinimalEvents()) ExpectRoundTrip(event);
}

TEST(EventsTest, CanonicalBytesAreFixed) {
  // Written out by hand from the documented member order; form keys sorted.
  EXPECT_EQ(EncodeEventData(FullEvents()[0]),
            R"({"case_number":"3301062026112700017","query_code_hash":"s1:9f86d081884c7d65",)"
            R"("service_code":"GA-HJ-QY","channel":"window","outlet":"330106-HALL-01",)"
            R"("applicant":{"id_number":"33010619850307123X","name":"张\"三\"\n",)"
            R"("phone":"13800000000","address":"杭州市西湖区"},"materials":["M01","M02"],)"
            R"("form":{"a":"1","b":"2"}})");
  EXPECT_EQ(EncodeEventData(FullEvents()[3]),
            R"({"acceptance_number":"SL-2026-001","promised_days":10,"legal_days":20,)"
            R"("immediate":false,"comprehensive_window":true,)"
            R"("clock_start":"2026-11-27T01:31:05.123Z","deadline":"2026-12-11",)"
            R"("legal_deadline":"2026-12-25"})");
  EXPECT_EQ(EncodeEventData(ReviewStarted{}), "{}");
  EXPECT_EQ(EncodeEventData(Evaluated{4, "", "", std::nullopt}), R"({"grade":4})");
  EXPECT_EQ(EncodeEventData(CertificateIssued{"C", Delivery::kPickup, ""}),
            R"({"certificate_id":"C","delivery":"pickup"})");
}

TEST(EventsTest, MemberOrderOfTheInputDoesNotMatterButEncodingIsCanonical) {
  Result<CaseEvent> decoded =
      DecodeEventData("CaseDenied", 1, R"({"appeal_notice":"复议", "reason":"不符合"})");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(EncodeEventData(*decoded), R"({"reason":"不符合","appeal_notice":"复议"})");
}

void ExpectError(std::string_view type, std::string_view data, std::string_view field,
                 std::string_view message_part) {
  SCOPED_TRACE(std::string(type) + " " + std::string(data));
  Result<CaseEvent> decoded = DecodeEventData(type, 1, data);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().field(), field) << decoded.status().ToString();
  EXPECT_NE(decoded.status().message().find(message_part), std::string::npos)
      << decoded.status().message();
}

TEST(EventsTest, UnknownTypeAndSchemaAreRefused) {
  Result<CaseEvent> unknown = DecodeEventData("CaseTeleported", 1, "{}");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("unknown event type"), std::string::npos);
  EXPECT_FALSE(IsCaseEventType("CaseTeleported"));
  for (uint32_t schema : {0u, 2u, 99u}) {
    Result<CaseEvent> future = DecodeEventData("ReviewStarted", schema, "{}");
    ASSERT_FALSE(future.ok());
    EXPECT_EQ(future.status().reason(), "unsupported_schema");
    EXPECT_NE(future.status().message().find("schema"), std::string::npos);
  }
}

TEST(EventsTest, MalformedDataIsAnErrorNamingTheMember) {
  ExpectError("CaseSuspended", R"({"reason":1})", "reason", "must be a string");
  ExpectError("CaseSuspended", R"({})", "reason", "missing member 'reason'");
  ExpectError("CaseSuspended", R"({"reason":"x","extra":true})", "extra", "unknown member");
  ExpectError("CaseSuspended", R"({"reason":"x","reason":"y"})", "reason", "duplicate");
  ExpectError("CaseSubmitted",
              R"({"case_number":"1","query_code_hash":"h","service_code":"GA","channel":"online",)"
              R"("applicant":{"id_number":"x","name":"n","age":3},"materials":[],"form":{}})",
              "applicant.age", "unknown member");
  ExpectError("CaseSubmitted",
              R"({"case_number":"1","query_code_hash":"h","service_code":"GA","channel":"online",)"
              R"("applicant":{"id_number":"x"},"materials":[],"form":{}})",
              "applicant.name", "missing member");
  ExpectError("CaseSubmitted",
              R"({"case_number":"1","query_code_hash":"h","service_code":"GA","channel":"online",)"
              R"("applicant":{"id_number":"x","name":"n"},"materials":[1],"form":{}})",
              "materials", "strings");
  ExpectError("CaseSubmitted",
              R"({"case_number":"1","query_code_hash":"h","service_code":"GA","channel":"online",)"
              R"("applicant":{"id_number":"x","name":"n"},"materials":[],"form":{"k":{}}})",
              "form.k", "");
  ExpectError("DeadlineExtended", R"({"working_days":1.5,"reason":"x"})", "working_days",
              "integer");
  ExpectError("DeadlineExtended", R"({"working_days":0,"reason":"x"})", "working_days", "range");
  ExpectError("DeadlineExtended", R"({"working_days":"5","reason":"x"})", "working_days",
              "integer");
  ExpectError("Evaluated", R"({"grade":6})", "grade", "range");
  ExpectError("Evaluated", R"({"grade":99999999999999999999})", "grade", "");
  ExpectError("CaseAccepted",
              R"({"acceptance_number":"A","promised_days":1,"legal_days":1,"immediate":"no",)"
              R"("comprehensive_window":false,"clock_start":"2026-01-01T00:00:00Z",)"
              R"("deadline":"2026-01-02","legal_deadline":"2026-01-02"})",
              "immediate", "boolean");
  ExpectError("MaterialsRequested", R"({"missing":["a"],"due":"2026-02-30"})", "due", "date");
  ExpectError("Evaluated", R"({"grade":1})", "rectification_id", "grades 1 and 2");
  ExpectError("Evaluated", R"({"grade":4,"rectification_id":"r","rectification_due":"2026-01-05"})",
              "rectification_id", "grades 1 and 2");
  ExpectError("Evaluated", R"({"grade":2,"rectification_id":"r"})", "rectification_id", "");
  ExpectError("CertificateIssued", R"({"certificate_id":"C","delivery":"express"})",
              "tracking_number", "express");
  ExpectError("CertificateIssued",
              R"({"certificate_id":"C","delivery":"pickup","tracking_number":"SF1"})",
              "tracking_number", "express");
  ExpectError("ReviewStepCompleted", R"({"step":"sign","opinion":"x"})", "step", "unknown value");
  ExpectError("CertificateIssued", R"({"certificate_id":"C","delivery":"drone"})", "delivery",
              "unknown value");
  ExpectError("CaseSuspended",
              R"({"reason":")" + std::string(kEventTextBytesMax + 1, 'x') + R"("})", "reason",
              "too long");
}

TEST(EventsTest, NonObjectsAndBrokenJsonAreErrors) {
  for (std::string_view bad :
       {"", " ", "[]", "\"x\"", "42", "null", "{", R"({"reason":"x")", R"({"reason":"x"}})",
        R"({"reason":"x"} {})", R"({"reason":"x"}garbage)", R"({"reason":)", R"({"reason":"x,})",
        "{\"reason\":\"\xff\"}", R"({"reason":"x",})", R"({reason:"x"})"}) {
    SCOPED_TRACE(bad);
    Result<CaseEvent> decoded = DecodeEventData("CaseSuspended", 1, bad);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  }
  ExpectError("CaseSuspended", R"({"reason":{"a":{"b":{"c":1}}}})", "reason.a.b", "deeply");
}

// Random byte edits of canonical data: decoding either fails cleanly or yields an event whose
// canonical form decodes to itself. Run under ASan/UBSan, this is a small fuzzer.
TEST(EventsTest, MutatedDataNeverCrashes) {
  std::mt19937 random(20261127);
  const std::string alphabet = "{}[]\":,0123456789abtrue\\ \x01\xe5";
  int fast_decodes = 0;
  for (const CaseEvent& event : FullEvents()) {
    const std::string type(EventTypeName(event));
    const std::string data = EncodeEventData(event);
    for (int round = 0; round < 300; ++round) {
      std::string mutated = data;
      const int edits = 1 + static_cast<int>(random() % 3);
      for (int edit = 0; edit < edits && !mutated.empty(); ++edit) {
        const size_t at = random() % mutated.size();
        switch (random() % 3) {
          case 0:
            mutated[at] = alphabet[random() % alphabet.size()];
            break;
          case 1:
            mutated.erase(at, 1 + random() % 4);
            break;
          default:
            mutated.insert(at, 1, alphabet[random() % alphabet.size()]);
        }
      }
      Result<CaseEvent> decoded = DecodeEventData(type, 1, mutated);
      // The fast path and the parser agree on whatever the fast path accepts.
      CaseEvent fast;
      if (DecodeCanonicalEventData(type, 1, mutated, &fast)) {
        Result<CaseEvent> parsed = DecodeEventDataWithParser(type, 1, mutated);
        ASSERT_TRUE(parsed.ok()) << mutated << ": " << parsed.status().ToString();
        EXPECT_EQ(*parsed, fast) << mutated;
        EXPECT_TRUE(decoded.ok());
        ++fast_decodes;
      }
      if (!decoded.ok()) {
        EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
        continue;
      }
      const std::string canonical = EncodeEventData(*decoded);
      Result<CaseEvent> again = DecodeEventData(type, 1, canonical);
      ASSERT_TRUE(again.ok()) << canonical;
      EXPECT_EQ(*again, *decoded);
    }
  }
  EXPECT_GT(fast_decodes, 100);  // edits inside strings keep the canonical shape
}

// The fast path (DecodeCanonicalEventData) takes every type's canonical bytes, and decodes
// them to the event the parser decodes them to.
TEST(EventsTest, EveryTypeTakesTheCanonicalPath) {
  std::set<std::string_view> fast_types;
  std::vector<CaseEvent> events = FullEvents();
  for (CaseEvent& event : MinimalEvents()) events.push_back(std::move(event));
  for (const CaseEvent& event : events) {
    const std::string data = EncodeEventData(event);
    SCOPED_TRACE(data);
    CaseEvent fast;
    if (data.find('\\') != std::string::npos) {  // escapes are the parser's
      EXPECT_FALSE(DecodeCanonicalEventData(EventTypeName(event), 1, data, &fast));
      continue;
    }
    ASSERT_TRUE(DecodeCanonicalEventData(EventTypeName(event), 1, data, &fast));
    EXPECT_EQ(fast, event);
    EXPECT_EQ(DecodeEventDataWithParser(EventTypeName(event), 1, data).value(), event);
    fast_types.insert(EventTypeName(event));
  }
  EXPECT_EQ(fast_types.size(), std::variant_size_v<CaseEvent>);
}

// Valid data in another shape than the canonical one, and data beyond a limit: the fast path
// declines, and DecodeEventData's answer is the parser's.
TEST(EventsTest, NonCanonicalDataIsLeftToTheParser) {
  const std::string long_reason = std::string(kEventTextBytesMax + 1, 'x');
  const std::vector<std::pair<std::string_view, std::string>> inputs = {
      {"CaseDenied", R"({"appeal_notice":"复议","reason":"不符合"})"},  // another order
      {"CaseDenied", R"({ "reason":"不符合","appeal_notice":"复议"})"},  // whitespace
      {"CaseSuspended", R"({"reason":"\u4e0d"})"},                       // an escape
      {"CaseSuspended", R"({"reason":"x","reason":"y"})"},                // a duplicate
      {"CaseSuspended", R"({"reason":"x","extra":true})"},                // an unknown member
      {"CaseSuspended", R"({"reason":")" + long_reason + R"("})"},        // too long
      {"CaseSuspended", "{\"reason\":\"\xff\"}"},                     // not UTF-8
      {"CaseSuspended", R"({"reason":"x"}garbage)"},
      {"DeadlineExtended", R"({"working_days":-1,"reason":"x"})"},
      {"DeadlineExtended", R"({"working_days":05,"reason":"x"})"},
      {"DeadlineExtended", R"({"working_days":0,"reason":"x"})"},  // out of range
      {"Evaluated", R"({"grade":1})"},                             // rectification missing
      {"MaterialsRequested", R"({"missing":["a"],"due":"2026-02-30"})"},
      {"CaseSubmitted",
       R"({"case_number":"1","query_code_hash":"h","service_code":"GA","channel":"online",)"
       R"("applicant":{"id_number":"x","name":"n"},"materials":[],"form":{"b":"2","a":"1"}})"},
      {"CaseSubmitted",
       R"({"case_number":"1","query_code_hash":"h","service_code":"GA","channel":"online",)"
       R"("applicant":{"id_number":"x","name":"n","age":3},"materials":[],"form":{}})"},
      {"CaseSubmitted",
       R"({"case_number":"1","query_code_hash":"h","service_code":"GA","channel":"online",)"
       R"("applicant":{"id_number":"x","name":"n"},"materials":[],"form":{"a":"1","a":"2"}})"},
  };
  for (const auto& [type, data] : inputs) {
    SCOPED_TRACE(std::string(type) + " " + data);
    CaseEvent fast;
    EXPECT_FALSE(DecodeCanonicalEventData(type, 1, data, &fast));
    Result<CaseEvent> decoded = DecodeEventData(type, 1, data);
    Result<CaseEvent> parsed = DecodeEventDataWithParser(type, 1, data);
    ASSERT_EQ(decoded.ok(), parsed.ok());
    if (decoded.ok()) {
      EXPECT_EQ(*decoded, *parsed);
    } else {
      EXPECT_EQ(decoded.status().ToString(), parsed.status().ToString());
    }
  }
  // The first two and the escape and the unsorted form decode; the others are errors.
  EXPECT_TRUE(DecodeEventData("CaseDenied", 1, inputs[1].second).ok());
  EXPECT_TRUE(DecodeEventData("CaseSuspended", 1, inputs[2].second).ok());
  EXPECT_TRUE(DecodeEventData("CaseSubmitted", 1, inputs[13].second).ok());
  EXPECT_FALSE(DecodeEventData("CaseSuspended", 1, inputs[3].second).ok());
  EXPECT_FALSE(DecodeEventData("CaseSubmitted", 1, inputs[15].second).ok());
}

TEST(EventsTest, EnumNamesRoundTrip) {
  for (ReviewStep step : {ReviewStep::kUndertake, ReviewStep::kAudit, ReviewStep::kApprove}) {
    EXPECT_EQ(ParseReviewStep(ReviewStepName(step)), step);
  }
  for (auto kind : {SpecialProcedureKind::kHearing, SpecialProcedureKind::kInspection,
                    SpecialProcedureKind::kTesting, SpecialProcedureKind::kExpertReview,
                    SpecialProcedureKind::kOther}) {
    EXPECT_EQ(ParseSpecialProcedureKind(SpecialProcedureKindName(kind)), kind);
  }
  EXPECT_EQ(ParseDelivery("express"), Delivery::kExpress);
  EXPECT_FALSE(ParseDelivery("Express").has_value());
}

}  // namespace
}  // namespace yiwang

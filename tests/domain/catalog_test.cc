#include "domain/catalog.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace yiwang {
namespace {

std::string ReadDemoCatalog() {
  std::ifstream file(std::string(YIWANG_SOURCE_DIR) + "/data/catalog/demo.json", std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

CatalogItem GoodItem() {
  CatalogItem item;
  item.code = "GA-CRJ-HZ";
  item.name = "普通护照签发";
  item.level = 3;
  item.department = "330100-GA-CRJ";
  item.conditions = {"因私出国", "全国通办"};
  item.materials = {{"M01", "居民身份证", true}, {"M02", "数字相片回执", false}};
  item.baseline_materials = 5;
  item.legal_days = 15;
  item.promised_days = 7;
  item.immediate = false;
  item.channels = {"window", "mobile"};
  item.one_window = true;
  item.needs_site_visit = true;
  return item;
}

// The canonical bytes of GoodItem(), written out by hand from the documented key order.
constexpr std::string_view kGoodItemJson =
    R"({"code":"GA-CRJ-HZ","name":"普通护照签发","level":3,"department":"330100-GA-CRJ",)"
    R"("conditions":["因私出国","全国通办"],"materials":[{"code":"M01","name":"居民身份证",)"
    R"("original_required":true},{"code":"M02","name":"数字相片回执","original_required":false}],)"
    R"("baseline_materials":5,"legal_days":15,"promised_days":7,"immediate":false,)"
    R"("channels":["window","mobile"],"one_window":true,"needs_site_visit":true})";

void ExpectInvalid(const CatalogItem& item, std::string_view field) {
  Status status = ValidateCatalogItem(item);
  ASSERT_FALSE(status.ok()) << "expected a complaint about " << field;
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.field(), field) << status.ToString();
}

void ExpectDecodeError(std::string_view json, std::string_view message_part) {
  Result<CatalogItem> item = DecodeCatalogItem(json);
  ASSERT_FALSE(item.ok()) << json;
  EXPECT_EQ(item.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(item.status().message().find(message_part), std::string::npos)
      << item.status().message() << "\nexpected to contain: " << message_part;
}

// kGoodItemJson with the first occurrence of `from` replaced by `to`.
std::string Edited(std::string_view from, std::string_view to) {
  std::string json(kGoodItemJson);
  const size_t at = json.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) json.replace(at, from.size(), to);
  return json;
}

TEST(CatalogEncodingTest, EncodesInCanonicalOrder) {
  EXPECT_EQ(EncodeCatalogItem(GoodItem()), kGoodItemJson);
}

TEST(CatalogEncodingTest, RoundTripsByteForByte) {
  Result<CatalogItem> decoded = DecodeCatalogItem(kGoodItemJson);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, GoodItem());
  EXPECT_EQ(EncodeCatalogItem(*decoded), kGoodItemJson);

  CatalogItem escaped = GoodItem();
  escaped.name = "quote \" backslash \\ tab \t newline \n bell \x07 slash /";
  escaped.conditions.clear();
  escaped.materials.clear();
  const std::string json = EncodeCatalogItem(escaped);
  Result<CatalogItem> again = DecodeCatalogItem(json);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, escaped);
  EXPECT_EQ(EncodeCatalogItem(*again), json);
}

TEST(CatalogEncodingTest, RejectsUnknownMissingRepeatedAndMistypedMembers) {
  ExpectDecodeError(Edited(R"("code":"GA-CRJ-HZ",)", R"("code":"GA-CRJ-HZ","fee":0,)"),
                    "unknown catalog member 'fee'");
  ExpectDecodeError(Edited(R"("level":3,)", ""), "'level' is missing");
  ExpectDecodeError(Edited(R"("original_required":true)", R"("original":true)"),
                    "unknown catalog member 'materials[0].original'");
  ExpectDecodeError(Edited(R"(,"original_required":false)", ""),
                    "'materials[1].original_required' is missing");
  ExpectDecodeError(Edited(R"("level":3,)", R"("level":3,"level":3,)"), "'level' appears twice");
  ExpectDecodeError(Edited(R"("level":3)", R"("level":"3")"), "'level' must be an integer");
  ExpectDecodeError(Edited(R"("level":3)", R"("level":3.5)"), "'level' must be an integer");
  ExpectDecodeError(Edited(R"("legal_days":15)", R"("legal_days":99999999999)"),
                    "'legal_days' is out of range");
  ExpectDecodeError(Edited(R"("immediate":false)", R"("immediate":0)"),
                    "'immediate' must be a boolean");
  ExpectDecodeError(Edited(R"("code":"GA-CRJ-HZ")", R"("code":7)"), "'code' must be a string");
  ExpectDecodeError(Edited(R"(["window","mobile"])", R"(["window",1])"),
                    "'channels' must be an array of strings");
  ExpectDecodeError(Edited(R"("conditions":[)", R"("conditions":{"a":[)"),
                    "'conditions' must be an array of strings");
  ExpectDecodeError(Edited(R"("level":3,)", R"("level":3,,)"), "malformed");
  ExpectDecodeError(Edited(R"("level":3,)", R"("level" 3,)"), "malformed");
  ExpectDecodeError(Edited(R"({"code":"M01")", R"("M01")"), "'materials[0]' must be an object");
  Result<CatalogItem> wrong_field = DecodeCatalogItem(Edited(R"("level":3)", R"("level":"3")"));
  EXPECT_EQ(wrong_field.status().field(), "level");
}

TEST(CatalogEncodingTest, RejectsMalformedJson) {
  ExpectDecodeError("", "malformed");
  ExpectDecodeError("[]", "malformed");
  ExpectDecodeError("{\"code\":", "malformed");
  ExpectDecodeError(std::string(kGoodItemJson.substr(0, kGoodItemJson.size() - 1)), "malformed");
  ExpectDecodeError(std::string(kGoodItemJson) + " {}", "text after the top-level object");
  ExpectDecodeError(std::string(kGoodItemJson) + "x", "malformed");
}

TEST(ValidateCatalogItemTest, AcceptsAGoodItem) {
  EXPECT_TRUE(ValidateCatalogItem(GoodItem()).ok());
  CatalogItem immediate = GoodItem();
  immediate.promised_days = 0;
  immediate.immediate = true;
  EXPECT_TRUE(ValidateCatalogItem(immediate).ok());
}

TEST(ValidateCatalogItemTest, RejectsEachBrokenRule) {
  auto with = [](auto change) {
    CatalogItem item = GoodItem();
    change(item);
    return item;
  };
  ExpectInvalid(with([](CatalogItem& item) { item.code = ""; }), "code");
  ExpectInvalid(with([](CatalogItem& item) { item.code = "GA CRJ"; }), "code");
  ExpectInvalid(with([](CatalogItem& item) { item.code = "护照"; }), "code");
  ExpectInvalid(with([](CatalogItem& item) { item.code = std::string(65, 'A'); }), "code");
  EXPECT_TRUE(
      ValidateCatalogItem(with([](CatalogItem& item) { item.code = std::string(64, 'A'); })).ok());
  ExpectInvalid(with([](CatalogItem& item) { item.name = ""; }), "name");
  ExpectInvalid(with([](CatalogItem& item) { item.level = 1; }), "level");
  ExpectInvalid(with([](CatalogItem& item) { item.level = 5; }), "level");
  ExpectInvalid(with([](CatalogItem& item) { item.department = ""; }), "department");
  ExpectInvalid(with([](CatalogItem& item) { item.conditions.push_back(""); }), "conditions[2]");
  ExpectInvalid(with([](CatalogItem& item) { item.conditions.assign(33, "x"); }), "conditions");
  ExpectInvalid(with([](CatalogItem& item) { item.materials[1].code = "M01"; }),
                "materials[1].code");
  ExpectInvalid(with([](CatalogItem& item) { item.materials[0].code = "M 1"; }),
                "materials[0].code");
  ExpectInvalid(with([](CatalogItem& item) { item.materials[0].name = ""; }), "materials[0].name");
  ExpectInvalid(with([](CatalogItem& item) {
                  item.materials.clear();
                  for (size_t index = 0; index <= kCatalogMaterialsMax; ++index) {
                    item.materials.push_back({"M" + std::to_string(index), "x", false});
                  }
                }),
                "materials");
  ExpectInvalid(with([](CatalogItem& item) { item.baseline_materials = -1; }),
                "baseline_materials");
  // Fewer baseline materials than current ones is allowed (a reform may add one).
  EXPECT_TRUE(
      ValidateCatalogItem(with([](CatalogItem& item) { item.baseline_materials = 0; })).ok());
  ExpectInvalid(with([](CatalogItem& item) { item.promised_days = -1; }), "promised_days");
  ExpectInvalid(with([](CatalogItem& item) { item.promised_days = 16; }), "promised_days");
  ExpectInvalid(with([](CatalogItem& item) { item.legal_days = -1; }), "legal_days");
  ExpectInvalid(with([](CatalogItem& item) { item.legal_days = kPromisedDaysMax + 1; }),
                "legal_days");
  ExpectInvalid(with([](CatalogItem& item) { item.immediate = true; }), "immediate");
  ExpectInvalid(with([](CatalogItem& item) { item.promised_days = 0; }), "immediate");
  ExpectInvalid(with([](CatalogItem& item) { item.channels.clear(); }), "channels");
  ExpectInvalid(with([](CatalogItem& item) { item.channels.push_back("fax"); }), "channels");
  ExpectInvalid(with([](CatalogItem& item) { item.channels.push_back("window"); }), "channels");
}

TEST(ChannelTest, ClassifiesChannels) {
  EXPECT_TRUE(IsKnownChannel("kiosk"));
  EXPECT_FALSE(IsKnownChannel("Window"));
  EXPECT_TRUE(IsOnlineChannel("mobile"));
  EXPECT_FALSE(IsOnlineChannel("window"));
  EXPECT_TRUE(IsInPersonChannel("partner"));
  EXPECT_FALSE(IsInPersonChannel("online"));
  CatalogItem item = GoodItem();
  EXPECT_TRUE(item.AllowsChannel("window"));
  EXPECT_FALSE(item.AllowsChannel("online"));
  EXPECT_TRUE(item.AllowsOnline());  // mobile
  item.channels = {"window", "kiosk"};
  EXPECT_FALSE(item.AllowsOnline());
}

TEST(CatalogFileTest, DemoCatalogParsesAndValidates) {
  const std::string text = ReadDemoCatalog();
  ASSERT_FALSE(text.empty());
  Result<std::vector<CatalogItem>> items = ParseCatalogFile(text);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  EXPECT_GE(items->size(), 10u);
  std::set<std::string> codes;
  int online = 0;
  int immediate = 0;
  for (const CatalogItem& item : *items) {
    EXPECT_TRUE(ValidateCatalogItem(item).ok()) << item.code;
    EXPECT_TRUE(codes.insert(item.code).second) << item.code;
    const std::string json = EncodeCatalogItem(item);
    Result<CatalogItem> decoded = DecodeCatalogItem(json);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, item);
    EXPECT_EQ(EncodeCatalogItem(*decoded), json);
    online += item.AllowsOnline() ? 1 : 0;
    immediate += item.immediate ? 1 : 0;
  }
  // The demo is meant to exercise both kinds of item and channel.
  EXPECT_GT(online, 0);
  EXPECT_LT(online, static_cast<int>(items->size()));
  EXPECT_GT(immediate, 0);
}

TEST(CatalogFileTest, RejectsBadFiles) {
  const std::string good = std::string(kGoodItemJson);
  EXPECT_TRUE(ParseCatalogFile(R"({"items":[]})").ok());
  EXPECT_TRUE(ParseCatalogFile(R"({"items":[)" + good + "]}").ok());
  auto error = [](const std::string& json) { return ParseCatalogFile(json).status(); };
  EXPECT_NE(error("{}").message().find("no 'items'"), std::string::npos);
  EXPECT_NE(error(R"({"items":[], "more":1})").message().find("unknown catalog file member"),
            std::string::npos);
  EXPECT_NE(error(R"({"items":{}})").message().find("must be an array"), std::string::npos);
  EXPECT_NE(error(R"({"items":[1]})").message().find("items[0] must be an object"),
            std::string::npos);
  EXPECT_NE(error(R"({"items":[)" + good + "," + good + "]}").message().find("appears twice"),
            std::string::npos);
  Status invalid =
      error(R"({"items":[)" + good + "," + Edited(R"("level":3)", R"("level":9)") + "]}");
  EXPECT_EQ(invalid.field(), "items[1].level");
  Status unknown = error(R"({"items":[)" + Edited(R"("level":3)", R"("level":3,"x":1)") + "]}");
  EXPECT_EQ(unknown.field(), "items[0].x");
  EXPECT_EQ(error(R"({"items":[)").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(error("not json").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace yiwang

#include "domain/catalog.h"

#include <simdjson.h>

#include <algorithm>
#include <climits>
#include <set>
#include <utility>

#include "domain/json.h"

namespace yiwang {
namespace {

constexpr size_t kCatalogCodeBytesMax = 64;
constexpr size_t kCatalogDepartmentBytesMax = 64;
constexpr size_t kMaterialCodeBytesMax = 64;
constexpr size_t kCatalogTextBytesMax = 1024;  // a name or one condition
constexpr size_t kCatalogConditionsMax = 32;
constexpr size_t kCatalogItemBytesMax = 256 * 1024;
constexpr size_t kCatalogFileBytesMax = 16 * 1024 * 1024;
constexpr size_t kCatalogItemsMax = 10'000;

// Canonical member order of an item; DecodeCatalogItem requires every one of them.
constexpr std::string_view kItemMembers[] = {"code",
                                             "name",
                                             "level",
                                             "department",
                                             "conditions",
                                             "materials",
                                             "baseline_materials",
                                             "legal_days",
                                             "promised_days",
                                             "immediate",
                                             "channels",
                                             "one_window",
                                             "needs_site_visit"};
constexpr size_t kItemMemberCount = std::size(kItemMembers);
constexpr std::string_view kMaterialMembers[] = {"code", "name", "original_required"};

using simdjson::ondemand::array;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

Status BadMember(std::string_view field, std::string_view what) {
  return InvalidArgument("catalog member '" + std::string(field) + "' " + std::string(what),
                         std::string(field));
}

Status Malformed(std::string_view where) {
  return InvalidArgument("catalog JSON is malformed " + std::string(where));
}

Status ReadString(value json, std::string_view field, std::string* out) {
  std::string_view text;
  if (json.get_string().get(text) != simdjson::SUCCESS) return BadMember(field, "must be a string");
  out->assign(text);
  return Status::Ok();
}

Status ReadInt(value json, std::string_view field, int* out) {
  int64_t number = 0;
  if (json.get_int64().get(number) != simdjson::SUCCESS) {
    return BadMember(field, "must be an integer");
  }
  if (number < INT_MIN || number > INT_MAX) return BadMember(field, "is out of range");
  *out = static_cast<int>(number);
  return Status::Ok();
}

Status ReadBool(value json, std::string_view field, bool* out) {
  if (json.get_bool().get(*out) != simdjson::SUCCESS) return BadMember(field, "must be a boolean");
  return Status::Ok();
}

Status ReadStringArray(value json, std::string_view field, std::vector<std::string>* out) {
  array elements;
  if (json.get_array().get(elements) != simdjson::SUCCESS) {
    return BadMember(field, "must be an array of strings");
  }
  for (auto element : elements) {
    std::string_view text;
    if (element.get_string().get(text) != simdjson::SUCCESS) {
      return BadMember(field, "must be an array of strings");
    }
    out->emplace_back(text);
  }
  return Status::Ok();
}

// Index of `key` in `members`, or -1.
template <size_t kCount>
int MemberIndex(const std::string_view (&members)[kCount], std::string_view key) {
  const auto found = std::find(std::begin(members), std::end(members), key);
  return found == std::end(members) ? -1 : static_cast<int>(found - std::begin(members));
}

// Rejects unknown and repeated members; `seen` collects a bit per member index.
Status NoteMember(int index, std::string_view prefix, std::string_view key, uint32_t* seen) {
  const std::string field = std::string(prefix) + std::string(key);
  if (index < 0) return InvalidArgument("unknown catalog member '" + field + "'", field);
  if ((*seen & (1u << index)) != 0) return BadMember(field, "appears twice");
  *seen |= 1u << index;
  return Status::Ok();
}

template <size_t kCount>
Status CheckAllMembers(const std::string_view (&members)[kCount], std::string_view prefix,
                       uint32_t seen) {
  for (size_t index = 0; index < kCount; ++index) {
    if ((seen & (1u << index)) == 0) {
      return BadMember(std::string(prefix) + std::string(members[index]), "is missing");
    }
  }
  return Status::Ok();
}

Status ReadMaterial(value json, const std::string& field, Material* material) {
  object members;
  if (json.get_object().get(members) != simdjson::SUCCESS) {
    return BadMember(field, "must be an object");
  }
  const std::string prefix = field + ".";
  uint32_t seen = 0;
  for (auto member : members) {
    std::string_view key;
    value element;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS ||
        member.value().get(element) != simdjson::SUCCESS) {
      return Malformed("in " + field);
    }
    const int index = MemberIndex(kMaterialMembers, key);
    YIWANG_RETURN_IF_ERROR(NoteMember(index, prefix, key, &seen));
    const std::string member_field = prefix + std::string(key);
    if (index == 0) YIWANG_RETURN_IF_ERROR(ReadString(element, member_field, &material->code));
    if (index == 1) YIWANG_RETURN_IF_ERROR(ReadString(element, member_field, &material->name));
    if (index == 2) {
      YIWANG_RETURN_IF_ERROR(ReadBool(element, member_field, &material->original_required));
    }
  }
  return CheckAllMembers(kMaterialMembers, prefix, seen);
}

Status ReadMaterials(value json, const std::string& field, std::vector<Material>* out) {
  array elements;
  if (json.get_array().get(elements) != simdjson::SUCCESS) {
    return BadMember(field, "must be an array");
  }
  for (auto element : elements) {
    value material_json;
    if (element.get(material_json) != simdjson::SUCCESS) return Malformed("in " + field);
    const std::string material_field = field + "[" + std::to_string(out->size()) + "]";
    if (out->size() >= kCatalogMaterialsMax) return BadMember(field, "has too many elements");
    YIWANG_RETURN_IF_ERROR(ReadMaterial(material_json, material_field, &out->emplace_back()));
  }
  return Status::Ok();
}

Status ReadItemMember(int index, value json, const std::string& field, CatalogItem* item) {
  switch (index) {
    case 0:
      return ReadString(json, field, &item->code);
    case 1:
      return ReadString(json, field, &item->name);
    case 2:
      return ReadInt(json, field, &item->level);
    case 3:
      return ReadString(json, field, &item->department);
    case 4:
      return ReadStringArray(json, field, &item->conditions);
    case 5:
      return ReadMaterials(json, field, &item->materials);
    case 6:
      return ReadInt(json, field, &item->baseline_materials);
    case 7:
      return ReadInt(json, field, &item->legal_days);
    case 8:
      return ReadInt(json, field, &item->promised_days);
    case 9:
      return ReadBool(json, field, &item->immediate);
    case 10:
      return ReadStringArray(json, field, &item->channels);
    case 11:
      return ReadBool(json, field, &item->one_window);
    case 12:
      return ReadBool(json, field, &item->needs_site_visit);
    default:
      return Internal("catalog member index out of range");
  }
}

// Reads one item object; `prefix` ("items[3].") names fields inside a catalog file.
Status ReadItem(object members, std::string_view prefix, CatalogItem* item) {
  uint32_t seen = 0;
  for (auto member : members) {
    std::string_view key;
    value element;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS ||
        member.value().get(element) != simdjson::SUCCESS) {
      return Malformed("in an item");
    }
    const int index = MemberIndex(kItemMembers, key);
    YIWANG_RETURN_IF_ERROR(NoteMember(index, prefix, key, &seen));
    YIWANG_RETURN_IF_ERROR(
        ReadItemMember(index, element, std::string(prefix) + std::string(key), item));
  }
  return CheckAllMembers(kItemMembers, prefix, seen);
}

// simdjson 3.0 has no document::at_end(); current_location() reports OUT_OF_BOUNDS there.
Status CheckNothingAfter(simdjson::ondemand::document& document) {
  const char* location = nullptr;
  if (document.current_location().get(location) != simdjson::OUT_OF_BOUNDS) {
    return Malformed("(text after the top-level object)");
  }
  return Status::Ok();
}

bool IsCodeCharacter(char character) {
  return (character >= 'A' && character <= 'Z') || (character >= 'a' && character <= 'z') ||
         (character >= '0' && character <= '9') || character == '-';
}

Status CheckCode(std::string_view code, size_t bytes_max, std::string_view field) {
  if (code.empty()) return BadMember(field, "must not be empty");
  if (code.size() > bytes_max) return BadMember(field, "is too long");
  if (!std::all_of(code.begin(), code.end(), IsCodeCharacter)) {
    return BadMember(field, "may contain only A-Z, a-z, 0-9 and '-'");
  }
  return Status::Ok();
}

Status CheckText(std::string_view text, std::string_view field) {
  if (text.empty()) return BadMember(field, "must not be empty");
  if (text.size() > kCatalogTextBytesMax) return BadMember(field, "is too long");
  return Status::Ok();
}

Status ValidateMaterials(const CatalogItem& item) {
  if (item.materials.size() > kCatalogMaterialsMax) {
    return BadMember("materials", "has too many elements");
  }
  std::set<std::string_view> codes;
  for (size_t index = 0; index < item.materials.size(); ++index) {
    const Material& material = item.materials[index];
    const std::string field = "materials[" + std::to_string(index) + "]";
    YIWANG_RETURN_IF_ERROR(CheckCode(material.code, kMaterialCodeBytesMax, field + ".code"));
    YIWANG_RETURN_IF_ERROR(CheckText(material.name, field + ".name"));
    if (!codes.insert(material.code).second) {
      return BadMember(field + ".code", "repeats material code " + material.code);
    }
  }
  return Status::Ok();
}

Status ValidateDays(const CatalogItem& item) {
  if (item.legal_days < 0 || item.legal_days > kPromisedDaysMax) {
    return BadMember("legal_days", "must be between 0 and " + std::to_string(kPromisedDaysMax));
  }
  if (item.promised_days < 0 || item.promised_days > item.legal_days) {
    return BadMember("promised_days", "must be between 0 and legal_days");
  }
  if (item.immediate != (item.promised_days == 0)) {
    return BadMember("immediate", "must be true exactly when promised_days is 0");
  }
  return Status::Ok();
}

Status ValidateChannels(const CatalogItem& item) {
  if (item.channels.empty()) return BadMember("channels", "must not be empty");
  std::set<std::string_view> seen;
  for (const std::string& channel : item.channels) {
    if (!IsKnownChannel(channel)) {
      return BadMember("channels", "has unknown channel '" + channel + "'");
    }
    if (!seen.insert(channel).second) return BadMember("channels", "repeats '" + channel + "'");
  }
  return Status::Ok();
}

}  // namespace

bool IsKnownChannel(std::string_view channel) {
  return std::find(std::begin(kChannels), std::end(kChannels), channel) != std::end(kChannels);
}

bool IsOnlineChannel(std::string_view channel) {
  return channel == "online" || channel == "mobile";
}

bool IsInPersonChannel(std::string_view channel) {
  return channel == "window" || channel == "kiosk" || channel == "partner";
}

bool CatalogItem::AllowsChannel(std::string_view channel) const {
  return std::find(channels.begin(), channels.end(), channel) != channels.end();
}

bool CatalogItem::AllowsOnline() const {
  return std::any_of(channels.begin(), channels.end(),
                     [](const std::string& channel) { return IsOnlineChannel(channel); });
}

Status ValidateCatalogItem(const CatalogItem& item) {
  YIWANG_RETURN_IF_ERROR(CheckCode(item.code, kCatalogCodeBytesMax, "code"));
  YIWANG_RETURN_IF_ERROR(CheckText(item.name, "name"));
  if (item.level < static_cast<int>(ServiceLevel::kProvince) ||
      item.level > static_cast<int>(ServiceLevel::kCounty)) {
    return BadMember("level", "must be 2 (province), 3 (city) or 4 (county)");
  }
  YIWANG_RETURN_IF_ERROR(CheckCode(item.department, kCatalogDepartmentBytesMax, "department"));
  if (item.conditions.size() > kCatalogConditionsMax) {
    return BadMember("conditions", "has too many elements");
  }
  for (size_t index = 0; index < item.conditions.size(); ++index) {
    YIWANG_RETURN_IF_ERROR(
        CheckText(item.conditions[index], "conditions[" + std::to_string(index) + "]"));
  }
  YIWANG_RETURN_IF_ERROR(ValidateMaterials(item));
  if (item.baseline_materials < 0 || item.baseline_materials > kCatalogBaselineMaterialsMax) {
    return BadMember("baseline_materials",
                     "must be between 0 and " + std::to_string(kCatalogBaselineMaterialsMax));
  }
  YIWANG_RETURN_IF_ERROR(ValidateDays(item));
  return ValidateChannels(item);
}

std::string EncodeCatalogItem(const CatalogItem& item) {
  JsonWriter writer(512);
  writer.BeginObject()
      .Field("code", item.code)
      .Field("name", item.name)
      .Field("level", item.level)
      .Field("department", item.department)
      .StringArray("conditions", item.conditions)
      .Key("materials")
      .BeginArray();
  for (const Material& material : item.materials) {
    writer.BeginObject()
        .Field("code", material.code)
        .Field("name", material.name)
        .Field("original_required", material.original_required)
        .EndObject();
  }
  writer.EndArray()
      .Field("baseline_materials", item.baseline_materials)
      .Field("legal_days", item.legal_days)
      .Field("promised_days", item.promised_days)
      .Field("immediate", item.immediate)
      .StringArray("channels", item.channels)
      .Field("one_window", item.one_window)
      .Field("needs_site_visit", item.needs_site_visit)
      .EndObject();
  return writer.Take();
}

Result<CatalogItem> DecodeCatalogItem(std::string_view json) {
  if (json.size() > kCatalogItemBytesMax) return InvalidArgument("catalog item JSON is too large");
  thread_local simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(json);
  simdjson::ondemand::document document;
  object members;
  if (parser.iterate(padded).get(document) != simdjson::SUCCESS ||
      document.get_object().get(members) != simdjson::SUCCESS) {
    return Malformed("(not a JSON object)");
  }
  CatalogItem item;
  YIWANG_RETURN_IF_ERROR(ReadItem(members, "", &item));
  YIWANG_RETURN_IF_ERROR(CheckNothingAfter(document));
  return item;
}

Result<std::vector<CatalogItem>> ParseCatalogFile(std::string_view json) {
  if (json.size() > kCatalogFileBytesMax) return InvalidArgument("catalog file is too large");
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(json);
  simdjson::ondemand::document document;
  object top;
  if (parser.iterate(padded).get(document) != simdjson::SUCCESS ||
      document.get_object().get(top) != simdjson::SUCCESS) {
    return Malformed("(not a JSON object)");
  }
  std::vector<CatalogItem> items;
  bool saw_items = false;
  for (auto member : top) {
    std::string_view key;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS) return Malformed("(bad key)");
    if (key != "items") {
      return InvalidArgument("unknown catalog file member '" + std::string(key) + "'");
    }
    if (saw_items) return InvalidArgument("catalog file member 'items' appears twice");
    saw_items = true;
    array elements;
    if (member.value().get_array().get(elements) != simdjson::SUCCESS) {
      return InvalidArgument("catalog file member 'items' must be an array", "items");
    }
    for (auto element : elements) {
      if (items.size() >= kCatalogItemsMax) {
        return InvalidArgument("catalog file has too many items");
      }
      const std::string prefix = "items[" + std::to_string(items.size()) + "].";
      object item_members;
      if (element.get_object().get(item_members) != simdjson::SUCCESS) {
        return InvalidArgument("catalog " + prefix.substr(0, prefix.size() - 1) +
                               " must be an object");
      }
      YIWANG_RETURN_IF_ERROR(ReadItem(item_members, prefix, &items.emplace_back()));
    }
  }
  if (!saw_items) return InvalidArgument("catalog file has no 'items' member", "items");
  YIWANG_RETURN_IF_ERROR(CheckNothingAfter(document));

  std::set<std::string_view> codes;
  for (size_t index = 0; index < items.size(); ++index) {
    Status valid = ValidateCatalogItem(items[index]);
    if (!valid.ok()) {
      const std::string field = "items[" + std::to_string(index) + "]." + valid.field();
      return InvalidArgument("catalog item " + items[index].code + ": " + valid.message(), field);
    }
    if (!codes.insert(items[index].code).second) {
      return InvalidArgument("catalog item code " + items[index].code + " appears twice",
                             "items[" + std::to_string(index) + "].code");
    }
  }
  return items;
}

}  // namespace yiwang

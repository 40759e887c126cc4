// The service catalog (办事指南): one code per item, the same at province, city and county level
// (同一事项、同一标准、同一编码). Catalog changes are events on the stream "catalog-<code>":
// CatalogItemPublished carries the whole item (a new version replaces the old one),
// CatalogItemRetired withdraws it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace yiwang {

// Channels a case can come through (DESIGN.md §1). String forms are the lowercase names.
inline constexpr std::string_view kChannels[] = {"online", "mobile", "window", "kiosk", "partner"};
bool IsKnownChannel(std::string_view channel);
// online and mobile count as 网上办 for the online rate.
bool IsOnlineChannel(std::string_view channel);
bool IsInPersonChannel(std::string_view channel);  // window, kiosk, partner

// GB/T 39046-2020 行使层级.
enum class ServiceLevel : int { kProvince = 2, kCity = 3, kCounty = 4 };

struct Material {
  std::string code;                // "M01"
  std::string name;                // "居民身份证"
  bool original_required = false;  // original must be shown at the window (交验原件)
  bool operator==(const Material&) const = default;
};

inline constexpr size_t kCatalogMaterialsMax = 64;
inline constexpr int kCatalogBaselineMaterialsMax = 256;  // baseline_materials, 0..this
inline constexpr int kPromisedDaysMax = 365;

struct CatalogItem {
  std::string code;                     // unified item code (事项编码)
  std::string name;                     // "居民身份证申领"
  int level = 3;                        // ServiceLevel value: 2 province, 3 city, 4 county
  std::string department;               // owning department code, e.g. "330100-GA-HZ"
  std::vector<std::string> conditions;  // 办理条件
  std::vector<Material> materials;      // required materials now
  int baseline_materials = 0;           // materials required before the reform (for 材料减少)
  int legal_days = 0;                   // 法定时限, working days
  int promised_days = 0;              // 承诺时限, working days, <= legal_days; 0 for 即办件
  bool immediate = false;             // 即办件: decided the working day it is accepted
  std::vector<std::string> channels;  // allowed channels (kChannels values)
  bool one_window = false;            // 一窗通办
  bool needs_site_visit = false;      // the applicant must appear once in person (e.g. photo)
  bool operator==(const CatalogItem&) const = default;

  bool AllowsChannel(std::string_view channel) const;
  bool AllowsOnline() const;  // online or mobile allowed (网上可办)
};

// Checks an item's own consistency (codes, level, days, channels, limits).
Status ValidateCatalogItem(const CatalogItem& item);

// Canonical JSON of an item; this is the data of a CatalogItemPublished event.
std::string EncodeCatalogItem(const CatalogItem& item);
Result<CatalogItem> DecodeCatalogItem(std::string_view json);

// A catalog file: {"items":[item…]} (data/catalog/demo.json). Every item is validated; codes
// are unique.
Result<std::vector<CatalogItem>> ParseCatalogFile(std::string_view json);

inline constexpr std::string_view kCatalogStreamPrefix = "catalog-";
inline constexpr std::string_view kCatalogItemPublished = "CatalogItemPublished";
inline constexpr std::string_view kCatalogItemRetired = "CatalogItemRetired";

}  // namespace yiwang

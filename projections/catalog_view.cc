#include "projections/catalog_view.h"

#include <cassert>
#include <mutex>

namespace yiwang::projections {

Status CatalogView::Apply(const EventEnvelope& event) {
  const bool is_catalog = event.stream.starts_with(kCatalogStreamPrefix);
  std::optional<CatalogItem> published;
  if (is_catalog && event.type == kCatalogItemPublished) {
    Result<CatalogItem> item = DecodeCatalogItem(event.data);
    if (!item.ok()) {
      return DataLoss("catalog event at position " + std::to_string(event.position) +
                      " does not decode: " + item.status().message());
    }
    published = std::move(item).value();
  }

  std::unique_lock lock(mutex_);
  assert(event.position > position_ && "events must be applied in position order");
  position_ = event.position;
  if (!is_catalog) return Status::Ok();
  const std::string code = event.stream.substr(kCatalogStreamPrefix.size());
  if (published.has_value()) {
    items_[code] =
        CatalogEntry{std::move(*published), event.version, event.position, event.recorded_at};
  } else if (event.type == kCatalogItemRetired) {
    items_.erase(code);
  }
  return Status::Ok();
}

std::vector<CatalogEntry> CatalogView::List() const {
  std::shared_lock lock(mutex_);
  std::vector<CatalogEntry> entries;
  entries.reserve(items_.size());
  for (const auto& [code, entry] : items_) entries.push_back(entry);
  return entries;
}

std::optional<CatalogEntry> CatalogView::Find(const std::string& code) const {
  std::shared_lock lock(mutex_);
  auto found = items_.find(code);
  if (found == items_.end()) return std::nullopt;
  return found->second;
}

uint64_t CatalogView::position() const {
  std::shared_lock lock(mutex_);
  return position_;
}

}  // namespace yiwang::projections

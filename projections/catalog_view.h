// The catalog read model: every published, not retired catalog item with the version and
// position of its latest event. Built only from CatalogItemPublished / CatalogItemRetired events
// (streams "catalog-<code>"); events of other streams are skipped.
//
// The catalog is small (hundreds of items at most), so this read model lives in memory and is
// rebuilt from the log at start-up, which takes milliseconds; it needs no checkpoint of its own.
// Thread-safe: one thread applies events, any number of threads read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "domain/catalog.h"
#include "domain/envelope.h"
#include "domain/status.h"

namespace yiwang::projections {

struct CatalogEntry {
  CatalogItem item;
  uint32_t version = 0;   // version of the item's stream
  uint64_t position = 0;  // position of the latest event of the item
  Timestamp updated_at;   // recorded_at of that event
};

class CatalogView {
 public:
  // Applies the next event of the log. Positions must increase (asserted). A catalog event
  // whose data does not decode is a DataLoss error: the log holds something the domain cannot
  // read, which an operator must see; the view is left unchanged.
  Status Apply(const EventEnvelope& event);

  // Items sorted by code.
  std::vector<CatalogEntry> List() const;
  std::optional<CatalogEntry> Find(const std::string& code) const;
  // Position of the last event applied (0 before any).
  uint64_t position() const;

 private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, CatalogEntry> items_;
  uint64_t position_ = 0;
};

}  // namespace yiwang::projections

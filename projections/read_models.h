// ReadModels: every durable projection of a node over its one read-side RocksDB (DESIGN.md §7).
//
// `serve`, `replay` and `import` open the read models through this class, so they always agree on
// which projections exist, which column families they use and in which order they are fed. A new
// projection is added here (member, families, all()) and nowhere else.
//
// Thread-safety: as the projections and the ReadStore it owns. The calendar must outlive it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "domain/calendar.h"
#include "domain/status.h"
#include "projections/applicants.h"
#include "projections/audit.h"
#include "projections/dashboard.h"
#include "projections/progress.h"
#include "projections/read_store.h"
#include "projections/runner.h"

namespace yiwang::projections {

class ReadModels {
 public:
  // Opens (creating when missing) the read store at `path` with every projection's families.
  // `for_rebuild` (`yiwang replay`): no compaction until the rebuild's bulk mode ends (see
  // ReadStoreOptions::compaction_at_open).
  static Result<std::unique_ptr<ReadModels>> Open(const std::string& path,
                                                  const WorkingCalendar* calendar,
                                                  bool for_rebuild = false);
  ~ReadModels();
  ReadModels(const ReadModels&) = delete;
  ReadModels& operator=(const ReadModels&) = delete;

  ReadStore* store() { return store_.get(); }
  Progress& progress() { return *progress_; }
  ApplicantIndex& applicants() { return *applicants_; }
  Dashboard& dashboard() { return *dashboard_; }
  AuditTrail& audit() { return *audit_; }

  // Every projection, in the order the runner feeds them.
  std::vector<Projection*> all() const;
  // The projection named `name` (its checkpoint name), or nullptr.
  Projection* Find(std::string_view name) const;
  // The names of all(), comma-separated (for usage and error texts).
  std::string Names() const;

 private:
  ReadModels() = default;
  // Declared first so it is destroyed last: the projections point into it.
  std::unique_ptr<ReadStore> store_;
  std::unique_ptr<Progress> progress_;
  std::unique_ptr<ApplicantIndex> applicants_;
  std::unique_ptr<Dashboard> dashboard_;
  std::unique_ptr<AuditTrail> audit_;
};

}  // namespace yiwang::projections

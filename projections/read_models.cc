#include "projections/read_models.h"

namespace yiwang::projections {

Result<std::unique_ptr<ReadModels>> ReadModels::Open(const std::string& path,
                                                     const WorkingCalendar* calendar,
                                                     bool for_rebuild) {
  if (calendar == nullptr) return InvalidArgument("ReadModels needs a working-day calendar");
  std::unique_ptr<ReadModels> models(new ReadModels());
  // The projections are built before the store is opened so that they can name their families;
  // they do not touch the store until the runner or a query uses them.
  ReadStore* const not_yet_open = nullptr;
  models->progress_ = std::make_unique<Progress>(not_yet_open, calendar);
  models->applicants_ = std::make_unique<ApplicantIndex>(not_yet_open);
  models->dashboard_ = std::make_unique<Dashboard>(not_yet_open, calendar);
  models->audit_ = std::make_unique<AuditTrail>(not_yet_open);

  ReadStoreOptions options;
  options.path = path;
  options.compaction_at_open = !for_rebuild;
  for (const Projection* projection : models->all()) {
    for (std::string& family : projection->families()) options.families.push_back(family);
  }
  Result<std::unique_ptr<ReadStore>> store = ReadStore::Open(options);
  if (!store.ok()) return store.status();
  models->store_ = std::move(store).value();
  models->progress_ = std::make_unique<Progress>(models->store_.get(), calendar);
  models->applicants_ = std::make_unique<ApplicantIndex>(models->store_.get());
  models->dashboard_ = std::make_unique<Dashboard>(models->store_.get(), calendar);
  models->audit_ = std::make_unique<AuditTrail>(models->store_.get());
  return models;
}

ReadModels::~ReadModels() = default;

std::vector<Projection*> ReadModels::all() const {
  return {progress_.get(), applicants_.get(), dashboard_.get(), audit_.get()};
}

Projection* ReadModels::Find(std::string_view name) const {
  for (Projection* projection : all()) {
    if (projection->name() == name) return projection;
  }
  return nullptr;
}

std::string ReadModels::Names() const {
  std::string names;
  for (const Projection* projection : all()) {
    if (!names.empty()) names += ",";
    names += projection->name();
  }
  return names;
}

}  // namespace yiwang::projections

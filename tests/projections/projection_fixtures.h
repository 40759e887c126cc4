// Shared helpers of the projection tests: a real event log in a temporary directory, written
// through domain Decide like the command handler does, and a read store with the runner.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "domain/case.h"
#include "domain/catalog.h"
#include "domain/events.h"
#include "eventstore/event_store.h"
#include "projections/applicants.h"
#include "projections/progress.h"
#include "projections/read_store.h"
#include "projections/runner.h"
#include "tests/domain/case_fixtures.h"
#include "tests/eventstore/test_support.h"

namespace yiwang::test {

// An event log with the demo items published, and commands run through Decide.
class CaseLogStore {
 public:
  CaseLogStore() : calendar_(MakeCalendar()) {
    store_ = testing::OpenStore(dir_.Sub("events"));
    Publish(NormalItem());
    Publish(ImmediateItem());
  }

  EventStore& store() { return *store_; }
  // The log's directory; Close lets a test change its RocksDB behind the store's back.
  std::string LogPath() const { return dir_.Sub("events"); }
  void Close() { store_.reset(); }
  void Reopen() { store_ = testing::OpenStore(LogPath()); }
  const WorkingCalendar& calendar() const { return calendar_; }
  std::string Path(const std::string& name) const { return dir_.Sub(name); }

  void Publish(const CatalogItem& item) {
    items_.push_back(item);
    NewEvent event;
    event.type = std::string(kCatalogItemPublished);
    event.occurred_at = LocalTime(2026, 1, 5, 9);
    event.actor = Actor{"admin-1", "admin", "330106-GA", "online", ""};
    event.data = EncodeCatalogItem(item);
    AppendRequest request;
    request.stream = std::string(kCatalogStreamPrefix) + item.code;
    request.events.push_back(std::move(event));
    ASSERT_TRUE(store_->Append(std::move(request)).ok());
  }

  // Folds the case's stream, decides `command` and appends its events; the last position.
  uint64_t Run(const std::string& case_number, const CaseCommand& command, Timestamp now,
               const Actor& actor) {
    const std::string stream = std::string(kCaseStreamPrefix) + case_number;
    CaseState state;
    Result<std::vector<EventEnvelope>> events = store_->ReadStream(stream, 1, 1000);
    EXPECT_TRUE(events.ok());
    for (const EventEnvelope& envelope : *events) {
      Result<CaseEvent> data = DecodeEventData(envelope.type, envelope.schema, envelope.data);
      EXPECT_TRUE(data.ok());
      state = Evolve(std::move(state), RecordedCaseEvent{envelope.version, envelope.occurred_at,
                                                         ActorView::Of(envelope.actor), *data});
    }
    DecideContext context;
    context.now = now;
    context.actor = actor;
    const std::string code = std::holds_alternative<SubmitCommand>(command)
                                 ? std::get<SubmitCommand>(command).service_code
                                 : state.service_code;
    for (const CatalogItem& item : items_) {
      if (item.code == code) context.item = &item;
    }
    context.calendar = &calendar_;
    context.case_number = case_number;
    context.query_code_hash = "hash-" + case_number;
    context.order_id = "order-" + std::to_string(state.version + 1);
    context.rectification_id = "rect-" + std::to_string(state.version + 1);
    Result<std::vector<CaseEvent>> decided = Decide(state, command, context);
    EXPECT_TRUE(decided.ok()) << CommandActionName(command) << ": " << decided.status().ToString();
    if (!decided.ok()) return 0;
    AppendRequest request;
    request.stream = stream;
    request.expected = ExpectedVersion::Exact(state.version);
    for (const CaseEvent& event : *decided) {
      NewEvent recorded;
      recorded.type = std::string(EventTypeName(event));
      recorded.schema = EventSchema(event);
      recorded.occurred_at = now;
      recorded.actor = actor;
      recorded.data = EncodeEventData(event);
      request.events.push_back(std::move(recorded));
    }
    Result<AppendResult> result = store_->Append(std::move(request));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->last_position : 0;
  }

  // A submitted, accepted case of NormalItem for `id_number`, accepted on 2026-02-02.
  void SubmitAndAccept(const std::string& case_number, const std::string& id_number) {
    SubmitCommand submit = OnlineSubmit(NormalItem());
    submit.applicant.id_number = id_number;
    submit.materials = {"M01", "M02"};
    Run(case_number, submit, LocalTime(2026, 2, 2, 9), Citizen());
    Run(case_number, AcceptCommand{"SL-" + case_number, true}, LocalTime(2026, 2, 2, 10),
        Officer());
  }

 private:
  testing::TempDir dir_;
  WorkingCalendar calendar_;
  std::vector<CatalogItem> items_;
  std::unique_ptr<EventStore> store_;
};

// The read side over a CaseLogStore: read store, progress, applicant index and a runner.
struct ReadSide {
  ReadSide(CaseLogStore* log, const std::string& path) {
    projections::ReadStoreOptions options;
    options.path = path;
    options.families = {std::string(projections::kProgressFamily),
                        std::string(projections::kApplicantsFamily),
                        std::string(projections::kApplicantCasesFamily)};
    Result<std::unique_ptr<projections::ReadStore>> opened = projections::ReadStore::Open(options);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    read_store = std::move(opened).value();
    progress = std::make_unique<projections::Progress>(read_store.get(), &log->calendar());
    applicants = std::make_unique<projections::ApplicantIndex>(read_store.get());
    Result<std::unique_ptr<projections::ProjectionRunner>> created =
        projections::ProjectionRunner::Create(&log->store(), read_store.get(),
                                              {progress.get(), applicants.get()});
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    runner = std::move(created).value();
  }

  std::unique_ptr<projections::ReadStore> read_store;
  std::unique_ptr<projections::Progress> progress;
  std::unique_ptr<projections::ApplicantIndex> applicants;
  std::unique_ptr<projections::ProjectionRunner> runner;  // destroyed first
};

inline std::string IdNumber(const std::string& first17) {
  return first17 + ComputeCheckCharacter(first17);
}

}  // namespace yiwang::test

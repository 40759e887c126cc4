// The runner's Flush hook and its replay mode (runner_bulk.cc): projections split between
// applying threads, one atomic commit per batch, errors that stop every thread.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "projections/read_models.h"
#include "projections/runner.h"
#include "tests/projections/projection_fixtures.h"

namespace yiwang::test {
namespace {

using projections::CatchUpOptions;
using projections::ProjectedEvent;
using projections::ProjectionRunner;
using projections::ReadBatch;
using projections::ReadStore;

constexpr std::string_view kFamily = "counts";
constexpr size_t kBulkLevel0FilesMaxForTest = projections::kBulkLevel0FilesMax;

// Counts events in memory and writes the count only in Flush, under its own key: only a Flush
// that lands in the committed batch makes the count durable. Fails on demand in Apply or Flush.
class BufferingProjection : public projections::Projection {
 public:
  explicit BufferingProjection(std::string name) : name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  std::vector<std::string> families() const override { return {std::string(kFamily)}; }
  Status Apply(const ProjectedEvent& event, ReadBatch* batch) override {
    if (event.envelope.position == fail_at) return Internal("injected apply failure");
    if (!count_.has_value()) {
      Result<std::optional<std::string>> stored = batch->Get(kFamily, name_);
      if (!stored.ok()) return stored.status();
      count_ = stored->has_value() ? std::stoull(**stored) : 0;
    }
    ++*count_;
    if (event.recorded != nullptr) ++case_events;
    last_applied = event.envelope.position;
    return Status::Ok();
  }
  Status Flush(ReadBatch* batch) override {
    ++flushes;
    flushed_at.push_back(last_applied);
    if (fail_flush) return Internal("injected flush failure");
    if (!count_.has_value()) return Status::Ok();
    return batch->Put(kFamily, name_, std::to_string(*count_));
  }
  void Committed() override { ++commits; }
  void Discard() override {
    ++discards;
    count_.reset();
  }

  uint64_t fail_at = 0;
  bool fail_flush = false;
  int flushes = 0;
  int commits = 0;
  int discards = 0;
  uint64_t case_events = 0;
  uint64_t last_applied = 0;
  std::vector<uint64_t> flushed_at;  // the last position applied before each Flush

 private:
  std::string name_;
  std::optional<uint64_t> count_;  // the count including this batch's events, once loaded
};

uint64_t Stored(const ReadStore& store, const std::string& name) {
  Result<std::optional<std::string>> count = store.Get(kFamily, name);
  EXPECT_TRUE(count.ok());
  return count.ok() && count->has_value() ? std::stoull(**count) : 0;
}

std::unique_ptr<ReadStore> OpenStore(const std::string& path) {
  Result<std::unique_ptr<ReadStore>> store = ReadStore::Open({path, {std::string(kFamily)}});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Cases number `first`.. first + cases - 1, each submitted, accepted and under review.
void RunCases(CaseLogStore* log, int cases, int first = 0) {
  for (int index = first; index < first + cases; ++index) {
    const std::string case_number = "33010620260202" + std::to_string(10000 + index);
    log->SubmitAndAccept(case_number, ValidIdNumber());
    log->Run(case_number, StartReviewCommand{}, LocalTime(2026, 2, 3, 9), Officer());
  }
}

// Replays `log` in bulk into two projections, "first" and "second", over `store`, in batches of
// `batch_events`: the status, and the position the runner stopped at.
std::pair<Status, uint64_t> BulkReplayIntoTwo(CaseLogStore* log, ReadStore* store,
                                              size_t batch_events) {
  BufferingProjection first("first"), second("second");
  auto runner = ProjectionRunner::Create(&log->store(), store, {&first, &second});
  EXPECT_TRUE(runner.ok()) << runner.status().ToString();
  if (!runner.ok()) return {runner.status(), 0};
  CatchUpOptions options;
  options.bulk = true;
  options.batch_events = batch_events;
  Status status = (*runner)->CatchUp(options);
  return {std::move(status), (*runner)->position()};
}

TEST(RunnerBulkTest, ReplayOnSeveralThreadsCommitsEveryProjectionAtTheHead) {
  CaseLogStore log;
  RunCases(&log, 5);
  const uint64_t head = log.store().HeadPosition();
  std::unique_ptr<ReadStore> store = OpenStore(log.Path("read"));
  BufferingProjection first("first"), second("second"), third("third");
  auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&first, &second, &third});
  ASSERT_TRUE(runner.ok());
  uint64_t reported = 0;
  CatchUpOptions options;
  options.bulk = true;
  options.progress = [&](uint64_t position, uint64_t) { reported = position; };
  ASSERT_TRUE((*runner)->CatchUp(options).ok());
  EXPECT_EQ((*runner)->position(), head);
  EXPECT_EQ(reported, head);
  for (const BufferingProjection* projection : {&first, &second, &third}) {
    EXPECT_EQ(Stored(*store, std::string(projection->name())), head) << projection->name();
    EXPECT_EQ(*store->Checkpoint(projection->name()), head);
    EXPECT_EQ(projection->commits, 1);  // one batch: a few events
    // Every case event reached every group decoded, once.
    EXPECT_EQ(projection->case_events, first.case_events);
  }
  EXPECT_GT(first.case_events, 0u);
}

// Replay batches end every batch_events events and once more an eighth of that before the
// head, so that the last batch, which is written alone after the groups finish, is short.
TEST(RunnerBulkTest, BatchesEndEveryBatchAndOnceMoreAnEighthBeforeTheHead) {
  CaseLogStore log;
  RunCases(&log, 20);
  const uint64_t head = log.store().HeadPosition();
  constexpr uint64_t kBatch = 16;
  constexpr uint64_t kTail = kBatch / 8;
  ASSERT_GT(head, 3 * kBatch);
  std::vector<uint64_t> expected;
  for (uint64_t end = kBatch; end < head - kTail; end += kBatch) expected.push_back(end);
  expected.push_back(head - kTail);
  expected.push_back(head);
  std::unique_ptr<ReadStore> store = OpenStore(log.Path("read"));
  BufferingProjection first("first"), second("second");
  auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&first, &second});
  ASSERT_TRUE(runner.ok());
  CatchUpOptions options;
  options.bulk = true;
  options.batch_events = kBatch;
  ASSERT_TRUE((*runner)->CatchUp(options).ok());
  EXPECT_EQ(first.flushed_at, expected);
  EXPECT_EQ(second.flushed_at, expected);  // both groups stop at the same positions
  EXPECT_EQ(Stored(*store, "first"), head);
}

// A bulk catch-up leaves bulk mode at the end, unless told to stay (`yiwang replay`, which
// closes the store next); the state is the same either way.
TEST(RunnerBulkTest, StayBulkLeavesTheStoreInBulkMode) {
  CaseLogStore log;
  RunCases(&log, 3);
  const uint64_t head = log.store().HeadPosition();
  for (const bool stay : {false, true}) {
    std::unique_ptr<ReadStore> store = OpenStore(log.Path(stay ? "stay" : "leave"));
    BufferingProjection first("first");
    auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&first});
    ASSERT_TRUE(runner.ok());
    CatchUpOptions options;
    options.bulk = true;
    options.stay_bulk = stay;
    ASSERT_TRUE((*runner)->CatchUp(options).ok());
    EXPECT_EQ(store->bulk(), stay);
    EXPECT_EQ(Stored(*store, "first"), head);
    EXPECT_EQ(*store->Checkpoint("first"), head);
  }
}

// Each bulk commit ingests a file per family into level 0 while compaction is off; past
// bulk_level0_files_max files compaction runs again for the rest of the load, and the state
// stays exact while it does.
TEST(RunnerBulkTest, ManyBulkCommitsTurnCompactionBackOn) {
  CaseLogStore log;
  RunCases(&log, 5);
  const uint64_t head = log.store().HeadPosition();
  for (const size_t files_max : {size_t{2}, kBulkLevel0FilesMaxForTest}) {
    Result<std::unique_ptr<ReadStore>> opened = ReadStore::Open(
        {log.Path("read" + std::to_string(files_max)), {std::string(kFamily)}, files_max});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    std::unique_ptr<ReadStore> store = std::move(opened).value();
    BufferingProjection first("first"), second("second");
    auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&first, &second});
    ASSERT_TRUE(runner.ok());
    CatchUpOptions options;
    options.bulk = true;
    options.batch_events = 1;  // a commit, so an ingested file per family, every event
    ASSERT_TRUE((*runner)->CatchUp(options).ok());
    // Ingestion puts a file in the deepest level it overlaps nothing in: these overlap, so the
    // first six fill levels 6 to 1 and the rest stack up in level 0.
    EXPECT_GT(first.commits, 10);
    EXPECT_EQ(store->bulk_compacting(), files_max == 2) << files_max;
    for (const BufferingProjection* projection : {&first, &second}) {
      EXPECT_EQ(Stored(*store, std::string(projection->name())), head) << projection->name();
      EXPECT_EQ(*store->Checkpoint(projection->name()), head);
    }
  }
}

TEST(RunnerBulkTest, AFailureInOneGroupStopsEveryGroupAndCommitsNothing) {
  CaseLogStore log;
  RunCases(&log, 3);
  const uint64_t head = log.store().HeadPosition();
  std::unique_ptr<ReadStore> store = OpenStore(log.Path("read"));
  BufferingProjection healthy("healthy"), failing("failing");
  failing.fail_at = head - 1;
  auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&healthy, &failing});
  ASSERT_TRUE(runner.ok());
  Status status = (*runner)->CatchUp(CatchUpOptions{.bulk = true, .progress = nullptr});
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_NE(status.message().find("failing at position " + std::to_string(head - 1)),
            std::string::npos)
      << status.ToString();
  EXPECT_EQ((*runner)->status().code(), StatusCode::kInternal);
  EXPECT_EQ((*runner)->position(), 0u);
  EXPECT_EQ(Stored(*store, "healthy"), 0u);  // the healthy group's batch was dropped too
  EXPECT_EQ(*store->Checkpoint("healthy"), 0u);
  // Replay hands a flushed batch over (Committed) before it is written; the failure then
  // discards what the projection kept.
  EXPECT_GE(healthy.discards, 1);
}

// The decoder meets an event that is not JSON: replay stops with kDataLoss naming it, every
// group stops, and the batches before it stay committed (the events of its chunk before it were
// applied).
TEST(RunnerBulkTest, AnEventThatDoesNotDecodeStopsReplayAndKeepsTheBatchesBeforeIt) {
  CaseLogStore log;
  RunCases(&log, 6);
  const uint64_t head = log.store().HeadPosition();
  const uint64_t bad = head - 2;
  log.Close();
  testing::TamperWith(log.LogPath(), "events",
                      [&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events) {
                        ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), events,
                                            testing::PositionKey(bad), "{not json")
                                        .ok());
                      });
  log.Reopen();
  std::unique_ptr<ReadStore> store = OpenStore(log.Path("read"));
  const auto [status, position] = BulkReplayIntoTwo(&log, store.get(), 4);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
  EXPECT_NE(status.message().find("event " + std::to_string(bad)), std::string::npos)
      << status.ToString();
  const uint64_t kept = (bad - 1) / 4 * 4;  // the last batch boundary before the bad event
  ASSERT_GT(kept, 0u);
  EXPECT_EQ(position, kept);
  for (const std::string name : {"first", "second"}) {
    EXPECT_EQ(*store->Checkpoint(name), kept) << name;
    EXPECT_EQ(Stored(*store, name), kept) << name;
  }
}

// The reader meets a block of the log that fails its checksum, halfway through: replay stops with
// the read's error and commits nothing of the batch it was in (here the only one), rather than
// taking the error for the end of the log and committing the events before it as complete.
TEST(RunnerBulkTest, AReadErrorStopsReplayAndCommitsNothingOfItsBatch) {
  CaseLogStore log;
  RunCases(&log, 100);
  log.Close();
  // The events into a table file, then a byte in its middle (a data block) flipped.
  testing::TamperWith(log.LogPath(), "events",
                      [&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events) {
                        ASSERT_TRUE(db->Flush(rocksdb::FlushOptions(), events).ok());
                      });
  std::string largest;
  uintmax_t largest_size = 0;
  for (const auto& entry : std::filesystem::directory_iterator(log.LogPath())) {
    if (entry.path().extension() == ".sst" && entry.file_size() > largest_size) {
      largest = entry.path().string();
      largest_size = entry.file_size();
    }
  }
  ASSERT_GT(largest_size, 8192u) << largest;
  {
    std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(largest_size / 2));
    char byte = 0;
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x5a);
    file.seekp(static_cast<std::streamoff>(largest_size / 2));
    file.write(&byte, 1);
  }
  log.Reopen();
  std::unique_ptr<ReadStore> store = OpenStore(log.Path("read"));
  // One batch for the whole log.
  const auto [status, position] = BulkReplayIntoTwo(&log, store.get(), 1'000'000);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("orrupt"), std::string::npos) << status.ToString();
  EXPECT_EQ(position, 0u) << status.ToString();
  for (const std::string name : {"first", "second"}) {
    EXPECT_EQ(*store->Checkpoint(name), 0u) << name;
  }
}

TEST(RunnerBulkTest, AFailedFlushDropsTheBatchAndNamesTheProjection) {
  for (const bool bulk : {false, true}) {
    CaseLogStore log;
    RunCases(&log, 2);
    std::unique_ptr<ReadStore> store = OpenStore(log.Path("read"));
    BufferingProjection healthy("healthy"), failing("failing");
    failing.fail_flush = true;
    auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&healthy, &failing});
    ASSERT_TRUE(runner.ok());
    Status status = (*runner)->CatchUp(CatchUpOptions{.bulk = bulk, .progress = nullptr});
    EXPECT_EQ(status.code(), StatusCode::kInternal) << bulk;
    EXPECT_NE(status.message().find("failing: injected flush failure"), std::string::npos)
        << status.ToString();
    EXPECT_EQ(Stored(*store, "healthy"), 0u) << bulk;
    EXPECT_EQ(*store->Checkpoint("failing"), 0u) << bulk;
  }
}

TEST(RunnerBulkTest, LiveBatchesFlushOncePerCommitAndResumeWithoutDoubleCounting) {
  CaseLogStore log;
  RunCases(&log, 2);
  const uint64_t first_head = log.store().HeadPosition();
  std::unique_ptr<ReadStore> store = OpenStore(log.Path("read"));
  {
    BufferingProjection counting("counting");
    auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&counting});
    ASSERT_TRUE(runner.ok());
    ASSERT_TRUE((*runner)->CatchUp().ok());
    EXPECT_EQ(counting.flushes, counting.commits);
    EXPECT_GE(counting.commits, 1);
  }
  EXPECT_EQ(Stored(*store, "counting"), first_head);
  RunCases(&log, 1, /*first=*/2);
  BufferingProjection resumed("counting");
  auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&resumed});
  ASSERT_TRUE(runner.ok());
  ASSERT_TRUE((*runner)->CatchUp(CatchUpOptions{.bulk = true, .progress = nullptr}).ok());
  EXPECT_EQ(Stored(*store, "counting"), log.store().HeadPosition());
}

// Everything the four read models answer for these cases, as text.
std::string DumpAll(projections::ReadModels& models, const std::vector<std::string>& cases) {
  std::string out;
  for (const std::string& case_number : cases) {
    Result<projections::ProgressView> view =
        models.progress().Get(case_number, LocalTime(2026, 2, 10, 9));
    out += view.ok() ? projections::WriteProgressJson(*view) : view.status().ToString();
    out += "\n";
  }
  Result<projections::ApplicantPage<projections::ApplicantCase>> page =
      models.applicants().ListCases(ValidIdNumber(), "", 100);
  out += page.ok() ? projections::WriteApplicantCasesJson(*page) : page.status().ToString();
  projections::DashboardQuery query;
  query.now = LocalTime(2026, 2, 10, 9);
  Result<projections::DashboardReport> report = models.dashboard().Query(query);
  out += report.ok() ? projections::WriteDashboardJson(query, *report) : report.status().ToString();
  Result<projections::AuditPage> audit = models.audit().Query({}, "", 1000);
  Result<std::string> audit_json = audit.ok() ? projections::WriteAuditPageJson(*audit, false)
                                              : Result<std::string>(audit.status());
  out += audit_json.ok() ? *audit_json : audit_json.status().ToString();
  return out;
}

// `count` cases numbered from `first`, submitted and accepted, then each put under review:
// every case's events are interleaved with the others'.
std::vector<std::string> SubmitInterleaved(CaseLogStore* log, int count, int first) {
  std::vector<std::string> cases;
  for (int index = 0; index < count; ++index) {
    cases.push_back("33010620260202" + std::to_string(first + index));
    log->SubmitAndAccept(cases.back(), ValidIdNumber());
  }
  for (const std::string& case_number : cases) {
    log->Run(case_number, StartReviewCommand{}, LocalTime(2026, 2, 3, 9), Officer());
  }
  return cases;
}

// Fresh read models named `name` beside the log, the audit trail attached to it.
std::unique_ptr<projections::ReadModels> OpenModels(CaseLogStore& log, const std::string& name) {
  Result<std::unique_ptr<projections::ReadModels>> models =
      projections::ReadModels::Open(log.Path(name), &log.calendar());
  EXPECT_TRUE(models.ok()) << models.status().ToString();
  (*models)->audit().AttachLog(&log.store());
  return std::move(models).value();
}

// What read models that a live runner caught up answer for `cases` (DumpAll).
std::string LiveAnswers(CaseLogStore& log, const std::vector<std::string>& cases) {
  std::unique_ptr<projections::ReadModels> live = OpenModels(log, "live");
  auto runner = ProjectionRunner::Create(&log.store(), live->store(), live->all());
  EXPECT_TRUE(runner.ok());
  EXPECT_TRUE((*runner)->CatchUp().ok());
  return DumpAll(*live, cases);
}

// Replay commits a batch while the threads already apply the next one, which reads through the
// batch being written: with batches of a few events every case crosses many boundaries, and the
// read models must answer exactly what a live runner's do.
TEST(RunnerBulkTest, SmallReplayBatchesAnswerAsTheLiveRunnerDoes) {
  CaseLogStore log;
  const std::vector<std::string> cases = SubmitInterleaved(&log, 4, 20000);
  for (const std::string& case_number : cases) {
    log.Run(case_number, TransferCommand{"330100-GA-ZD", "转市局审核"}, LocalTime(2026, 2, 3, 10),
            Officer());
  }

  const std::string expected = LiveAnswers(log, cases);
  EXPECT_NE(expected.find(R"("state":"Transferred")"), std::string::npos) << expected;

  for (const size_t batch_events : {size_t{1}, size_t{3}, size_t{7}}) {
    std::unique_ptr<projections::ReadModels> replayed =
        OpenModels(log, "replay" + std::to_string(batch_events));
    auto runner = ProjectionRunner::Create(&log.store(), replayed->store(), replayed->all());
    ASSERT_TRUE(runner.ok());
    int commits = 0;
    CatchUpOptions options;
    options.bulk = true;
    options.batch_events = batch_events;
    options.progress = [&](uint64_t, uint64_t) { ++commits; };
    ASSERT_TRUE((*runner)->CatchUp(options).ok());
    EXPECT_EQ((*runner)->position(), log.store().HeadPosition());
    EXPECT_GE(commits, 3) << batch_events;  // 18 events: 18, 6 and 3 batches
    EXPECT_EQ(DumpAll(*replayed, cases), expected) << "batches of " << batch_events;
  }
}

// A started runner far behind the log (a server started over deleted read models, a node
// imported from Kafka) catches up in bulk on its own thread, then follows live; what it answers
// is what a live runner answers.
TEST(RunnerBulkTest, AStartedRunnerFarBehindCatchesUpInBulkThenFollowsLive) {
  CaseLogStore log;
  const std::vector<std::string> cases = SubmitInterleaved(&log, 6, 30000);
  std::unique_ptr<projections::ReadModels> started = OpenModels(log, "started");
  auto runner = ProjectionRunner::Create(&log.store(), started->store(), started->all());
  ASSERT_TRUE(runner.ok());
  (*runner)->SetBulkCatchUpThreshold(10);  // the log holds ~30 events
  ASSERT_TRUE((*runner)->Start().ok());
  ASSERT_TRUE((*runner)->WaitForPosition(log.store().HeadPosition(), std::chrono::seconds(20)));
  EXPECT_EQ((*runner)->bulk_catch_ups(), 1u);
  // A few events more (below the threshold): followed live.
  log.Run(cases[0], TransferCommand{"330100-GA-ZD", "转市局审核"}, LocalTime(2026, 2, 3, 10),
          Officer());
  ASSERT_TRUE((*runner)->WaitForPosition(log.store().HeadPosition(), std::chrono::seconds(20)));
  EXPECT_EQ((*runner)->bulk_catch_ups(), 1u);
  EXPECT_TRUE((*runner)->status().ok()) << (*runner)->status().ToString();
  (*runner)->Stop();

  const std::string expected = LiveAnswers(log, cases);
  EXPECT_NE(expected.find(R"("state":"Transferred")"), std::string::npos) << expected;
  EXPECT_EQ(DumpAll(*started, cases), expected);
}

// Stop ends a bulk catch-up at its next boundary without stopping the runner on an error; a
// runner started again over the same read models finishes it.
TEST(RunnerBulkTest, StopDuringABulkCatchUpIsNoErrorAndARestartFinishesIt) {
  CaseLogStore log;
  RunCases(&log, 40);
  const uint64_t head = log.store().HeadPosition();
  std::unique_ptr<ReadStore> store = OpenStore(log.Path("read"));
  BufferingProjection first("first"), second("second");
  {
    auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&first, &second});
    ASSERT_TRUE(runner.ok());
    (*runner)->SetBulkCatchUpThreshold(1);
    ASSERT_TRUE((*runner)->Start().ok());
    (*runner)->Stop();
    EXPECT_TRUE((*runner)->status().ok()) << (*runner)->status().ToString();
    EXPECT_LE((*runner)->position(), head);
  }
  BufferingProjection again_first("first"), again_second("second");
  auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&again_first, &again_second});
  ASSERT_TRUE(runner.ok());
  (*runner)->SetBulkCatchUpThreshold(1);
  ASSERT_TRUE((*runner)->Start().ok());
  ASSERT_TRUE((*runner)->WaitForPosition(head, std::chrono::seconds(20)));
  (*runner)->Stop();
  EXPECT_EQ(Stored(*store, "first"), head);  // every event counted once
  EXPECT_EQ(Stored(*store, "second"), head);
}

TEST(ReadBatchTest, SeveralBatchesCommitAsOneAndTheLastWins) {
  testing::TempDir dir;
  std::unique_ptr<ReadStore> store = OpenStore(dir.Sub("read"));
  ASSERT_NE(store, nullptr);
  std::unique_ptr<ReadBatch> seed = store->NewBatch();
  ASSERT_TRUE(seed->Put(kFamily, "a", "0").ok());
  ASSERT_TRUE(store->Commit(seed.get()).ok());

  std::unique_ptr<ReadBatch> first = store->NewBatch();
  std::unique_ptr<ReadBatch> second = store->NewBatch();
  ASSERT_TRUE(first->Put(kFamily, "shared", "first").ok());
  ASSERT_TRUE(first->Put(kFamily, "c", "3").ok());
  ASSERT_TRUE(first->Delete(kFamily, "a").ok());
  ASSERT_TRUE(second->Put(kFamily, "b", "2").ok());
  ASSERT_TRUE(second->Put(kFamily, "shared", "second").ok());

  ASSERT_TRUE(store->Commit({first.get(), second.get()}, ReadStore::CommitOptions{}).ok());
  EXPECT_FALSE(store->Get(kFamily, "a")->has_value());  // a staged delete is written
  EXPECT_EQ(**store->Get(kFamily, "b"), "2");
  EXPECT_EQ(**store->Get(kFamily, "c"), "3");
  EXPECT_EQ(**store->Get(kFamily, "shared"), "second");  // the later batch wins
}

TEST(ReadStoreTest, BulkModeKeepsWritesReadableAndClearEmptiesAFamily) {
  testing::TempDir dir;
  std::unique_ptr<ReadStore> store = OpenStore(dir.Sub("read"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->SetBulk(true).ok());
  std::unique_ptr<ReadBatch> batch = store->NewBatch();
  for (int index = 0; index < 1000; ++index) {
    ASSERT_TRUE(batch->Put(kFamily, "k" + std::to_string(index), std::string(100, 'x')).ok());
  }
  batch->SetCheckpoint("counting", 1000);
  ASSERT_TRUE(store->Commit(batch.get(), ReadStore::CommitOptions{.write_ahead_log = false}).ok());
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(store->SetBulk(false).ok());
  EXPECT_EQ(store->Get(kFamily, "k999")->value_or(""), std::string(100, 'x'));
  EXPECT_EQ(*store->Checkpoint("counting"), 1000u);

  ASSERT_TRUE(store->Clear(kFamily, "counting").ok());
  EXPECT_FALSE(store->Get(kFamily, "k999")->has_value());
  EXPECT_EQ(*store->Checkpoint("counting"), 0u);
  int left = 0;
  ASSERT_TRUE(store
                  ->Scan(kFamily, "", "",
                         [&](std::string_view, std::string_view) {
                           ++left;
                           return true;
                         })
                  .ok());
  EXPECT_EQ(left, 0);
}

// A rebuild opens without compaction, so level-0 files are all a family has between rebuilds;
// Clear must take them away, not leave them under a tombstone for every later lookup to search.
TEST(ReadStoreTest, ClearDropsTheFilesOfAFamilyAndKeepsTheOthers) {
  testing::TempDir dir;
  constexpr std::string_view kOther = "other";
  projections::ReadStoreOptions options{dir.Sub("read"), {std::string(kFamily), std::string(kOther)}};
  options.compaction_at_open = false;
  {
    Result<std::unique_ptr<ReadStore>> store = ReadStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->SetBulk(true).ok());
    for (int round = 0; round < 3; ++round) {
      std::unique_ptr<ReadBatch> batch = (*store)->NewBatch();
      for (int index = 0; index < 100; ++index) {
        const std::string key = "k" + std::to_string(round * 100 + index);
        ASSERT_TRUE(batch->Put(kFamily, key, "v").ok());
        ASSERT_TRUE(batch->Put(kOther, key, "w").ok());
      }
      batch->SetCheckpoint("counting", round + 1);
      batch->SetCheckpoint("others", round + 1);
      ASSERT_TRUE((*store)->Commit(batch.get()).ok());
      ASSERT_TRUE((*store)->Flush().ok());  // one level-0 file per family and round
    }
    EXPECT_EQ((*store)->Level0Files(kFamily), 3u);

    ASSERT_TRUE((*store)->Clear(kFamily, "counting").ok());
    EXPECT_EQ((*store)->Level0Files(kFamily), 0u);  // was 3 with DeleteFilesInRange
    EXPECT_EQ((*store)->Level0Files(kOther), 3u);
    EXPECT_FALSE((*store)->Get(kFamily, "k7")->has_value());
    EXPECT_EQ(*(*store)->Checkpoint("counting"), 0u);
    EXPECT_EQ(**(*store)->Get(kOther, "k7"), "w");
    EXPECT_EQ(*(*store)->Checkpoint("others"), 3u);

    // The family made again is in bulk mode like the rest, and takes writes.
    std::unique_ptr<ReadBatch> batch = (*store)->NewBatch();
    ASSERT_TRUE(batch->Put(kFamily, "k1", "again").ok());
    batch->SetCheckpoint("counting", 9);
    ASSERT_TRUE((*store)->Commit(batch.get(), ReadStore::CommitOptions{.write_ahead_log = false,
                                                                       .ingest = true})
                    .ok());
    ASSERT_TRUE((*store)->SetBulk(false).ok());
  }
  Result<std::unique_ptr<ReadStore>> reopened = ReadStore::Open(options);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(**(*reopened)->Get(kFamily, "k1"), "again");
  EXPECT_FALSE((*reopened)->Get(kFamily, "k7")->has_value());
  EXPECT_EQ(*(*reopened)->Checkpoint("counting"), 9u);
  EXPECT_EQ(**(*reopened)->Get(kOther, "k299"), "w");
}

}  // namespace
}  // namespace yiwang::test

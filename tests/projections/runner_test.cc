#include "projections/runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "projections/internal/decoded_event.h"
#include "tests/projections/projection_fixtures.h"

namespace yiwang::test {
namespace {

using namespace std::chrono_literals;
using projections::ProjectionRunner;
using projections::ReadBatch;
using projections::ReadStore;
using projections::ReadStoreOptions;

// Counts the events it sees, with no protection of its own against applying one twice: only the
// checkpoint sharing the batch keeps the count right. Fails on demand at one position.
class CountingProjection : public projections::Projection {
 public:
  std::string_view name() const override { return "counting"; }
  std::vector<std::string> families() const override { return {"counts"}; }
  Status Apply(const projections::ProjectedEvent& event, ReadBatch* batch) override {
    if (event.envelope.position == fail_at) return Internal("injected failure");
    Result<std::optional<std::string>> count = batch->Get("counts", "n");
    if (!count.ok()) return count.status();
    const uint64_t next = (count->has_value() ? std::stoull(**count) : 0) + 1;
    return batch->Put("counts", "n", std::to_string(next));
  }
  void Committed() override {}
  void Discard() override {}
  uint64_t fail_at = 0;
};

uint64_t Count(const ReadStore& store) {
  Result<std::optional<std::string>> count = store.Get("counts", "n");
  EXPECT_TRUE(count.ok());
  return count.ok() && count->has_value() ? std::stoull(**count) : 0;
}

std::unique_ptr<ReadStore> OpenCountStore(const std::string& path) {
  Result<std::unique_ptr<ReadStore>> store = ReadStore::Open({path, {"counts"}});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Everything the read side answers for these cases, as text.
std::string Dump(ReadSide& read, const std::vector<std::string>& cases) {
  std::string out;
  for (const std::string& case_number : cases) {
    Result<projections::ProgressView> view =
        read.progress->Get(case_number, LocalTime(2026, 2, 10, 9));
    out += view.ok() ? projections::WriteProgressJson(*view) : view.status().ToString();
    out += "\n";
  }
  Result<projections::ApplicantPage<projections::ApplicantCase>> page =
      read.applicants->ListCases(ValidIdNumber(), "", 100);
  out += page.ok() ? projections::WriteApplicantCasesJson(*page) : page.status().ToString();
  return out;
}

const std::vector<std::string> kCases = {"3301062026020200001", "3301062026020200002"};

void RunSomeCommands(CaseLogStore* log, const std::string& case_number) {
  log->SubmitAndAccept(case_number, ValidIdNumber());
  log->Run(case_number, StartReviewCommand{}, LocalTime(2026, 2, 3, 9), Officer());
  log->Run(case_number, TransferCommand{"330100-GA-ZD", "转市局审核"}, LocalTime(2026, 2, 3, 10),
           Officer());
}

// A stored event not in canonical form (whitespace, as another writer may have put it) takes
// the parser and decodes to the same event as its canonical form, in a DecodedEvent reused for
// either form in turn; a position the bytes contradict is kDataLoss on both paths.
TEST(DecodedEventTest, ANonCanonicalStoredEventDecodesLikeItsCanonicalForm) {
  EventEnvelope envelope;
  envelope.position = 42;
  envelope.stream = std::string(kCaseStreamPrefix) + "3301062026020200001";
  envelope.version = 2;
  CaseAccepted accepted;
  accepted.acceptance_number = "SL-1";
  accepted.promised_days = 5;
  envelope.type = std::string(EventTypeName(CaseEvent(accepted)));
  envelope.schema = EventSchema(CaseEvent(accepted));
  envelope.data = EncodeEventData(CaseEvent(accepted));
  envelope.occurred_at = LocalTime(2026, 2, 2, 10);
  envelope.recorded_at = envelope.occurred_at;
  envelope.actor = Officer();
  envelope.prev_hash = std::string(kZeroHash);
  envelope.hash = std::string(64, 'a');
  const std::string canonical = EncodeEnvelope(envelope);
  std::string spaced = canonical;
  spaced.replace(spaced.find("\"version\":"), 10, "\"version\": ");

  auto expect_decoded = [&](const projections::internal::DecodedEvent& event,
                            const std::string& bytes, bool viewed_in_place) {
    const EnvelopeView& view = event.envelope();
    EXPECT_EQ(view.position, 42u);
    EXPECT_EQ(view.stream, envelope.stream);
    EXPECT_EQ(view.type, envelope.type);
    EXPECT_EQ(view.version, 2u);
    EXPECT_EQ(view.actor.department, Officer().department);
    EXPECT_EQ(event.case_number(), "3301062026020200001");
    ASSERT_NE(event.view().recorded, nullptr);
    EXPECT_EQ(std::get<CaseAccepted>(event.view().recorded->event), accepted);
    EXPECT_EQ(event.view().recorded->actor.department, Officer().department);
    const bool in_bytes =
        view.stream.data() >= bytes.data() && view.stream.data() < bytes.data() + bytes.size();
    EXPECT_EQ(in_bytes, viewed_in_place);
  };
  projections::internal::DecodedEvent event;
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(projections::internal::DecodeStored(42, spaced, &event).ok());
    expect_decoded(event, spaced, /*viewed_in_place=*/false);
    ASSERT_TRUE(projections::internal::DecodeStored(42, canonical, &event).ok());
    expect_decoded(event, canonical, /*viewed_in_place=*/true);
  }
  for (const std::string& bytes : {canonical, spaced}) {
    EXPECT_EQ(projections::internal::DecodeStored(43, bytes, &event).code(), StatusCode::kDataLoss);
  }
}

TEST(RunnerTest, ResumesFromCheckpointAndMatchesAFreshRebuild) {
  CaseLogStore log;
  RunSomeCommands(&log, kCases[0]);
  {
    ReadSide read(&log, log.Path("read"));
    ASSERT_TRUE(read.runner->CatchUp().ok());
    EXPECT_EQ(read.runner->position(), log.store().HeadPosition());
  }
  RunSomeCommands(&log, kCases[1]);
  log.Run(kCases[0], StartReviewCommand{}, LocalTime(2026, 2, 4, 9), Officer());
  log.Run(kCases[0], ApproveCommand{}, LocalTime(2026, 2, 4, 10), Officer());
  ReadSide resumed(&log, log.Path("read"));
  EXPECT_LT(resumed.runner->position(), log.store().HeadPosition());
  ASSERT_TRUE(resumed.runner->CatchUp().ok());
  Result<uint64_t> checkpoint = resumed.read_store->Checkpoint("progress");
  ASSERT_TRUE(checkpoint.ok());
  EXPECT_EQ(*checkpoint, log.store().HeadPosition());

  ReadSide fresh(&log, log.Path("fresh"));
  ASSERT_TRUE(fresh.runner->CatchUp().ok());
  const std::string expected = Dump(fresh, kCases);
  EXPECT_NE(expected.find(R"("state":"Approved")"), std::string::npos) << expected;
  EXPECT_EQ(Dump(resumed, kCases), expected);
}

TEST(RunnerTest, FailedBatchCommitsNothingAndResumesWithoutDoubleCounting) {
  CaseLogStore log;
  RunSomeCommands(&log, kCases[0]);
  const uint64_t first_head = log.store().HeadPosition();
  std::unique_ptr<ReadStore> store = OpenCountStore(log.Path("count"));
  {
    CountingProjection counting;
    auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&counting});
    ASSERT_TRUE(runner.ok());
    ASSERT_TRUE((*runner)->CatchUp().ok());
    ASSERT_EQ(Count(*store), first_head);
  }
  RunSomeCommands(&log, kCases[1]);
  const uint64_t head = log.store().HeadPosition();
  ASSERT_GT(head, first_head + 2);

  // The next batch (first_head + 1 .. head) fails at its last event, as if the process died.
  CountingProjection failing;
  failing.fail_at = head;
  auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&failing});
  ASSERT_TRUE(runner.ok());
  Status status = (*runner)->CatchUp();
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ((*runner)->status().code(), StatusCode::kInternal);
  EXPECT_NE(status.message().find("counting at position"), std::string::npos);
  EXPECT_EQ(Count(*store), first_head);  // the failed batch left nothing behind
  EXPECT_EQ((*runner)->position(), first_head);
  runner->reset();

  CountingProjection healthy;
  auto restarted = ProjectionRunner::Create(&log.store(), store.get(), {&healthy});
  ASSERT_TRUE(restarted.ok());
  EXPECT_EQ((*restarted)->position(), first_head);
  ASSERT_TRUE((*restarted)->CatchUp().ok());
  EXPECT_EQ(Count(*store), head);
  // Restarting at the head applies nothing twice.
  restarted->reset();
  CountingProjection again;
  auto third = ProjectionRunner::Create(&log.store(), store.get(), {&again});
  ASSERT_TRUE(third.ok());
  ASSERT_TRUE((*third)->CatchUp().ok());
  EXPECT_EQ(Count(*store), head);
}

TEST(RunnerTest, LiveRunnerServesReadYourWrites) {
  CaseLogStore log;
  ReadSide read(&log, log.Path("read"));
  ASSERT_TRUE(read.runner->Start().ok());
  EXPECT_EQ(read.runner->Start().code(), StatusCode::kFailedPrecondition);
  log.SubmitAndAccept(kCases[0], ValidIdNumber());
  const uint64_t position =
      log.Run(kCases[0], StartReviewCommand{}, LocalTime(2026, 2, 3, 9), Officer());
  ASSERT_TRUE(read.runner->WaitForPosition(position, 10s));
  Result<projections::ProgressView> view = read.progress->Get(kCases[0], LocalTime(2026, 2, 3, 10));
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->record->state.status, CaseStatus::kUnderReview);
  EXPECT_FALSE(read.runner->WaitForPosition(position + 1, 20ms));

  // Restart: the cached record is replaced by the newer one (write-through on commit).
  read.runner->Stop();
  const uint64_t approved =
      log.Run(kCases[0], ApproveCommand{}, LocalTime(2026, 2, 4, 9), Officer());
  ASSERT_TRUE(read.runner->Start().ok());
  ASSERT_TRUE(read.runner->WaitForPosition(approved, 10s));
  view = read.progress->Get(kCases[0], LocalTime(2026, 2, 4, 10));
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->record->state.status, CaseStatus::kApproved);
  EXPECT_TRUE(read.runner->status().ok());
}

TEST(RunnerTest, RebuildEqualsLiveState) {
  CaseLogStore log;
  RunSomeCommands(&log, kCases[0]);
  RunSomeCommands(&log, kCases[1]);
  std::string live;
  {
    ReadSide read(&log, log.Path("read"));
    ASSERT_TRUE(read.runner->CatchUp().ok());
    live = Dump(read, kCases);
    read.runner.reset();
    ASSERT_TRUE(ProjectionRunner::Rebuild(read.read_store.get(), read.progress.get()).ok());
    ASSERT_TRUE(ProjectionRunner::Rebuild(read.read_store.get(), read.applicants.get()).ok());
    EXPECT_EQ(read.progress->Get(kCases[0], LocalTime(2026, 2, 4, 9)).status().code(),
              StatusCode::kNotFound);
    EXPECT_EQ(*read.read_store->Checkpoint("applicants"), 0u);
  }
  ReadSide rebuilt(&log, log.Path("read"));
  EXPECT_EQ(rebuilt.runner->position(), 0u);
  ASSERT_TRUE(rebuilt.runner->CatchUp().ok());
  EXPECT_EQ(Dump(rebuilt, kCases), live);
}

TEST(RunnerTest, UndecodableHistoryStopsTheRunnerWithAStatus) {
  CaseLogStore log;
  ReadSide read(&log, log.Path("read"));
  ASSERT_TRUE(read.runner->Start().ok());
  AppendRequest request;
  request.stream = "case-3301062026020299999";
  NewEvent event;
  event.type = "CaseApproved";  // a case event without a CaseSubmitted before it
  event.occurred_at = LocalTime(2026, 2, 4, 9);
  event.actor = Officer();
  event.data = "{}";
  request.events.push_back(event);
  Result<AppendResult> appended = log.store().Append(std::move(request));
  ASSERT_TRUE(appended.ok());
  EXPECT_FALSE(read.runner->WaitForPosition(appended->last_position, 10s));
  EXPECT_EQ(read.runner->status().code(), StatusCode::kDataLoss);
  EXPECT_LT(read.runner->position(), appended->last_position);
  read.runner->Stop();
  EXPECT_EQ(read.runner->Start().code(), StatusCode::kFailedPrecondition);
}

TEST(RunnerTest, CreateRefusesBadArguments) {
  CaseLogStore log;
  std::unique_ptr<ReadStore> store = OpenCountStore(log.Path("count"));
  CountingProjection first;
  CountingProjection second;
  EXPECT_EQ(ProjectionRunner::Create(&log.store(), store.get(), {&first, &second}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ProjectionRunner::Create(&log.store(), store.get(), {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadStore::Open({log.Path("bad"), {"checkpoints"}}).status().code(),
            StatusCode::kInvalidArgument);
  std::unique_ptr<ReadBatch> batch = store->NewBatch();
  EXPECT_EQ(batch->Put("nope", "k", "v").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Get("nope", "k").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace yiwang::test

namespace yiwang::test {
namespace {

TEST(RunnerBulkTest, BulkCatchUpEqualsTheLiveRunnerAndReportsProgress) {
  CaseLogStore log;
  RunSomeCommands(&log, kCases[0]);
  RunSomeCommands(&log, kCases[1]);
  std::string live;
  {
    ReadSide read(&log, log.Path("live"));
    ASSERT_TRUE(read.runner->CatchUp().ok());
    live = Dump(read, kCases);
  }
  ReadSide bulk(&log, log.Path("bulk"));
  std::vector<std::pair<uint64_t, uint64_t>> reports;
  projections::CatchUpOptions options;
  options.bulk = true;
  options.progress = [&](uint64_t position, uint64_t head) {
    reports.emplace_back(position, head);
  };
  ASSERT_TRUE(bulk.runner->CatchUp(options).ok());
  EXPECT_EQ(bulk.runner->position(), log.store().HeadPosition());
  EXPECT_EQ(Dump(bulk, kCases), live);
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back(), std::make_pair(log.store().HeadPosition(), log.store().HeadPosition()));
  for (const auto& [name, checkpoint] : bulk.runner->Checkpoints()) {
    EXPECT_EQ(checkpoint, log.store().HeadPosition()) << name;
  }
}

// Bulk commits skip the WAL; a reopened store (the final flush made them durable) resumes from
// the checkpoint and counts nothing twice.
TEST(RunnerBulkTest, BulkCatchUpIsDurableAndResumes) {
  CaseLogStore log;
  RunSomeCommands(&log, kCases[0]);
  const uint64_t first_head = log.store().HeadPosition();
  projections::CatchUpOptions bulk;
  bulk.bulk = true;
  {
    std::unique_ptr<ReadStore> store = OpenCountStore(log.Path("count"));
    CountingProjection counting;
    auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&counting});
    ASSERT_TRUE(runner.ok());
    ASSERT_TRUE((*runner)->CatchUp(bulk).ok());
  }
  RunSomeCommands(&log, kCases[1]);
  std::unique_ptr<ReadStore> store = OpenCountStore(log.Path("count"));
  EXPECT_EQ(Count(*store), first_head);
  EXPECT_EQ(*store->Checkpoint("counting"), first_head);
  CountingProjection counting;
  auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&counting});
  ASSERT_TRUE(runner.ok());
  ASSERT_TRUE((*runner)->CatchUp(bulk).ok());
  EXPECT_EQ(Count(*store), log.store().HeadPosition());
}

TEST(RunnerBulkTest, BulkFailureStopsWithTheErrorAndCommitsNoPartialBatch) {
  CaseLogStore log;
  RunSomeCommands(&log, kCases[0]);
  std::unique_ptr<ReadStore> store = OpenCountStore(log.Path("count"));
  CountingProjection failing;
  failing.fail_at = 3;
  auto runner = ProjectionRunner::Create(&log.store(), store.get(), {&failing});
  ASSERT_TRUE(runner.ok());
  projections::CatchUpOptions bulk;
  bulk.bulk = true;
  Status status = (*runner)->CatchUp(bulk);
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ((*runner)->status().code(), StatusCode::kInternal);
  EXPECT_EQ(Count(*store), 0u);
  EXPECT_EQ(*store->Checkpoint("counting"), 0u);
}

TEST(ReadBatchTest, LastWriteWinsAndGetSeesTheBatch) {
  CaseLogStore log;
  std::unique_ptr<ReadStore> store = OpenCountStore(log.Path("count"));
  {
    std::unique_ptr<ReadBatch> batch = store->NewBatch();
    ASSERT_TRUE(batch->Put("counts", "a", "1").ok());
    ASSERT_TRUE(batch->Put("counts", "b", "1").ok());
    ASSERT_TRUE(store->Commit(batch.get()).ok());
  }
  std::unique_ptr<ReadBatch> batch = store->NewBatch();
  ASSERT_TRUE(batch->Put("counts", "a", "2").ok());
  ASSERT_TRUE(batch->Put("counts", "a", "3").ok());
  ASSERT_TRUE(batch->Delete("counts", "b").ok());
  ASSERT_TRUE(batch->Put("counts", "c", "x").ok());
  ASSERT_TRUE(batch->Delete("counts", "c").ok());
  EXPECT_EQ(**batch->Get("counts", "a"), "3");
  EXPECT_FALSE(batch->Get("counts", "b")->has_value());
  EXPECT_FALSE(batch->Get("counts", "c")->has_value());
  EXPECT_EQ(batch->count(), 5u);
  EXPECT_EQ(batch->Put("nope", "a", "1").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(**store->Get("counts", "b"), "1");  // nothing visible before Commit
  ASSERT_TRUE(store->Commit(batch.get(), {.write_ahead_log = false}).ok());
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_EQ(**store->Get("counts", "a"), "3");
  EXPECT_FALSE(store->Get("counts", "b")->has_value());
  EXPECT_FALSE(store->Get("counts", "c")->has_value());
}

TEST(ReadBatchTest, IngestedCommitsAreAtomicAndTheLastBatchWins) {
  CaseLogStore log;
  const std::string path = log.Path("ingest");
  const std::string bulk = path + "/bulk";
  {
    Result<std::unique_ptr<ReadStore>> opened = ReadStore::Open({path, {"counts", "more"}});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    std::unique_ptr<ReadStore> store = std::move(opened).value();
    std::unique_ptr<ReadBatch> first = store->NewBatch();
    ASSERT_TRUE(first->Put("counts", "a", "1").ok());
    ASSERT_TRUE(first->Put("counts", "b", "1").ok());
    ASSERT_TRUE(first->Put("counts", "z", "1").ok());
    ASSERT_TRUE(store->Commit(first.get()).ok());

    std::unique_ptr<ReadBatch> second = store->NewBatch();
    std::unique_ptr<ReadBatch> third = store->NewBatch();
    ASSERT_TRUE(second->Put("counts", "a", "2").ok());
    ASSERT_TRUE(second->Put("counts", "c", "2").ok());
    ASSERT_TRUE(second->Delete("counts", "b").ok());
    ASSERT_TRUE(second->Put("more", "k", "old").ok());
    ASSERT_TRUE(third->Put("counts", "a", "3").ok());   // the later batch wins
    ASSERT_TRUE(third->Delete("counts", "z").ok());
    ASSERT_TRUE(third->Put("more", "k", "v").ok());
    third->SetCheckpoint("counting", 42);
    const ReadStore::CommitOptions ingest{.write_ahead_log = false, .ingest = true};
    ASSERT_TRUE(store->Commit({second.get(), third.get()}, ingest).ok());
    EXPECT_EQ(**store->Get("counts", "a"), "3");
    EXPECT_FALSE(store->Get("counts", "b")->has_value());
    EXPECT_EQ(**store->Get("counts", "c"), "2");
    EXPECT_FALSE(store->Get("counts", "z")->has_value());
    EXPECT_EQ(**store->Get("more", "k"), "v");
    EXPECT_EQ(*store->Checkpoint("counting"), 42u);
    // The files were moved into the store, none is left behind.
    EXPECT_TRUE(std::filesystem::is_empty(bulk));
  }
  // Durable without a flush, and a file a crash left before its ingestion is dropped at open.
  {
    std::ofstream(bulk + "/7.sst") << "half-written";
  }
  Result<std::unique_ptr<ReadStore>> reopened = ReadStore::Open({path, {"counts", "more"}});
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(**(*reopened)->Get("counts", "a"), "3");
  EXPECT_EQ(**(*reopened)->Get("more", "k"), "v");
  EXPECT_EQ(*(*reopened)->Checkpoint("counting"), 42u);
  EXPECT_FALSE(std::filesystem::exists(bulk + "/7.sst"));
}

// The families' table files of an ingested commit are written side by side; when one of them
// cannot be written, none is ingested, none is left behind, and the store takes the next commit.
TEST(ReadBatchTest, AnIngestedCommitWithAFileThatCannotBeWrittenChangesNothing) {
  CaseLogStore log;
  const std::string path = log.Path("ingest-fails");
  const std::string bulk = path + "/bulk";
  Result<std::unique_ptr<ReadStore>> opened = ReadStore::Open({path, {"counts", "more"}});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<ReadStore> store = std::move(opened).value();
  const ReadStore::CommitOptions ingest{.write_ahead_log = false, .ingest = true};
  auto fill = [](ReadBatch* batch, const std::string& value) {
    for (int key = 0; key < 100; ++key) {
      ASSERT_TRUE(batch->Put("counts", "k" + std::to_string(key), value).ok());
    }
    ASSERT_TRUE(batch->Put("more", "m", value).ok());
    batch->SetCheckpoint("counting", 7);
  };
  // The commit's files are 1.sst, 2.sst and 3.sst (counts, more, checkpoints: the largest
  // first); a directory in the place of the second makes its writer fail.
  std::filesystem::create_directories(bulk + "/2.sst");
  std::unique_ptr<ReadBatch> failing = store->NewBatch();
  fill(failing.get(), "lost");
  const Status status = store->Commit(failing.get(), ingest);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_FALSE(store->Get("counts", "k0")->has_value());
  EXPECT_FALSE(store->Get("more", "m")->has_value());
  EXPECT_EQ(*store->Checkpoint("counting"), 0u);
  EXPECT_FALSE(std::filesystem::exists(bulk + "/1.sst"));
  EXPECT_FALSE(std::filesystem::exists(bulk + "/3.sst"));

  std::filesystem::remove_all(bulk);
  std::unique_ptr<ReadBatch> next = store->NewBatch();
  fill(next.get(), "kept");
  ASSERT_TRUE(store->Commit(next.get(), ingest).ok());
  EXPECT_EQ(**store->Get("counts", "k99"), "kept");
  EXPECT_EQ(**store->Get("more", "m"), "kept");
  EXPECT_EQ(*store->Checkpoint("counting"), 7u);
}

// A store opened for a rebuild starts no compaction (RocksDB would otherwise merge the last
// load's level-0 files while the rebuild clears them); leaving bulk mode turns it on.
TEST(ReadStoreTest, ARebuildOpensWithoutCompactionUntilBulkModeEnds) {
  CaseLogStore log;
  const std::string path = log.Path("rebuild");
  auto open = [&](bool compaction) {
    ReadStoreOptions options{path, {"counts"}};
    options.compaction_at_open = compaction;
    Result<std::unique_ptr<ReadStore>> store = ReadStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(store).value();
  };
  {
    std::unique_ptr<ReadStore> store = open(false);
    for (int file = 0; file < 6; ++file) {  // six overlapping level-0 files: past the trigger of 4
      std::unique_ptr<ReadBatch> batch = store->NewBatch();
      ASSERT_TRUE(batch->Put("counts", "a", std::to_string(file)).ok());
      ASSERT_TRUE(batch->Put("counts", "z", std::to_string(file)).ok());
      ASSERT_TRUE(store->Commit(batch.get()).ok());
      ASSERT_TRUE(store->Flush().ok());
    }
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(store->Level0Files("counts"), 6u);
  }
  auto compacts = [](const ReadStore& store) {
    for (int waited = 0; waited < 100 && store.Level0Files("counts") >= 6; ++waited) {
      std::this_thread::sleep_for(100ms);
    }
    return store.Level0Files("counts") < 6;
  };
  std::unique_ptr<ReadStore> store = open(false);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(store->Level0Files("counts"), 6u);
  ASSERT_TRUE(store->SetBulk(true).ok());
  ASSERT_TRUE(store->SetBulk(false).ok());
  EXPECT_TRUE(compacts(*store));
  EXPECT_EQ(**store->Get("counts", "a"), "5");
}

}  // namespace
}  // namespace yiwang::test

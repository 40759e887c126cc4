// The append pipeline (stager, writer, completer): appends staged while earlier batches are
// still being written must see those batches' heads and idempotency keys, and must fail when an
// earlier write fails. The write seam holds the writer inside a write so that later appends are
// staged behind it.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "eventstore/event_store.h"
#include "tests/eventstore/test_support.h"

namespace yiwang {
namespace {

using testing::MakeRequest;
using testing::TempDir;

// Holds the first write of the store until Release(), then lets it end with `first_status`.
class WriteGate {
 public:
  explicit WriteGate(Status first_status) : first_status_(std::move(first_status)) {}

  std::function<Status()> Hook() {
    return [this]() -> Status {
      std::unique_lock<std::mutex> lock(mutex_);
      if (++writes_ > 1) return Status::Ok();
      entered_ = true;
      changed_.notify_all();
      changed_.wait(lock, [&] { return released_; });
      return first_status_;
    };
  }
  void WaitEntered() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return entered_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  Status first_status_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int writes_ = 0;
  bool entered_ = false;
  bool released_ = false;
};

// Outcomes of AppendAsync calls by name, and a wait for all of them.
class Outcomes {
 public:
  AppendCallback For(const std::string& name) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++expected_;
    }
    return [this, name](AppendOutcome outcome) {
      std::lock_guard<std::mutex> lock(mutex_);
      outcomes_[name] = std::move(outcome);
      changed_.notify_all();
    };
  }
  bool WaitAll() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30),
                             [&] { return outcomes_.size() == expected_; });
  }
  const AppendOutcome& operator[](const std::string& name) { return outcomes_.at(name); }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  size_t expected_ = 0;
  std::map<std::string, AppendOutcome> outcomes_;
};

// Long enough for the stager to take and stage what was queued; the assertions do not depend on
// it, only which path the lookups take does.
void LetTheStagerRun() { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }

TEST(PipelineTest, AppendsStagedBehindAnUnwrittenBatchSeeItsHeadsAndKeys) {
  TempDir dir;
  WriteGate gate(Status::Ok());
  EventStoreOptions options;
  options.path = dir.path();
  options.head_cache_streams_max = 1;  // so that heads are looked up in the in-flight batches
  options.write_fault_for_testing = gate.Hook();
  Result<std::unique_ptr<EventStore>> opened = EventStore::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EventStore& store = **opened;
  Outcomes outcomes;

  store.AppendAsync(MakeRequest("s1", ExpectedVersion::NoStream(), 1, "k1"), outcomes.For("a"));
  gate.WaitEntered();  // batch 1 (a) is being written and is not on disk
  store.AppendAsync(MakeRequest("s2", ExpectedVersion::NoStream()), outcomes.For("x"));
  LetTheStagerRun();  // batch 2 (x) waits for the writer; the head cache now holds only s2
  store.AppendAsync(MakeRequest("s1", ExpectedVersion::Exact(1), 1, "k2"), outcomes.For("b"));
  store.AppendAsync(MakeRequest("s1", ExpectedVersion::NoStream(), 1, "k1"), outcomes.For("dup"));
  store.AppendAsync(MakeRequest("s3", ExpectedVersion::Any(), 1, "k1"), outcomes.For("other"));
  store.AppendAsync(MakeRequest("s1", ExpectedVersion::Exact(0)), outcomes.For("conflict"));
  LetTheStagerRun();
  EXPECT_EQ(store.HeadPosition(), 0u);  // nothing acknowledged or visible before it is written
  gate.Release();
  ASSERT_TRUE(outcomes.WaitAll());

  ASSERT_TRUE(outcomes["a"].status.ok()) << outcomes["a"].status.ToString();
  EXPECT_EQ(outcomes["a"].result.first_position, 1u);
  ASSERT_TRUE(outcomes["x"].status.ok());
  EXPECT_EQ(outcomes["x"].result.first_position, 2u);
  ASSERT_TRUE(outcomes["b"].status.ok()) << outcomes["b"].status.ToString();
  EXPECT_EQ(outcomes["b"].result.first_version, 2u);
  EXPECT_EQ(outcomes["b"].result.first_position, 3u);
  ASSERT_TRUE(outcomes["dup"].status.ok());
  EXPECT_TRUE(outcomes["dup"].result.duplicate);
  EXPECT_EQ(outcomes["dup"].result.first_position, 1u);
  EXPECT_EQ(outcomes["other"].status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(outcomes["conflict"].status.reason(), "version_conflict");
  EXPECT_EQ(outcomes["conflict"].actual_version, 2u);

  EXPECT_EQ(store.HeadPosition(), 3u);
  EXPECT_EQ(store.StreamVersion("s1").value(), 2u);
  Result<VerifyReport> report = store.Verify(VerifyOptions());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST(PipelineTest, AFailedWriteFailsTheBatchesStagedBehindIt) {
  TempDir dir;
  {
    WriteGate gate(Unavailable("injected I/O error"));
    EventStoreOptions options;
    options.path = dir.path();
    options.write_fault_for_testing = gate.Hook();
    Result<std::unique_ptr<EventStore>> opened = EventStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EventStore& store = **opened;
    Outcomes outcomes;
    store.AppendAsync(MakeRequest("s1", ExpectedVersion::NoStream(), 1, "k1"), outcomes.For("a"));
    gate.WaitEntered();
    store.AppendAsync(MakeRequest("s2", ExpectedVersion::NoStream()), outcomes.For("x"));
    LetTheStagerRun();
    store.AppendAsync(MakeRequest("s1", ExpectedVersion::NoStream(), 1, "k1"), outcomes.For("dup"));
    store.AppendAsync(MakeRequest("s1", ExpectedVersion::Exact(1)), outcomes.For("b"));
    LetTheStagerRun();
    gate.Release();
    ASSERT_TRUE(outcomes.WaitAll());
    for (const char* name : {"a", "x", "dup", "b"}) {
      EXPECT_EQ(outcomes[name].status.code(), StatusCode::kUnavailable) << name;
    }
    EXPECT_EQ(store.HeadPosition(), 0u);
    EXPECT_EQ(store.Append(MakeRequest("s9", ExpectedVersion::Any())).status().code(),
              StatusCode::kUnavailable);
  }
  std::unique_ptr<EventStore> store = testing::OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->HeadPosition(), 0u);
  Result<AppendResult> retry =
      store->Append(MakeRequest("s1", ExpectedVersion::NoStream(), 1, "k1"));
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_FALSE(retry->duplicate);
  EXPECT_EQ(retry->first_position, 1u);
}

// Many writers, one key each round, batches small enough that retries land in different
// batches while earlier ones are still being written: exactly one original per key.
TEST(PipelineTest, DuplicateKeysRacingAcrossBatchesHaveOneOriginal) {
  TempDir dir;
  std::unique_ptr<EventStore> store = testing::OpenStore(dir.path(), Durability::kFsync);
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr int kKeys = 40;
  std::vector<std::vector<Result<AppendResult>>> results(
      kThreads, std::vector<Result<AppendResult>>(kKeys, Result<AppendResult>(Internal("unset"))));
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (int key = 0; key < kKeys; ++key) {
        results[thread][key] = store->Append(MakeRequest(
            "case-" + std::to_string(key), ExpectedVersion::Any(), 1, "k-" + std::to_string(key)));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int key = 0; key < kKeys; ++key) {
    int originals = 0;
    for (int thread = 0; thread < kThreads; ++thread) {
      const Result<AppendResult>& result = results[thread][key];
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      originals += result->duplicate ? 0 : 1;
      EXPECT_EQ(result->first_position, results[0][key]->first_position);
      EXPECT_EQ(result->first_version, 1u);
    }
    EXPECT_EQ(originals, 1) << "key " << key;
  }
  EXPECT_EQ(store->HeadPosition(), static_cast<uint64_t>(kKeys));
  Result<VerifyReport> report = store->Verify(VerifyOptions());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

}  // namespace
}  // namespace yiwang

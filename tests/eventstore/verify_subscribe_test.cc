// VerifyChain against a good log and against bytes changed behind the store's back (through raw
// RocksDB), subscriptions (catch-up then live), WaitForCommit, the format version check and
// the Sha256Hex digest.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <thread>

#include "eventstore/digest.h"
#include "eventstore/event_store.h"
#include "tests/eventstore/test_support.h"

namespace yiwang {
namespace {

using testing::MakeRequest;
using testing::OpenStore;
using testing::PositionKey;
using testing::TamperWith;
using testing::TempDir;
using namespace std::chrono_literals;

void FillLog(const std::string& path, int appends) {
  std::unique_ptr<EventStore> store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  for (int index = 0; index < appends; ++index) {
    ASSERT_TRUE(
        store->Append(MakeRequest("case-" + std::to_string(index % 3), ExpectedVersion::Any(), 2))
            .ok());
  }
}

TEST(VerifyTest, PassesOnAGoodLogAndReportsTheHead) {
  TempDir dir;
  std::string head_hash;
  {
    std::unique_ptr<EventStore> store = OpenStore(dir.path());
    ASSERT_NE(store, nullptr);
    for (int index = 0; index < 10; ++index) {
      ASSERT_TRUE(
          store->Append(MakeRequest("s" + std::to_string(index % 4), ExpectedVersion::Any(), 3))
              .ok());
    }
    head_hash = store->HeadHash();
    // Verify runs beside a live writer, read-only.
    std::vector<uint64_t> progress;
    VerifyOptions options;
    options.progress_interval = 10;
    options.progress = [&](uint64_t position) { progress.push_back(position); };
    Result<VerifyReport> report = VerifyChain(dir.path(), options);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->ok) << report->problem;
    EXPECT_EQ(report->events_checked, 30u);
    EXPECT_EQ(report->last_hash, head_hash);
    EXPECT_EQ(report->head_hash, head_hash);
    EXPECT_EQ(progress, (std::vector<uint64_t>{10, 20, 30}));
    options = VerifyOptions();
    options.from_position = 11;
    options.to_position = 20;
    report = store->Verify(options);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << report->problem;
    EXPECT_EQ(report->first_position, 11u);
    EXPECT_EQ(report->events_checked, 10u);
  }
  Result<VerifyReport> empty = VerifyChain(dir.Sub("none"), VerifyOptions());
  EXPECT_FALSE(empty.ok());
}

TEST(VerifyTest, CatchesAByteChangedBehindTheStoresBack) {
  TempDir dir;
  FillLog(dir.path(), 10);
  TamperWith(dir.path(), "events", [](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events) {
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), events, PositionKey(7), &value).ok());
    const size_t at = value.find("officer-0192");
    ASSERT_NE(at, std::string::npos);
    value[at + 8] = '9';  // officer-0192 -> officer-9192: still valid JSON
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), events, PositionKey(7), value).ok());
  });
  Result<VerifyReport> report = VerifyChain(dir.path(), VerifyOptions());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->bad_position, 7u);
  EXPECT_NE(report->problem.find("hash mismatch"), std::string::npos) << report->problem;
  EXPECT_EQ(report->events_checked, 6u);
}

TEST(VerifyTest, CatchesADeletedEventAndABrokenIndex) {
  TempDir dir;
  FillLog(dir.path(), 10);
  TamperWith(dir.path(), "events", [](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), events, PositionKey(4)).ok());
  });
  Result<VerifyReport> report = VerifyChain(dir.path(), VerifyOptions());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->bad_position, 4u);
  EXPECT_NE(report->problem.find("gap"), std::string::npos) << report->problem;

  TempDir other;
  FillLog(other.path(), 3);
  TamperWith(other.path(), "streams", [](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* streams) {
    ASSERT_TRUE(
        db->Delete(rocksdb::WriteOptions(), streams, std::string("case-1\0\0\0\0\2", 11)).ok());
  });
  report = VerifyChain(other.path(), VerifyOptions());
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->bad_position, 4u);
  EXPECT_NE(report->problem.find("streams index"), std::string::npos) << report->problem;

  // A deleted last event disagrees with the chain head in meta: the store refuses to open.
  TempDir last;
  FillLog(last.path(), 2);
  TamperWith(last.path(), "events", [](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), events, PositionKey(4)).ok());
  });
  EventStoreOptions options;
  options.path = last.path();
  EXPECT_EQ(EventStore::Open(options).status().code(), StatusCode::kDataLoss);
}

TEST(FormatTest, RefusesAnUnknownFormatVersionAndForeignDatabases) {
  TempDir dir;
  FillLog(dir.path(), 1);
  TamperWith(dir.path(), "meta", [](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta) {
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), meta, "format_version", std::string("\0\0\0\2", 4)).ok());
  });
  EventStoreOptions options;
  options.path = dir.path();
  Result<std::unique_ptr<EventStore>> store = EventStore::Open(options);
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("format version 2"), std::string::npos);

  TempDir foreign;
  rocksdb::Options foreign_options;
  foreign_options.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(foreign_options, foreign.path(), &db).ok());
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "projection", &handle).ok());
  ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  delete db;
  options.path = foreign.path();
  EXPECT_EQ(EventStore::Open(options).status().code(), StatusCode::kFailedPrecondition);
}

TEST(SubscriptionTest, CatchesUpThenFollowsLiveCommits) {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Append(MakeRequest("s", ExpectedVersion::Any(), 5)).ok());
  std::unique_ptr<Subscription> from_start = store->Subscribe(1);
  std::unique_ptr<Subscription> from_four = store->Subscribe(4);
  Result<std::vector<StoredEvent>> batch = from_start->Poll(3, 0ms);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 3u);
  EXPECT_EQ(batch->front().position, 1u);
  batch = from_start->Poll(100, 0ms);
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ(batch->back().position, 5u);
  EXPECT_TRUE(from_start->Poll(100, 1ms)->empty());
  EXPECT_EQ(from_four->Poll(100, 0ms)->size(), 2u);

  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(store->Append(MakeRequest("s", ExpectedVersion::Exact(5), 2)).ok());
  });
  for (Subscription* subscription : {from_start.get(), from_four.get()}) {
    std::vector<uint64_t> seen;
    while (seen.size() < 2) {
      Result<std::vector<StoredEvent>> live = subscription->Poll(100, 10s);
      ASSERT_TRUE(live.ok());
      ASSERT_FALSE(live->empty()) << "timed out waiting for a live commit";
      for (const StoredEvent& event : *live) seen.push_back(event.position);
    }
    EXPECT_EQ(seen, (std::vector<uint64_t>{6, 7}));
    EXPECT_EQ(subscription->next_position(), 8u);
  }
  writer.join();
  EXPECT_TRUE(store->WaitForCommit(7, 0ms));
  EXPECT_FALSE(store->WaitForCommit(8, 5ms));
}

TEST(SubscriptionTest, CloseWakesAWaitingPoll) {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  std::unique_ptr<Subscription> subscription = store->Subscribe(1);
  const auto start = std::chrono::steady_clock::now();
  std::thread closer([&] {
    std::this_thread::sleep_for(50ms);
    subscription->Close();
  });
  Result<std::vector<StoredEvent>> result = subscription->Poll(10, 30s);
  closer.join();
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);

  // Closing the store wakes subscribers too.
  std::unique_ptr<Subscription> other = store->Subscribe(1);
  std::thread store_closer([&] {
    std::this_thread::sleep_for(50ms);
    store->Close();
  });
  result = other->Poll(10, 30s);
  store_closer.join();
  EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace yiwang

namespace yiwang {
namespace {

TEST(DigestTest, Sha256HexMatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace yiwang

// Appends, reads, expected versions, idempotency, concurrency and reopening of the event store,
// against RocksDB on disk in a temporary directory.
#include "eventstore/event_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "tests/eventstore/test_support.h"

namespace yiwang {
namespace {

using testing::MakeEvent;
using testing::MakeRequest;
using testing::OpenStore;
using testing::TempDir;

TEST(EventStoreTest, AppendsAndReadsBack) {
  TempDir dir;
  EventStoreOptions options;
  options.path = dir.path();
  options.clock = [] { return Timestamp{1'800'000'000'123}; };
  Result<std::unique_ptr<EventStore>> opened = EventStore::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EventStore& store = **opened;
  EXPECT_EQ(store.HeadPosition(), 0u);
  EXPECT_EQ(store.HeadHash(), kZeroHash);

  AppendRequest request = MakeRequest("case-1", ExpectedVersion::NoStream(), 3, "key-1");
  const std::vector<NewEvent> sent = request.events;
  Result<AppendResult> result = store.Append(std::move(request));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->stream, "case-1");
  EXPECT_EQ(result->first_version, 1u);
  EXPECT_EQ(result->last_version, 3u);
  EXPECT_EQ(result->first_position, 1u);
  EXPECT_EQ(result->last_position, 3u);
  EXPECT_FALSE(result->duplicate);

  Result<std::vector<EventEnvelope>> events = store.ReadStream("case-1", 1, 100);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 3u);
  std::string prev_hash(kZeroHash);
  for (size_t index = 0; index < 3; ++index) {
    const EventEnvelope& event = (*events)[index];
    EXPECT_EQ(event.position, index + 1);
    EXPECT_EQ(event.version, index + 1);
    EXPECT_EQ(event.stream, "case-1");
    EXPECT_EQ(event.type, sent[index].type);
    EXPECT_EQ(event.data, sent[index].data);
    EXPECT_EQ(event.actor, sent[index].actor);
    EXPECT_EQ(event.occurred_at, sent[index].occurred_at);
    EXPECT_EQ(event.recorded_at, Timestamp{1'800'000'000'123});
    EXPECT_EQ(event.idempotency_key, "key-1");
    EXPECT_EQ(event.prev_hash, prev_hash);
    prev_hash = event.hash;
  }
  EXPECT_EQ(store.HeadPosition(), 3u);
  EXPECT_EQ(store.HeadHash(), prev_hash);
  EXPECT_EQ(store.StreamVersion("case-1").value(), 3u);
  EXPECT_EQ(store.StreamVersion("case-none").value(), 0u);

  Result<std::vector<EventEnvelope>> tail = store.ReadStream("case-1", 3, 100);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 1u);
  EXPECT_EQ(tail->front().version, 3u);
  EXPECT_TRUE(store.ReadStream("case-none", 1, 10)->empty());
  // A stream id that is a prefix of another does not see the other's events.
  ASSERT_TRUE(store.Append(MakeRequest("case-10", ExpectedVersion::Any())).ok());
  EXPECT_EQ(store.ReadStream("case-1", 1, 100)->size(), 3u);

  Result<std::vector<StoredEvent>> all = store.ReadAll(2, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(all->front().position, 2u);
  EXPECT_EQ(EncodeEnvelope((*events)[1]), all->front().bytes);
  EXPECT_EQ(store.ReadAll(1, 2)->size(), 2u);
}

TEST(EventStoreTest, ExpectedVersionsAndConflictsCarryTheActualVersion) {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Append(MakeRequest("s", ExpectedVersion::NoStream())).ok());

  uint32_t actual = 99;
  Result<AppendResult> again =
      store->Append(MakeRequest("s", ExpectedVersion::NoStream()), &actual);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAborted);
  EXPECT_EQ(again.status().reason(), "version_conflict");
  EXPECT_EQ(actual, 1u);

  Result<AppendResult> exact = store->Append(MakeRequest("s", ExpectedVersion::Exact(1), 2));
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(exact->first_version, 2u);
  EXPECT_EQ(exact->last_version, 3u);

  Result<AppendResult> stale = store->Append(MakeRequest("s", ExpectedVersion::Exact(1)), &actual);
  EXPECT_EQ(stale.status().reason(), "version_conflict");
  EXPECT_EQ(actual, 3u);
  Result<AppendResult> ahead = store->Append(MakeRequest("t", ExpectedVersion::Exact(4)), &actual);
  EXPECT_EQ(ahead.status().code(), StatusCode::kAborted);
  EXPECT_EQ(actual, 0u);

  Result<AppendResult> any = store->Append(MakeRequest("s", ExpectedVersion::Any()));
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->first_version, 4u);
  EXPECT_EQ(any->first_position, 4u);
  // Conflicts wrote nothing: positions stay gap-free.
  EXPECT_EQ(store->HeadPosition(), 4u);
}

TEST(EventStoreTest, RacingExactAppendsHaveOneWinnerPerVersion) {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr uint32_t kVersions = 60;
  std::vector<std::atomic<int>> winners(kVersions + 1);
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&] {
      for (uint32_t version = 0; version < kVersions; ++version) {
        uint32_t actual = 0;
        Result<AppendResult> result =
            store->Append(MakeRequest("case-race", ExpectedVersion::Exact(version)), &actual);
        if (result.ok()) {
          EXPECT_EQ(result->first_version, version + 1);
          winners[version + 1].fetch_add(1);
        } else {
          EXPECT_EQ(result.status().reason(), "version_conflict");
          EXPECT_NE(actual, version);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const uint32_t head = store->StreamVersion("case-race").value();
  EXPECT_GE(head, 1u);
  for (uint32_t version = 1; version <= kVersions; ++version) {
    EXPECT_EQ(winners[version].load(), version <= head ? 1 : 0) << "version " << version;
  }
  EXPECT_EQ(store->HeadPosition(), head);
}

TEST(EventStoreTest, PositionsAreGapFreeUnderConcurrency) {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 16;
  constexpr int kAppendsPerThread = 150;
  std::vector<std::thread> threads;
  std::mutex results_mutex;
  std::set<uint64_t> positions;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (int index = 0; index < kAppendsPerThread; ++index) {
        const std::string stream = "case-" + std::to_string((thread * 7 + index) % 37);
        Result<AppendResult> result =
            store->Append(MakeRequest(stream, ExpectedVersion::Any(), 1 + index % 3));
        ASSERT_TRUE(result.ok()) << result.status().ToString();
        std::lock_guard<std::mutex> lock(results_mutex);
        for (uint64_t position = result->first_position; position <= result->last_position;
             ++position) {
          EXPECT_TRUE(positions.insert(position).second) << position;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const uint64_t total = positions.size();
  EXPECT_EQ(*positions.begin(), 1u);
  EXPECT_EQ(*positions.rbegin(), total);
  EXPECT_EQ(store->HeadPosition(), total);

  std::map<std::string, uint32_t> last_version;
  uint64_t expected_position = 1;
  ASSERT_TRUE(store
                  ->ForEach(1, UINT64_MAX,
                            [&](uint64_t position, std::string_view bytes) {
                              EXPECT_EQ(position, expected_position++);
                              Result<EventEnvelope> event = DecodeEnvelope(bytes);
                              EXPECT_TRUE(event.ok());
                              if (!event.ok()) return event.status();
                              EXPECT_EQ(event->position, position);
                              EXPECT_EQ(event->version, ++last_version[event->stream])
                                  << event->stream;
                              return Status::Ok();
                            })
                  .ok());
  EXPECT_EQ(expected_position, total + 1);
  EXPECT_GT(store->GetStats().batches, 0u);
  EXPECT_EQ(store->GetStats().events, total);
}

TEST(EventStoreTest, IdempotentRetryReturnsTheOriginalAndWritesNothing) {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Append(MakeRequest("other", ExpectedVersion::Any())).ok());
  Result<AppendResult> first = store->Append(MakeRequest("s", ExpectedVersion::NoStream(), 2, "k"));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->duplicate);
  const std::string head_hash = store->HeadHash();

  // Even a retry whose expected version is now stale returns the original result.
  Result<AppendResult> retry = store->Append(MakeRequest("s", ExpectedVersion::NoStream(), 2, "k"));
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->first_position, 2u);
  EXPECT_EQ(retry->last_position, 3u);
  EXPECT_EQ(retry->first_version, 1u);
  EXPECT_EQ(retry->last_version, 2u);
  EXPECT_EQ(store->HeadPosition(), 3u);
  EXPECT_EQ(store->HeadHash(), head_hash);

  Result<AppendResult> elsewhere = store->Append(MakeRequest("t", ExpectedVersion::Any(), 1, "k"));
  EXPECT_EQ(elsewhere.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(elsewhere.status().field(), "idempotency_key");
  EXPECT_EQ(store->HeadPosition(), 3u);
}

TEST(EventStoreTest, ConcurrentIdempotentRetriesHaveOneOriginal) {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path(), Durability::kFsync);
  ASSERT_NE(store, nullptr);
  for (int round = 0; round < 20; ++round) {
    const std::string key = "key-" + std::to_string(round);
    const std::string stream = "case-" + std::to_string(round);
    std::atomic<int> originals{0};
    std::vector<Result<AppendResult>> results(8, Result<AppendResult>(Internal("unset")));
    std::vector<std::thread> threads;
    for (size_t thread = 0; thread < results.size(); ++thread) {
      threads.emplace_back([&, thread] {
        results[thread] = store->Append(MakeRequest(stream, ExpectedVersion::NoStream(), 3, key));
        if (results[thread].ok() && !results[thread]->duplicate) originals.fetch_add(1);
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(originals.load(), 1);
    for (const Result<AppendResult>& result : results) {
      ASSERT_TRUE(result.ok()) << result.status().ToString();
      EXPECT_EQ(result->first_position, results[0]->first_position);
      EXPECT_EQ(result->last_version, 3u);
    }
    EXPECT_EQ(store->HeadPosition(), 3u * (round + 1));
  }
}

TEST(EventStoreTest, ReopenRestoresHeadsChainPositionsAndIdempotency) {
  TempDir dir;
  std::string head_hash;
  {
    std::unique_ptr<EventStore> store = OpenStore(dir.path(), Durability::kFsync);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Append(MakeRequest("a", ExpectedVersion::NoStream(), 2, "ka")).ok());
    ASSERT_TRUE(store->Append(MakeRequest("b", ExpectedVersion::NoStream(), 1)).ok());
    head_hash = store->HeadHash();
  }
  std::unique_ptr<EventStore> store = OpenStore(dir.path(), Durability::kFsync);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->HeadPosition(), 3u);
  EXPECT_EQ(store->HeadHash(), head_hash);
  EXPECT_EQ(store->StreamVersion("a").value(), 2u);
  uint32_t actual = 0;
  EXPECT_EQ(store->Append(MakeRequest("a", ExpectedVersion::Exact(1)), &actual).status().reason(),
            "version_conflict");
  EXPECT_EQ(actual, 2u);
  Result<AppendResult> retry = store->Append(MakeRequest("a", ExpectedVersion::Any(), 2, "ka"));
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->first_position, 1u);
  Result<AppendResult> next = store->Append(MakeRequest("a", ExpectedVersion::Exact(2)));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_position, 4u);
  EXPECT_EQ(next->first_version, 3u);
  Result<std::vector<EventEnvelope>> events = store->ReadStream("a", 3, 1);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().prev_hash, head_hash);
  Result<VerifyReport> report = store->Verify(VerifyOptions());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->events_checked, 4u);
}

TEST(EventStoreTest, RefusesInvalidInputBeforeQueueing) {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  auto expect_invalid = [&](AppendRequest request, const std::string& field) {
    Result<AppendResult> result = store->Append(std::move(request));
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(result.status().field(), field);
  };
  expect_invalid(MakeRequest("", ExpectedVersion::Any()), "stream");
  expect_invalid(MakeRequest(std::string(kStreamIdBytesMax + 1, 's'), ExpectedVersion::Any()),
                 "stream");
  expect_invalid(MakeRequest(std::string("a\0b", 3), ExpectedVersion::Any()), "stream");
  expect_invalid(MakeRequest("s", ExpectedVersion::Any(), 0), "events");
  expect_invalid(MakeRequest("s", ExpectedVersion::Any(), kAppendEventsMax + 1), "events");
  expect_invalid(MakeRequest("s", ExpectedVersion::Any(), 1, std::string(200, 'k')),
                 "idempotency_key");
  AppendRequest request = MakeRequest("s", ExpectedVersion::Any());
  request.events[0].data = "[1]";
  expect_invalid(request, "events[0].data");
  request.events[0].data = "{\"a\":";
  expect_invalid(request, "events[0].data");
  request.events[0].data = "";
  expect_invalid(request, "events[0].data");
  request.events[0].data = "{" + std::string(kEventBytesMax, ' ') + "}";
  expect_invalid(request, "events[0].data");
  request = MakeRequest("s", ExpectedVersion::Any());
  request.events[0].type = "";
  expect_invalid(request, "events[0].type");
  request = MakeRequest("s", ExpectedVersion::Any());
  request.events[0].actor.id = "\xff\xfe";
  expect_invalid(request, "events[0].actor.id");
  EXPECT_EQ(store->HeadPosition(), 0u);

  // Data that fits but whose envelope does not is refused by the writer, leaving no trace.
  request = MakeRequest("s", ExpectedVersion::Any(), 2);
  request.events[1].data = "{\"x\":\"" + std::string(kEventBytesMax - 20, 'x') + "\"}";
  Result<AppendResult> too_big = store->Append(std::move(request));
  EXPECT_EQ(too_big.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(store->HeadPosition(), 0u);
  ASSERT_TRUE(store->Append(MakeRequest("s", ExpectedVersion::NoStream())).ok());
  EXPECT_EQ(store->HeadPosition(), 1u);
}

TEST(EventStoreTest, ClosedAndReadOnlyStoresReturnErrors) {
  TempDir dir;
  std::unique_ptr<EventStore> store = OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Append(MakeRequest("s", ExpectedVersion::Any())).ok());
  {
    EventStoreOptions options;
    options.path = dir.path();
    options.read_only = true;
    Result<std::unique_ptr<EventStore>> reader = EventStore::Open(options);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_EQ((*reader)->HeadPosition(), 1u);
    EXPECT_EQ((*reader)->Append(MakeRequest("s", ExpectedVersion::Any())).status().code(),
              StatusCode::kUnavailable);
  }
  store->Close();
  store->Close();
  EXPECT_EQ(store->Append(MakeRequest("s", ExpectedVersion::Any())).status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(store->ReadAll(1, 10)->size(), 1u);
  EXPECT_FALSE(store->WaitForCommit(2, std::chrono::milliseconds(1)));

  EventStoreOptions options;
  options.path = dir.Sub("missing");
  options.read_only = true;
  EXPECT_FALSE(EventStore::Open(options).ok());
  options.path = "";
  EXPECT_EQ(EventStore::Open(options).status().code(), StatusCode::kInvalidArgument);
  // A second writable instance on the same directory is refused (RocksDB's lock).
  std::unique_ptr<EventStore> first = OpenStore(dir.Sub("locked"));
  options.path = dir.Sub("locked");
  options.read_only = false;
  EXPECT_FALSE(EventStore::Open(options).ok());
}

TEST(EventStoreTest, BothDurabilitiesPersist) {
  for (Durability durability : {Durability::kFsync, Durability::kOs}) {
    TempDir dir;
    {
      std::unique_ptr<EventStore> store = OpenStore(dir.path(), durability);
      ASSERT_NE(store, nullptr);
      ASSERT_TRUE(store->Append(MakeRequest("s", ExpectedVersion::Any(), 4)).ok());
    }
    std::unique_ptr<EventStore> store = OpenStore(dir.path(), durability);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->ReadStream("s", 1, 10)->size(), 4u);
  }
}

}  // namespace
}  // namespace yiwang

namespace yiwang {
namespace {

TEST(EventStoreFailureTest, AFailedWriteFailsItsBatchAndLaterAppendsAndReopenRecovers) {
  testing::TempDir dir;
  std::string head_hash;
  {
    std::atomic<int> writes{0};
    EventStoreOptions options;
    options.path = dir.path();
    options.write_fault_for_testing = [&writes]() -> Status {
      return ++writes == 3 ? Unavailable("injected I/O error") : Status::Ok();
    };
    Result<std::unique_ptr<EventStore>> store = EventStore::Open(options);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Append(testing::MakeRequest("s", ExpectedVersion::Any(), 1, "k1")).ok());
    ASSERT_TRUE((*store)->Append(testing::MakeRequest("s", ExpectedVersion::Any())).ok());
    head_hash = (*store)->HeadHash();
    Result<AppendResult> failed =
        (*store)->Append(testing::MakeRequest("s", ExpectedVersion::Any(), 1, "k3"));
    EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(failed.status().message().find("injected"), std::string::npos);
    // Even a duplicate that needs no write is refused: the store no longer trusts its state.
    EXPECT_EQ((*store)
                  ->Append(testing::MakeRequest("s", ExpectedVersion::Any(), 1, "k1"))
                  .status()
                  .code(),
              StatusCode::kUnavailable);
    EXPECT_EQ((*store)->HeadPosition(), 2u);
    EXPECT_EQ((*store)->HeadHash(), head_hash);
  }
  std::unique_ptr<EventStore> store = testing::OpenStore(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->HeadPosition(), 2u);
  EXPECT_EQ(store->HeadHash(), head_hash);
  Result<AppendResult> retry =
      store->Append(testing::MakeRequest("s", ExpectedVersion::Exact(2), 1, "k3"));
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_FALSE(retry->duplicate);
  EXPECT_EQ(retry->first_position, 3u);
  Result<VerifyReport> report = store->Verify(VerifyOptions());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
}

}  // namespace
}  // namespace yiwang

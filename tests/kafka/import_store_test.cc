// EventStore::AppendReplicated: the log a replica builds from another node's events keeps their
// positions, versions and hashes, verifies, and refuses anything that does not continue it.
#include <gtest/gtest.h>

#include "domain/json.h"
#include "eventstore/event_store.h"
#include "tests/tools/process.h"

namespace yiwang::testing {
namespace {

AppendRequest Request(const std::string& stream, size_t count, std::string idempotency_key = {}) {
  AppendRequest request;
  request.stream = stream;
  for (size_t index = 0; index < count; ++index) {
    NewEvent event;
    event.type = "Noted";
    event.occurred_at = Timestamp{1'796'000'000'000 + static_cast<int64_t>(index)};
    event.actor = Actor{"officer-0192", "officer", "330106-GA-CRJ", "window", ""};
    JsonWriter writer;
    writer.BeginObject().Field("number", static_cast<int64_t>(index)).EndObject();
    event.data = writer.Take();
    request.events.push_back(std::move(event));
  }
  request.idempotency_key = std::move(idempotency_key);
  return request;
}

std::unique_ptr<EventStore> OpenStore(const std::string& path) {
  EventStoreOptions options;
  options.path = path;
  options.durability = Durability::kOs;
  Result<std::unique_ptr<EventStore>> store = EventStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

class ReplicatedAppendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    origin_ = OpenStore(directory_.str() + "/origin");
    replica_ = OpenStore(directory_.str() + "/replica");
    ASSERT_TRUE(origin_ && replica_);
    ASSERT_TRUE(origin_->Append(Request("case-1", 3, "key-a")).ok());
    ASSERT_TRUE(origin_->Append(Request("case-2", 1)).ok());
    ASSERT_TRUE(origin_->Append(Request("case-1", 2, "key-b")).ok());
    ASSERT_TRUE(origin_->Append(Request("catalog-X", 1, "key-c")).ok());
    Result<std::vector<StoredEvent>> all = origin_->ReadAll(1, 100);
    ASSERT_TRUE(all.ok());
    events_ = std::move(all).value();
    ASSERT_EQ(events_.size(), 7u);
  }
  std::vector<StoredEvent> Slice(size_t from, size_t to) const {
    return std::vector<StoredEvent>(events_.begin() + from, events_.begin() + to);
  }

  TempDir directory_;
  std::unique_ptr<EventStore> origin_;
  std::unique_ptr<EventStore> replica_;
  std::vector<StoredEvent> events_;
};

TEST_F(ReplicatedAppendTest, KeepsPositionsVersionsHashesAndIndexes) {
  // Split inside key-a's append: its idempotency record grows across calls.
  ASSERT_TRUE(replica_->AppendReplicated(Slice(0, 2)).ok());
  ASSERT_TRUE(replica_->AppendReplicated(Slice(2, 7)).ok());
  EXPECT_EQ(replica_->HeadPosition(), 7u);
  EXPECT_EQ(replica_->HeadHash(), origin_->HeadHash());
  EXPECT_EQ(*replica_->StreamVersion("case-1"), 5u);
  Result<std::vector<StoredEvent>> stream = replica_->ReadStreamRaw("case-1", 1, 10);
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->size(), 5u);
  for (const char* key : {"key-a", "key-b", "key-c"}) {
    Result<std::optional<AppendResult>> original = origin_->FindIdempotent(key);
    Result<std::optional<AppendResult>> copied = replica_->FindIdempotent(key);
    ASSERT_TRUE(original.ok() && copied.ok() && original->has_value() && copied->has_value());
    EXPECT_EQ((*copied)->first_position, (*original)->first_position) << key;
    EXPECT_EQ((*copied)->last_position, (*original)->last_position) << key;
    EXPECT_EQ((*copied)->last_version, (*original)->last_version) << key;
  }
  Result<VerifyReport> report = replica_->Verify(VerifyOptions{});
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->last_hash, origin_->HeadHash());
}

TEST_F(ReplicatedAppendTest, AReplicaRefusesLocalAppendsAcrossReopen) {
  EXPECT_FALSE(replica_->IsReplica());
  ASSERT_TRUE(replica_->AppendReplicated(Slice(0, 7)).ok());
  EXPECT_TRUE(replica_->IsReplica());
  Result<AppendResult> local = replica_->Append(Request("case-9", 1));
  ASSERT_FALSE(local.ok());
  EXPECT_EQ(local.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(local.status().reason(), "read_replica");
  replica_.reset();
  replica_ = OpenStore(directory_.str() + "/replica");
  ASSERT_TRUE(replica_);
  EXPECT_TRUE(replica_->IsReplica());
  EXPECT_FALSE(replica_->Append(Request("case-9", 1)).ok());
  EXPECT_EQ(replica_->HeadPosition(), 7u);
}

TEST_F(ReplicatedAppendTest, RefusesWhatDoesNotContinueTheLog) {
  ASSERT_TRUE(replica_->AppendReplicated(Slice(0, 2)).ok());
  // A gap: position 4 after 2.
  Status gap = replica_->AppendReplicated(Slice(3, 5));
  EXPECT_EQ(gap.code(), StatusCode::kFailedPrecondition) << gap.ToString();
  EXPECT_NE(gap.message().find("does not continue the local log"), std::string::npos);
  // Again an event already there.
  Status again = replica_->AppendReplicated(Slice(1, 3));
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition) << again.ToString();
  // Another origin's event 3: a different chain (prev_hash does not link).
  TempDir other_directory;
  std::unique_ptr<EventStore> other = OpenStore(other_directory.str());
  ASSERT_TRUE(other->Append(Request("case-7", 3)).ok());
  Result<std::vector<StoredEvent>> foreign = other->ReadAll(3, 1);
  ASSERT_TRUE(foreign.ok());
  Status diverged = replica_->AppendReplicated(std::move(foreign).value());
  EXPECT_EQ(diverged.code(), StatusCode::kFailedPrecondition) << diverged.ToString();
  EXPECT_NE(diverged.message().find("prev_hash does not link"), std::string::npos);
  // Nothing of any refused call was written; the right continuation still fits.
  EXPECT_EQ(replica_->HeadPosition(), 2u);
  EXPECT_TRUE(replica_->AppendReplicated(Slice(2, 7)).ok());
  EXPECT_EQ(replica_->HeadHash(), origin_->HeadHash());
}

TEST_F(ReplicatedAppendTest, RefusesChangedOrMisplacedBytes) {
  std::vector<StoredEvent> changed = Slice(0, 3);
  changed[2].bytes.replace(changed[2].bytes.find("\"number\":2"), 10, "\"number\":9");
  Status broken = replica_->AppendReplicated(changed);
  EXPECT_EQ(broken.code(), StatusCode::kDataLoss);
  EXPECT_NE(broken.message().find("event 3: hash does not recompute"), std::string::npos)
      << broken.message();

  std::vector<StoredEvent> misplaced = Slice(0, 1);
  misplaced[0].position = 2;  // the message said 2, the envelope says 1
  Status moved = replica_->AppendReplicated(misplaced);
  EXPECT_EQ(moved.code(), StatusCode::kDataLoss);
  EXPECT_NE(moved.message().find("envelope says position 1"), std::string::npos);

  std::vector<StoredEvent> garbage = {StoredEvent{1, "{\"position\":1}"}};
  EXPECT_EQ(replica_->AppendReplicated(garbage).code(), StatusCode::kDataLoss);
  EXPECT_EQ(replica_->AppendReplicated({}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(replica_->HeadPosition(), 0u);
  EXPECT_FALSE(replica_->IsReplica());
}

}  // namespace
}  // namespace yiwang::testing

// Shared helpers of the event store tests: a temporary directory and small event builders.
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "domain/json.h"
#include "eventstore/event_store.h"

namespace yiwang::testing {

// A fresh directory under the system temp dir, removed with everything in it at destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("yiwang-eventstore-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string path() const { return path_.string(); }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline NewEvent MakeEvent(const std::string& type, int64_t number = 1) {
  NewEvent event;
  event.type = type;
  event.occurred_at = Timestamp{1'796'000'000'000 + number};
  event.actor = Actor{"officer-0192", "officer", "330106-GA-CRJ", "window", "330106-HALL-01"};
  event.correlation_id = "corr-" + std::to_string(number);
  JsonWriter writer;
  writer.BeginObject().Field("number", number).Field("note", "材料齐全").EndObject();
  event.data = writer.Take();
  return event;
}

inline AppendRequest MakeRequest(const std::string& stream, ExpectedVersion expected,
                                 size_t event_count = 1, std::string idempotency_key = {}) {
  AppendRequest request;
  request.stream = stream;
  request.expected = expected;
  for (size_t index = 0; index < event_count; ++index) {
    request.events.push_back(
        MakeEvent("Event" + std::to_string(index), static_cast<int64_t>(index)));
  }
  request.idempotency_key = std::move(idempotency_key);
  return request;
}

inline std::unique_ptr<EventStore> OpenStore(const std::string& path,
                                             Durability durability = Durability::kOs) {
  EventStoreOptions options;
  options.path = path;
  options.durability = durability;
  Result<std::unique_ptr<EventStore>> store = EventStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// The log's key of `position` (eventstore/internal/keys.h): eight bytes, big-endian.
inline std::string PositionKey(uint64_t position) {
  std::string key;
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(position >> shift));
  return key;
}

// Opens the closed store at `path` with RocksDB directly, runs `change` on the named family,
// closes it: a change behind the store's back, for tests of what notices it.
inline void TamperWith(const std::string& path, const std::string& family,
                       const std::function<void(rocksdb::DB*, rocksdb::ColumnFamilyHandle*)>& change) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const std::string& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles, &db).ok());
  for (size_t index = 0; index < names.size(); ++index) {
    if (names[index] == family) change(db, handles[index]);
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
  }
  delete db;
}

}  // namespace yiwang::testing

// End-to-end: the built `yiwang` binary started as a user would, driven over real HTTP on
// loopback, with its data in a temporary directory.
#include <gtest/gtest.h>
#include <httplib.h>
#include <rocksdb/db.h>

#include <sstream>

#include "domain/envelope.h"
#include "tests/tools/process.h"

namespace yiwang::testing {
namespace {

httplib::Result Get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  return client.Get(path);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> DemoArgs(const TempDir& data) {
  return {"--demo", "--listen", "127.0.0.1:0", "--data", data.str(), "--durability", "os"};
}

TEST(ServeTest, DemoServesHealthAndCatalogOverHttp) {
  TempDir data;
  ServerProcess server(DemoArgs(data));
  ASSERT_TRUE(server.started()) << server.startup_output();

  httplib::Result health = Get(server.port(), "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_NE(health->body.find("\"status\":\"ok\""), std::string::npos) << health->body;

  httplib::Result catalog = Get(server.port(), "/api/v1/catalog");
  ASSERT_TRUE(catalog);
  ASSERT_EQ(catalog->status, 200);
  EXPECT_EQ(catalog->get_header_value("Content-Type").rfind("application/json", 0), 0u);
  const std::string& body = catalog->body;
  for (const char* field :
       {"\"code\":", "\"name\":", "\"level\":", "\"department\":", "\"promised_days\":",
        "\"legal_days\":", "\"immediate\":", "\"online\":", "\"one_window\":", "\"materials\":",
        "\"baseline_materials\":"}) {
    EXPECT_NE(body.find(field), std::string::npos) << field;
  }
  size_t items = 0;
  for (size_t at = body.find("\"baseline_materials\":"); at != std::string::npos;
       at = body.find("\"baseline_materials\":", at + 1)) {
    ++items;
  }
  EXPECT_GE(items, 10u);

  // One item by code: take the first code of the list.
  const size_t code_at = body.find("\"code\":\"") + 8;
  const std::string code = body.substr(code_at, body.find('"', code_at) - code_at);
  httplib::Result item = Get(server.port(), "/api/v1/catalog/" + code);
  ASSERT_TRUE(item);
  EXPECT_EQ(item->status, 200);
  EXPECT_NE(item->body.find("\"code\":\"" + code + "\""), std::string::npos);

  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServeTest, UnknownItemsAndRoutesGetTheErrorBody) {
  TempDir data;
  ServerProcess server(DemoArgs(data));
  ASSERT_TRUE(server.started()) << server.startup_output();

  httplib::Result missing = Get(server.port(), "/api/v1/catalog/NO-SUCH-ITEM");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("{\"error\":{\"code\":\"unknown_item\""), std::string::npos)
      << missing->body;

  httplib::Result unknown = Get(server.port(), "/api/v1/nothing-here");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_NE(unknown->body.find("{\"error\":{\"code\":\"not_found\""), std::string::npos)
      << unknown->body;
}

TEST(ServeTest, RestartKeepsTheLogAndPublishesTheDemoCatalogOnce) {
  TempDir data;
  std::string first_health;
  {
    ServerProcess server(DemoArgs(data));
    ASSERT_TRUE(server.started()) << server.startup_output();
    httplib::Result health = Get(server.port(), "/healthz");
    ASSERT_TRUE(health);
    first_health = health->body;
    ASSERT_EQ(server.Stop(), 0);
  }
  ServerProcess again(DemoArgs(data));
  ASSERT_TRUE(again.started()) << again.startup_output();
  httplib::Result health = Get(again.port(), "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->body, first_health);  // same head position and hash: nothing new written
}

TEST(ServeTest, DemoRefusesNonLoopbackAddresses) {
  TempDir data;
  CommandResult result =
      RunYiwang({"serve", "--demo", "--listen", "0.0.0.0:0", "--data", data.str()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("loopback"), std::string::npos) << result.err;
}

TEST(ServeTest, BadFlagsAreUsageErrors) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"serve", "--no-such-flag"},
        std::vector<std::string>{"serve", "--listen", "127.0.0.1"},
        std::vector<std::string>{"serve", "--listen", "127.0.0.1:99999"},
        std::vector<std::string>{"serve", "--durability", "maybe"},
        std::vector<std::string>{"serve", "--threads", "many"},
        std::vector<std::string>{"export", "--from", "5", "--to", "2"},
        std::vector<std::string>{"verify", "--from", "0"},
        std::vector<std::string>{"export", "--stream"},
        std::vector<std::string>{"no-such-command"}}) {
    CommandResult result = RunYiwang(args);
    EXPECT_EQ(result.exit_code, 2) << args[1];
    EXPECT_NE(result.err.find("usage"), std::string::npos) << result.err;
  }
}

TEST(ServeTest, PortInUseIsAClearError) {
  TempDir data;
  TempDir data2;
  ServerProcess server(DemoArgs(data));
  ASSERT_TRUE(server.started());
  CommandResult result = RunYiwang(
      {"serve", "--listen", "127.0.0.1:" + std::to_string(server.port()), "--data", data2.str()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("cannot bind"), std::string::npos) << result.err;
}

// Export writes the stored bytes, one event per line; verify recomputes the chain over them.
TEST(ExportVerifyTest, ExportIsTheLogAndVerifyPrintsTheHeadHash) {
  TempDir data;
  std::string head_hash;
  {
    ServerProcess server(DemoArgs(data));
    ASSERT_TRUE(server.started()) << server.startup_output();
    httplib::Result health = Get(server.port(), "/healthz");
    ASSERT_TRUE(health);
    const size_t at = health->body.find("\"head_hash\":\"") + 13;
    head_hash = health->body.substr(at, 64);
    // verify and export open the store read-only, beside the running server.
    CommandResult live = RunYiwang({"verify", "--data", data.str(), "--quiet"});
    EXPECT_EQ(live.exit_code, 0) << live.out << live.err;
    EXPECT_EQ(server.Stop(), 0);
  }

  CommandResult exported = RunYiwang({"export", "--data", data.str()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::vector<std::string> lines = Lines(exported.out);
  ASSERT_GE(lines.size(), 10u);
  std::string previous_hash(kZeroHash);
  for (size_t index = 0; index < lines.size(); ++index) {
    Result<EventEnvelope> event = DecodeEnvelope(lines[index]);
    ASSERT_TRUE(event.ok()) << event.status().ToString();
    EXPECT_EQ(event->position, index + 1);
    EXPECT_EQ(event->prev_hash, previous_hash);
    EXPECT_EQ(EncodeEnvelope(*event), lines[index]);  // canonical bytes
    previous_hash = event->hash;
  }
  EXPECT_EQ(previous_hash, head_hash);

  CommandResult verified = RunYiwang({"verify", "--data", data.str()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("OK " + std::to_string(lines.size()) + " events"), std::string::npos)
      << verified.out;
  EXPECT_NE(verified.out.find("head hash " + head_hash), std::string::npos) << verified.out;

  // Filters and ranges.
  CommandResult ranged = RunYiwang({"export", "--data", data.str(), "--from", "2", "--to", "3"});
  ASSERT_EQ(ranged.exit_code, 0);
  EXPECT_EQ(Lines(ranged.out), (std::vector<std::string>{lines[1], lines[2]}));
  Result<EventEnvelope> first = DecodeEnvelope(lines[0]);
  ASSERT_TRUE(first.ok());
  CommandResult one_stream = RunYiwang({"export", "--data", data.str(), "--stream", first->stream});
  ASSERT_EQ(one_stream.exit_code, 0);
  EXPECT_EQ(Lines(one_stream.out), std::vector<std::string>{lines[0]});
  CommandResult by_type = RunYiwang({"export", "--data", data.str(), "--type", "NoSuchType"});
  ASSERT_EQ(by_type.exit_code, 0);
  EXPECT_TRUE(by_type.out.empty());
}

// Flips one byte of a stored event directly in RocksDB, behind the store's back.
void FlipStoredByte(const std::string& path, uint64_t position) {
  std::vector<std::string> families;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &families).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : families)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* events = nullptr;
  for (size_t index = 0; index < families.size(); ++index) {
    if (families[index] == "events") events = handles[index];
  }
  ASSERT_NE(events, nullptr);
  std::string key(8, '\0');
  for (int byte = 0; byte < 8; ++byte) key[byte] = static_cast<char>(position >> (56 - 8 * byte));
  std::string value;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), events, key, &value).ok());
  // Change a letter inside the data member: still valid JSON, different bytes.
  const size_t at = value.find("\"data\":{") + 10;
  value[at] = value[at] == 'a' ? 'b' : 'a';
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), events, key, value).ok());
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
}

TEST(ExportVerifyTest, VerifyReportsAByteChangedBehindTheStoresBack) {
  TempDir data;
  {
    ServerProcess server(DemoArgs(data));
    ASSERT_TRUE(server.started()) << server.startup_output();
    ASSERT_EQ(server.Stop(), 0);
  }
  FlipStoredByte((data.path() / "log").string(), 5);
  CommandResult verified = RunYiwang({"verify", "--data", data.str()});
  EXPECT_EQ(verified.exit_code, 1) << verified.out << verified.err;
  EXPECT_NE(verified.out.find("FAILED at position 5"), std::string::npos) << verified.out;
}

}  // namespace
}  // namespace yiwang::testing

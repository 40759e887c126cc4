// The command-handling entry point against a real event store on disk: load, decide, append with
// the version read, retry once on a conflict, If-Match, idempotency, case numbers.
#include "api/command_handler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>

#include "domain/builtin_data.h"
#include "domain/case_number.h"

namespace yiwang::api {
namespace {

constexpr char kApplicantId[] = "11010519491231002X";  // GB 11643-1999's own example

class TempDir {
 public:
  TempDir() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() / ("yiwang-api-" + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

CommandRequest MakeRequest(std::string case_number, CaseCommand command, Actor actor,
                           std::optional<uint32_t> if_match, std::string idempotency_key,
                           std::string correlation_id) {
  CommandRequest request;
  request.case_number = std::move(case_number);
  request.command = std::move(command);
  request.actor = std::move(actor);
  request.if_match = if_match;
  request.idempotency_key = std::move(idempotency_key);
  request.correlation_id = std::move(correlation_id);
  return request;
}

Actor Citizen() { return Actor{"citizen-1", "citizen", "", "online", ""}; }
Actor Officer() {
  return Actor{"officer-0192", "officer", "330106-GA-HZ", "window", "330106-HALL-01"};
}

class CommandHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    EventStoreOptions options;
    options.path = dir_.str();
    options.durability = Durability::kOs;
    Result<std::unique_ptr<EventStore>> store = EventStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    if (calendar_.years().empty()) {
      for (const BuiltinFile& file : BuiltinCalendarFiles())
        ASSERT_TRUE(calendar_.AddYear(file.text).ok());
    }
    if (store_->HeadPosition() == 0) PublishCatalog();
    CommandHandlerOptions handler_options;
    handler_options.clock = [this] { return now_; };
    handler_ = std::make_unique<CommandHandler>(store_.get(), &calendar_, handler_options);
  }

  void Reopen() {
    handler_.reset();
    store_.reset();
    Open();
  }

  void PublishCatalog() {
    Result<std::vector<CatalogItem>> items = ParseCatalogFile(BuiltinDemoCatalog());
    ASSERT_TRUE(items.ok());
    for (const CatalogItem& item : *items) {
      AppendRequest request;
      request.stream = std::string(kCatalogStreamPrefix) + item.code;
      request.expected = ExpectedVersion::NoStream();
      request.events.push_back(NewEvent{std::string(kCatalogItemPublished), 1, now_,
                                        Actor{"system", "system", "", "system", ""}, "", "",
                                        EncodeCatalogItem(item)});
      ASSERT_TRUE(store_->Append(std::move(request)).ok());
    }
  }

  CommandOutcome Run(const std::string& case_number, CaseCommand command, Actor actor = Officer()) {
    CommandRequest request =
        MakeRequest(case_number, std::move(command), std::move(actor), std::nullopt, "", "");
    auto outcome = handler_->Handle(request);
    if (auto* error = std::get_if<CommandError>(&outcome)) {
      ADD_FAILURE() << error->status.ToString();
      return {};
    }
    return std::get<CommandOutcome>(outcome);
  }

  CommandError RunExpectingError(const CommandRequest& request) {
    auto outcome = handler_->Handle(request);
    EXPECT_TRUE(std::holds_alternative<CommandError>(outcome));
    if (auto* error = std::get_if<CommandError>(&outcome)) return *error;
    return {};
  }

  SubmitCommand Submission() {
    SubmitCommand submit;
    submit.service_code = "GA-JZZ-SL";  // 居住证申领: online, department 330106-GA-HZ
    submit.channel = "online";
    submit.applicant = Applicant{kApplicantId, "张三", "13800000000", "杭州市西湖区"};
    submit.materials = {"M01", "M02", "M03", "M04"};
    return submit;
  }

  TempDir dir_;
  WorkingCalendar calendar_;
  // Monday 2026-03-02, 10:00 in Hangzhou.
  Timestamp now_ = *ParseTimestamp("2026-03-02T02:00:00.000Z");
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CommandHandler> handler_;
};

TEST_F(CommandHandlerTest, SubmitAllocatesDailyCaseNumbersAndAQueryCode) {
  CommandOutcome first = Run("", Submission(), Citizen());
  EXPECT_EQ(first.case_number, "3301062026030200001");
  EXPECT_EQ(first.status, CaseStatus::kSubmitted);
  EXPECT_EQ(first.version, 1u);
  EXPECT_EQ(first.query_code.size(), 8u);
  EXPECT_EQ(first.event_types, std::vector<std::string>{"CaseSubmitted"});
  CommandOutcome second = Run("", Submission(), Citizen());
  EXPECT_EQ(second.case_number, "3301062026030200002");
  EXPECT_EQ(second.position, first.position + 1);

  // After a restart the sequence continues where the log left it.
  Reopen();
  CommandOutcome third = Run("", Submission(), Citizen());
  EXPECT_EQ(third.case_number, "3301062026030200003");
}

TEST_F(CommandHandlerTest, ALifecycleRunsToClosed) {
  const std::string number = Run("", Submission(), Citizen()).case_number;
  Run(number, AcceptCommand{"杭西公受字〔2026〕17号", true});
  Run(number, StartReviewCommand{});
  Run(number, ReviewStepCommand{"undertake", "同意", ""});
  Run(number, ApproveCommand{"准予"});
  Run(number, IssueCommand{"JZZ-330106-0001", "express", "SF1234567890"});
  Run(number, DeliverCommand{"本人签收"});
  CommandOutcome closed = Run(number, CloseCommand{"办结"});
  EXPECT_EQ(closed.status, CaseStatus::kClosed);
  EXPECT_EQ(closed.version, 8u);
  Result<CaseState> state = handler_->LoadCase(number);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->status, CaseStatus::kClosed);
  EXPECT_EQ(state->result_code, kResultApproved);
}

TEST_F(CommandHandlerTest, IfMatchPinsTheVersionAndWritesNothingOnMismatch) {
  const std::string number = Run("", Submission(), Citizen()).case_number;
  const uint64_t head = store_->HeadPosition();
  CommandError error =
      RunExpectingError(MakeRequest(number, AcceptCommand{"A-1", false}, Officer(), 7, "", ""));
  EXPECT_EQ(error.status.code(), StatusCode::kAborted);
  EXPECT_EQ(error.status.reason(), "version_conflict");
  EXPECT_EQ(error.actual_version, 1u);
  EXPECT_EQ(store_->HeadPosition(), head);

  auto matched =
      handler_->Handle(MakeRequest(number, AcceptCommand{"A-1", false}, Officer(), 1, "", ""));
  ASSERT_TRUE(std::holds_alternative<CommandOutcome>(matched));
  EXPECT_EQ(std::get<CommandOutcome>(matched).version, 2u);
}

TEST_F(CommandHandlerTest, ARepeatedIdempotencyKeyReturnsTheOriginalAndWritesNothing) {
  const std::string number = Run("", Submission(), Citizen()).case_number;
  CommandRequest request =
      MakeRequest(number, AcceptCommand{"A-1", false}, Officer(), std::nullopt, "key-1", "");
  auto first = handler_->Handle(request);
  ASSERT_TRUE(std::holds_alternative<CommandOutcome>(first));
  const uint64_t head = store_->HeadPosition();
  auto again = handler_->Handle(request);
  ASSERT_TRUE(std::holds_alternative<CommandOutcome>(again));
  const CommandOutcome& repeated = std::get<CommandOutcome>(again);
  EXPECT_TRUE(repeated.duplicate);
  EXPECT_EQ(repeated.position, std::get<CommandOutcome>(first).position);
  EXPECT_EQ(repeated.version, 2u);
  EXPECT_EQ(repeated.status, CaseStatus::kAccepted);
  EXPECT_EQ(store_->HeadPosition(), head);
}

TEST_F(CommandHandlerTest, RefusalsChangeNothing) {
  const std::string number = Run("", Submission(), Citizen()).case_number;
  const uint64_t head = store_->HeadPosition();

  CommandError illegal =
      RunExpectingError(MakeRequest(number, ApproveCommand{""}, Officer(), {}, "", ""));
  EXPECT_EQ(illegal.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(illegal.status.reason(), "illegal_transition");

  CommandError unknown = RunExpectingError(
      MakeRequest("3301062026030299999", AcceptCommand{"A", false}, Officer(), {}, "", ""));
  EXPECT_EQ(unknown.status.code(), StatusCode::kNotFound);

  SubmitCommand bad_id = Submission();
  bad_id.applicant.id_number = "110105194912310021";  // wrong check character
  CommandError invalid = RunExpectingError(MakeRequest("", bad_id, Citizen(), {}, "", ""));
  EXPECT_EQ(invalid.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(invalid.status.field(), "applicant.id_number");

  SubmitCommand unknown_item = Submission();
  unknown_item.service_code = "NO-SUCH-ITEM";
  CommandError no_item = RunExpectingError(MakeRequest("", unknown_item, Citizen(), {}, "", ""));
  EXPECT_EQ(no_item.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(no_item.status.reason(), "unknown_item");

  EXPECT_EQ(store_->HeadPosition(), head);
}

// Eight officers accept the same case at once: one wins, the others lose the version race,
// retry once, and are then told the case is no longer Submitted.
TEST_F(CommandHandlerTest, ConcurrentCommandsOnOneCaseHaveExactlyOneWinner) {
  const std::string number = Run("", Submission(), Citizen()).case_number;
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> officers;
  for (int index = 0; index < 8; ++index) {
    officers.emplace_back([&, index] {
      auto outcome = handler_->Handle(MakeRequest(
          number, AcceptCommand{"A-" + std::to_string(index), false}, Officer(), {}, "", ""));
      if (std::holds_alternative<CommandOutcome>(outcome)) {
        ++accepted;
      } else {
        const Status& status = std::get<CommandError>(outcome).status;
        EXPECT_TRUE(status.code() == StatusCode::kFailedPrecondition ||
                    status.code() == StatusCode::kAborted)
            << status.ToString();
        ++refused;
      }
    });
  }
  for (std::thread& officer : officers) officer.join();
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(refused.load(), 7);
  Result<CaseState> state = handler_->LoadCase(number);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->version, 2u);
}

}  // namespace
}  // namespace yiwang::api

namespace yiwang::api {
namespace {

// Two handlers on one store: each caches folds, so each one's cache goes stale when the other
// writes. The expected version catches it and the retry folds the stream afresh.
TEST_F(CommandHandlerTest, AStaleCachedCaseIsCaughtAndRefreshed) {
  const std::string number = Run("", Submission(), Citizen()).case_number;
  CommandHandlerOptions other_options;
  other_options.clock = [this] { return now_; };
  CommandHandler other(store_.get(), &calendar_, other_options);
  ASSERT_TRUE(handler_->LoadCase(number).ok());
  // `other` moves the case on; `handler_` still has it cached as Submitted.
  auto accepted =
      other.Handle(MakeRequest(number, AcceptCommand{"A-1", false}, Officer(), {}, "", ""));
  ASSERT_TRUE(std::holds_alternative<CommandOutcome>(accepted));
  CommandOutcome reviewed = Run(number, StartReviewCommand{});
  EXPECT_EQ(reviewed.status, CaseStatus::kUnderReview);
  EXPECT_EQ(reviewed.version, 3u);

  // If-Match against the stale cache is confirmed from the stream before answering 412.
  auto pinned = other.Handle(MakeRequest(number, ApproveCommand{""}, Officer(), 3, "", ""));
  ASSERT_TRUE(std::holds_alternative<CommandOutcome>(pinned))
      << std::get<CommandError>(pinned).status.ToString();
  EXPECT_EQ(std::get<CommandOutcome>(pinned).version, 4u);
}

}  // namespace
}  // namespace yiwang::api

// The history generator of `yiwang bench replay` (see bench_replay.h).
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "domain/builtin_data.h"
#include "domain/case.h"
#include "domain/case_number.h"
#include "domain/catalog.h"
#include "domain/id_number.h"
#include "eventstore/digest.h"
#include "eventstore/event_store.h"
#include "tools/bench_replay.h"
#include "tools/setup.h"

namespace yiwang::tools {
namespace {

constexpr size_t kOpenCasesMax = 4000;          // cases in flight at once (interleaving)
constexpr size_t kApplicantsMax = 20'000;       // distinct ID numbers
constexpr size_t kAppendsInFlightMax = 2048;    // AppendAsync calls not yet completed
constexpr int64_t kCommandIntervalMs = 45'000;  // simulated time between two commands
constexpr uint64_t kProgressIntervalEvents = 100'000;
constexpr CivilDate kHistoryStart{2025, 1, 6};

using Clock = std::chrono::steady_clock;

// A case being driven through its lifecycle.
struct OpenCase {
  CaseState state;
  const CatalogItem* item = nullptr;
  std::string applicant_id;
  std::string channel;
  int review_steps_planned = 1;
  bool deny = false;
  bool evaluate = false;
  bool done = false;
};

// Appends without waiting for each one, at most kAppendsInFlightMax at a time; the first error
// is kept and stops the generator.
class AppendWindow {
 public:
  explicit AppendWindow(EventStore* store) : store_(store) {}
  void Append(AppendRequest request) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      drained_.wait(lock, [&] { return in_flight_ < kAppendsInFlightMax; });
      ++in_flight_;
    }
    store_->AppendAsync(std::move(request), [this](AppendOutcome outcome) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!outcome.status.ok() && error_.ok()) error_ = outcome.status;
      --in_flight_;
      drained_.notify_all();
    });
  }
  Status Drain() {
    std::unique_lock<std::mutex> lock(mutex_);
    drained_.wait(lock, [&] { return in_flight_ == 0; });
    return error_;
  }
  Status error() {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_;
  }

 private:
  EventStore* store_;
  std::mutex mutex_;
  std::condition_variable drained_;
  size_t in_flight_ = 0;
  Status error_;
};

std::vector<std::string> MakeApplicants(std::mt19937_64& random) {
  static constexpr const char* kAreas[] = {"330106", "330102", "330105", "330108",
                                           "330110", "110105", "310104", "440305"};
  std::vector<std::string> ids;
  ids.reserve(kApplicantsMax);
  for (size_t index = 0; index < kApplicantsMax; ++index) {
    char first17[18];
    std::snprintf(first17, sizeof first17, "%s%04d%02d%02d%03d", kAreas[random() % 8],
                  1950 + static_cast<int>(random() % 56), 1 + static_cast<int>(random() % 12),
                  1 + static_cast<int>(random() % 28), static_cast<int>(index % 1000));
    ids.push_back(std::string(first17) + ComputeCheckCharacter(first17));
  }
  return ids;
}

class Generator {
 public:
  Generator(EventStore* store, std::atomic<int64_t>* store_clock, const WorkingCalendar* calendar,
            std::vector<CatalogItem> items, uint64_t seed)
      : store_(store),
        store_clock_(store_clock),
        calendar_(calendar),
        items_(std::move(items)),
        random_(seed),
        applicants_(MakeApplicants(random_)),
        window_(store) {}

  Result<HistoryFigures> Run(const HistoryOptions& options, Timestamp start) {
    now_ = start;
    const Clock::time_point started = Clock::now();
    uint64_t next_progress = kProgressIntervalEvents;
    open_.resize(kOpenCasesMax);
    while (events_ < options.events) {
      OpenCase& open = open_[random_() % open_.size()];
      if (open.done || open.state.status == CaseStatus::kNone) {
        open = OpenCase{};
        YIWANG_RETURN_IF_ERROR(Submit(&open));
      } else {
        YIWANG_RETURN_IF_ERROR(Advance(&open));
      }
      now_.unix_ms += kCommandIntervalMs;
      store_clock_->store(now_.unix_ms);  // recorded_at follows the simulated clock
      if (events_ >= next_progress) {
        YIWANG_RETURN_IF_ERROR(window_.error());
        if (options.progress) options.progress(events_);
        next_progress += kProgressIntervalEvents;
      }
    }
    YIWANG_RETURN_IF_ERROR(window_.Drain());
    HistoryFigures figures;
    figures.events = store_->HeadPosition();
    figures.cases = cases_;
    figures.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return figures;
  }

 private:
  bool Chance(double probability) { return random_() % 10'000 < probability * 10'000; }
  Actor Citizen(const OpenCase& open) const {
    return Actor{
        "citizen-" + open.applicant_id.substr(0, 6) + "********" + open.applicant_id.substr(14),
        "citizen", "", open.channel, ""};
  }
  Actor Officer(const OpenCase& open) const {
    const std::string& department =
        open.state.department.empty() ? open.item->department : open.state.department;
    const std::string division = department.substr(0, 6);
    return Actor{"officer-" + division + "-" + std::to_string(open.state.version % 7), "officer",
                 department, "window", division + "-HALL-0" + std::to_string(1 + cases_ % 3)};
  }
  Actor Supervisor() const {
    return Actor{"supervisor-3301-01", "supervisor", "3301-GA-DC", "", ""};
  }

  // Decides `command` for the case and appends the events; the fold moves on at once (appends
  // of one stream are checked in order, including those not yet committed).
  Status Run(OpenCase* open, const CaseCommand& command, const Actor& actor) {
    DecideContext context;
    context.now = now_;
    context.actor = actor;
    context.item = open->item;
    context.calendar = calendar_;
    if (std::holds_alternative<SubmitCommand>(command)) {
      context.case_number = open->state.case_number;
      context.query_code_hash = Sha256Hex(open->state.case_number + ":" + std::to_string(cases_));
    }
    context.order_id = "order-" + std::to_string(events_);
    context.rectification_id = "rect-" + std::to_string(events_);
    Result<std::vector<CaseEvent>> decided = Decide(open->state, command, context);
    if (!decided.ok()) {
      return Status(decided.status().code(),
                    "generator: " + std::string(CommandActionName(command)) + " on " +
                        std::string(CaseStatusName(open->state.status)) + ": " +
                        decided.status().message());
    }
    AppendRequest request;
    request.stream = CaseStreamId(open->state.case_number);
    request.expected = ExpectedVersion::Exact(open->state.version);
    const std::string case_number = open->state.case_number;
    for (CaseEvent& event : *decided) {
      NewEvent stored{std::string(EventTypeName(event)),
                      EventSchema(event),
                      now_,
                      actor,
                      "corr-" + case_number,
                      "",
                      EncodeEventData(event)};
      request.events.push_back(std::move(stored));
      open->state = Evolve(
          std::move(open->state),
          RecordedCaseEvent{open->state.version + 1, now_, ActorView::Of(actor), std::move(event)});
      open->state.case_number = case_number;
    }
    events_ += request.events.size();
    window_.Append(std::move(request));
    return Status::Ok();
  }

  Status Submit(OpenCase* open) {
    open->item = &items_[random_() % items_.size()];
    open->applicant_id = applicants_[random_() % applicants_.size()];
    open->channel = open->item->channels[random_() % open->item->channels.size()];
    open->review_steps_planned = 1 + static_cast<int>(random_() % 3);
    open->deny = Chance(0.08);
    open->evaluate = Chance(0.6);
    const std::string division = open->item->department.substr(0, 6);
    const CivilDate date = LocalDateOf(now_);
    int& sequence = sequences_[division + FormatDate(date)];
    Result<std::string> number = FormatCaseNumber(division, date, ++sequence);
    if (!number.ok()) return number.status();
    open->state.case_number = *number;
    ++cases_;
    SubmitCommand submit;
    submit.service_code = open->item->code;
    submit.channel = open->channel;
    const bool in_person = open->channel == "window" || open->channel == "partner";
    if (in_person || open->channel == "kiosk") submit.outlet = division + "-HALL-01";
    submit.applicant = Applicant{open->applicant_id, "申请人" + std::to_string(cases_ % 1000),
                                 "1380000" + std::to_string(1000 + cases_ % 9000), "杭州市西湖区"};
    for (const Material& material : open->item->materials)
      submit.materials.push_back(material.code);
    submit.form = {{"reason", "本人申请"}};
    Actor actor = in_person ? Officer(*open) : Citizen(*open);
    actor.channel = open->channel;
    return Run(open, submit, actor);
  }

  Status Advance(OpenCase* open);

  EventStore* store_;
  std::atomic<int64_t>* store_clock_;
  const WorkingCalendar* calendar_;
  std::vector<CatalogItem> items_;
  std::mt19937_64 random_;
  std::vector<std::string> applicants_;
  AppendWindow window_;
  std::vector<OpenCase> open_;
  std::map<std::string, int> sequences_;
  Timestamp now_;
  uint64_t events_ = 0;
  uint64_t cases_ = 0;
};

Status Generator::Advance(OpenCase* open) {
  using S = CaseStatus;
  const CaseState& state = open->state;
  const Actor officer = Officer(*open);
  switch (state.status) {
    case S::kSubmitted:
      if (!state.materials_requested && Chance(0.2)) {
        return Run(open, RequestMaterialsCommand{{open->item->materials[0].code}, "请补正"},
                   officer);
      }
      if (Chance(0.03)) return Run(open, NotAcceptCommand{"不符合受理条件"}, officer);
      if (Chance(0.02)) return Run(open, WithdrawCommand{"申请人撤回"}, Citizen(*open));
      return Run(open, AcceptCommand{"受字" + state.case_number.substr(12), Chance(0.7)}, officer);
    case S::kMaterialsRequested:
      return Run(open, SupplementCommand{{open->item->materials[0].code}}, Citizen(*open));
    case S::kAccepted:
      if (open->item->immediate) return Run(open, ApproveCommand{"当场办结"}, officer);
      if (Chance(0.08)) return Run(open, TransferCommand{"3301-GA-ZD", "转市局审查"}, officer);
      return Run(open, StartReviewCommand{}, officer);
    case S::kTransferred:
      return Run(open, StartReviewCommand{}, officer);
    case S::kSpecialProcedure:
    case S::kSuspended:
      return Run(open, ResumeCommand{}, officer);
    case S::kUnderReview: {
      if (!state.open_supervision_orders.empty()) {
        return Run(open,
                   AnswerSupervisionCommand{state.open_supervision_orders.begin()->first, "已加快"},
                   officer);
      }
      if (Chance(0.03))
        return Run(open, SuperviseCommand{"请加快办理", LocalDateOf(now_)}, Supervisor());
      if (Chance(0.03))
        return Run(open, SpecialProcedureCommand{"inspection", "现场核查"}, officer);
      if (Chance(0.02)) return Run(open, SuspendCommand{"等待申请人"}, officer);
      if (state.extension_working_days == 0 && Chance(0.02)) {
        return Run(open, ExtendCommand{5, "情况复杂"}, officer);
      }
      if (Chance(0.03)) return Run(open, ConsultCommand{"进度如何", "正在审查"}, officer);
      static constexpr const char* kSteps[] = {"undertake", "audit", "approve"};
      const size_t done = state.review_steps.size();
      if (static_cast<int>(done) < open->review_steps_planned) {
        return Run(open, ReviewStepCommand{kSteps[done], "同意", ""}, officer);
      }
      if (open->deny) return Run(open, DenyCommand{"不符合法定条件", ""}, officer);
      return Run(open, ApproveCommand{"准予"}, officer);
    }
    case S::kApproved: {
      const bool express = Chance(0.5);
      return Run(open,
                 IssueCommand{"EC-" + state.case_number, express ? "express" : "pickup",
                              express ? "SF" + state.case_number.substr(8) : ""},
                 officer);
    }
    case S::kIssued:
      if (Chance(0.05)) return Run(open, RecordTripCommand{"", "领证"}, officer);
      return Run(open, DeliverCommand{"签收"}, officer);
    case S::kDelivered:
    case S::kDenied:
    case S::kNotAccepted:
    case S::kWithdrawn:
      return Run(open, CloseCommand{""}, officer);
    case S::kClosed:
      if (open->evaluate && state.evaluation_grade == 0) {
        open->evaluate = false;
        const int grade =
            Chance(0.1) ? 1 + static_cast<int>(random_() % 2) : 3 + static_cast<int>(random_() % 3);
        return Run(open, EvaluateCommand{grade, grade <= 2 ? "太慢" : "满意"}, Citizen(*open));
      }
      if (!state.open_rectifications.empty()) {
        return Run(open, RectifyCommand{state.open_rectifications.begin()->first, "已整改"},
                   officer);
      }
      open->done = true;
      return Status::Ok();
    default:
      return Internal("generator: unexpected state " + std::string(CaseStatusName(state.status)));
  }
}

}  // namespace

Result<HistoryFigures> GenerateHistory(const HistoryOptions& options) {
  if (options.events == 0 || options.events > kHistoryEventsMax) {
    return InvalidArgument("events must be 1.." + std::to_string(kHistoryEventsMax));
  }
  const std::string log_path = LogPath(options.data_dir);
  if (std::filesystem::exists(log_path)) {
    return InvalidArgument("generator: " + log_path + " exists already");
  }
  Result<WorkingCalendar> calendar = LoadCalendar("");
  if (!calendar.ok()) return calendar.status();
  Result<std::vector<CatalogItem>> items = ParseCatalogFile(BuiltinDemoCatalog());
  if (!items.ok()) return Internal("built-in demo catalog: " + items.status().message());

  const Timestamp start{StartOfLocalDay(kHistoryStart).unix_ms + 9 * 3'600'000LL};
  auto simulated_now = std::make_shared<std::atomic<int64_t>>(start.unix_ms);
  EventStoreOptions store_options;
  store_options.path = log_path;
  store_options.durability = Durability::kOs;
  store_options.clock = [simulated_now] { return Timestamp{simulated_now->load()}; };
  std::filesystem::create_directories(options.data_dir);
  Result<std::unique_ptr<EventStore>> store = EventStore::Open(store_options);
  if (!store.ok()) return store.status();
  Result<int> published = PublishDemoCatalog(store->get());
  if (!published.ok()) return published.status();

  Generator generator(store->get(), simulated_now.get(), &*calendar, std::move(items).value(),
                      options.seed);
  Result<HistoryFigures> figures = generator.Run(options, start);
  (*store)->Close();
  return figures;
}

}  // namespace yiwang::tools

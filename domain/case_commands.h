// Commands on a case: one struct per action of DESIGN.md §8 (`POST /cases/{no}/{action}`), with
// the members of the request body. Who runs the command, when and where is in DecideContext.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/events.h"
#include "domain/time.h"

namespace yiwang {

struct SubmitCommand {
  std::string service_code;
  std::string channel;
  std::string outlet;  // optional
  Applicant applicant;
  std::vector<std::string> materials;
  std::map<std::string, std::string> form;
};
struct AcceptCommand {
  std::string acceptance_number;  // 受理文书编号
  bool comprehensive_window = false;
};
struct NotAcceptCommand {
  std::string reason;
};
struct RequestMaterialsCommand {
  std::vector<std::string> missing;
  std::string note;
};
struct SupplementCommand {
  std::vector<std::string> materials;
};
struct TransferCommand {
  std::string department;
  std::string note;
};
struct StartReviewCommand {};
struct ReviewStepCommand {
  std::string step;  // "undertake" | "audit" | "approve"
  std::string opinion;
  std::string note;
};
struct SpecialProcedureCommand {
  std::string kind;  // "hearing" | "inspection" | "testing" | "expert_review" | "other"
  std::string reason;
};
struct SuspendCommand {
  std::string reason;
};
struct ResumeCommand {};
struct ExtendCommand {
  int working_days = 0;
  std::string reason;
};
struct ApproveCommand {
  std::string note;
};
struct DenyCommand {
  std::string reason;
  std::string appeal_notice;  // kDefaultAppealNotice when empty
};
struct IssueCommand {
  std::string certificate_id;
  std::string delivery;  // "pickup" | "express"
  std::string tracking_number;
};
struct DeliverCommand {
  std::string note;
};
struct WithdrawCommand {
  std::string reason;
};
struct CloseCommand {
  std::string reason;
};
struct SuperviseCommand {
  std::string note;
  CivilDate due;
};
struct AnswerSupervisionCommand {
  std::string order_id;
  std::string answer;
};
struct EvaluateCommand {
  int grade = 0;
  std::string comment;
};
struct RectifyCommand {
  std::string rectification_id;
  std::string note;
};
struct RecordTripCommand {
  std::string outlet;
  std::string purpose;
};
struct ConsultCommand {
  std::string question;
  std::string answer;
};

using CaseCommand =
    std::variant<SubmitCommand, AcceptCommand, NotAcceptCommand, RequestMaterialsCommand,
                 SupplementCommand, TransferCommand, StartReviewCommand, ReviewStepCommand,
                 SpecialProcedureCommand, SuspendCommand, ResumeCommand, ExtendCommand,
                 ApproveCommand, DenyCommand, IssueCommand, DeliverCommand, WithdrawCommand,
                 CloseCommand, SuperviseCommand, AnswerSupervisionCommand, EvaluateCommand,
                 RectifyCommand, RecordTripCommand, ConsultCommand>;

// The action's name in the API path: "submit", "accept", "not-accept", "request-materials", …
std::string_view CommandActionName(const CaseCommand& command);
// Every action name, indexed like the alternatives of CaseCommand ("submit" first).
std::span<const std::string_view> CommandActionNames();

}  // namespace yiwang

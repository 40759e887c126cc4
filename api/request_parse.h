// JSON request bodies -> domain commands (DESIGN.md §8 field names), parsed with simdjson.
// Strict: a body must be one JSON object; unknown members, wrong types and values out of range
// are kInvalidArgument with the member's path in `field` and a reason (malformed_json,
// unknown_field, wrong_type, too_long, invalid_value). Domain rules (ID numbers, channels,
// transitions) are checked later by Decide.
#pragma once

#include <optional>
#include <string_view>

#include "domain/case_commands.h"
#include "domain/status.h"

namespace yiwang::api {

// `action` is the path segment of POST /cases/{no}/{action}, or "submit" for POST /cases.
// kNotFound (reason unknown_action) for an action that does not exist.
Result<CaseCommand> ParseCommandBody(std::string_view action, std::string_view body);

// The command of `action` with every member defaulted (nullopt for an unknown action). Used to
// ask the domain whether the caller's role may run the action at all before answering with the
// details of why its body is wrong.
std::optional<CaseCommand> EmptyCommand(std::string_view action);

}  // namespace yiwang::api

// Personal data masking for roles that may not see it (analysts, DESIGN.md §8): ID numbers as
// 330106********1234, names as their first character and asterisks, phones as 138****0000,
// addresses cut after the first six characters. Everything personal lives in
// CaseSubmitted.data.applicant (DESIGN.md §3), so masking touches that one object.
#pragma once

#include <string>
#include <string_view>

#include "domain/envelope.h"
#include "domain/events.h"
#include "domain/status.h"

namespace yiwang::api {

Applicant MaskApplicant(const Applicant& applicant);
// The event's bytes with personal data masked. Events without personal data come back as they
// are; masked ones are re-encoded, so their "hash" no longer matches their bytes (the chain is
// verified on stored bytes, with `yiwang verify`).
Result<std::string> MaskedEventBytes(std::string_view stored_bytes);

}  // namespace yiwang::api

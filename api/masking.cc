#include "api/masking.h"

#include "domain/id_number.h"

namespace yiwang::api {
namespace {

// The first `count` UTF-8 characters of `text`.
std::string_view Utf8Prefix(std::string_view text, size_t count) {
  size_t at = 0;
  for (size_t seen = 0; at < text.size() && seen < count; ++seen) {
    ++at;
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) ++at;
  }
  return text.substr(0, at);
}

}  // namespace

Applicant MaskApplicant(const Applicant& applicant) {
  Applicant masked;
  masked.id_number = MaskCitizenId(applicant.id_number);
  if (!applicant.name.empty()) masked.name = std::string(Utf8Prefix(applicant.name, 1)) + "**";
  if (applicant.phone.size() >= 7) {
    masked.phone =
        applicant.phone.substr(0, 3) + "****" + applicant.phone.substr(applicant.phone.size() - 4);
  } else if (!applicant.phone.empty()) {
    masked.phone = "****";
  }
  if (!applicant.address.empty())
    masked.address = std::string(Utf8Prefix(applicant.address, 6)) + "…";
  return masked;
}

Result<std::string> MaskedEventBytes(std::string_view stored_bytes) {
  // Only CaseSubmitted carries personal data; avoid decoding anything else.
  if (stored_bytes.find("\"type\":\"CaseSubmitted\"") == std::string_view::npos) {
    return std::string(stored_bytes);
  }
  Result<EventEnvelope> envelope = DecodeEnvelope(stored_bytes);
  if (!envelope.ok()) return envelope.status();
  if (envelope->type != "CaseSubmitted") return std::string(stored_bytes);
  Result<CaseEvent> event = DecodeEventData(envelope->type, envelope->schema, envelope->data);
  if (!event.ok())
    return DataLoss("stored CaseSubmitted does not decode: " + event.status().message());
  auto& submitted = std::get<CaseSubmitted>(*event);
  submitted.applicant = MaskApplicant(submitted.applicant);
  envelope->data = EncodeEventData(*event);
  return EncodeEnvelope(*envelope);
}

}  // namespace yiwang::api

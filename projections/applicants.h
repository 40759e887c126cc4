// The applicant index (一证通, DESIGN.md §7): for one citizen ID number, every case (number,
// item, state, submission time, version) and every issued certificate. Families:
//   "applicants"       id-number 0x00 case-number      -> case entry
//                      id-number 0x01 certificate-id   -> certificate entry
//   "applicant_cases"  case-number -> id-number        (later events of a case carry no ID)
// Listing is by cursor: the opaque cursor is the last case number (certificate id) returned.
// Thread-safety: Apply/Committed/Discard on the runner thread; List* from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/case.h"
#include "domain/events.h"
#include "projections/internal/case_slots.h"
#include "projections/internal/string_map.h"
#include "projections/read_store.h"
#include "projections/runner.h"

namespace yiwang::projections {

inline constexpr std::string_view kApplicantsFamily = "applicants";
inline constexpr std::string_view kApplicantCasesFamily = "applicant_cases";
inline constexpr size_t kApplicantPageItemsMax = 100;
inline constexpr size_t kApplicantPageItemsDefault = 20;

struct ApplicantCase {
  std::string case_number;
  std::string service_code;
  CaseStatus state = CaseStatus::kNone;
  Timestamp submitted_at;
  uint32_t version = 0;
  bool operator==(const ApplicantCase&) const = default;
};

struct ApplicantCertificate {
  std::string certificate_id;
  std::string service_code;
  std::string case_number;
  Delivery delivery = Delivery::kPickup;
  Timestamp issued_at;
  bool operator==(const ApplicantCertificate&) const = default;
};

template <typename Item>
struct ApplicantPage {
  std::vector<Item> items;  // in key order (case number, certificate id)
  std::string next_cursor;  // empty when this is the last page
};

class ApplicantIndex : public Projection {
 public:
  explicit ApplicantIndex(ReadStore* read_store) : read_store_(read_store) {}

  std::string_view name() const override { return kApplicantsFamily; }
  std::vector<std::string> families() const override {
    return {std::string(kApplicantsFamily), std::string(kApplicantCasesFamily)};
  }
  // kDataLoss for a case event whose case was never submitted. A case's entry stays in memory
  // until Flush, which writes each changed entry once.
  Status Apply(const ProjectedEvent& event, ReadBatch* batch) override;
  void Prefetch(const ProjectedEvent& event) const override { pending_.Prefetch(event); }
  Status Flush(ReadBatch* batch) override;
  void Committed() override { pending_.Clear(); }
  void Discard() override { pending_.Clear(); }

  // kInvalidArgument (field "id_number", "cursor" or "limit") for an invalid ID number, a
  // malformed cursor or a limit outside 1..kApplicantPageItemsMax. An unknown applicant has no
  // items (not an error: the index cannot tell a new applicant from an unknown one).
  Result<ApplicantPage<ApplicantCase>> ListCases(std::string_view id_number,
                                                 std::string_view cursor, size_t limit) const;
  Result<ApplicantPage<ApplicantCertificate>> ListCertificates(std::string_view id_number,
                                                               std::string_view cursor,
                                                               size_t limit) const;

 private:
  struct PendingCase {
    std::string id_number;
    ApplicantCase entry;
  };
  // The case's entry, from this batch or the store; kDataLoss when it was never submitted.
  Result<PendingCase*> Pending(const ProjectedEvent& event, ReadBatch* batch);

  ReadStore* read_store_;
  internal::CaseTable<PendingCase> pending_;  // entries changed by the batch (runner thread)
};

// {"items":[{"case_number","service_code","state","submitted_at","version"}…],"next_cursor":…|null}
std::string WriteApplicantCasesJson(const ApplicantPage<ApplicantCase>& page);
// {"items":[{"certificate_id","service_code","case_number","delivery","issued_at"}…],
//  "next_cursor":…|null}
std::string WriteApplicantCertificatesJson(const ApplicantPage<ApplicantCertificate>& page);

}  // namespace yiwang::projections

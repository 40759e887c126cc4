// The one table that maps Status codes to HTTP, and the error body of DESIGN.md §8:
//   {"error":{"code":"invalid_id_number","message":"…","field":"applicant.id_number"}}
// `code` is the Status reason when it has one, else the lowercase code name.
#pragma once

#include <string>

#include "domain/status.h"

namespace yiwang::api {

int HttpStatusFor(const Status& status);
std::string ErrorBody(const Status& status);
// For errors that have no Status behind them (unknown route, method not allowed).
std::string ErrorBody(std::string_view code, std::string_view message);

}  // namespace yiwang::api

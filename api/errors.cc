#include "api/errors.h"

#include <cctype>

#include "domain/json.h"

namespace yiwang::api {

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kAborted:
      return 412;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDataLoss:
      return 500;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

std::string ErrorBody(std::string_view code, std::string_view message) {
  JsonWriter writer;
  writer.BeginObject().Key("error").BeginObject();
  writer.Field("code", code).Field("message", message);
  writer.EndObject().EndObject();
  return writer.Take();
}

std::string ErrorBody(const Status& status) {
  std::string code = status.reason();
  if (code.empty()) {
    for (char c : StatusCodeName(status.code())) {
      code.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  JsonWriter writer;
  writer.BeginObject().Key("error").BeginObject();
  writer.Field("code", code)
      .Field("message", status.message())
      .OptionalField("field", status.field());
  writer.EndObject().EndObject();
  return writer.Take();
}

}  // namespace yiwang::api

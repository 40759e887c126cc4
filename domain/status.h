// Status and Result<T>: the error channel of every fallible call in yiwang.
//
// Codes are chosen so the caller knows what to do (abseil's canonical codes):
//   kInvalidArgument    the input is wrong; do not retry as is (HTTP 400)
//   kNotFound           no such thing (404)
//   kAlreadyExists      it exists already (409)
//   kFailedPrecondition not allowed in the current state, e.g. an illegal transition (409)
//   kAborted            optimistic concurrency conflict: re-read and retry (412)
//   kPermissionDenied   the caller may not do this (403)
//   kUnauthenticated    no or bad credentials (401)
//   kResourceExhausted  a limit was hit (413 / 429)
//   kOutOfRange         outside what is covered, e.g. a date past the calendar's years (400)
//   kUnavailable        transient: retry the call later (503)
//   kDataLoss           stored data is corrupt (500, operator attention)
//   kInternal           a bug or an unexpected failure of a dependency (500)
// The mapping to HTTP lives in one table in api/.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace yiwang {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kAborted,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,
  kOutOfRange,
  kUnavailable,
  kDataLoss,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

// One pointer: OK is null, an error holds its code and texts on the heap. Every fallible call
// returns a Status or a Result, most of them OK, so an OK one must cost no more than a pointer
// to move and destroy (with the texts inline, moving one moved three strings: ~3 % of a replay's
// samples went to the Status of projections' Apply alone).
class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::string field = {})
      : rep_(code == StatusCode::kOk && message.empty() && field.empty()
                 ? nullptr
                 : new Rep{code, std::move(message), std::move(field), {}}) {}
  Status(const Status& other) : rep_(other.rep_ == nullptr ? nullptr : new Rep(*other.rep_)) {}
  Status(Status&& other) noexcept : rep_(std::exchange(other.rep_, nullptr)) {}
  Status& operator=(const Status& other) {
    if (this != &other) *this = Status(other);
    return *this;
  }
  Status& operator=(Status&& other) noexcept {
    std::swap(rep_, other.rep_);
    return *this;
  }
  ~Status() { delete rep_; }

  static Status Ok() { return Status(); }
  bool ok() const { return rep_ == nullptr || rep_->code == StatusCode::kOk; }
  StatusCode code() const { return rep_ == nullptr ? StatusCode::kOk : rep_->code; }
  const std::string& message() const { return rep_ == nullptr ? Empty() : rep_->message; }
  // The input field the error is about ("applicant.id_number"), empty when none.
  const std::string& field() const { return rep_ == nullptr ? Empty() : rep_->field; }
  // A short machine-readable reason ("invalid_id_number"), empty when the code says enough.
  const std::string& reason() const { return rep_ == nullptr ? Empty() : rep_->reason; }
  Status& WithReason(std::string reason) & {
    if (rep_ == nullptr) rep_ = new Rep{StatusCode::kOk, {}, {}, {}};
    rep_->reason = std::move(reason);
    return *this;
  }
  Status&& WithReason(std::string reason) && {
    WithReason(std::move(reason));
    return std::move(*this);
  }

  // "INVALID_ARGUMENT: message (field)" for logs and test failures.
  std::string ToString() const;

 private:
  struct Rep {
    StatusCode code;
    std::string message;
    std::string field;
    std::string reason;
  };
  static const std::string& Empty() {
    static const std::string empty;
    return empty;
  }
  Rep* rep_ = nullptr;  // null: OK
};

inline Status InvalidArgument(std::string message, std::string field = {}) {
  return Status(StatusCode::kInvalidArgument, std::move(message), std::move(field));
}
inline Status NotFound(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status FailedPrecondition(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message));
}
inline Status Aborted(std::string message) {
  return Status(StatusCode::kAborted, std::move(message));
}
inline Status PermissionDenied(std::string message) {
  return Status(StatusCode::kPermissionDenied, std::move(message));
}
inline Status OutOfRange(std::string message, std::string field = {}) {
  return Status(StatusCode::kOutOfRange, std::move(message), std::move(field));
}
inline Status ResourceExhausted(std::string message) {
  return Status(StatusCode::kResourceExhausted, std::move(message));
}
inline Status Unavailable(std::string message) {
  return Status(StatusCode::kUnavailable, std::move(message));
}
inline Status DataLoss(std::string message) {
  return Status(StatusCode::kDataLoss, std::move(message));
}
inline Status Internal(std::string message) {
  return Status(StatusCode::kInternal, std::move(message));
}

// A value or the Status that explains why there is none. Accessing the value of a failed
// Result is a programmer error (asserted).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "a Result without a value needs a non-OK status");
    if (status_.ok()) status_ = Internal("Result built from an OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace yiwang

// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define YIWANG_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::yiwang::Status yiwang_status_ = (expr);        \
    if (!yiwang_status_.ok()) return yiwang_status_; \
  } while (false)

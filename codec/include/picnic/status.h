// Errors as values. Every failure on input data returns a Status with a
// code a program can branch on and a message a user can act on.
#ifndef PICNIC_STATUS_H_
#define PICNIC_STATUS_H_

#include <string>
#include <utility>
#include <variant>

#include "picnic/visibility.h"

namespace picnic {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // caller asked for something impossible (bad option)
  kIoError,           // file could not be read or written
  kUnsupported,       // valid input we do not handle (e.g. 16-bit PNG)
  kBadMagic,          // not a .pnc file
  kUnknownVersion,    // .pnc from a newer, incompatible format version
  kTruncated,         // stream ended early
  kCorrupt,           // inconsistent structure (sizes, lengths, values)
  kChecksumMismatch,  // decoded pixels do not match the stored CRC32
  kModelNotFound,     // file needs a model (name/fingerprint) we do not have
  kLimitExceeded,     // image larger than the configured limit
  kModelError,        // the probability model failed (e.g. non-finite output)
  kInternal,          // a bug in picnic
};

// Short stable name of a code, e.g. "truncated".
PICNIC_EXPORT const char* StatusCodeName(StatusCode code);

class [[nodiscard]] PICNIC_EXPORT Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "truncated: payload of tile 3 ends after 12 of 40 bytes"
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit on purpose
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be ok
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace picnic

#define PICNIC_RETURN_IF_ERROR(expr)              \
  do {                                            \
    ::picnic::Status picnic_status_ = (expr);     \
    if (!picnic_status_.ok()) return picnic_status_; \
  } while (0)

#define PICNIC_CONCAT_INNER_(a, b) a##b
#define PICNIC_CONCAT_(a, b) PICNIC_CONCAT_INNER_(a, b)
// PICNIC_ASSIGN_OR_RETURN(auto x, Foo()); returns Foo()'s Status on error.
#define PICNIC_ASSIGN_OR_RETURN(lhs, expr) \
  PICNIC_ASSIGN_OR_RETURN_IMPL_(PICNIC_CONCAT_(picnic_result_, __LINE__), lhs, expr)
#define PICNIC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#endif  // PICNIC_STATUS_H_

#include "picnic/status.h"

namespace picnic {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kIoError: return "I/O error";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kBadMagic: return "bad magic";
    case StatusCode::kUnknownVersion: return "unknown version";
    case StatusCode::kTruncated: return "truncated";
    case StatusCode::kCorrupt: return "corrupt";
    case StatusCode::kChecksumMismatch: return "checksum mismatch";
    case StatusCode::kModelNotFound: return "model not found";
    case StatusCode::kLimitExceeded: return "limit exceeded";
    case StatusCode::kModelError: return "model error";
    case StatusCode::kInternal: return "internal error";
  }
  // Only reachable with a value cast from outside the enum.
  return "unknown status";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s = StatusCodeName(code_);
  if (!message_.empty()) {
    s += ": ";
    s += message_;
  }
  return s;
}

}  // namespace picnic

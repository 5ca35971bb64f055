#include "common/status.h"

#include <cerrno>
#include <cstring>

namespace qoima {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kNotFound: return "not_found";
    case Code::kAlreadyExists: return "already_exists";
    case Code::kPermissionDenied: return "permission_denied";
    case Code::kFailedPrecondition: return "failed_precondition";
    case Code::kIoError: return "io_error";
    case Code::kNoSpace: return "no_space";
    case Code::kCorrupt: return "corrupt";
    case Code::kMediaUnreadable: return "media_unreadable";
    case Code::kUnsupported: return "unsupported";
    case Code::kLimitExceeded: return "limit_exceeded";
    case Code::kTimeout: return "timeout";
    case Code::kTpmError: return "tpm_error";
    case Code::kPolicyMismatch: return "policy_mismatch";
    case Code::kLockout: return "lockout";
    case Code::kAuthFailed: return "auth_failed";
    case Code::kCancelled: return "cancelled";
    case Code::kInternal: return "internal";
    case Code::kTampered: return "tampered";
  }
  return "unknown";
}

Status Status::FromErrno(int err, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += std::strerror(err);
  switch (err) {
    case ENOENT: return NotFound(std::move(msg));
    case EEXIST: return AlreadyExists(std::move(msg));
    case EACCES:
    case EPERM: return Status(Code::kIoError, std::move(msg));
    case ENOSPC:
    case EDQUOT: return NoSpace(std::move(msg));
    case EINVAL: return InvalidArgument(std::move(msg));
    case ETIMEDOUT: return Timeout(std::move(msg));
    case ENOMEDIUM:
    case ENXIO:
    case ENODEV: return MediaUnreadable(std::move(msg));
    default: return IoError(std::move(msg));
  }
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return Status(code_, std::move(msg));
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(CodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

}  // namespace qoima

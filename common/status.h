// Status: the value every fallible qoima call returns instead of throwing.
//
// A Status is either OK or carries an error Code and a human-readable message.
// Context is added on the way up ("probe /dev/sdb1: " + inner message), so the
// message that reaches the clerk, the audit log or the CLI names the device,
// file, line or field. Codes are stable: the CLI maps them to exit codes and the
// kiosk maps them to translated explanations.
//
// Thread-safety: a Status is a plain value; distinct objects may be used from
// distinct threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace qoima {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // caller passed something malformed (manifest line, CLI flag)
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a unique thing exists already
  kPermissionDenied,    // role or approval missing; not an OS EACCES on a path
  kFailedPrecondition,  // the system is not in the state the operation needs
  kIoError,             // the OS refused an I/O (errno mapped)
  kNoSpace,             // ENOSPC / EDQUOT: the store's disk is full
  kCorrupt,             // bytes that should verify did not (AEAD, hash, DB row, audit log)
  kMediaUnreadable,     // depositor media could not be read (sector error, removed)
  kUnsupported,         // a filesystem, format or feature we do not handle
  kLimitExceeded,       // a parser limit was hit (depth, entries, bytes, ratio)
  kTimeout,             // a wall-clock limit ran out
  kTpmError,            // the TPM failed or is absent
  kPolicyMismatch,      // the TPM refused to unseal: PCRs changed since provisioning
  kLockout,             // TPM dictionary-attack lockout or a user account lockout
  kAuthFailed,          // wrong password, wrong recovery shares
  kCancelled,           // the operator cancelled
  kInternal,            // a bug: an invariant did not hold
  kTampered,            // evidence of tampering: the store is older than the TPM's counter says, or the counter is gone
};

/// Stable machine name of a code, e.g. "media_unreadable" (used in --json output).
std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  /// OK status.
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {Code::kFailedPrecondition, std::move(m)}; }
  static Status IoError(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status NoSpace(std::string m) { return {Code::kNoSpace, std::move(m)}; }
  static Status Corrupt(std::string m) { return {Code::kCorrupt, std::move(m)}; }
  static Status MediaUnreadable(std::string m) { return {Code::kMediaUnreadable, std::move(m)}; }
  static Status Unsupported(std::string m) { return {Code::kUnsupported, std::move(m)}; }
  static Status LimitExceeded(std::string m) { return {Code::kLimitExceeded, std::move(m)}; }
  static Status Timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
  static Status TpmError(std::string m) { return {Code::kTpmError, std::move(m)}; }
  static Status PolicyMismatch(std::string m) { return {Code::kPolicyMismatch, std::move(m)}; }
  static Status Lockout(std::string m) { return {Code::kLockout, std::move(m)}; }
  static Status AuthFailed(std::string m) { return {Code::kAuthFailed, std::move(m)}; }
  static Status Cancelled(std::string m) { return {Code::kCancelled, std::move(m)}; }
  static Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
  static Status Tampered(std::string m) { return {Code::kTampered, std::move(m)}; }

  /// Maps an errno value to a Status; the one place errno becomes a Status.
  /// `what` names the operation and object, e.g. "open /dev/sdb".
  static Status FromErrno(int err, std::string_view what);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  /// Returns a copy with "context: " prepended to the message (OK stays OK).
  Status WithContext(std::string_view context) const;

  /// "media_unreadable: read /dev/sdb at offset 4096: Input/output error"
  std::string ToString() const;

  bool operator==(const Status& other) const = default;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace qoima

/// Returns early from the enclosing function when `expr` yields a non-OK Status.
/// Kept as the one control-flow macro of the code base: it is the idiom of
/// leveldb/abseil and hides no variable.
#define QOIMA_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::qoima::Status qoima_status_ = (expr);        \
    if (!qoima_status_.ok()) return qoima_status_; \
  } while (0)

// Authenticator: checks a password against a user record under the lockout
// policy. It changes only the record it is given (failed-attempt counter,
// lock time, last login); the caller persists the record and writes the
// audit event for every outcome, success or not, in one transaction.
//
// Lockout: after kMaxFailedLogins consecutive failures the account is locked
// for kLockoutSeconds; attempts while locked are refused whatever the
// password (and still counted as audit events by the caller). An admin can
// unlock early (Unlock).
//
// What the person at the keyboard learns: Authenticate() returns the real
// reason (wrong password, locked, disabled) for the audit log; whoever logs
// in is told only LoginRefused(), the same words and code for every refusal
// and for an unknown login, so a guess cannot tell an existing, locked or
// disabled account from a wrong password. The password is checked against
// the hash in every case, so the time taken does not tell them apart either.
//
// Thread-safety: const methods; records are owned by the caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "appliance/password_hasher.h"
#include "appliance/role.h"
#include "common/status.h"
#include "storage/clock.h"

namespace qoima::appliance {

/// Consecutive wrong passwords before the account locks.
inline constexpr int kMaxFailedLogins = 5;
/// How long a locked account stays locked (15 minutes).
inline constexpr int64_t kLockoutSeconds = 15 * 60;

/// The one answer to a refused login (kAuthFailed), whatever the reason.
inline constexpr char kLoginRefusedMessage[] = "wrong username or password";
Status LoginRefused();

/// What the users table holds about one person (storage owns the table).
struct UserRecord {
  int64_t id = 0;
  std::string username;  // [a-z0-9._-], 3..32
  std::string surname;
  std::string given_name;
  std::string patronymic;  // optional
  Role role = Role::kClerk;
  std::string password_hash;  // Argon2id encoded
  bool disabled = false;
  int failed_logins = 0;
  int64_t locked_until = 0;  // UTC seconds; 0 = not locked
  int64_t last_login = 0;
  int64_t created_at = 0;

  Actor AsActor() const { return {id, username, role}; }
};

/// OK when `username` is 3..32 of [a-z0-9._-] starting with a letter.
Status CheckUsername(std::string_view username);

class Authenticator {
 public:
  Authenticator(const storage::Clock& clock, const PasswordHasher& hasher) : clock_(clock), hasher_(hasher) {}

  /// Checks `password` for `user`. OK: the record's failure counter is reset
  /// and last_login set. AuthFailed: counter incremented, and when it reaches
  /// kMaxFailedLogins the record is locked (message says so). Lockout: the
  /// account is locked (message says until when). PermissionDenied: disabled.
  /// The messages are for the audit log; the person is told LoginRefused().
  Status Authenticate(UserRecord& user, std::string_view password) const;

  /// Clears the lock and the counter (done by an officer or admin; audited by the caller).
  static void Unlock(UserRecord& user);

  bool IsLocked(const UserRecord& user) const { return user.locked_until > clock_.NowUnix(); }

 private:
  const storage::Clock& clock_;
  const PasswordHasher& hasher_;
};

}  // namespace qoima::appliance

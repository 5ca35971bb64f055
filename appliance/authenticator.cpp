#include "appliance/authenticator.h"

#include "appliance/civil_time.h"

namespace qoima::appliance {

Status CheckUsername(std::string_view u) {
  if (u.size() < 3 || u.size() > 32) return Status::InvalidArgument("username must be 3 to 32 characters");
  if (!(u[0] >= 'a' && u[0] <= 'z')) return Status::InvalidArgument("username must start with a lowercase letter");
  for (char c : u)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return Status::InvalidArgument("username may contain only a-z, 0-9, '.', '_' and '-'");
  return Status::Ok();
}

Status LoginRefused() { return Status::AuthFailed(kLoginRefusedMessage); }

Status Authenticator::Authenticate(UserRecord& user, std::string_view password) const {
  int64_t now = clock_.NowUnix();
  // The hash is checked first in every case: a refusal takes as long whatever its reason.
  Status s = hasher_.Verify(user.password_hash, password);
  if (user.disabled)
    return Status::PermissionDenied("account '" + user.username + "' is disabled" +
                                    (s.ok() ? " (the password was right)" : ""));
  if (user.locked_until > now)
    return Status::Lockout("account '" + user.username + "' is locked until " + FormatUtc(user.locked_until) +
                           " after " + std::to_string(kMaxFailedLogins) + " wrong passwords" +
                           (s.ok() ? " (the password was right)" : ""));
  if (user.locked_until != 0) {  // the lock ran out: start counting afresh
    user.locked_until = 0;
    user.failed_logins = 0;
  }
  if (s.ok()) {
    user.failed_logins = 0;
    user.last_login = now;
    return s;
  }
  if (s.code() != Code::kAuthFailed) return s;
  ++user.failed_logins;
  if (user.failed_logins >= kMaxFailedLogins) {
    user.locked_until = now + kLockoutSeconds;
    return Status::AuthFailed("wrong username or password; account '" + user.username + "' is now locked until " +
                              FormatUtc(user.locked_until));
  }
  return Status::AuthFailed("wrong username or password (" + std::to_string(kMaxFailedLogins - user.failed_logins) +
                            " attempt(s) left before the account locks)");
}

void Authenticator::Unlock(UserRecord& user) {
  user.locked_until = 0;
  user.failed_logins = 0;
}

}  // namespace qoima::appliance

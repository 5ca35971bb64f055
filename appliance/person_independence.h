// Person independence: the rule that the two persons of any approval (an
// export, a destruction, a recovery, a change to a privileged account) are
// two independent people, not one person and an account that person made.
//
// Every change to an account is recorded as a UserChange (storage table
// user_changes, written by the appliance in the same transaction as the
// change and its audit event): which account, what changed, who asked, who
// approved (a second officer, or the recovery shares in a break-glass), when.
// Persons A and B are independent at time `now` when they are different
// accounts and, within the last kIndependenceWindowSeconds, neither asked for,
// approved or carried out a change that put the other's account in their
// hands: its creation, its enabling, a change of its role, or a password set
// for it by someone else. The holder of such an account may be the other's
// puppet (the maker chose who holds it, or knows its password), so for the
// window the two count as one person. The tie is transitive: an account made
// by an account A made is bound to A too (a puppet admin asking for a second
// puppet officer). Disabling and unlocking bind nobody.
//
// Thread-safety: pure functions over plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace qoima::appliance {

/// How long a change binds its makers to the account (30 days): long enough
/// that a puppet account cannot be used by the officer who made it before the
/// other officers and the auditor see the change in the log and on paper.
inline constexpr int64_t kIndependenceWindowSeconds = 30 * 24 * 3600;

enum class UserChangeKind { kCreate, kEnable, kDisable, kRole, kPassword, kUnlock };

/// "create", "enable", "disable", "role", "password", "unlock" (the stored form).
std::string_view UserChangeKindName(UserChangeKind kind);
std::optional<UserChangeKind> ParseUserChangeKind(std::string_view name);

/// True for the kinds that put an account in its makers' hands: create,
/// enable, role and password.
bool BindsMakers(UserChangeKind kind);

/// One recorded change to an account.
struct UserChange {
  int64_t id = 0;
  int64_t user_id = 0;  // the account changed
  std::string login;    // its login
  UserChangeKind kind = UserChangeKind::kCreate;
  std::string role_before;  // role names; empty when not applicable
  std::string role_after;
  int64_t requested_by = 0;  // who made or asked for it; 0: the system (init, migration)
  std::string requested_by_login;
  int64_t approved_by = 0;  // the second officer; 0: done directly or by break-glass
  std::string approved_by_login;
  bool break_glass = false;  // authorized by the recovery shares instead of a second officer
  int64_t approval_id = 0;   // the approval request it carried out; 0: none
  int64_t at = 0;            // UTC seconds
};

/// One of the two persons of an approval.
struct Person {
  int64_t user_id = 0;
  std::string login;
};

/// OK when `a` and `b` are different accounts and no chain of changes in
/// `changes` made at or after `now - window` (or dated later than `now`: a
/// clock set back frees nobody) leads from one to the other, each link a
/// BindsMakers() change of an account asked for, approved or carried out by
/// the previous account. Otherwise PermissionDenied naming both logins, each
/// change of the shortest chain with its date, and the date that chain
/// lapses. `changes` may hold unrelated rows.
Status CheckIndependence(std::span<const UserChange> changes, const Person& a, const Person& b, int64_t now,
                         int64_t window = kIndependenceWindowSeconds);

}  // namespace qoima::appliance

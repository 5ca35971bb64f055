// UserChangeRepository: the store's record of the people (storage migration
// 9, docs/storage.md): `user_changes`, the append-only history of every
// change to an account (who asked, who approved, break-glass, when), and
// `user_change_requests`, the change a pending two-person request would make
// (approvals row with action 'user'; ApprovalRepository holds its state).
//
// The Appliance (appliance_users.cpp) is the only writer: it records a
// change in the same transaction as the change itself and its audit event.
// CheckPersonsIndependent() is the one place the independence rule
// (person_independence.h) meets the store; the export, destruction, recovery
// and account approvals all ask it.
//
// Ownership: borrows the Database. Thread-safety: one thread at a time, like
// the Database; callers hold a Transaction around writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "appliance/person_independence.h"
#include "appliance/role.h"
#include "common/result.h"
#include "storage/database.h"

namespace qoima::appliance {

/// The change a pending request for a privileged account would make.
struct UserChangeRequest {
  UserChangeKind kind = UserChangeKind::kCreate;
  std::string login;
  int64_t user_id = 0;       // the account (0 for a creation not yet carried out)
  Role role = Role::kClerk;  // kCreate: the new account's role; kRole: its new role
  std::string surname;       // kCreate
  std::string given_name;
  std::string patronymic;
  std::string password_hash;  // kCreate, kPassword (Argon2id); empty once the request closed

  /// "create the security_officer account 'puppet'", "set a new password for 'admin'", ...
  std::string Describe() const;
};

class UserChangeRepository {
 public:
  explicit UserChangeRepository(storage::Database& db) : db_(db) {}

  /// Appends a change (change.id is ignored) and returns its id.
  Result<int64_t> Record(const UserChange& change);

  /// The BindsMakers() changes of every account since `since` (the
  /// independence rule follows chains of them).
  Result<std::vector<UserChange>> BindingSince(int64_t since);

  /// Every change of account `user_id`, oldest first.
  Result<std::vector<UserChange>> ForUser(int64_t user_id);

  /// How many different accounts were ever made security officers (created
  /// as one or re-roled to it), disabled ones included.
  Result<int64_t> OfficersEverSeated();

  Status SaveRequest(int64_t approval_id, const UserChangeRequest& request);
  /// kNotFound when approval `approval_id` carries no account change.
  Result<UserChangeRequest> LoadRequest(int64_t approval_id);
  /// Forgets the password hash of a closed request; records the account a
  /// creation made.
  Status CloseRequest(int64_t approval_id, int64_t user_id);

 private:
  Result<std::vector<UserChange>> Query(const std::string& where, const std::vector<int64_t>& ints,
                                        const std::optional<std::string>& since);
  storage::Database& db_;
};

/// The independence rule against the store: OK when `a` and `b` are two
/// independent persons at `now` (person_independence.h).
Status CheckPersonsIndependent(storage::Database& db, const Person& a, const Person& b, int64_t now);

}  // namespace qoima::appliance

#include "appliance/user_change_repository.h"

#include "appliance/civil_time.h"
#include "appliance/manifest_parser.h"

namespace qoima::appliance {
namespace {

using storage::Statement;

constexpr const char* kSelect =
    "SELECT c.id, c.user_id, coalesce(s.login, ''), c.kind, coalesce(c.role_before, ''), "
    "coalesce(c.role_after, ''), coalesce(c.requested_by, 0), coalesce(r.login, ''), coalesce(c.approved_by, 0), "
    "coalesce(a.login, ''), c.break_glass, coalesce(c.approval_id, 0), c.at FROM user_changes c "
    "LEFT JOIN users s ON s.id = c.user_id LEFT JOIN users r ON r.id = c.requested_by "
    "LEFT JOIN users a ON a.id = c.approved_by ";

std::optional<int64_t> NonZero(int64_t v) {
  if (v == 0) return std::nullopt;
  return v;
}

std::optional<std::string> NonEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

std::string UserChangeRequest::Describe() const {
  const std::string who = "'" + login + "'";
  switch (kind) {
    case UserChangeKind::kCreate: return "create the " + std::string(RoleName(role)) + " account " + who;
    case UserChangeKind::kEnable: return "enable the account " + who;
    case UserChangeKind::kDisable: return "disable the account " + who;
    case UserChangeKind::kRole: return "make " + who + " " + std::string(RoleName(role));
    case UserChangeKind::kPassword: return "set a new password for " + who;
    case UserChangeKind::kUnlock: return "unlock the account " + who;
  }
  return "change the account " + who;
}

Result<int64_t> UserChangeRepository::Record(const UserChange& c) {
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         db_.Prepare("INSERT INTO user_changes(user_id, kind, role_before, role_after, requested_by, "
                                     "approved_by, break_glass, approval_id, at) VALUES (?,?,?,?,?,?,?,?,?)"));
  st.Bind(1, c.user_id).Bind(2, UserChangeKindName(c.kind)).BindOptional(3, NonEmpty(c.role_before));
  st.BindOptional(4, NonEmpty(c.role_after)).BindOptional(5, NonZero(c.requested_by));
  st.BindOptional(6, NonZero(c.approved_by)).Bind(7, int64_t{c.break_glass ? 1 : 0});
  st.BindOptional(8, NonZero(c.approval_id)).Bind(9, FormatUtc(c.at));
  QOIMA_RETURN_IF_ERROR(st.Run().WithContext("record the change of account " + std::to_string(c.user_id)));
  return db_.LastInsertRowid();
}

Result<std::vector<UserChange>> UserChangeRepository::Query(const std::string& where, const std::vector<int64_t>& ints,
                                                            const std::optional<std::string>& since) {
  std::string sql = std::string(kSelect) + "WHERE " + where + (since ? " AND c.at >= ?" : "") + " ORDER BY c.id";
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare(sql));
  int i = 1;
  for (int64_t v : ints) st.Bind(i++, v);
  if (since) st.Bind(i, *since);
  std::vector<UserChange> out;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    UserChange c;
    c.id = st.ColumnInt(0);
    c.user_id = st.ColumnInt(1);
    c.login = st.ColumnText(2);
    auto kind = ParseUserChangeKind(st.ColumnText(3));
    if (!kind) return Status::Corrupt("user_changes row " + std::to_string(c.id) + ": unknown kind");
    c.kind = *kind;
    c.role_before = st.ColumnText(4);
    c.role_after = st.ColumnText(5);
    c.requested_by = st.ColumnInt(6);
    c.requested_by_login = st.ColumnText(7);
    c.approved_by = st.ColumnInt(8);
    c.approved_by_login = st.ColumnText(9);
    c.break_glass = st.ColumnInt(10) != 0;
    c.approval_id = st.ColumnInt(11);
    auto at = ParseManifestDate(st.ColumnText(12));
    if (!at) return Status::Corrupt("user_changes row " + std::to_string(c.id) + ": 'at' is not a time");
    c.at = at->unix_seconds;
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::vector<UserChange>> UserChangeRepository::BindingSince(int64_t since) {
  return Query("c.kind IN ('create','enable','role','password')", {}, FormatUtc(since));
}

Result<std::vector<UserChange>> UserChangeRepository::ForUser(int64_t user_id) {
  return Query("c.user_id = ?", {user_id}, std::nullopt);
}

Result<int64_t> UserChangeRepository::OfficersEverSeated() {
  return db_.QueryInt(
      "SELECT count(DISTINCT user_id) FROM user_changes WHERE kind IN ('create','role') AND "
      "role_after = 'security_officer'");
}

Status UserChangeRepository::SaveRequest(int64_t approval_id, const UserChangeRequest& r) {
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         db_.Prepare("INSERT INTO user_change_requests(approval_id, kind, login, user_id, role, "
                                     "surname, given_name, patronymic, password_hash) VALUES (?,?,?,?,?,?,?,?,?)"));
  const bool has_role = r.kind == UserChangeKind::kCreate || r.kind == UserChangeKind::kRole;
  st.Bind(1, approval_id).Bind(2, UserChangeKindName(r.kind)).Bind(3, r.login).BindOptional(4, NonZero(r.user_id));
  st.BindOptional(5, has_role ? std::optional<std::string>(std::string(RoleName(r.role))) : std::nullopt);
  st.BindOptional(6, NonEmpty(r.surname)).BindOptional(7, NonEmpty(r.given_name));
  st.BindOptional(8, NonEmpty(r.patronymic)).BindOptional(9, NonEmpty(r.password_hash));
  return st.Run().WithContext("record the account change of approval " + std::to_string(approval_id));
}

Result<UserChangeRequest> UserChangeRepository::LoadRequest(int64_t approval_id) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT kind, login, coalesce(user_id, 0), coalesce(role, ''), "
                                                   "coalesce(surname, ''), coalesce(given_name, ''), "
                                                   "coalesce(patronymic, ''), coalesce(password_hash, '') FROM "
                                                   "user_change_requests WHERE approval_id = ?"));
  st.Bind(1, approval_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  const std::string id = "approval " + std::to_string(approval_id);
  if (!row) return Status::NotFound(id + " carries no account change");
  UserChangeRequest r;
  auto kind = ParseUserChangeKind(st.ColumnText(0));
  if (!kind) return Status::Corrupt(id + ": unknown account change '" + st.ColumnText(0) + "'");
  r.kind = *kind;
  r.login = st.ColumnText(1);
  r.user_id = st.ColumnInt(2);
  if (!st.ColumnText(3).empty()) {
    auto role = ParseRole(st.ColumnText(3));
    if (!role) return Status::Corrupt(id + ": unknown role '" + st.ColumnText(3) + "'");
    r.role = *role;
  }
  r.surname = st.ColumnText(4);
  r.given_name = st.ColumnText(5);
  r.patronymic = st.ColumnText(6);
  r.password_hash = st.ColumnText(7);
  return r;
}

Status UserChangeRepository::CloseRequest(int64_t approval_id, int64_t user_id) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("UPDATE user_change_requests SET password_hash = NULL, user_id = "
                                                   "coalesce(user_id, ?) WHERE approval_id = ?"));
  st.BindOptional(1, NonZero(user_id)).Bind(2, approval_id);
  return st.Run().WithContext("close the account change of approval " + std::to_string(approval_id));
}

Status CheckPersonsIndependent(storage::Database& db, const Person& a, const Person& b, int64_t now) {
  UserChangeRepository repo(db);
  QOIMA_ASSIGN_OR_RETURN(std::vector<UserChange> changes, repo.BindingSince(now - kIndependenceWindowSeconds));
  return CheckIndependence(changes, a, b, now);
}

}  // namespace qoima::appliance

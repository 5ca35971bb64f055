#include "appliance/approval_repository.h"

#include <cstdlib>

#include "appliance/civil_time.h"
#include "appliance/manifest_parser.h"

namespace qoima::appliance {
namespace {

using storage::Statement;

constexpr const char* kColumns =
    "SELECT a.id, a.action, a.target, a.requested_by, a.requested_at, a.approved_by, a.approved_at, a.state, "
    "a.reason, a.expires_at, a.approvals_required, a.closed_by, a.closed_at, a.note, a.withdrawn, u.login "
    "FROM approvals a LEFT JOIN users u ON u.id = a.requested_by ";

std::optional<SensitiveAction> ActionFromColumn(const std::string& s) {
  if (s == "export") return SensitiveAction::kExport;
  if (s == "destroy") return SensitiveAction::kDestruction;
  if (s == "recovery") return SensitiveAction::kRecovery;
  if (s == "user") return SensitiveAction::kUserChange;
  return std::nullopt;
}

std::string_view StateColumn(ApprovalState s) {
  switch (s) {
    case ApprovalState::kPending: return "requested";
    case ApprovalState::kApproved: return "approved";
    case ApprovalState::kRejected:
    case ApprovalState::kCancelled: return "rejected";
    case ApprovalState::kExecuted: return "used";
    case ApprovalState::kExpired: return "expired";
  }
  return "?";
}

Result<ApprovalState> StateFromColumn(const std::string& s, bool withdrawn, int64_t id) {
  if (s == "requested") return ApprovalState::kPending;
  if (s == "approved") return ApprovalState::kApproved;
  if (s == "rejected") return withdrawn ? ApprovalState::kCancelled : ApprovalState::kRejected;
  if (s == "used") return ApprovalState::kExecuted;
  if (s == "expired") return ApprovalState::kExpired;
  return Status::Corrupt("approvals row " + std::to_string(id) + ": unknown state '" + s + "'");
}

// Stored times are "YYYY-MM-DDTHH:MM:SSZ"; an empty or NULL column reads as `fallback`.
Result<int64_t> TimeFromColumn(const Statement& st, int col, int64_t fallback, int64_t id, const char* field) {
  if (st.ColumnIsNull(col)) return fallback;
  std::string text = st.ColumnText(col);
  if (text.empty()) return fallback;
  auto d = ParseManifestDate(text);
  if (!d)
    return Status::Corrupt("approvals row " + std::to_string(id) + ": " + field + " '" + text + "' is not a time");
  return d->unix_seconds;
}

std::optional<int64_t> OptInt(const Statement& st, int col) {
  if (st.ColumnIsNull(col)) return std::nullopt;
  return st.ColumnInt(col);
}

std::optional<std::string> OptTime(int64_t t) {
  if (t == 0) return std::nullopt;
  return FormatUtc(t);
}

Result<ApprovalRequest> RowToRequest(storage::Database& db, const Statement& st) {
  ApprovalRequest r;
  r.id = st.ColumnInt(0);
  auto action = ActionFromColumn(st.ColumnText(1));
  if (!action)
    return Status::Unsupported("approval " + std::to_string(r.id) + " is for '" + st.ColumnText(1) +
                               "', which the two-person approvals here do not handle");
  r.action = *action;
  r.object = st.ColumnText(2);
  r.requested_by = st.ColumnInt(3);
  QOIMA_ASSIGN_OR_RETURN(r.created_at, TimeFromColumn(st, 4, 0, r.id, "requested_at"));
  QOIMA_ASSIGN_OR_RETURN(r.state, StateFromColumn(st.ColumnText(7), st.ColumnInt(14) != 0, r.id));
  r.reason = st.ColumnText(8);
  QOIMA_ASSIGN_OR_RETURN(r.expires_at, TimeFromColumn(st, 9, kNeverExpires, r.id, "expires_at"));
  r.policy = DefaultApprovalPolicy(r.action);
  r.policy.approvals_required = static_cast<int>(st.ColumnInt(10));
  if (r.expires_at != kNeverExpires && r.created_at != 0) r.policy.ttl_seconds = r.expires_at - r.created_at;
  r.decided_by = OptInt(st, 11).value_or(0);
  QOIMA_ASSIGN_OR_RETURN(r.closed_at, TimeFromColumn(st, 12, 0, r.id, "closed_at"));
  r.note = st.ColumnText(13);
  r.requested_by_name = st.ColumnText(15);

  QOIMA_ASSIGN_OR_RETURN(Statement votes, db.Prepare("SELECT v.user_id, u.login, v.voted_at FROM approval_votes v "
                                                     "LEFT JOIN users u ON u.id = v.user_id WHERE v.approval_id = ? "
                                                     "ORDER BY v.voted_at, v.user_id"));
  votes.Bind(1, r.id);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, votes.Step());
    if (!row) break;
    ApprovalVote v;
    v.user_id = votes.ColumnInt(0);
    v.username = votes.ColumnText(1);
    QOIMA_ASSIGN_OR_RETURN(v.at, TimeFromColumn(votes, 2, 0, r.id, "voted_at"));
    r.approvals.push_back(std::move(v));
  }
  // Rows written by the lifecycle before migration 5 keep their one approver
  // in approved_by only.
  if (r.approvals.empty() && !st.ColumnIsNull(5)) {
    ApprovalVote v;
    v.user_id = st.ColumnInt(5);
    QOIMA_ASSIGN_OR_RETURN(v.at, TimeFromColumn(st, 6, 0, r.id, "approved_at"));
    QOIMA_ASSIGN_OR_RETURN(Statement u, db.Prepare("SELECT login FROM users WHERE id = ?"));
    u.Bind(1, v.user_id);
    QOIMA_ASSIGN_OR_RETURN(bool found, u.Step());
    if (found) v.username = u.ColumnText(0);
    r.approvals.push_back(std::move(v));
  }
  return r;
}

}  // namespace

std::string_view ApprovalActionColumn(SensitiveAction action) {
  switch (action) {
    case SensitiveAction::kExport: return "export";
    case SensitiveAction::kDestruction: return "destroy";
    case SensitiveAction::kRecovery: return "recovery";
    case SensitiveAction::kUserChange: return "user";
  }
  return "?";
}

Result<int64_t> ApprovalRepository::Insert(const ApprovalRequest& r) {
  if (r.state != ApprovalState::kPending) return Status::InvalidArgument("only a pending request can be inserted");
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         db_.Prepare("INSERT INTO approvals(action, target, requested_by, requested_at, state, reason, "
                                     "expires_at, approvals_required) VALUES(?, ?, ?, ?, 'requested', ?, ?, ?)"));
  st.Bind(1, ApprovalActionColumn(r.action)).Bind(2, r.object).Bind(3, r.requested_by).Bind(4, FormatUtc(r.created_at));
  st.Bind(5, r.reason).Bind(6, FormatUtc(r.expires_at)).Bind(7, int64_t{r.policy.approvals_required});
  QOIMA_RETURN_IF_ERROR(st.Run().WithContext("record approval request"));
  return db_.LastInsertRowid();
}

Status ApprovalRepository::Update(const ApprovalRequest& r, ApprovalState expected) {
  const std::string id = "approval " + std::to_string(r.id);
  std::optional<int64_t> first_approver;
  std::optional<std::string> first_at;
  if (!r.approvals.empty()) {
    first_approver = r.approvals.front().user_id;
    first_at = FormatUtc(r.approvals.front().at);
  }
  QOIMA_ASSIGN_OR_RETURN(
      Statement st, db_.Prepare("UPDATE approvals SET state = ?, approved_by = ?, approved_at = ?, closed_by = ?, "
                                "closed_at = ?, note = ?, withdrawn = ? WHERE id = ? AND state = ? AND withdrawn = ?"));
  st.Bind(1, StateColumn(r.state)).BindOptional(2, first_approver).BindOptional(3, first_at);
  st.BindOptional(4, r.decided_by ? std::optional<int64_t>(r.decided_by) : std::nullopt);
  st.BindOptional(5, OptTime(r.closed_at));
  st.BindOptional(6, r.note.empty() ? std::nullopt : std::optional<std::string>(r.note));
  st.Bind(7, int64_t{r.state == ApprovalState::kCancelled ? 1 : 0}).Bind(8, r.id).Bind(9, StateColumn(expected));
  st.Bind(10, int64_t{expected == ApprovalState::kCancelled ? 1 : 0});
  QOIMA_RETURN_IF_ERROR(st.Run().WithContext("update " + id));
  if (db_.Changes() != 1) return Status::FailedPrecondition(id + " changed meanwhile (or does not exist)");
  // Votes only ever grow: insert the ones not yet stored.
  for (const auto& v : r.approvals) {
    QOIMA_ASSIGN_OR_RETURN(Statement have,
                           db_.Prepare("SELECT count(*) FROM approval_votes WHERE approval_id = ? AND user_id = ?"));
    have.Bind(1, r.id).Bind(2, v.user_id);
    QOIMA_ASSIGN_OR_RETURN(bool row, have.Step());
    if (row && have.ColumnInt(0) > 0) continue;
    QOIMA_ASSIGN_OR_RETURN(Statement ins,
                           db_.Prepare("INSERT INTO approval_votes(approval_id, user_id, voted_at) VALUES(?, ?, ?)"));
    ins.Bind(1, r.id).Bind(2, v.user_id).Bind(3, FormatUtc(v.at));
    QOIMA_RETURN_IF_ERROR(ins.Run().WithContext("record the vote of user " + std::to_string(v.user_id) + " on " + id));
  }
  return Status::Ok();
}

Result<ApprovalRequest> ApprovalRepository::Load(int64_t id) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare(std::string(kColumns) + "WHERE a.id = ?"));
  st.Bind(1, id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no approval " + std::to_string(id));
  return RowToRequest(db_, st);
}

Result<std::vector<ApprovalRequest>> ApprovalRepository::List(ApprovalListFilter filter) {
  std::string sql = std::string(kColumns) + "WHERE a.action IN ('export','destroy','recovery','user') ";
  if (filter == ApprovalListFilter::kPending) sql += "AND a.state IN ('requested','approved') ";
  sql += "ORDER BY a.id DESC LIMIT " + std::to_string(kMaxListedApprovals);
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare(sql));
  std::vector<ApprovalRequest> out;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    QOIMA_ASSIGN_OR_RETURN(ApprovalRequest r, RowToRequest(db_, st));
    out.push_back(std::move(r));
  }
  return out;
}

ApprovalState EffectiveState(const ApprovalRequest& r, int64_t now) {
  if ((r.state == ApprovalState::kPending || r.state == ApprovalState::kApproved) && now >= r.expires_at)
    return ApprovalState::kExpired;
  return r.state;
}

std::optional<int64_t> ExportDepositId(const std::string& object) {
  for (std::string_view prefix : {"deposit:", "deposit "}) {
    if (object.rfind(prefix, 0) != 0) continue;
    std::string digits = object.substr(prefix.size());
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return std::strtoll(digits.c_str(), nullptr, 10);
  }
  return std::nullopt;
}

}  // namespace qoima::appliance

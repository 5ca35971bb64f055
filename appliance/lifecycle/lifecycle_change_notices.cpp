// LifecycleService: the owner's notices of a change (003 cl.27-28). See
// lifecycle_service.h and docs/lifecycle.md, "Owner's change notices".
#include "appliance/lifecycle/deadline_rules.h"
#include "appliance/lifecycle/lifecycle_service.h"

namespace qoima::appliance::lifecycle {
namespace {

/// Longest letter reference and description accepted (a letter's number, a
/// description of the change in the owner's words).
constexpr size_t kMaxReferenceBytes = 200;
constexpr size_t kMaxDescriptionBytes = 4000;

std::string ChangeWords(ChangeKind k) {
  return k == ChangeKind::kSourceCode ? "the source code changed (003 cl.27)"
                                      : "technical work on the server (003 cl.28)";
}

std::string ObjectWords(const ObjectInfo& o) {
  return "object " + std::to_string(o.id) + " '" + o.name + "'" +
         (o.portal_code.empty() ? "" : " (" + o.portal_code + ")");
}

}  // namespace

Status LifecycleService::CheckReceived(const std::string& what, const CivilDate& changed_on,
                                       const CivilDate& received_on, const std::string& reference,
                                       const std::string& description) {
  if (reference.empty()) return Status::InvalidArgument(what + ": the owner's letter reference (--ref) is empty");
  if (reference.size() > kMaxReferenceBytes)
    return Status::InvalidArgument(what + ": the letter reference is longer than " +
                                   std::to_string(kMaxReferenceBytes) + " bytes");
  if (description.empty())
    return Status::InvalidArgument(what +
                                   ": the owner describes the change in detail (003 cl.27): --description is "
                                   "empty");
  if (description.size() > kMaxDescriptionBytes)
    return Status::InvalidArgument(what + ": the description is longer than " + std::to_string(kMaxDescriptionBytes) +
                                   " bytes");
  if (received_on > LocalDateOf(clock_.NowUnix()))
    return Status::InvalidArgument(what + ": received date " + received_on.ToString() + " is in the future");
  if (received_on < changed_on)
    return Status::InvalidArgument(what + ": received date " + received_on.ToString() + " is before the change (" +
                                   changed_on.ToString() + ")");
  return Status::Ok();
}

Result<ChangeNoticeInfo> LifecycleService::RecordChangeNotice(const LifecycleActor& actor, int64_t object_id,
                                                              ChangeKind kind, const CivilDate& changed_on,
                                                              const CivilDate& received_on,
                                                              const std::string& reference,
                                                              const std::string& description) {
  const std::string what = "record the owner's notice that " + ChangeWords(kind);
  QOIMA_RETURN_IF_ERROR(RequirePermission(actor, Permission::kLifecycleRecord, what));
  QOIMA_ASSIGN_OR_RETURN(ObjectInfo obj, FindObject(std::to_string(object_id)));
  if (obj.destroyed) return Status::FailedPrecondition(ObjectWords(obj) + " has been destroyed (003 cl.33)");
  if (changed_on > LocalDateOf(clock_.NowUnix()))
    return Status::InvalidArgument(what + ": change date " + changed_on.ToString() + " is in the future");
  QOIMA_RETURN_IF_ERROR(CheckReceived(what, changed_on, received_on, reference, description));
  QOIMA_ASSIGN_OR_RETURN(const DeadlineRule* rule, FindDeadlineRule("owner-change"));
  QOIMA_ASSIGN_OR_RETURN(CivilDate due, ComputeDue(calendar_, *rule, changed_on));
  const bool on_time = received_on <= due;
  const std::string now = clock_.NowUtc();
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db_));
  QOIMA_ASSIGN_OR_RETURN(auto ins, db_.Prepare("INSERT INTO change_notices(object_id, kind, changed_on, due_on, "
                                               "received_on, reference, description, on_time, created_by, "
                                               "created_at, received_by, received_at) "
                                               "VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"));
  QOIMA_RETURN_IF_ERROR(ins.Bind(1, object_id)
                            .Bind(2, ChangeKindName(kind))
                            .Bind(3, changed_on.ToString())
                            .Bind(4, due.ToString())
                            .Bind(5, received_on.ToString())
                            .Bind(6, reference)
                            .Bind(7, description)
                            .Bind(8, int64_t{on_time ? 1 : 0})
                            .Bind(9, actor.login)
                            .Bind(10, now)
                            .Bind(11, actor.login)
                            .Bind(12, now)
                            .Run());
  const int64_t id = db_.LastInsertRowid();
  QOIMA_RETURN_IF_ERROR(
      audit_
          .Append(Event(actor, "change.notice.record",
                        "object:" + std::to_string(object_id) + "/change:" + std::to_string(id),
                        ChangeWords(kind) + " on " + changed_on.ToString() + "; the owner's notice " + reference +
                            " received " + received_on.ToString() + ", due " + due.ToString() + " (" +
                            BasisText(*rule) + "): " + (on_time ? "in time" : "LATE")))
          .status());
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  return LoadChangeNotice(id);
}

Result<ChangeNoticeInfo> LifecycleService::ExpectChangeNotice(const LifecycleActor& actor, int64_t object_id,
                                                              ChangeKind kind, const CivilDate& changed_on,
                                                              const std::string& learned_from) {
  const std::string what = "record that " + ChangeWords(kind) + " and the owner's notice is expected";
  QOIMA_RETURN_IF_ERROR(RequirePermission(actor, Permission::kLifecycleRecord, what));
  QOIMA_ASSIGN_OR_RETURN(ObjectInfo obj, FindObject(std::to_string(object_id)));
  if (obj.destroyed) return Status::FailedPrecondition(ObjectWords(obj) + " has been destroyed (003 cl.33)");
  if (changed_on > LocalDateOf(clock_.NowUnix()))
    return Status::InvalidArgument(what + ": change date " + changed_on.ToString() + " is in the future");
  if (learned_from.empty()) return Status::InvalidArgument(what + ": say how the change became known (--learned-from)");
  if (learned_from.size() > kMaxDescriptionBytes)
    return Status::InvalidArgument(what + ": --learned-from is longer than " + std::to_string(kMaxDescriptionBytes) +
                                   " bytes");
  QOIMA_ASSIGN_OR_RETURN(const DeadlineRule* rule, FindDeadlineRule("owner-change"));
  QOIMA_ASSIGN_OR_RETURN(CivilDate due, ComputeDue(calendar_, *rule, changed_on));
  const std::string now = clock_.NowUtc();
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db_));
  QOIMA_ASSIGN_OR_RETURN(auto ins, db_.Prepare("INSERT INTO change_notices(object_id, kind, changed_on, due_on, "
                                               "learned_from, created_by, created_at) VALUES(?,?,?,?,?,?,?)"));
  QOIMA_RETURN_IF_ERROR(ins.Bind(1, object_id)
                            .Bind(2, ChangeKindName(kind))
                            .Bind(3, changed_on.ToString())
                            .Bind(4, due.ToString())
                            .Bind(5, learned_from)
                            .Bind(6, actor.login)
                            .Bind(7, now)
                            .Run());
  const int64_t id = db_.LastInsertRowid();
  QOIMA_RETURN_IF_ERROR(
      audit_
          .Append(Event(actor, "change.notice.expect",
                        "object:" + std::to_string(object_id) + "/change:" + std::to_string(id),
                        ChangeWords(kind) + " on " + changed_on.ToString() + " (" + learned_from +
                            "); the owner's notice is due " + due.ToString() + " (" + BasisText(*rule) + ")"))
          .status());
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  return LoadChangeNotice(id);
}

Result<ChangeNoticeInfo> LifecycleService::ReceiveChangeNotice(const LifecycleActor& actor, int64_t id,
                                                               const CivilDate& received_on,
                                                               const std::string& reference,
                                                               const std::string& description) {
  const std::string what = "record the arrival of the owner's change notice " + std::to_string(id);
  QOIMA_RETURN_IF_ERROR(RequirePermission(actor, Permission::kLifecycleRecord, what));
  QOIMA_ASSIGN_OR_RETURN(ChangeNoticeInfo c, LoadChangeNotice(id));
  if (c.received_on)
    return Status::FailedPrecondition("the owner's change notice " + std::to_string(id) + " was received on " +
                                      c.received_on->ToString() + " (" + c.reference + ")");
  QOIMA_RETURN_IF_ERROR(CheckReceived(what, c.changed_on, received_on, reference, description));
  const bool on_time = received_on <= c.due_on;
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db_));
  QOIMA_ASSIGN_OR_RETURN(auto upd, db_.Prepare("UPDATE change_notices SET received_on = ?, reference = ?, "
                                               "description = ?, on_time = ?, received_by = ?, received_at = ? "
                                               "WHERE id = ? AND received_on IS NULL"));
  QOIMA_RETURN_IF_ERROR(upd.Bind(1, received_on.ToString())
                            .Bind(2, reference)
                            .Bind(3, description)
                            .Bind(4, int64_t{on_time ? 1 : 0})
                            .Bind(5, actor.login)
                            .Bind(6, clock_.NowUtc())
                            .Bind(7, id)
                            .Run());
  QOIMA_RETURN_IF_ERROR(audit_
                            .Append(Event(actor, "change.notice.receive",
                                          "object:" + std::to_string(c.object_id) + "/change:" + std::to_string(id),
                                          "the owner's notice " + reference + " received " + received_on.ToString() +
                                              ", due " + c.due_on.ToString() + ": " + (on_time ? "in time" : "LATE")))
                            .status());
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  return LoadChangeNotice(id);
}

Result<ChangeNoticeInfo> LifecycleService::LoadChangeNotice(int64_t id) {
  QOIMA_ASSIGN_OR_RETURN(auto all, ChangeNotices());
  for (auto& c : all)
    if (c.id == id) return std::move(c);
  return Status::NotFound("no owner's change notice " + std::to_string(id));
}

Result<std::vector<ChangeNoticeInfo>> LifecycleService::ChangeNotices(std::optional<int64_t> object_id) {
  QOIMA_ASSIGN_OR_RETURN(auto st, db_.Prepare("SELECT id, object_id, kind, changed_on, due_on, "
                                              "COALESCE(learned_from, ''), received_on, COALESCE(reference, ''), "
                                              "COALESCE(description, ''), on_time, created_by, "
                                              "COALESCE(received_by, '') FROM change_notices "
                                              "WHERE ? IS NULL OR object_id = ? ORDER BY id"));
  st.BindOptional(1, object_id).BindOptional(2, object_id);
  std::vector<ChangeNoticeInfo> out;
  auto date = [&](int col) -> Result<CivilDate> {
    auto d = CivilDate::Parse(st.ColumnText(col));
    if (!d.ok()) return Status::Corrupt("change_notices: " + d.status().message());
    return d;
  };
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ChangeNoticeInfo c;
    c.id = st.ColumnInt(0);
    c.object_id = st.ColumnInt(1);
    auto kind = ParseChangeKind(st.ColumnText(2));
    if (!kind) return Status::Corrupt("change notice " + std::to_string(c.id) + ": kind '" + st.ColumnText(2) + "'");
    c.kind = *kind;
    QOIMA_ASSIGN_OR_RETURN(c.changed_on, date(3));
    QOIMA_ASSIGN_OR_RETURN(c.due_on, date(4));
    c.learned_from = st.ColumnText(5);
    if (!st.ColumnIsNull(6)) {
      QOIMA_ASSIGN_OR_RETURN(CivilDate received, date(6));
      c.received_on = received;
    }
    c.reference = st.ColumnText(7);
    c.description = st.ColumnText(8);
    if (!st.ColumnIsNull(9)) c.on_time = st.ColumnInt(9) != 0;
    c.created_by = st.ColumnText(10);
    c.received_by = st.ColumnText(11);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace qoima::appliance::lifecycle

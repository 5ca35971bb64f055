#include "appliance/lifecycle/register_store.h"

#include "appliance/role.h"
#include "crypto/hash.h"

namespace qoima::appliance::lifecycle {

namespace {
std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "; " : "") + v[i];
  return out;
}
std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t semi = s.find("; ", start);
    out.push_back(s.substr(start, semi == std::string::npos ? std::string::npos : semi - start));
    if (semi == std::string::npos) break;
    start = semi + 2;
  }
  return out;
}
}  // namespace

Result<RegisterImportInfo> ImportRegisterSnapshot(storage::Database& db, storage::AuditLog& audit,
                                                  const LifecycleActor& actor, std::string_view text,
                                                  const std::string& file_name, const std::string& now_utc) {
  QOIMA_RETURN_IF_ERROR(
      RequireNamedRole(actor.login, actor.role, Permission::kReferenceImport, "import a register snapshot"));
  QOIMA_ASSIGN_OR_RETURN(RegisterSnapshot snap, ParseRegisterSnapshot(text, file_name));
  auto digest = crypto::Sha256::Digest(text);
  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db));
  QOIMA_ASSIGN_OR_RETURN(auto ins, db.Prepare("INSERT INTO register_snapshots(as_of, source_name, source_sha256, "
                                              "entry_count, imported_at) VALUES(?,?,?,?,?)"));
  QOIMA_RETURN_IF_ERROR(ins.Bind(1, snap.taken.ToString())
                            .Bind(2, snap.source + " [" + file_name + "]")
                            .BindBlob(3, digest)
                            .Bind(4, static_cast<int64_t>(snap.entries.size()))
                            .Bind(5, now_utc)
                            .Run());
  int64_t id = db.LastInsertRowid();
  QOIMA_ASSIGN_OR_RETURN(auto ent, db.Prepare("INSERT INTO register_entries(snapshot_id, holder, bin_iin, "
                                              "product_name, catalogue_codes, delivery_mode, category_codes, "
                                              "platform, notice_number, notice_date, notice_reason, support_centre, "
                                              "entry_number, status) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  for (const auto& e : snap.entries) {
    QOIMA_RETURN_IF_ERROR(ent.Bind(1, id)
                              .Bind(2, e.holder)
                              .Bind(3, e.bin)
                              .Bind(4, e.product)
                              .Bind(5, Join(e.catalogue_codes))
                              .Bind(6, e.delivery)
                              .Bind(7, Join(e.category_codes))
                              .Bind(8, e.platform)
                              .Bind(9, e.notice_number)
                              .Bind(10, e.notice_date.ToString())
                              .Bind(11, e.reason)
                              .Bind(12, e.support_centre)
                              .Bind(13, e.number)
                              .Bind(14, RegisterEntryStatusName(e.status))
                              .Run()
                              .WithContext(file_name + ": line " + std::to_string(e.line)));
  }
  std::string sha = crypto::Hex(digest);
  QOIMA_RETURN_IF_ERROR(
      audit
          .Append({now_utc, actor.login, actor.role, "register.import", "register_snapshot:" + std::to_string(id),
                   "success",
                   "snapshot of " + snap.taken.ToString() + ", " + std::to_string(snap.entries.size()) +
                       " entries, file " + file_name + " sha256 " + sha + ", source: " + snap.source})
          .status());
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  return RegisterImportInfo{id, snap.taken, snap.source, sha, static_cast<int64_t>(snap.entries.size()), now_utc};
}

Result<std::optional<RegisterSnapshot>> LoadLatestRegisterSnapshot(storage::Database& db, RegisterImportInfo* info) {
  QOIMA_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT id, as_of, source_name, source_sha256, entry_count, imported_at "
                                             "FROM register_snapshots ORDER BY id DESC LIMIT 1"));
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<RegisterSnapshot>();
  RegisterSnapshot snap;
  int64_t id = st.ColumnInt(0);
  auto as_of = CivilDate::Parse(st.ColumnText(1));
  if (!as_of.ok()) return Status::Corrupt("register snapshot " + std::to_string(id) + ": " + as_of.status().message());
  snap.taken = *as_of;
  snap.source = st.ColumnText(2);
  if (info) *info = {id, snap.taken, snap.source, crypto::Hex(st.ColumnBlob(3)), st.ColumnInt(4), st.ColumnText(5)};
  QOIMA_ASSIGN_OR_RETURN(auto es,
                         db.Prepare("SELECT COALESCE(entry_number, ''), holder, COALESCE(bin_iin, ''), "
                                    "product_name, COALESCE(catalogue_codes, ''), COALESCE(delivery_mode, ''), "
                                    "COALESCE(category_codes, ''), COALESCE(platform, ''), "
                                    "COALESCE(notice_number, ''), notice_date, COALESCE(notice_reason, ''), "
                                    "COALESCE(support_centre, ''), COALESCE(status, 'included') "
                                    "FROM register_entries WHERE snapshot_id = ? ORDER BY id"));
  es.Bind(1, id);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool more, es.Step());
    if (!more) break;
    RegisterEntry e;
    e.number = es.ColumnText(0);
    e.holder = es.ColumnText(1);
    e.bin = es.ColumnText(2);
    e.product = es.ColumnText(3);
    e.catalogue_codes = Split(es.ColumnText(4));
    e.delivery = es.ColumnText(5);
    e.category_codes = Split(es.ColumnText(6));
    e.platform = es.ColumnText(7);
    e.notice_number = es.ColumnText(8);
    if (auto d = CivilDate::Parse(es.ColumnText(9)); d.ok()) e.notice_date = *d;
    e.reason = es.ColumnText(10);
    e.support_centre = es.ColumnText(11);
    std::string status = es.ColumnText(12);
    e.status = status == "excluded"  ? RegisterEntryStatus::kExcluded
               : status == "changed" ? RegisterEntryStatus::kChanged
                                     : RegisterEntryStatus::kIncluded;
    snap.entries.push_back(std::move(e));
  }
  return std::optional<RegisterSnapshot>(std::move(snap));
}

}  // namespace qoima::appliance::lifecycle

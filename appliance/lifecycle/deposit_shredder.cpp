#include "appliance/lifecycle/deposit_shredder.h"

#include <unistd.h>

#include <cerrno>

namespace qoima::appliance {

Status SqlDepositShredder::ShredInTransaction(storage::Database& db, int64_t deposit_id, const TombstoneInfo& info) {
  if (!db.InTransaction()) return Status::Internal("ShredInTransaction called outside a transaction");
  std::string where = "shred deposit " + std::to_string(deposit_id);
  QOIMA_ASSIGN_OR_RETURN(auto sel, db.Prepare("SELECT state, file_count, total_bytes, manifest_sha256 FROM deposits "
                                              "WHERE id = ?"));
  sel.Bind(1, deposit_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, sel.Step());
  if (!row) return Status::NotFound(where + ": no such deposit");
  if (sel.ColumnText(0) != "committed")
    return Status::FailedPrecondition(where + ": deposit is " + sel.ColumnText(0) + ", not committed");
  int64_t files = sel.ColumnInt(1), bytes = sel.ColumnInt(2);
  std::vector<uint8_t> manifest = sel.ColumnBlob(3);
  bool manifest_null = sel.ColumnIsNull(3);

  // Overwrite the wrapped key before freeing it, then NULL it: secure_delete
  // zeroes freed pages, the overwrite covers a page kept in place.
  QOIMA_ASSIGN_OR_RETURN(auto wipe, db.Prepare("UPDATE deposits SET wrapped_key = zeroblob(length(wrapped_key)) "
                                               "WHERE id = ?"));
  QOIMA_RETURN_IF_ERROR(wipe.Bind(1, deposit_id).Run().WithContext(where));
  QOIMA_ASSIGN_OR_RETURN(auto upd, db.Prepare("UPDATE deposits SET wrapped_key = NULL, state = 'destroyed' "
                                              "WHERE id = ?"));
  QOIMA_RETURN_IF_ERROR(upd.Bind(1, deposit_id).Run().WithContext(where));
  QOIMA_ASSIGN_OR_RETURN(auto tomb, db.Prepare("INSERT INTO tombstones(deposit_id, destroyed_at, approval_id, act_id, "
                                               "reason, file_count, total_bytes, manifest_sha256, audit_index) "
                                               "VALUES(?,?,?,?,?,?,?,?,?)"));
  tomb.Bind(1, deposit_id)
      .Bind(2, info.destroyed_at)
      .BindOptional(3, info.approval_id)
      .BindOptional(4, info.act_id)
      .Bind(5, info.reason)
      .Bind(6, files)
      .Bind(7, bytes)
      .BindOptional(9, info.audit_index);
  if (manifest_null)
    tomb.BindNull(8);
  else
    tomb.BindBlob(8, manifest);
  return tomb.Run().WithContext(where);
}

Status SqlDepositShredder::RemoveObjects(storage::Database& db, int64_t deposit_id) {
  QOIMA_ASSIGN_OR_RETURN(auto sel, db.Prepare("SELECT o.name FROM objects o JOIN deposits d ON d.id = o.deposit_id "
                                              "WHERE o.deposit_id = ? AND d.state = 'destroyed'"));
  sel.Bind(1, deposit_id);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, sel.Step());
    if (!row) break;
    std::string name = sel.ColumnText(0);
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
      return Status::Corrupt("object name '" + name + "' of deposit " + std::to_string(deposit_id) +
                             " is not a plain file name");
    std::string path = objects_dir_ + "/" + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Status::FromErrno(errno, "remove " + path);
  }
  return Status::Ok();
}

}  // namespace qoima::appliance

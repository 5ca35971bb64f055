#include "appliance/export/store_payload_source.h"

#include "crypto/hash.h"

namespace qoima::exporting {

Result<std::unique_ptr<StorePayloadSource>> StorePayloadSource::Open(storage::Store& store, int64_t deposit_id,
                                                                     const storage::Actor& actor,
                                                                     std::string_view reason, std::string act_id) {
  std::unique_ptr<StorePayloadSource> s(new StorePayloadSource());
  QOIMA_ASSIGN_OR_RETURN(storage::DepositInfo info, store.GetDeposit(deposit_id));
  if (info.state != "committed")
    return Status::FailedPrecondition("deposit " + std::to_string(deposit_id) + " is " + info.state +
                                      "; only committed deposits can be exported");
  QOIMA_ASSIGN_OR_RETURN(std::vector<storage::FileInfo> files, store.ListFiles(deposit_id));
  if (files.size() > kMaxPayloadFiles)
    return Status::LimitExceeded("deposit " + std::to_string(deposit_id) + " has more than " +
                                 std::to_string(kMaxPayloadFiles) + " files");
  s->metadata_.deposit_id = std::to_string(deposit_id);
  s->metadata_.version = info.version_label.empty() ? std::to_string(info.version_no) : info.version_label;
  s->metadata_.root_hash = crypto::Hex(info.manifest_sha256);
  s->metadata_.act_id = std::move(act_id);
  {
    QOIMA_ASSIGN_OR_RETURN(auto st, store.db().Prepare("SELECT name FROM informatization_objects WHERE id = ?"));
    st.Bind(1, info.object_id);
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    s->metadata_.object_name = row ? st.ColumnText(0) : "object " + std::to_string(info.object_id);
  }
  for (const auto& f : files) {
    s->entries_.push_back({std::string(f.path.begin(), f.path.end()), f.size});
    s->file_ids_.push_back(f.id);
  }
  QOIMA_ASSIGN_OR_RETURN(s->reader_, store.OpenDeposit(deposit_id, actor, reason));
  return s;
}

Status StorePayloadSource::Stream(size_t index, const ChunkSink& sink) {
  if (index >= file_ids_.size()) return Status::Internal("payload index out of range");
  return reader_->ReadFile(file_ids_[index], sink);
}

}  // namespace qoima::exporting

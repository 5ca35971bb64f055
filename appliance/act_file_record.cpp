#include "appliance/act_file_record.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "crypto/hash.h"

namespace qoima::appliance {
namespace {

constexpr size_t kPieceBytes = 1u << 20;

std::span<const uint8_t> Bytes(std::string_view s) {
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

Result<std::unique_ptr<FileManifestSource>> FileManifestSource::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open manifest " + path);
  return std::unique_ptr<FileManifestSource>(new FileManifestSource(fd, path));
}

Result<std::string_view> FileManifestSource::Next() {
  buf_.resize(kPieceBytes);
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf_.data(), buf_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, "read manifest " + path_);
    return std::string_view(buf_.data(), static_cast<size_t>(n));
  }
}

Status FileManifestSource::Rewind() {
  if (::lseek(fd_.get(), 0, SEEK_SET) != 0) return Status::FromErrno(errno, "rewind manifest " + path_);
  return Status::Ok();
}

Result<std::string_view> BytesManifestSource::Next() {
  std::string_view piece = bytes_.substr(pos_, kPieceBytes);
  pos_ += piece.size();
  return piece;
}

Status InsertActFile(storage::Database& db, int64_t intake_id, const ActFileMeta& meta, ManifestSource& bytes) {
  QOIMA_ASSIGN_OR_RETURN(storage::Statement st,
                         db.Prepare("INSERT INTO intake_act_files(intake_id, source, device, volume_label, path, "
                                    "raw_path, size, mtime, sha256, content) VALUES (?,?,?,?,?,?,?,?,?,?)"));
  st.Bind(1, intake_id).Bind(2, meta.source);
  st.BindOptional(3, meta.device.empty() ? std::nullopt : std::optional<std::string>(meta.device));
  st.BindOptional(4, meta.volume_label.empty() ? std::nullopt : std::optional<std::string>(meta.volume_label));
  st.Bind(5, meta.path);
  st.BindBlob(6, Bytes(meta.raw_path));
  st.Bind(7, static_cast<int64_t>(meta.size)).Bind(8, meta.mtime).Bind(9, meta.sha256);
  st.BindZeroBlob(10, meta.size);
  QOIMA_RETURN_IF_ERROR(st.Run());
  QOIMA_ASSIGN_OR_RETURN(storage::Blob blob, db.OpenBlob("intake_act_files", "content", intake_id, true));
  QOIMA_RETURN_IF_ERROR(bytes.Rewind());
  crypto::Sha256 hash;
  uint64_t at = 0;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(std::string_view piece, bytes.Next());
    if (piece.empty()) break;
    if (piece.size() > meta.size - at)
      return Status::FailedPrecondition(meta.path + ": the act's file grew since it was read; read it again");
    QOIMA_RETURN_IF_ERROR(blob.Write(at, Bytes(piece)));
    hash.Update(piece);
    at += piece.size();
  }
  if (at != meta.size || crypto::Hex(hash.Finish()) != meta.sha256)
    return Status::FailedPrecondition(meta.path + ": the act's file changed since it was read; read it again");
  return Status::Ok();
}

Result<ActFileMeta> LoadActFileMeta(storage::Database& db, int64_t intake_id) {
  QOIMA_ASSIGN_OR_RETURN(storage::Statement st,
                         db.Prepare("SELECT source, ifnull(device,''), ifnull(volume_label,''), path, raw_path, size, "
                                    "ifnull(mtime,0), sha256 FROM intake_act_files WHERE intake_id = ?"));
  st.Bind(1, intake_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("intake " + std::to_string(intake_id) + " kept no act file");
  ActFileMeta m;
  m.source = st.ColumnText(0);
  m.device = st.ColumnText(1);
  m.volume_label = st.ColumnText(2);
  m.path = st.ColumnText(3);
  std::vector<uint8_t> raw = st.ColumnBlob(4);
  m.raw_path.assign(raw.begin(), raw.end());
  m.size = static_cast<uint64_t>(st.ColumnInt(5));
  m.mtime = st.ColumnInt(6);
  m.sha256 = st.ColumnText(7);
  return m;
}

Status ReadActFile(storage::Database& db, int64_t intake_id, const std::function<Status(std::string_view)>& piece) {
  QOIMA_ASSIGN_OR_RETURN(storage::Blob blob, db.OpenBlob("intake_act_files", "content", intake_id, false));
  std::string buf;
  for (uint64_t at = 0; at < blob.size();) {
    buf.resize(static_cast<size_t>(std::min<uint64_t>(kPieceBytes, blob.size() - at)));
    QOIMA_RETURN_IF_ERROR(blob.Read(at, std::span<uint8_t>(reinterpret_cast<uint8_t*>(buf.data()), buf.size())));
    QOIMA_RETURN_IF_ERROR(piece(buf));
    at += buf.size();
  }
  return Status::Ok();
}

}  // namespace qoima::appliance

#include "appliance/export/tar_writer.h"

#include <archive_entry.h>

#include <cerrno>

#include "appliance/export/utf8_locale.h"

namespace qoima::exporting {
namespace {

struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// libarchive buffers output into blocks of this size; the last block is only
// padded to a 512-byte record.
constexpr int kBlockBytes = 64 * 1024;

}  // namespace

Status ArchiveStatus(archive* a, const std::string& what) {
  const char* msg = a ? archive_error_string(a) : nullptr;
  int err = a ? archive_errno(a) : 0;
  std::string text = what + ": " + (msg ? msg : "libarchive error");
  if (err == ENOSPC || err == EDQUOT) return Status::NoSpace(text);
  // libarchive reports format problems as EILSEQ (ARCHIVE_ERRNO_FILE_FORMAT)
  // and its own failures as -1 (ARCHIVE_ERRNO_MISC); both are not OS I/O.
  if (err == EILSEQ || err == -1 || err == 0) return Status::Corrupt(text);
  return Status::IoError(text);
}

Result<std::unique_ptr<TarWriter>> TarWriter::Open(ByteSink* sink) {
  ScopedUtf8Ctype utf8;  // libarchive picks its header charset conversion here
  QOIMA_RETURN_IF_ERROR(utf8.status());
  std::unique_ptr<TarWriter> w(new TarWriter(sink));
  w->a_.reset(archive_write_new());
  archive* a = w->a_.get();
  if (!a) return Status::Internal("archive_write_new failed");
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(a, kBlockBytes) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK)
    return ArchiveStatus(a, "tar: configure writer");
  if (archive_write_open2(a, w.get(), nullptr, &TarWriter::WriteCallback, nullptr, nullptr) != ARCHIVE_OK)
    return ArchiveStatus(a, "tar: open");
  return w;
}

TarWriter::~TarWriter() = default;

la_ssize_t TarWriter::WriteCallback(archive* a, void* self, const void* buf, size_t len) {
  auto* w = static_cast<TarWriter*>(self);
  Status s = w->sink_->Write({static_cast<const uint8_t*>(buf), len});
  if (!s.ok()) {
    w->sink_status_ = s;
    archive_set_error(a, EIO, "%s", s.message().c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(len);
}

Status TarWriter::BeginFile(const std::string& path, uint64_t size, int64_t mtime) {
  if (in_file_ || closed_) return Status::Internal("tar: BeginFile while " + current_ + " is open");
  ScopedUtf8Ctype utf8;
  QOIMA_RETURN_IF_ERROR(utf8.status());
  std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new2(a_.get()));
  archive_entry_update_pathname_utf8(e.get(), path.c_str());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0644);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
  archive_entry_set_mtime(e.get(), mtime, 0);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  if (archive_write_header(a_.get(), e.get()) != ARCHIVE_OK) {
    if (!sink_status_.ok()) return sink_status_.WithContext("tar: header of " + path);
    return ArchiveStatus(a_.get(), "tar: header of " + path);
  }
  current_ = path;
  remaining_ = size;
  in_file_ = true;
  return Status::Ok();
}

Status TarWriter::WriteData(std::span<const uint8_t> data) {
  if (!in_file_) return Status::Internal("tar: WriteData outside a file");
  if (data.size() > remaining_) return Status::Internal("tar: " + current_ + " got more bytes than its announced size");
  while (!data.empty()) {
    la_ssize_t n = archive_write_data(a_.get(), data.data(), data.size());
    if (n <= 0) {
      if (!sink_status_.ok()) return sink_status_.WithContext("tar: data of " + current_);
      return ArchiveStatus(a_.get(), "tar: data of " + current_);
    }
    data = data.subspan(static_cast<size_t>(n));
    remaining_ -= static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status TarWriter::EndFile() {
  if (!in_file_) return Status::Internal("tar: EndFile outside a file");
  in_file_ = false;
  if (remaining_ != 0)
    return Status::Corrupt("tar: " + current_ + " ended " + std::to_string(remaining_) +
                           " bytes short of its announced size (the source changed while exporting?)");
  if (archive_write_finish_entry(a_.get()) != ARCHIVE_OK) {
    if (!sink_status_.ok()) return sink_status_.WithContext("tar: finish " + current_);
    return ArchiveStatus(a_.get(), "tar: finish " + current_);
  }
  return Status::Ok();
}

Status TarWriter::AddFile(const std::string& path, std::string_view content, int64_t mtime) {
  QOIMA_RETURN_IF_ERROR(BeginFile(path, content.size(), mtime));
  QOIMA_RETURN_IF_ERROR(WriteData({reinterpret_cast<const uint8_t*>(content.data()), content.size()}));
  return EndFile();
}

Status TarWriter::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  if (archive_write_close(a_.get()) != ARCHIVE_OK) {
    if (!sink_status_.ok()) return sink_status_.WithContext("tar: close");
    return ArchiveStatus(a_.get(), "tar: close");
  }
  return Status::Ok();
}

}  // namespace qoima::exporting

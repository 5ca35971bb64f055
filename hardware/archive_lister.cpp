#include "hardware/archive_lister.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <memory>
#include <vector>

namespace qoima::hardware {
namespace {

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveReadFree>;

// The one place libarchive's error state becomes text.
std::string ArchiveError(archive* a) {
  const char* s = archive_error_string(a);
  std::string msg = s ? s : "unknown libarchive error";
  if (int e = archive_errno(a); e != 0) msg += " (errno " + std::to_string(e) + ")";
  return msg;
}

EntryType MemberType(archive_entry* e) {
  if (archive_entry_hardlink(e) != nullptr) return EntryType::kHardlink;
  switch (archive_entry_filetype(e)) {
    case AE_IFREG: return EntryType::kFile;
    case AE_IFDIR: return EntryType::kDirectory;
    case AE_IFLNK: return EntryType::kSymlink;
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
    case AE_IFSOCK: return EntryType::kDevice;
    default: return EntryType::kOther;
  }
}

// One level of listing: where its raw bytes come from and what it produced.
struct Level {
  FileContent* content = nullptr;  // top level
  archive* parent = nullptr;       // nested: read member data of the parent
  struct Level* parent_level = nullptr;
  std::vector<uint8_t> pending;  // bytes already pulled from the parent (sniffed head)
  bool pending_used = false;
  std::vector<uint8_t> buf;
  uint64_t consumed = 0;  // raw bytes read at this level
  uint64_t produced = 0;  // member bytes decompressed at this level
  uint64_t pos = 0;       // for seekable top-level content
  EntryEmitter* emitter = nullptr;
  std::string limit_message;  // set when a limit was hit inside a callback
};

// Charges `n` produced bytes to `lv` and the medium's budget.
bool Charge(Level& lv, uint64_t n) {
  const auto& lim = lv.emitter->limits();
  auto& budget = lv.emitter->archive_budget();
  lv.produced += n;
  budget.bytes += n;
  if (budget.bytes > lim.archive_max_bytes) {
    lv.limit_message = "archives on the medium expand to more than " + std::to_string(lim.archive_max_bytes) + " bytes";
    return false;
  }
  if (lv.produced > kArchiveRatioFloorBytes &&
      lv.produced / std::max<uint64_t>(lv.consumed, 1) > lim.archive_max_ratio) {
    lv.limit_message = "archive expands more than " + std::to_string(lim.archive_max_ratio) + "x (" +
                       std::to_string(lv.produced) + " bytes from " + std::to_string(lv.consumed) +
                       "): a decompression bomb";
    return false;
  }
  return true;
}

la_ssize_t ReadCallback(archive* a, void* data, const void** out) {
  auto& lv = *static_cast<Level*>(data);
  if (!lv.pending_used && !lv.pending.empty()) {
    lv.pending_used = true;
    lv.consumed += lv.pending.size();
    *out = lv.pending.data();
    return static_cast<la_ssize_t>(lv.pending.size());
  }
  lv.buf.resize(kArchiveReadBlock);
  if (lv.content) {
    auto n = lv.content->Read(std::span<uint8_t>(lv.buf.data(), lv.buf.size()));
    if (!n.ok()) {
      archive_set_error(a, EIO, "%s", n.status().message().c_str());
      return -1;
    }
    lv.consumed += *n;
    lv.pos += *n;
    *out = lv.buf.data();
    return static_cast<la_ssize_t>(*n);
  }
  la_ssize_t n = archive_read_data(lv.parent, lv.buf.data(), lv.buf.size());
  if (n < 0) {
    archive_set_error(a, EIO, "outer archive: %s", ArchiveError(lv.parent).c_str());
    return -1;
  }
  if (!Charge(*lv.parent_level, static_cast<uint64_t>(n))) {
    lv.limit_message = lv.parent_level->limit_message;
    archive_set_error(a, EFBIG, "%s", lv.limit_message.c_str());
    return -1;
  }
  lv.consumed += static_cast<uint64_t>(n);
  *out = lv.buf.data();
  return n;
}

la_int64_t SeekCallback(archive*, void* data, la_int64_t offset, int whence) {
  auto& lv = *static_cast<Level*>(data);
  int64_t target = offset;
  if (whence == SEEK_CUR) target += static_cast<int64_t>(lv.pos);
  if (whence == SEEK_END) target += static_cast<int64_t>(lv.content->Size());
  if (target < 0 || static_cast<uint64_t>(target) > lv.content->Size()) return ARCHIVE_FATAL;
  if (!lv.content->Seek(static_cast<uint64_t>(target)).ok()) return ARCHIVE_FATAL;
  lv.pos = static_cast<uint64_t>(target);
  return target;
}

class Lister {
 public:
  Lister(EntryEmitter& em, std::string raw_path) : em_(em), raw_path_(std::move(raw_path)) {}

  // Returns OK, or non-OK after reporting a fatal limit problem.
  Status List(Level& lv, uint32_t depth, const std::string& prefix, bool seekable) {
    ArchivePtr a(archive_read_new());
    if (!a) return Status::Internal("archive_read_new failed");
    archive_read_support_filter_all(a.get());
    archive_read_support_format_tar(a.get());
    archive_read_support_format_cpio(a.get());
    archive_read_support_format_7zip(a.get());
    archive_read_support_format_iso9660(a.get());
    archive_read_support_format_rar(a.get());
    archive_read_support_format_rar5(a.get());
    archive_read_support_format_ar(a.get());
    if (seekable)
      archive_read_support_format_zip_seekable(a.get());
    else
      archive_read_support_format_zip_streamable(a.get());
    archive_read_support_format_raw(a.get());  // a lone .gz/.xz stream lists as one member "data"
    archive_read_set_callback_data(a.get(), &lv);
    archive_read_set_read_callback(a.get(), ReadCallback);
    if (seekable) archive_read_set_seek_callback(a.get(), SeekCallback);
    if (archive_read_open1(a.get()) != ARCHIVE_OK) return Unreadable(lv, a.get(), prefix);

    std::vector<uint8_t> scratch(kArchiveReadBlock);
    for (;;) {
      archive_entry* e = nullptr;
      int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return Unreadable(lv, a.get(), prefix);
      const char* name = archive_entry_pathname(e);
      if (name == nullptr) name = archive_entry_pathname_utf8(e);
      ArchiveMember m;
      m.raw_name = prefix + (name ? name : "");
      m.size = archive_entry_size_is_set(e) ? static_cast<uint64_t>(std::max<la_int64_t>(archive_entry_size(e), 0)) : 0;
      m.type = MemberType(e);
      m.depth = depth;
      m.encrypted = archive_entry_is_encrypted(e) != 0;
      QOIMA_RETURN_IF_ERROR(em_.Member(m));
      if (m.encrypted || m.type != EntryType::kFile) continue;
      // Pull the member's data: counts bytes produced and finds nested archives.
      la_ssize_t n = archive_read_data(a.get(), scratch.data(), scratch.size());
      if (n < 0) return Unreadable(lv, a.get(), prefix);
      if (n == 0) continue;
      if (!Charge(lv, static_cast<uint64_t>(n))) return Limit(lv.limit_message);
      std::span<const uint8_t> head(scratch.data(), static_cast<size_t>(n));
      if (LooksLikeArchive(head) && m.size != 0) {
        if (depth >= em_.limits().archive_max_depth)
          return Limit("archives nested deeper than " + std::to_string(em_.limits().archive_max_depth) + " (" +
                       m.raw_name + ")");
        Level inner;
        inner.parent = a.get();
        inner.parent_level = &lv;
        inner.emitter = &em_;
        inner.pending.assign(head.begin(), head.end());
        QOIMA_RETURN_IF_ERROR(List(inner, depth + 1, m.raw_name + "/", false));
        if (!inner.limit_message.empty()) return Limit(inner.limit_message);
      }
      for (;;) {
        n = archive_read_data(a.get(), scratch.data(), scratch.size());
        if (n < 0) return Unreadable(lv, a.get(), prefix);
        if (n == 0) break;
        if (!Charge(lv, static_cast<uint64_t>(n))) return Limit(lv.limit_message);
      }
    }
    return Status::Ok();
  }

 private:
  Status Unreadable(Level& lv, archive* a, const std::string& prefix) {
    if (!lv.limit_message.empty()) return Limit(lv.limit_message);
    std::string where = prefix.empty() ? "" : " (inside " + prefix + ")";
    QOIMA_RETURN_IF_ERROR(em_.Problem(ProblemClass::kArchiveUnreadable,
                                      "archive could not be fully listed" + where + ": " + ArchiveError(a), raw_path_,
                                      -1));
    return Status::Ok();
  }
  Status Limit(const std::string& message) {
    QOIMA_RETURN_IF_ERROR(em_.Problem(ProblemClass::kLimitExceeded, message, raw_path_, -1));
    return Status::LimitExceeded(message);
  }

  EntryEmitter& em_;
  std::string raw_path_;
};

}  // namespace

Status ListArchive(FileContent& content, const std::string& raw_path, EntryEmitter& emitter) {
  Level top;
  top.content = &content;
  top.emitter = &emitter;
  bool seekable = content.Seek(0).ok();
  return Lister(emitter, raw_path).List(top, 1, "", seekable);
}

}  // namespace qoima::hardware

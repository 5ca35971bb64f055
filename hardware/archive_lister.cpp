#include "hardware/archive_lister.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <memory>
#include <optional>
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

class Lister;

// One level of listing: where its raw bytes come from and what it produced.
struct Level {
  Lister* lister = nullptr;
  uint32_t depth = 1;              // 1: the archive on the medium
  std::string prefix;              // "" at depth 1, else "inner.zip/" (member names are prefixed with it)
  FileContent* content = nullptr;  // depth 1
  archive* parent = nullptr;       // nested: read member data of the parent
  struct Level* parent_level = nullptr;
  std::vector<uint8_t> pending;  // bytes already pulled from the parent (sniffed head)
  bool pending_used = false;
  std::vector<uint8_t> buf;
  uint64_t consumed = 0;  // raw bytes read at this level
  uint64_t produced = 0;  // member bytes decompressed at this level
  uint64_t pos = 0;       // for seekable top-level content
};

// A limit that stopped a listing, waiting to be reported by the level it stops.
struct Stop {
  ArchiveLimit limit = ArchiveLimit::kNone;
  uint64_t value = 0;
  std::string message;
  uint32_t depth = 1;  // the level whose listing stops; deeper levels unwind
};

std::string Describe(const Level& lv) {
  if (lv.depth == 1) return "the archive";
  return "nested archive " + lv.prefix.substr(0, lv.prefix.size() - 1);
}

class Lister {
 public:
  Lister(EntryEmitter& em, std::string raw_path) : em_(em), raw_path_(std::move(raw_path)) {}

  // Charges `n` bytes decompressed at `lv` to it, this archive and the
  // medium. False when a limit stopped a listing (then stop_ says which).
  bool Charge(Level& lv, uint64_t n) {
    const auto& lim = em_.limits();
    auto& budget = em_.archive_budget();
    lv.produced += n;
    bytes_ += n;
    budget.bytes += n;
    if (stop_) return false;
    if (budget.bytes > lim.medium_archive_max_bytes) {
      SetStop(ArchiveLimit::kMediumBytes, lim.medium_archive_max_bytes, 1,
              "the archives on the medium expand to more than " + std::to_string(lim.medium_archive_max_bytes) +
                  " bytes while listed");
    } else if (bytes_ > lim.archive_max_bytes) {
      SetStop(ArchiveLimit::kBytes, lim.archive_max_bytes, 1,
              "the archive expands to more than " + std::to_string(lim.archive_max_bytes) + " bytes while listed");
    } else if (lv.produced > kArchiveRatioFloorBytes &&
               lv.produced / std::max<uint64_t>(lv.consumed, 1) > lim.archive_max_ratio) {
      SetStop(ArchiveLimit::kRatio, lim.archive_max_ratio, lv.depth,
              Describe(lv) + " expands more than " + std::to_string(lim.archive_max_ratio) + "x (" +
                  std::to_string(lv.produced) + " bytes from " + std::to_string(lv.consumed) +
                  "): a decompression bomb");
    }
    return !stop_;
  }

  // Lists the archive on the medium; when the medium's listing budget is
  // already spent it is not listed at all (flagged).
  Status ListTop(FileContent& content) {
    const auto& lim = em_.limits();
    const auto& budget = em_.archive_budget();
    if (budget.members >= lim.medium_archive_max_members) {
      SetStop(ArchiveLimit::kMediumMembers, lim.medium_archive_max_members, 1,
              "the archives on the medium already hold " + std::to_string(lim.medium_archive_max_members) +
                  " members: not listed");
      return Stopped(1);
    }
    if (budget.bytes >= lim.medium_archive_max_bytes) {
      SetStop(ArchiveLimit::kMediumBytes, lim.medium_archive_max_bytes, 1,
              "the archives on the medium already expanded to " + std::to_string(lim.medium_archive_max_bytes) +
                  " bytes while listed: not listed");
      return Stopped(1);
    }
    Level top;
    top.lister = this;
    top.content = &content;
    bool seekable = content.Seek(0).ok();
    return List(top, seekable);
  }

  // Lists one level. OK unless the frame sink failed; a limit reached here
  // or deeper is reported by the level it stops (Stopped).
  Status List(Level& lv, bool seekable) {
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
    if (archive_read_open1(a.get()) != ARCHIVE_OK) return Unreadable(lv, a.get());

    const auto& lim = em_.limits();
    std::vector<uint8_t> scratch(kArchiveReadBlock);
    for (;;) {
      archive_entry* e = nullptr;
      int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) return Unreadable(lv, a.get());
      if (em_.archive_budget().members >= lim.medium_archive_max_members) {
        SetStop(
            ArchiveLimit::kMediumMembers, lim.medium_archive_max_members, 1,
            "the archives on the medium hold more than " + std::to_string(lim.medium_archive_max_members) + " members");
        return Stopped(lv.depth);
      }
      if (members_ >= lim.archive_max_members) {
        SetStop(ArchiveLimit::kMembers, lim.archive_max_members, 1,
                "the archive holds more than " + std::to_string(lim.archive_max_members) +
                    " members (nested archives included)");
        return Stopped(lv.depth);
      }
      const char* name = archive_entry_pathname(e);
      if (name == nullptr) name = archive_entry_pathname_utf8(e);
      ArchiveMember m;
      m.raw_name = lv.prefix + (name ? name : "");
      m.size = archive_entry_size_is_set(e) ? static_cast<uint64_t>(std::max<la_int64_t>(archive_entry_size(e), 0)) : 0;
      m.type = MemberType(e);
      m.depth = lv.depth;
      m.encrypted = archive_entry_is_encrypted(e) != 0;
      ++members_;
      QOIMA_RETURN_IF_ERROR(em_.Member(m));
      if (m.encrypted || m.type != EntryType::kFile) continue;
      // Pull the member's data: counts bytes produced and finds nested archives.
      la_ssize_t n = archive_read_data(a.get(), scratch.data(), scratch.size());
      if (n < 0) return Unreadable(lv, a.get());
      if (n == 0) continue;
      if (!Charge(lv, static_cast<uint64_t>(n))) return Stopped(lv.depth);
      std::span<const uint8_t> head(scratch.data(), static_cast<size_t>(n));
      // The size is not required: a streamed zip (a JAR inside a WAR) gives
      // sizes only after the data.
      if (LooksLikeArchive(head)) {
        if (lv.depth >= lim.archive_max_depth) {
          // Listed as a member, not opened; its siblings are listed.
          QOIMA_RETURN_IF_ERROR(Report({ArchiveLimit::kDepth, lim.archive_max_depth,
                                        "archive nested deeper than " + std::to_string(lim.archive_max_depth) +
                                            " levels not listed: " + m.raw_name,
                                        lv.depth}));
        } else {
          Level inner;
          inner.lister = this;
          inner.depth = lv.depth + 1;
          inner.prefix = m.raw_name + "/";
          inner.parent = a.get();
          inner.parent_level = &lv;
          inner.pending.assign(head.begin(), head.end());
          QOIMA_RETURN_IF_ERROR(List(inner, false));
          if (stop_) return Stopped(lv.depth);  // a limit of this level or an outer one
        }
      }
      for (;;) {
        n = archive_read_data(a.get(), scratch.data(), scratch.size());
        if (n < 0) return Unreadable(lv, a.get());
        if (n == 0) break;
        if (!Charge(lv, static_cast<uint64_t>(n))) return Stopped(lv.depth);
      }
    }
    return Status::Ok();
  }

 private:
  static la_ssize_t ReadCallback(archive* a, void* data, const void** out) {
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
    // What the outer archive decompresses for this one is the outer's output.
    if (!lv.lister->Charge(*lv.parent_level, static_cast<uint64_t>(n))) {
      archive_set_error(a, EFBIG, "listing stopped by a limit");
      return -1;
    }
    lv.consumed += static_cast<uint64_t>(n);
    *out = lv.buf.data();
    return n;
  }

  static la_int64_t SeekCallback(archive*, void* data, la_int64_t offset, int whence) {
    auto& lv = *static_cast<Level*>(data);
    int64_t target = offset;
    if (whence == SEEK_CUR) target += static_cast<int64_t>(lv.pos);
    if (whence == SEEK_END) target += static_cast<int64_t>(lv.content->Size());
    if (target < 0 || static_cast<uint64_t>(target) > lv.content->Size()) return ARCHIVE_FATAL;
    if (!lv.content->Seek(static_cast<uint64_t>(target)).ok()) return ARCHIVE_FATAL;
    lv.pos = static_cast<uint64_t>(target);
    return target;
  }

  void SetStop(ArchiveLimit limit, uint64_t value, uint32_t depth, std::string message) {
    if (!stop_) stop_ = Stop{limit, value, std::move(message), depth};
  }

  // Called by a level at `depth` when stop_ is set: the level the limit
  // stops reports it; a deeper one only unwinds.
  Status Stopped(uint32_t depth) {
    if (!stop_ || stop_->depth < depth) return Status::Ok();
    Stop s = std::move(*stop_);
    stop_.reset();
    return Report(std::move(s));
  }

  Status Report(Stop s) {
    MediaProblem p;
    p.cls = ProblemClass::kArchiveListingStopped;
    p.message = std::move(s.message);
    if (s.limit != ArchiveLimit::kDepth) p.message += ": listing stopped (the archive is stored as read)";
    p.path = raw_path_;
    p.limit = s.limit;
    p.limit_value = s.value;
    return em_.Problem(std::move(p));
  }

  Status Unreadable(Level& lv, archive* a) {
    if (stop_) return Stopped(lv.depth);
    std::string where = lv.prefix.empty() ? "" : " (inside " + lv.prefix + ")";
    QOIMA_RETURN_IF_ERROR(em_.Problem(ProblemClass::kArchiveUnreadable,
                                      "archive could not be fully listed" + where + ": " + ArchiveError(a), raw_path_,
                                      -1));
    return Status::Ok();
  }

  EntryEmitter& em_;
  std::string raw_path_;
  std::optional<Stop> stop_;
  uint64_t members_ = 0;  // of this archive on the medium, nested ones included
  uint64_t bytes_ = 0;    // decompressed listing it
};

}  // namespace

Status ListArchive(FileContent& content, const std::string& raw_path, EntryEmitter& emitter) {
  return Lister(emitter, raw_path).ListTop(content);
}

}  // namespace qoima::hardware

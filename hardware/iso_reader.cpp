// ISO9660 with Joliet and Rock Ridge through libarchive's iso9660 reader,
// whose reads go through BlockSource so I/O errors are classified.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "hardware/fs_readers.h"

namespace qoima::hardware {
namespace {

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveReadFree>;

std::string ArchiveError(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown libarchive error";
}

struct DeviceCursor {
  BlockSource* src;
  uint64_t pos = 0;
  std::vector<uint8_t> buf;
};

la_ssize_t DevRead(archive* a, void* data, const void** out) {
  auto& c = *static_cast<DeviceCursor*>(data);
  c.buf.resize(kIsoReadBlock);
  if (c.pos >= c.src->size()) {
    c.src->NoteEndReached(c.pos);
    return 0;
  }
  auto n = c.src->ReadAt(c.pos, c.buf.data(), c.buf.size());
  if (!n.ok()) {
    archive_set_error(a, EIO, "%s", n.status().message().c_str());
    return -1;
  }
  c.pos += *n;
  *out = c.buf.data();
  return static_cast<la_ssize_t>(*n);
}

la_int64_t DevSeek(archive*, void* data, la_int64_t offset, int whence) {
  auto& c = *static_cast<DeviceCursor*>(data);
  int64_t t = offset;
  if (whence == SEEK_CUR) t += static_cast<int64_t>(c.pos);
  if (whence == SEEK_END) t += static_cast<int64_t>(c.src->size());
  if (t < 0) return ARCHIVE_FATAL;
  c.pos = static_cast<uint64_t>(t);
  return t;
}

la_int64_t DevSkip(archive*, void* data, la_int64_t request) {
  auto& c = *static_cast<DeviceCursor*>(data);
  c.pos += static_cast<uint64_t>(request);
  return request;
}

// An open libarchive iso9660 reader over the device.
struct IsoHandle {
  DeviceCursor cursor;
  ArchivePtr a;
};

Result<std::unique_ptr<IsoHandle>> OpenIso(BlockSource& src) {
  auto h = std::make_unique<IsoHandle>();
  h->cursor.src = &src;
  h->a.reset(archive_read_new());
  if (!h->a) return Status::Internal("archive_read_new failed");
  archive_read_support_format_iso9660(h->a.get());
  archive_read_set_callback_data(h->a.get(), &h->cursor);
  archive_read_set_read_callback(h->a.get(), DevRead);
  archive_read_set_seek_callback(h->a.get(), DevSeek);
  archive_read_set_skip_callback(h->a.get(), DevSkip);
  if (archive_read_open1(h->a.get()) != ARCHIVE_OK) return Status::Corrupt("ISO9660: " + ArchiveError(h->a.get()));
  return h;
}

std::string EntryPath(archive_entry* e) {
  const char* p = archive_entry_pathname(e);
  if (p == nullptr) p = archive_entry_pathname_utf8(e);
  std::string s = p ? p : "";
  while (!s.empty() && s.back() == '/') s.pop_back();
  while (s.size() >= 2 && s.compare(0, 2, "./") == 0) s.erase(0, 2);
  return s;
}

class IsoContent : public FileContent {
 public:
  IsoContent(archive* a, BlockSource& src, std::string path, uint64_t size, std::unique_ptr<IsoHandle> own = {})
      : a_(a), src_(src), path_(std::move(path)), size_(size), own_(std::move(own)) {}

  // Everything goes through View: mixing archive_read_data with
  // archive_read_data_block would lose the part of a block the former kept.
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t done = 0;
    while (done < buf.size()) {
      QOIMA_ASSIGN_OR_RETURN(auto v, View(buf.size() - done));
      if (v.empty()) break;
      std::memcpy(buf.data() + done, v.data(), v.size());
      done += v.size();
    }
    return done;
  }
  uint64_t Size() const override { return size_; }

  // Zero-copy: libarchive's own block, with holes of sparse files as zeros.
  Result<std::span<const uint8_t>> View(size_t max) override {
    if (block_left_ == 0) {
      if (eof_) return std::span<const uint8_t>();
      const void* buf = nullptr;
      size_t len = 0;
      la_int64_t off = 0;
      int r = archive_read_data_block(a_, &buf, &len, &off);
      if (r == ARCHIVE_EOF) {
        eof_ = true;
        if (pos_ < size_) return Hole(max, size_);
        return std::span<const uint8_t>();
      }
      if (r < ARCHIVE_WARN) return Status::MediaUnreadable("ISO9660 data of " + path_ + ": " + ArchiveError(a_));
      block_ = static_cast<const uint8_t*>(buf);
      block_left_ = len;
      block_off_ = static_cast<uint64_t>(std::max<la_int64_t>(off, 0));
    }
    if (block_off_ > pos_) return Hole(max, block_off_);
    size_t n = std::min(max, block_left_);
    std::span<const uint8_t> out(block_, n);
    block_ += n;
    block_left_ -= n;
    pos_ += n;
    block_off_ += n;
    return out;
  }

  // libarchive reads an ISO in extent order only: a second reader is opened
  // and advanced to this entry (one extra directory pass per archive file).
  Result<std::unique_ptr<FileContent>> Reopen() override {
    QOIMA_ASSIGN_OR_RETURN(auto h, OpenIso(src_));
    for (;;) {
      archive_entry* e = nullptr;
      int r = archive_read_next_header(h->a.get(), &e);
      if (r == ARCHIVE_EOF) return Status::NotFound("entry vanished on re-read: " + path_);
      if (r < ARCHIVE_WARN) return Status::Corrupt("ISO9660 re-read: " + ArchiveError(h->a.get()));
      if (EntryPath(e) == path_) {
        archive* a = h->a.get();
        return std::unique_ptr<FileContent>(new IsoContent(a, src_, path_, size_, std::move(h)));
      }
    }
  }

 private:
  std::span<const uint8_t> Hole(size_t max, uint64_t until) {
    static const std::vector<uint8_t> zeros(256 * 1024);
    size_t n = static_cast<size_t>(std::min<uint64_t>({max, until - pos_, zeros.size()}));
    pos_ += n;
    return std::span<const uint8_t>(zeros.data(), n);
  }

  archive* a_;
  BlockSource& src_;
  std::string path_;
  uint64_t size_;
  std::unique_ptr<IsoHandle> own_;
  const uint8_t* block_ = nullptr;
  size_t block_left_ = 0;
  uint64_t block_off_ = 0;
  uint64_t pos_ = 0;
  bool eof_ = false;
};

}  // namespace

Status ReadIso(BlockSource& src, EntryEmitter& em) {
  auto h = OpenIso(src);
  if (!h.ok()) return em.FailWalk(h.status(), ProblemClass::kCorruptFilesystem, {});
  archive* a = (*h)->a.get();
  for (;;) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      return em.FailWalk(Status::Corrupt("ISO9660 directory: " + ArchiveError(a)), ProblemClass::kCorruptFilesystem,
                         {});
    EntryHeader hd;
    hd.raw_path = EntryPath(e);
    if (hd.raw_path.empty() || hd.raw_path == ".") continue;
    hd.mtime_sec = archive_entry_mtime(e);
    hd.mtime_nsec = static_cast<uint32_t>(archive_entry_mtime_nsec(e));
    hd.mode = archive_entry_perm(e);
    if (const char* hl = archive_entry_hardlink(e)) {
      hd.type = EntryType::kHardlink;
      hd.link_target = hl;
    } else {
      switch (archive_entry_filetype(e)) {
        case AE_IFREG: hd.type = EntryType::kFile; break;
        case AE_IFDIR: hd.type = EntryType::kDirectory; break;
        case AE_IFLNK:
          hd.type = EntryType::kSymlink;
          if (const char* t = archive_entry_symlink(e)) hd.link_target = t;
          break;
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
        case AE_IFSOCK: hd.type = EntryType::kDevice; break;
        default: hd.type = EntryType::kOther;
      }
    }
    hd.size = hd.type == EntryType::kFile ? static_cast<uint64_t>(std::max<la_int64_t>(archive_entry_size(e), 0)) : 0;
    hd.sparse = archive_entry_sparse_count(e) > 0;
    IsoContent content(a, src, hd.raw_path, hd.size);
    QOIMA_RETURN_IF_ERROR(em.Emit(std::move(hd), &content));
  }
  return Status::Ok();
}

}  // namespace qoima::hardware

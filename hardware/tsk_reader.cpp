// FAT12/16/32, exFAT, NTFS and ext2/3/4 through The Sleuth Kit. TSK reads the
// medium through an external image (tsk_img_open_external) whose read callback
// is BlockSource::ReadAt, so I/O errors are classified with their offset.
#include <tsk/libtsk.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "hardware/fs_readers.h"

namespace qoima::hardware {
namespace {

// TSK's external image: TSK_IMG_INFO must come first (TSK casts to it).
struct ExternalImg {
  TSK_IMG_INFO info;
  BlockSource* src;
};

ssize_t ImgRead(TSK_IMG_INFO* img, TSK_OFF_T off, char* buf, size_t len) {
  auto* x = reinterpret_cast<ExternalImg*>(img);
  if (off < 0) return -1;
  auto n = x->src->ReadAt(static_cast<uint64_t>(off), reinterpret_cast<uint8_t*>(buf), len);
  if (!n.ok()) {
    tsk_error_reset();
    tsk_error_set_errno(TSK_ERR_IMG_READ);
    tsk_error_set_errstr("%s", n.status().message().c_str());
    return -1;
  }
  return static_cast<ssize_t>(*n);
}
void ImgClose(TSK_IMG_INFO* img) { std::free(img); }
void ImgStat(TSK_IMG_INFO*, FILE*) {}

struct ImgClose_ {
  void operator()(TSK_IMG_INFO* i) const { tsk_img_close(i); }
};
struct FsClose {
  void operator()(TSK_FS_INFO* f) const { tsk_fs_close(f); }
};
struct DirClose {
  void operator()(TSK_FS_DIR* d) const { tsk_fs_dir_close(d); }
};
struct FileClose {
  void operator()(TSK_FS_FILE* f) const { tsk_fs_file_close(f); }
};
using ImgPtr = std::unique_ptr<TSK_IMG_INFO, ImgClose_>;
using FsPtr = std::unique_ptr<TSK_FS_INFO, FsClose>;
using DirPtr = std::unique_ptr<TSK_FS_DIR, DirClose>;
using FilePtr = std::unique_ptr<TSK_FS_FILE, FileClose>;

// The one place TSK's error state becomes text.
std::string TskError() {
  const char* s = tsk_error_get();
  std::string msg = s ? s : "unknown TSK error";
  tsk_error_reset();
  return msg;
}

// The row's libtsk type ("fat": FAT12/16/32 detected); TSK detects when the
// hint has no TSK row.
TSK_FS_TYPE_ENUM TskType(FsHint hint) {
  const Filesystem* fs = FindFilesystem(hint);
  if (fs == nullptr || fs->tsk_type.empty()) return TSK_FS_TYPE_DETECT;
  return tsk_fs_type_toid(reinterpret_cast<const TSK_TCHAR*>(std::string(fs->tsk_type).c_str()));
}

class TskContent : public FileContent {
 public:
  TskContent(TSK_FS_INFO* fs, TSK_INUM_T inum, TSK_FS_FILE* file, std::string path, uint64_t size)
      : fs_(fs), inum_(inum), file_(file), path_(std::move(path)), size_(size) {}
  // TSK checks reads against the image size itself ("Offset missing in
  // partial image") before calling the read callback: note the truncation.
  static void NoteTruncation(TSK_FS_INFO* fs, const std::string& error) {
    if (error.find("partial image") == std::string::npos) return;
    auto* x = reinterpret_cast<ExternalImg*>(fs->img_info);
    x->src->NoteEndReached(x->src->size());
  }
  Result<size_t> Read(std::span<uint8_t> buf) override {
    if (pos_ >= size_) return size_t{0};
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), size_ - pos_));
    ssize_t n = tsk_fs_file_read(file_, static_cast<TSK_OFF_T>(pos_), reinterpret_cast<char*>(buf.data()), want,
                                 TSK_FS_FILE_READ_FLAG_NONE);
    if (n < 0) {
      std::string err = TskError();
      NoteTruncation(fs_, err);
      return Status::MediaUnreadable("read " + path_ + " at " + std::to_string(pos_) + ": " + err);
    }
    pos_ += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }
  Status Seek(uint64_t offset) override {
    if (offset > size_) return Status::InvalidArgument("seek past the end");
    pos_ = offset;
    return Status::Ok();
  }
  uint64_t Size() const override { return size_; }
  Result<std::unique_ptr<FileContent>> Reopen() override;

 private:
  class OwningContent;
  TSK_FS_INFO* fs_;
  TSK_INUM_T inum_;
  TSK_FS_FILE* file_;
  std::string path_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

class TskContent::OwningContent : public TskContent {
 public:
  OwningContent(TSK_FS_INFO* fs, TSK_INUM_T inum, FilePtr f, std::string path, uint64_t size)
      : TskContent(fs, inum, f.get(), std::move(path), size), owned_(std::move(f)) {}

 private:
  FilePtr owned_;
};

Result<std::unique_ptr<FileContent>> TskContent::Reopen() {
  FilePtr f(tsk_fs_file_open_meta(fs_, nullptr, inum_));
  if (!f) return Status::MediaUnreadable("reopen " + path_ + ": " + TskError());
  return std::unique_ptr<FileContent>(new OwningContent(fs_, inum_, std::move(f), path_, size_));
}

// Sparse: a run marked sparse, or fewer allocated blocks than the size needs
// (ext4 extents leave holes out of the run list entirely).
bool IsSparse(TSK_FS_FILE* f, TSK_FS_INFO* fs) {
  const TSK_FS_ATTR* attr = tsk_fs_file_attr_get(f);
  if (attr == nullptr || !(attr->flags & TSK_FS_ATTR_NONRES)) return false;
  uint64_t allocated = 0;
  for (const TSK_FS_ATTR_RUN* run = attr->nrd.run; run != nullptr; run = run->next) {
    if (run->flags & TSK_FS_ATTR_RUN_FLAG_SPARSE) return true;
    if (!(run->flags & TSK_FS_ATTR_RUN_FLAG_FILLER)) allocated += run->len;
  }
  uint64_t block = fs->block_size ? fs->block_size : 512;
  uint64_t size = f->meta && f->meta->size > 0 ? static_cast<uint64_t>(f->meta->size) : 0;
  return (size + block - 1) / block > allocated;
}

class Walker {
 public:
  Walker(TSK_FS_INFO* fs, EntryEmitter& em) : fs_(fs), em_(em) {}

  Status Walk(TSK_INUM_T dir_addr, const std::string& prefix, uint32_t depth) {
    if (depth > em_.limits().max_depth)
      return Fail(ProblemClass::kLimitExceeded,
                  "directory nesting deeper than " + std::to_string(em_.limits().max_depth), prefix);
    if (!open_dirs_.insert(dir_addr).second)
      return Fail(ProblemClass::kCorruptFilesystem,
                  "directory loop: inode " + std::to_string(dir_addr) + " contains itself", prefix);
    DirPtr dir(tsk_fs_dir_open_meta(fs_, dir_addr));
    if (!dir)
      return em_.FailWalk(Status::Corrupt("open directory " + (prefix.empty() ? "/" : prefix) + ": " + TskError()),
                          ProblemClass::kCorruptFilesystem, prefix);
    size_t n = tsk_fs_dir_getsize(dir.get());
    if (n > kMaxDirEntries)
      return Fail(ProblemClass::kLimitExceeded,
                  "directory holds more than " + std::to_string(kMaxDirEntries) + " entries", prefix);
    for (size_t i = 0; i < n; ++i) {
      FilePtr f(tsk_fs_dir_get(dir.get(), i));
      if (!f)
        return em_.FailWalk(
            Status::Corrupt("directory entry " + std::to_string(i) + " of " + prefix + ": " + TskError()),
            ProblemClass::kCorruptFilesystem, prefix);
      const TSK_FS_NAME* nm = f->name;
      if (nm == nullptr || nm->name == nullptr) continue;
      if (nm->flags & TSK_FS_NAME_FLAG_UNALLOC) continue;  // deleted: not part of the deposit
      if (TSK_FS_ISDOT(nm->name)) continue;
      const TSK_FS_META* meta = f->meta;
      if (meta == nullptr) continue;
      if (meta->type == TSK_FS_META_TYPE_VIRT || meta->type == TSK_FS_META_TYPE_VIRT_DIR) continue;  // TSK's own
      if (depth == 0 && IsSystemFile(nm->name, meta->addr)) continue;
      std::string path = prefix.empty() ? nm->name : prefix + "/" + nm->name;
      EntryHeader h;
      h.raw_path = path;
      h.mtime_sec = meta->mtime;
      h.mtime_nsec = meta->mtime_nano < 1'000'000'000u ? meta->mtime_nano : 0;
      h.mode = static_cast<uint32_t>(meta->mode) & 07777;
      bool is_dir = false;
      switch (meta->type) {
        case TSK_FS_META_TYPE_REG: h.type = EntryType::kFile; break;
        case TSK_FS_META_TYPE_DIR:
          h.type = EntryType::kDirectory;
          is_dir = true;
          break;
        case TSK_FS_META_TYPE_LNK:
          h.type = EntryType::kSymlink;
          if (meta->link) h.link_target = meta->link;
          break;
        case TSK_FS_META_TYPE_FIFO:
        case TSK_FS_META_TYPE_CHR:
        case TSK_FS_META_TYPE_BLK:
        case TSK_FS_META_TYPE_SOCK: h.type = EntryType::kDevice; break;
        default: h.type = EntryType::kOther;
      }
      if (h.type == EntryType::kFile && meta->nlink > 1 && !TSK_FS_TYPE_ISFAT(fs_->ftype)) {
        auto [it, first] = first_name_.emplace(meta->addr, path);
        if (!first) {
          h.type = EntryType::kHardlink;
          h.link_target = it->second;
        }
      }
      if (h.type == EntryType::kFile) {
        h.size = meta->size > 0 ? static_cast<uint64_t>(meta->size) : 0;
        h.sparse = IsSparse(f.get(), fs_);
        if (meta->flags & TSK_FS_META_FLAG_COMP) h.flags |= kEntryCompressed;
      }
      TskContent content(fs_, meta->addr, f.get(), path, h.size);
      QOIMA_RETURN_IF_ERROR(em_.Emit(std::move(h), &content));
      if (is_dir) {
        TSK_INUM_T addr = meta->addr;
        f.reset();
        QOIMA_RETURN_IF_ERROR(Walk(addr, path, depth + 1));
      }
    }
    open_dirs_.erase(dir_addr);
    return Status::Ok();
  }

 private:
  Status Fail(ProblemClass cls, const std::string& msg, const std::string& path) {
    QOIMA_RETURN_IF_ERROR(em_.Problem(cls, msg, path, -1));
    return Status::Corrupt(msg);
  }
  // NTFS metadata files ($MFT, $Bitmap, ...) and exFAT's allocation bitmap
  // and up-case table live in the root but are not depositor data.
  bool IsSystemFile(const char* name, TSK_INUM_T addr) const {
    std::string_view n(name);
    if (TSK_FS_TYPE_ISFAT(fs_->ftype) || fs_->ftype == TSK_FS_TYPE_EXFAT) {
      // TSK presents the volume label directory entry as a file.
      if (n.size() > 21 && n.substr(n.size() - 21) == " (Volume Label Entry)") return true;
    }
    if (n.empty() || n[0] != '$') return false;
    if (TSK_FS_TYPE_ISNTFS(fs_->ftype)) return addr < 27;
    if (fs_->ftype == TSK_FS_TYPE_EXFAT)  // TSK's names for exFAT's special root entries
      return n == "$ALLOC_BITMAP" || n == "$UPCASE_TABLE" || n == "$VOLUME_GUID" || n == "$TEXFAT" ||
             n == "$VOLUME_LABEL";
    return false;
  }

  TSK_FS_INFO* fs_;
  EntryEmitter& em_;
  std::set<TSK_INUM_T> open_dirs_;
  std::map<TSK_INUM_T, std::string> first_name_;
};

}  // namespace

Status ReadTsk(BlockSource& src, EntryEmitter& em, FsHint hint, std::string& fs_name) {
  auto* x = static_cast<ExternalImg*>(std::calloc(1, sizeof(ExternalImg)));
  if (x == nullptr) return Status::Internal("out of memory");
  x->src = &src;
  ImgPtr img(tsk_img_open_external(x, static_cast<TSK_OFF_T>(src.size()), 512, ImgRead, ImgClose, ImgStat));
  if (!img) {
    std::free(x);
    return em.FailWalk(Status::Internal("tsk_img_open_external: " + TskError()), ProblemClass::kCorruptFilesystem, {});
  }
  FsPtr fs(tsk_fs_open_img(img.get(), 0, TskType(hint)));
  if (!fs) {
    Status st = Status::Corrupt("filesystem does not open: " + TskError());
    return em.FailWalk(
        st, hint == FsHint::kAuto ? ProblemClass::kUnsupportedFilesystem : ProblemClass::kCorruptFilesystem, {});
  }
  fs_name = tsk_fs_type_toname(fs->ftype);
  return Walker(fs.get(), em).Walk(fs->root_inum, "", 0);
}

}  // namespace qoima::hardware

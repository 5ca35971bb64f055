// UDF through libcdio's libudf. libudf would open the source itself, by path;
// here it reads the medium through BlockSource, like every other reader (the
// sandboxed reader has no path to open: its medium is a descriptor), so its
// I/O errors are classified the same way.
#include <cdio/cdio.h>
#include <cdio/logging.h>
#include <cdio/udf.h>
#include <dlfcn.h>
#include <endian.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

#include "hardware/fs_readers.h"

// libudf opens its source with cdio_open(), whose Linux driver would drive a
// block device with CD-ROM and SCSI pass-through ioctls. This definition
// interposes libcdio's (the executable's symbol wins for libudf's call): it
// refuses every driver, so udf_open() falls back to a data-source stream.
// Nothing else in qoima uses cdio_open.
extern "C" CdIo_t* cdio_open(const char* /*source*/, driver_id_t /*driver*/) { return nullptr; }

namespace {

// The stream libudf then reads is ours too: libudf uses libcdio's data
// sources only through the four functions below (cdio_stdio_new,
// cdio_stream_seek, cdio_stream_read, cdio_stdio_destroy), which are
// interposed the same way. While ReadUdf opens a volume, cdio_stdio_new hands
// out a stream over that BlockSource and ignores the path; any other call (a
// stream that is not ours) goes on to libcdio.
constexpr uint64_t kStreamMagic = 0x716f696d61756466;  // "qoimaudf"
struct UdfStream {
  uint64_t magic = kStreamMagic;
  qoima::hardware::BlockSource* source = nullptr;
  uint64_t position = 0;
};
thread_local qoima::hardware::BlockSource* g_opening = nullptr;

UdfStream* Ours(void* p) {
  auto* s = static_cast<UdfStream*>(p);
  return s != nullptr && s->magic == kStreamMagic ? s : nullptr;
}

template <typename Fn>
Fn Next(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" void* cdio_stdio_new(const char* path) {
  if (g_opening != nullptr) {
    auto* s = new UdfStream;
    s->source = g_opening;
    return s;
  }
  static auto next = Next<void* (*)(const char*)>("cdio_stdio_new");
  return next ? next(path) : nullptr;
}

extern "C" void cdio_stdio_destroy(void* p) {
  if (UdfStream* s = Ours(p)) {
    s->magic = 0;
    delete s;
    return;
  }
  static auto next = Next<void (*)(void*)>("cdio_stdio_destroy");
  if (next) next(p);
}

// libcdio's contract: 0 (DRIVER_OP_SUCCESS) or a negative driver code.
extern "C" int cdio_stream_seek(void* p, off_t offset, int whence) {
  if (UdfStream* s = Ours(p)) {
    if (whence != SEEK_SET || offset < 0) return -1;  // DRIVER_OP_ERROR; libudf only seeks absolutely
    s->position = static_cast<uint64_t>(offset);
    return 0;
  }
  static auto next = Next<int (*)(void*, off_t, int)>("cdio_stream_seek");
  return next ? next(p, offset, whence) : -1;
}

// libcdio's contract: the number of bytes read, 0 on error or at the end.
extern "C" ssize_t cdio_stream_read(void* p, void* buf, size_t size, size_t nmemb) {
  if (UdfStream* s = Ours(p)) {
    if (size != 0 && nmemb > SIZE_MAX / size) return 0;
    auto n = s->source->ReadAt(s->position, static_cast<uint8_t*>(buf), size * nmemb);
    if (!n.ok()) return 0;  // BlockSource keeps the classified failure
    s->position += *n;
    return static_cast<ssize_t>(*n);
  }
  static auto next = Next<ssize_t (*)(void*, void*, size_t, size_t)>("cdio_stream_read");
  return next ? next(p, buf, size, nmemb) : 0;
}

namespace qoima::hardware {
namespace {

struct UdfClose {
  void operator()(udf_t* u) const { udf_close(u); }
};
struct DirentFree {
  void operator()(udf_dirent_t* d) const { udf_dirent_free(d); }
};
using UdfPtr = std::unique_ptr<udf_t, UdfClose>;
using DirentPtr = std::unique_ptr<udf_dirent_t, DirentFree>;

constexpr size_t kUdfBlocksPerRead = 128;  // 256 KiB per udf_read_block call

class UdfContent : public FileContent {
 public:
  UdfContent(udf_dirent_t* d, std::string path, uint64_t size) : d_(d), path_(std::move(path)), size_(size) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size() && pos_ < size_) {
      if (have_ == used_) {
        uint64_t left_blocks = (size_ - pos_ + UDF_BLOCKSIZE - 1) / UDF_BLOCKSIZE;
        size_t blocks = static_cast<size_t>(std::min<uint64_t>(kUdfBlocksPerRead, left_blocks));
        buf_.resize(blocks * UDF_BLOCKSIZE);
        ssize_t n = udf_read_block(d_, buf_.data(), blocks);
        if (n <= 0)
          return Status::MediaUnreadable("UDF read of " + path_ + " failed at offset " + std::to_string(pos_));
        have_ = static_cast<size_t>(n);
        used_ = 0;
      }
      size_t take = std::min<size_t>({out.size() - done, have_ - used_, static_cast<size_t>(size_ - pos_)});
      std::memcpy(out.data() + done, buf_.data() + used_, take);
      used_ += take;
      done += take;
      pos_ += take;
      if (pos_ == size_) have_ = used_;
    }
    return done;
  }
  uint64_t Size() const override { return size_; }
  // libudf keeps one read position per volume, reset only by udf_readdir:
  // a second stream over a file cannot be opened mid-walk.
  Result<std::unique_ptr<FileContent>> Reopen() override {
    return Status::Unsupported("libudf cannot re-read a file during the directory walk");
  }

 private:
  udf_dirent_t* d_;
  std::string path_;
  uint64_t size_;
  uint64_t pos_ = 0;
  std::vector<uint8_t> buf_;
  size_t have_ = 0, used_ = 0;
};

// libudf trusts a file entry's lengths of extended attributes (L_EA) and
// allocation descriptors (L_AD): udf_get_lba, under udf_opendir and every
// block read, indexes the descriptors at ext_attr + L_EA with no bound, so a
// crafted entry makes it read past the entry's block (fuzz_reader_udf found
// it). Both areas must lie inside the one block the entry occupies.
bool FileEntryLengthsFit(const udf_dirent_t& d) {
  uint64_t ea = le32toh(d.fe.i_extended_attr);
  uint64_t ad = le32toh(d.fe.i_alloc_descs);
  return ea + ad <= sizeof(d.fe.u);
}

std::string FileEntryLengths(const udf_dirent_t& d) {
  return "extended attributes " + std::to_string(le32toh(d.fe.i_extended_attr)) + " + allocation descriptors " +
         std::to_string(le32toh(d.fe.i_alloc_descs)) + " bytes, more than the " + std::to_string(sizeof(d.fe.u)) +
         " its block holds";
}

class UdfWalker {
 public:
  explicit UdfWalker(EntryEmitter& em) : em_(em) {}

  // `dir_raw` is a directory dirent, owned here. udf_readdir advances it in
  // place and frees it at the end of the directory.
  Status Walk(udf_dirent_t* dir_raw, const std::string& prefix, uint32_t depth) {
    DirentPtr dir(dir_raw);
    if (depth > em_.limits().max_depth) {
      QOIMA_RETURN_IF_ERROR(em_.Problem(ProblemClass::kLimitExceeded,
                                        "directory nesting deeper than " + std::to_string(em_.limits().max_depth),
                                        prefix, -1));
      return Status::LimitExceeded("depth");
    }
    size_t count = 0;
    while (dir) {
      udf_dirent_t* next = udf_readdir(dir.get());
      if (next == nullptr) {
        (void)dir.release();  // udf_readdir freed it at the end of the directory
        break;
      }
      if (++count > kMaxDirEntries) {
        QOIMA_RETURN_IF_ERROR(em_.Problem(ProblemClass::kLimitExceeded, "directory too large", prefix, -1));
        return Status::LimitExceeded("directory size");
      }
      const char* name = udf_get_filename(next);
      if (name == nullptr || name[0] == '\0' || std::strcmp(name, "..") == 0 || std::strcmp(name, ".") == 0) continue;
      std::string path = prefix.empty() ? name : prefix + "/" + name;
      if (!FileEntryLengthsFit(*next)) {
        // Nothing of it is read: the diff shows it missing, with this problem.
        QOIMA_RETURN_IF_ERROR(em_.Problem(ProblemClass::kCorruptFilesystem,
                                          "UDF file entry of " + path + ": " + FileEntryLengths(*next), path, -1));
        continue;
      }
      EntryHeader h;
      h.raw_path = path;
      h.mtime_sec = udf_get_modification_time(next);
      mode_t mode = udf_get_posix_filemode(next);
      h.mode = mode & 07777;
      bool is_dir = udf_is_dir(next);
      if (is_dir)
        h.type = EntryType::kDirectory;
      else if (S_ISREG(mode))
        h.type = EntryType::kFile;
      else if (S_ISLNK(mode))
        h.type = EntryType::kSymlink;
      else if (S_ISCHR(mode) || S_ISBLK(mode) || S_ISFIFO(mode) || S_ISSOCK(mode))
        h.type = EntryType::kDevice;
      else
        h.type = EntryType::kFile;  // UDF without POSIX type bits: a file
      if (h.type == EntryType::kFile) h.size = udf_get_file_length(next);
      UdfContent content(next, path, h.size);
      QOIMA_RETURN_IF_ERROR(em_.Emit(std::move(h), &content));
      if (is_dir) {
        udf_dirent_t* sub = udf_opendir(next);
        if (sub == nullptr)
          return em_.FailWalk(Status::Corrupt("UDF directory " + path + " does not open"),
                              ProblemClass::kCorruptFilesystem, path);
        QOIMA_RETURN_IF_ERROR(Walk(sub, path, depth + 1));
      }
    }
    return Status::Ok();
  }

 private:
  EntryEmitter& em_;
};

}  // namespace

Status ReadUdf(BlockSource& src, EntryEmitter& em) {
  cdio_loglevel_default = CDIO_LOG_ERROR;
  g_opening = &src;
  UdfPtr udf(udf_open(src.path().c_str()));
  g_opening = nullptr;
  if (!udf) return em.FailWalk(Status::Corrupt("UDF: no volume recognized"), ProblemClass::kCorruptFilesystem, {});
  udf_dirent_t* root = udf_get_root(udf.get(), true, 0);
  if (root == nullptr)
    return em.FailWalk(Status::Corrupt("UDF: root directory not found"), ProblemClass::kCorruptFilesystem, {});
  if (!FileEntryLengthsFit(*root)) {
    std::string why = FileEntryLengths(*root);
    udf_dirent_free(root);
    return em.FailWalk(Status::Corrupt("UDF root directory entry: " + why), ProblemClass::kCorruptFilesystem, {});
  }
  return UdfWalker(em).Walk(root, "", 0);
}

}  // namespace qoima::hardware

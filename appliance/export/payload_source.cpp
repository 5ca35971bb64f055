#include "appliance/export/payload_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

namespace qoima::exporting {
namespace {

constexpr size_t kStreamChunkBytes = 1 << 20;

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

Status Walk(const std::string& root, const std::string& rel, int depth, std::vector<PayloadEntry>* out) {
  if (depth > 256) return Status::LimitExceeded("directory deeper than 256 levels at " + rel);
  std::string dir = rel.empty() ? root : root + "/" + rel;
  std::unique_ptr<DIR, DirCloser> d(opendir(dir.c_str()));
  if (!d) return Status::FromErrno(errno, "opendir " + dir);
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = readdir(d.get())) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::string child = rel.empty() ? n : rel + "/" + n;
    struct stat st {};
    if (lstat((root + "/" + child).c_str(), &st) != 0) return Status::FromErrno(errno, "lstat " + root + "/" + child);
    if (S_ISDIR(st.st_mode)) {
      QOIMA_RETURN_IF_ERROR(Walk(root, child, depth + 1, out));
    } else if (S_ISREG(st.st_mode)) {
      if (out->size() >= kMaxPayloadFiles)
        return Status::LimitExceeded("more than " + std::to_string(kMaxPayloadFiles) + " files under " + root);
      out->push_back({child, static_cast<uint64_t>(st.st_size)});
    } else {
      return Status::Unsupported(root + "/" + child + " is neither a regular file nor a directory");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<DirectoryPayloadSource>> DirectoryPayloadSource::Create(const std::string& root,
                                                                               DepositMetadata metadata) {
  auto s = std::make_unique<DirectoryPayloadSource>();
  s->root_ = root;
  s->metadata_ = std::move(metadata);
  QOIMA_RETURN_IF_ERROR(Walk(root, "", 0, &s->entries_));
  return s;
}

Status DirectoryPayloadSource::Stream(size_t index, const ChunkSink& sink) {
  if (index >= entries_.size()) return Status::Internal("payload index out of range");
  std::string path = root_ + "/" + entries_[index].raw_path;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return Status::FromErrno(errno, "open " + path);
  posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  FdReader reader(std::move(fd), path);
  std::vector<uint8_t> buf(kStreamChunkBytes);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(size_t n, reader.Read(buf));
    if (n == 0) return Status::Ok();
    QOIMA_RETURN_IF_ERROR(sink({buf.data(), n}));
  }
}

}  // namespace qoima::exporting

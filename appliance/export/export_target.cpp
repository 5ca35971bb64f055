#include "appliance/export/export_target.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace qoima::exporting {
namespace {

std::string DirOf(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? "." : (s == 0 ? "/" : p.substr(0, s));
}

Status FsyncDir(const std::string& dir) {
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d) return Status::FromErrno(errno, "open directory " + dir);
  if (::fsync(d.get()) != 0 && errno != EINVAL) return Status::FromErrno(errno, "fsync directory " + dir);
  return Status::Ok();
}

}  // namespace

Status FileExportTarget::Check() {
  if (path_.empty()) return Status::InvalidArgument("export: no output path");
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0)
    return Status::AlreadyExists("export: " + path_ + " exists already; bundles are never overwritten");
  return Status::Ok();
}

Result<ByteSink*> FileExportTarget::Begin(const std::string&) {
  const std::string partial = path_ + ".partial";
  UniqueFd fd(::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) return Status::FromErrno(errno, "create " + partial);
  sink_ = std::make_unique<FdSink>(std::move(fd), partial);
  return sink_.get();
}

Status FileExportTarget::Commit() {
  QOIMA_RETURN_IF_ERROR(sink_->Close());
  const std::string partial = path_ + ".partial";
  if (::rename(partial.c_str(), path_.c_str()) != 0)
    return Status::FromErrno(errno, "rename " + partial + " to " + path_);
  return FsyncDir(DirOf(path_));
}

Result<UniqueFd> FileExportTarget::OpenReadBack() {
  UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Status::FromErrno(errno, "read back " + path_);
  // The data is fsync'd: drop it from the page cache so the read-back reads the medium.
  posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
  return fd;
}

void FileExportTarget::Discard() {
  sink_.reset();
  ::unlink((path_ + ".partial").c_str());
  ::unlink(path_.c_str());
}

}  // namespace qoima::exporting

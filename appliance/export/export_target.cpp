#include "appliance/export/export_target.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "storage/env.h"

namespace qoima::exporting {

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
  // The disk finishes the writeback while the read-back verifies the bytes;
  // FinishReadBack() waits for it (fsync) before the bundle gets its name.
  sink_->StartWriteback();
  return Status::Ok();
}

Result<UniqueFd> FileExportTarget::OpenReadBack() {
  const std::string partial = path_ + ".partial";
  UniqueFd fd(::open(partial.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Status::FromErrno(errno, "read back " + partial);
  return fd;
}

Status FileExportTarget::FinishReadBack() {
  QOIMA_RETURN_IF_ERROR(sink_->Close());
  const std::string partial = path_ + ".partial";
  if (::rename(partial.c_str(), path_.c_str()) != 0)
    return Status::FromErrno(errno, "rename " + partial + " to " + path_);
  published_ = true;
  return storage::Env::Default().SyncDir(storage::ParentDir(path_));
}

void FileExportTarget::Discard() {
  sink_.reset();
  ::unlink((path_ + ".partial").c_str());
  // Only what this export published: a file someone else put there stays.
  if (published_) ::unlink(path_.c_str());
}

}  // namespace qoima::exporting

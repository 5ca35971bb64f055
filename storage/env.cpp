#include "storage/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/unique_fd.h"

namespace qoima::storage {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  Status Append(std::span<const uint8_t> data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_.get(), data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "write " + path_);
      }
      data = data.subspan(static_cast<size_t>(n));
    }
    return Status::Ok();
  }
  Status Sync() override {
    if (::fsync(fd_.get()) != 0) return Status::FromErrno(errno, "fsync " + path_);
    return Status::Ok();
  }
  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) return Status::FromErrno(errno, "truncate " + path_);
    if (::lseek(fd_.get(), static_cast<off_t>(size), SEEK_SET) < 0) return Status::FromErrno(errno, "seek " + path_);
    return Status::Ok();
  }
  Status Close() override {
    if (!fd_.valid()) return Status::Ok();
    int fd = fd_.release();
    if (::close(fd) != 0) return Status::FromErrno(errno, "close " + path_);
    return Status::Ok();
  }

 private:
  UniqueFd fd_;
  std::string path_;
};

class PosixSequentialFile : public SequentialFile {
 public:
  PosixSequentialFile(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  Result<size_t> Read(std::span<uint8_t> out) override {
    for (;;) {
      ssize_t n = ::read(fd_.get(), out.data(), out.size());
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return Status::FromErrno(errno, "read " + path_);
    }
  }
  Status Skip(uint64_t n) override {
    if (::lseek(fd_.get(), static_cast<off_t>(n), SEEK_CUR) < 0) return Status::FromErrno(errno, "seek " + path_);
    return Status::Ok();
  }

 private:
  UniqueFd fd_;
  std::string path_;
};

class PosixFilesystemSync : public FilesystemSync {
 public:
  PosixFilesystemSync(UniqueFd fd, std::string dir) : fd_(std::move(fd)), dir_(std::move(dir)) {}
  Status Sync() override {
    if (::syncfs(fd_.get()) != 0) return Status::FromErrno(errno, "syncfs of the filesystem holding " + dir_);
    return Status::Ok();
  }

 private:
  UniqueFd fd_;
  std::string dir_;
};

class PosixEnv : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) return Status::FromErrno(errno, "create " + path);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(std::move(fd), path));
  }
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return Status::FromErrno(errno, "open " + path);
    return std::unique_ptr<SequentialFile>(new PosixSequentialFile(std::move(fd), path));
  }
  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return Status::FromErrno(errno, "rename " + from + " to " + to);
    return Status::Ok();
  }
  Status SyncDir(const std::string& dir) override {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return Status::FromErrno(errno, "open directory " + dir);
    if (::fsync(fd.get()) != 0 && errno != EINVAL) return Status::FromErrno(errno, "fsync directory " + dir);
    return Status::Ok();
  }
  Result<std::unique_ptr<FilesystemSync>> NewFilesystemSync(const std::string& dir) override {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return Status::FromErrno(errno, "open directory " + dir);
    return std::unique_ptr<FilesystemSync>(new PosixFilesystemSync(std::move(fd), dir));
  }
  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return Status::FromErrno(errno, "remove " + path);
    return Status::Ok();
  }
  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return Status::FromErrno(errno, "remove directory " + path);
    return Status::Ok();
  }
  Status CreateDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0700) == 0) return Status::Ok();
    int err = errno;
    struct stat st {};
    if (err == EEXIST && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::Ok();
    return Status::FromErrno(err, "create directory " + path);
  }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    std::unique_ptr<DIR, DirCloser> d(::opendir(dir.c_str()));
    if (!d) return Status::FromErrno(errno, "list " + dir);
    std::vector<std::string> out;
    for (;;) {
      errno = 0;
      struct dirent* e = ::readdir(d.get());
      if (e == nullptr) {
        if (errno != 0) return Status::FromErrno(errno, "list " + dir);
        break;
      }
      std::string name = e->d_name;
      if (name != "." && name != "..") out.push_back(std::move(name));
    }
    return out;
  }
  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + path);
    return static_cast<uint64_t>(st.st_size);
  }
  bool FileExists(const std::string& path) override {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
  }
};

}  // namespace

std::string ParentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status SequentialFile::Skip(uint64_t n) {
  std::vector<uint8_t> buf(64 * 1024);
  while (n > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(n, buf.size()));
    QOIMA_ASSIGN_OR_RETURN(size_t got, Read(std::span<uint8_t>(buf.data(), want)));
    if (got == 0) return Status::Corrupt("skip: the file ends " + std::to_string(n) + " bytes early");
    n -= got;
  }
  return Status::Ok();
}

Env& Env::Default() {
  static PosixEnv env;
  return env;
}

Status RemoveTree(Env& env, const std::string& path, int max_depth) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::FromErrno(errno, "stat " + path);
  }
  if (!S_ISDIR(st.st_mode)) return env.RemoveFile(path);
  if (max_depth <= 0) return Status::LimitExceeded("remove " + path + ": deeper than expected");
  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> names, env.ListDir(path));
  for (const std::string& n : names) QOIMA_RETURN_IF_ERROR(RemoveTree(env, path + "/" + n, max_depth - 1));
  return env.RemoveDir(path);
}

}  // namespace qoima::storage

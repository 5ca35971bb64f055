#include "hardware/read_only_guard.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

namespace qoima::hardware {
namespace {

std::optional<uint64_t> DiskSeq(int fd) {
  uint64_t seq = 0;
  if (::ioctl(fd, BLKGETDISKSEQ, &seq) != 0) return std::nullopt;
  return seq;
}

std::string RecordName(dev_t dev) { return std::to_string(major(dev)) + ":" + std::to_string(minor(dev)); }

bool MakeDirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i != dir.size() && dir[i] != '/') continue;
    std::string part = dir.substr(0, i);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) return false;
  }
  return true;
}

struct Record {
  std::string device;
  uint64_t diskseq = 0;
};

std::optional<Record> ParseRecord(int fd) {
  char buf[4096];
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return std::nullopt;
  std::string text(buf, static_cast<size_t>(n));
  Record r;
  bool have_seq = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    if (line.rfind("device=", 0) == 0) r.device = line.substr(7);
    if (line.rfind("diskseq=", 0) == 0) {
      char* end = nullptr;
      r.diskseq = std::strtoull(line.c_str() + 8, &end, 10);
      have_seq = end != line.c_str() + 8 && *end == '\0';
    }
  }
  if (r.device.empty() || !have_seq) return std::nullopt;
  return r;
}

// Clears the flag on the device a record names if it is still that disk.
bool Restore(const std::string& name, const Record& r) {
  unsigned maj = 0, min = 0;
  if (std::sscanf(name.c_str(), "%u:%u", &maj, &min) != 2) return false;
  UniqueFd dev(::open(r.device.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  struct stat st;
  if (!dev || ::fstat(dev.get(), &st) != 0 || !S_ISBLK(st.st_mode) || st.st_rdev != makedev(maj, min)) return false;
  if (DiskSeq(dev.get()) != r.diskseq) return false;  // another disk took the number since
  int ro = 0;
  if (::ioctl(dev.get(), BLKROGET, &ro) != 0 || ro == 0) return false;
  ro = 0;
  return ::ioctl(dev.get(), BLKROSET, &ro) == 0;
}

}  // namespace

std::string ReadOnlyRecordDir() {
  const char* runtime = std::getenv("RUNTIME_DIRECTORY");
  if (runtime != nullptr && runtime[0] == '/') {
    std::string first(runtime, std::strcspn(runtime, ":"));
    return first + "/readonly";
  }
  return "/run/qoima/readonly";
}

int RestoreStaleReadOnlyFlags(const std::string& record_dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(record_dir.c_str()), ::closedir);
  if (!dir) return 0;
  int restored = 0;
  while (dirent* e = ::readdir(dir.get())) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = record_dir + "/" + name;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) continue;
    // Held: its guard is alive and will put the flag back itself.
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 || st.st_nlink == 0) continue;  // its owner removed it meanwhile
    if (name.find(".new.") == std::string::npos) {
      if (auto r = ParseRecord(fd.get()); r && Restore(name, *r)) ++restored;
    }
    (void)::unlink(path.c_str());
  }
  return restored;
}

ReadOnlyGuard::ReadOnlyGuard(int fd, const std::string& device, const std::string& record_dir) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISBLK(st.st_mode)) return;
  // A flag a crashed read left on this (or any) device is put back first:
  // otherwise this read would find the device read-only, leave it alone,
  // and the flag would stay.
  (void)RestoreStaleReadOnlyFlags(record_dir);
  int ro = 0;
  if (::ioctl(fd, BLKROGET, &ro) != 0 || ro != 0) return;  // read-only already: not ours to change
  auto seq = DiskSeq(fd);
  if (!seq || !MakeDirs(record_dir)) return;
  // The record is written and locked under a temporary name, then renamed,
  // so a sweep never sees it half written or unlocked.
  const std::string final_path = record_dir + "/" + RecordName(st.st_rdev);
  const std::string tmp_path = final_path + ".new." + std::to_string(::getpid());
  UniqueFd record(::open(tmp_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!record) return;
  std::string text = "device=" + device + "\ndiskseq=" + std::to_string(*seq) + "\n";
  bool written = ::flock(record.get(), LOCK_EX | LOCK_NB) == 0 &&
                 ::write(record.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
  // RENAME_NOREPLACE: another live guard holds this device's record.
  if (!written || ::renameat2(AT_FDCWD, tmp_path.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE) != 0) {
    (void)::unlink(tmp_path.c_str());
    return;
  }
  UniqueFd dup(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  ro = 1;
  if (!dup || ::ioctl(dup.get(), BLKROSET, &ro) != 0) {  // not permitted: O_RDONLY still protects
    (void)::unlink(final_path.c_str());
    return;
  }
  fd_ = std::move(dup);
  record_ = std::move(record);
  record_path_ = final_path;
}

ReadOnlyGuard::~ReadOnlyGuard() {
  if (!fd_) return;
  int rw = 0;
  (void)::ioctl(fd_.get(), BLKROSET, &rw);
  // Removed while still locked: a sweep that opened it meanwhile finds it
  // unlinked and leaves it.
  (void)::unlink(record_path_.c_str());
}

}  // namespace qoima::hardware

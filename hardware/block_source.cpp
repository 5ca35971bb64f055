#include "hardware/block_source.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace qoima::hardware {

// Pause before classifying an I/O error (lets a removal reach the block layer).
constexpr useconds_t kRemovalSettleMicros = 200'000;

Result<std::unique_ptr<BlockSource>> BlockSource::Open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return Status::FromErrno(errno, "open " + path);
  return Adopt(std::move(fd), path);
}

Result<std::unique_ptr<BlockSource>> BlockSource::Adopt(UniqueFd fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno(errno, "stat " + path);
  bool is_block = S_ISBLK(st.st_mode);
  if (!is_block && !S_ISREG(st.st_mode)) return Status::InvalidArgument(path + " is neither a block device nor a file");
  std::unique_ptr<BlockSource> src(new BlockSource(path, std::move(fd), 0, is_block));
  QOIMA_ASSIGN_OR_RETURN(src->size_, src->CurrentSize());
  (void)::posix_fadvise(src->fd(), 0, 0, POSIX_FADV_SEQUENTIAL);
  return src;
}

Result<uint64_t> BlockSource::CurrentSize() const {
  if (is_block_) {
    uint64_t bytes = 0;
    if (::ioctl(fd_.get(), BLKGETSIZE64, &bytes) != 0) return Status::FromErrno(errno, "BLKGETSIZE64 " + path_);
    return bytes;
  }
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) return Status::FromErrno(errno, "stat " + path_);
  return static_cast<uint64_t>(st.st_size);
}

Status BlockSource::Fail(ProblemClass cls, std::string message, int64_t offset) {
  if (!failure_) failure_ = MediaProblem{cls, message, {}, offset};
  return Status::MediaUnreadable(std::move(message));
}

void BlockSource::CheckStillPresent() {
  auto now = CurrentSize();
  if (!now.ok() || *now < size_)
    (void)Fail(
        ProblemClass::kDeviceRemoved,
        path_ + ": medium removed or shrank during the read" + (now.ok() ? "" : " (" + now.status().message() + ")"),
        -1);
}

Result<size_t> BlockSource::ReadAt(uint64_t offset, uint8_t* buf, size_t len) {
  if (offset >= size_ && len > 0)
    return Fail(ProblemClass::kTruncatedImage,
                path_ + ": the filesystem refers to offset " + std::to_string(offset) +
                    " beyond the end of the medium (" + std::to_string(size_) + " bytes)",
                static_cast<int64_t>(offset));
  size_t want = static_cast<size_t>(std::min<uint64_t>(len, size_ - offset));
  size_t done = 0;
  bool retried = false;
  while (done < want) {
    ssize_t n = ::pread(fd_.get(), buf + done, want - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      int err = errno;
      if (err == EINTR) continue;
      uint64_t at = offset + done;
      if (err == ENODEV || err == ENXIO || err == ESHUTDOWN || err == ENOMEDIUM)
        return Fail(ProblemClass::kDeviceRemoved,
                    path_ + ": medium removed during the read at offset " + std::to_string(at) + " (" +
                        std::strerror(err) + ")",
                    static_cast<int64_t>(at));
      // A pulled stick first fails reads, then disappears: give the kernel a
      // moment, then an I/O error on a device that shrank is a removal. A
      // device still whole gets one retry before the sector counts as bad.
      ::usleep(kRemovalSettleMicros);
      auto now = CurrentSize();
      if (!now.ok() || *now < size_)
        return Fail(ProblemClass::kDeviceRemoved,
                    path_ + ": medium removed during the read (I/O error at offset " + std::to_string(at) +
                        ", size now " + (now.ok() ? std::to_string(*now) : now.status().message()) + ")",
                    static_cast<int64_t>(at));
      if (!retried) {
        retried = true;
        continue;
      }
      return Fail(ProblemClass::kUnreadableSector,
                  path_ + ": read error at offset " + std::to_string(at) + " (sector " + std::to_string(at / 512) +
                      "): " + std::strerror(err),
                  static_cast<int64_t>(at));
    }
    if (n == 0) {
      // The medium ended before its size said: it shrank or went away.
      CheckStillPresent();
      if (!failure_)
        (void)Fail(ProblemClass::kDeviceRemoved,
                   path_ + ": unexpected end of medium at offset " + std::to_string(offset + done),
                   static_cast<int64_t>(offset + done));
      return Status::MediaUnreadable(failure_->message);
    }
    done += static_cast<size_t>(n);
  }
  if (want < len && len > 0 && want == 0) return size_t{0};
  return done;
}

}  // namespace qoima::hardware

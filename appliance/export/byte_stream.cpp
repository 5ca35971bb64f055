#include "appliance/export/byte_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace qoima::exporting {

FdSink::FdSink(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}

Status FdSink::Write(std::span<const uint8_t> data) {
  if (!fd_) return Status::FailedPrecondition("write " + name_ + ": sink is closed");
  while (!data.empty()) {
    ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "write " + name_ + " at offset " + std::to_string(bytes_));
    }
    bytes_ += static_cast<uint64_t>(n);
    data = data.subspan(static_cast<size_t>(n));
  }
  // Start writeback of what accumulated, so the disk works while we hash and
  // the final fsync has little left (errors surface at that fsync).
  if (bytes_ - started_ >= kWritebackBytes) {
    (void)::sync_file_range(fd_.get(), static_cast<off_t>(started_), static_cast<off_t>(bytes_ - started_),
                            SYNC_FILE_RANGE_WRITE);
    started_ = bytes_;
  }
  return Status::Ok();
}

void FdSink::StartWriteback() {
  if (!fd_ || bytes_ == started_) return;
  (void)::sync_file_range(fd_.get(), static_cast<off_t>(started_), static_cast<off_t>(bytes_ - started_),
                          SYNC_FILE_RANGE_WRITE);
  started_ = bytes_;
}

Status FdSink::Close() {
  if (!fd_) return Status::Ok();
  if (::fsync(fd_.get()) != 0 && errno != EINVAL) return Status::FromErrno(errno, "fsync " + name_);
  int fd = fd_.release();
  if (::close(fd) != 0) return Status::FromErrno(errno, "close " + name_);
  return Status::Ok();
}

FdReader::FdReader(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}

Result<size_t> FdReader::Read(std::span<uint8_t> out) {
  for (;;) {
    ssize_t n = ::read(fd_.get(), out.data(), out.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Status::FromErrno(errno, "read " + name_);
  }
}

}  // namespace qoima::exporting

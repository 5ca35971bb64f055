// libFuzzer target: one filesystem reader entry point (chosen at compile time
// with QOIMA_FUZZ_FS_HINT) on an arbitrary image, in-process (no sandbox) so
// the fuzzer sees crashes. The image lives in a memfd; the reader opens it by
// /proc/self/fd path, as it opens a device node.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "hardware/media_reader.h"

#ifndef QOIMA_FUZZ_FS_HINT
#define QOIMA_FUZZ_FS_HINT kAuto
#endif

namespace {

class NullSink : public qoima::hardware::MediaSink {
 public:
  qoima::Status OnEntry(const qoima::hardware::EntryHeader&) override { return {}; }
  qoima::Status OnData(std::span<const uint8_t>) override { return {}; }
  qoima::Status OnEntryEnd(bool) override { return {}; }
  qoima::Status OnArchiveMember(const qoima::hardware::ArchiveMember&) override { return {}; }
  qoima::Status OnProblem(const qoima::hardware::MediaProblem&) override { return {}; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fd = ::memfd_create("qoima-fuzz-image", MFD_CLOEXEC);
  if (fd < 0) return 0;
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  qoima::hardware::ReadOptions opt;
  opt.fs_hint = qoima::hardware::FsHint::QOIMA_FUZZ_FS_HINT;
  opt.set_device_read_only = false;
  opt.limits.max_entries = 20000;
  opt.limits.archive_max_bytes = 64 << 20;
  NullSink sink;
  (void)qoima::hardware::ReadMediaUnsandboxed("/proc/self/fd/" + std::to_string(fd), opt, sink);
  ::close(fd);
  return 0;
}

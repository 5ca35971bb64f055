// Fuzz target: the bundle verifier over arbitrary bytes (tar structure,
// manifests, bag-info, names map, proof, signature). The corpus in
// fuzz_corpus/bundle_verifier replays as a ctest case in the normal build.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include "appliance/export/bundle_verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qoima::UniqueFd fd(::memfd_create("bundle", MFD_CLOEXEC));
  if (!fd) std::abort();
  size_t off = 0;
  while (off < size) {
    ssize_t n = ::write(fd.get(), data + off, size - off);
    if (n <= 0) std::abort();
    off += static_cast<size_t>(n);
  }
  ::lseek(fd.get(), 0, SEEK_SET);
  qoima::exporting::VerifyOptions options;
  auto report = qoima::exporting::VerifyBundleFd(std::move(fd), "fuzz", options);
  // A report is always produced; an empty input can never be a clean bundle.
  if (report.ok() && size == 0 && report->ok()) std::abort();
  return 0;
}

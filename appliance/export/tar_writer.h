// TarWriter: writes a POSIX tar (pax interchange format, "restricted": plain
// ustar headers, a pax extended header only where ustar cannot hold a name, e.g.
// non-ASCII UTF-8 or long paths) into a ByteSink through libarchive, so stock
// GNU tar and bsdtar both read it. Entries are streamed: the size is given up
// front and the data written in pieces; nothing is staged.
//
// Ownership: the writer borrows the sink; the caller closes the sink after
// Close(). Thread-safety: none.
#pragma once

#include <archive.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "appliance/export/byte_stream.h"
#include "common/result.h"

namespace qoima::exporting {

struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};

/// Maps the error state of a libarchive handle to a Status (the one place
/// libarchive errors become Status values). `what` names the operation.
Status ArchiveStatus(archive* a, const std::string& what);

class TarWriter {
 public:
  /// REQUIRES: sink outlives the writer.
  static Result<std::unique_ptr<TarWriter>> Open(ByteSink* sink);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  /// Starts a regular file (mode 0644) at UTF-8 `path` of exactly `size` bytes.
  Status BeginFile(const std::string& path, uint64_t size, int64_t mtime);
  Status WriteData(std::span<const uint8_t> data);
  /// Fails when fewer bytes than announced were written.
  Status EndFile();
  /// Whole small file in one call.
  Status AddFile(const std::string& path, std::string_view content, int64_t mtime);
  /// Writes the end-of-archive blocks. The sink is not closed.
  Status Close();

 private:
  explicit TarWriter(ByteSink* sink) : sink_(sink) {}
  static la_ssize_t WriteCallback(archive* a, void* self, const void* buf, size_t len);

  ByteSink* sink_;
  Status sink_status_;
  std::unique_ptr<archive, ArchiveWriteDeleter> a_;
  std::string current_;
  uint64_t remaining_ = 0;
  bool in_file_ = false;
  bool closed_ = false;
};

}  // namespace qoima::exporting

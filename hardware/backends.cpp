#include "hardware/backends.h"

#include <archive.h>
#include <blkid/blkid.h>
#include <cdio/logging.h>
#include <cdio/udf.h>
#include <cdio/version.h>
#include <tsk/libtsk.h>

#include <memory>

#include "hardware/fs_readers.h"

namespace qoima::hardware {
namespace {

BackendCheck CheckLibarchive() {
  BackendCheck c{"libarchive", archive_version_string(), {}};
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  if (!a) {
    c.status = Status::Internal("archive_read_new failed");
  } else if (archive_read_support_format_iso9660(a.get()) != ARCHIVE_OK ||
             archive_read_support_format_zip(a.get()) != ARCHIVE_OK ||
             archive_read_support_format_7zip(a.get()) != ARCHIVE_OK) {
    c.status = Status::Unsupported(std::string("libarchive lacks a format: ") + archive_error_string(a.get()));
  }
  return c;
}

BackendCheck CheckTsk() {
  BackendCheck c{"sleuthkit", tsk_version_get_str(), {}};
  // Every filesystem the table has The Sleuth Kit read must be known to this libtsk build.
  for (const auto& fs : Filesystems()) {
    if (fs.tsk_type.empty()) continue;
    std::string type(fs.tsk_type);
    if (tsk_fs_type_toid(reinterpret_cast<const TSK_TCHAR*>(type.c_str())) == TSK_FS_TYPE_UNSUPP)
      c.status = Status::Unsupported("libtsk lacks filesystem '" + type + "'");
  }
  return c;
}

BackendCheck CheckLibudf() {
  BackendCheck c{"libudf", CDIO_VERSION, {}};
  cdio_loglevel_default = CDIO_LOG_ERROR;  // libcdio's warnings go to stderr otherwise
  // udf_open on a missing source must fail cleanly (NULL), proving the library
  // is linked and callable without touching any device.
  if (udf_open("/nonexistent/qoima-udf-probe") != nullptr)
    c.status = Status::Internal("udf_open accepted a nonexistent source");
  return c;
}

BackendCheck CheckBlkid() {
  const char* version = nullptr;
  const char* date = nullptr;
  blkid_get_library_version(&version, &date);
  BackendCheck c{"libblkid", version ? version : "?", {}};
  blkid_probe pr = blkid_new_probe();
  if (!pr)
    c.status = Status::Internal("blkid_new_probe failed");
  else
    blkid_free_probe(pr);
  return c;
}

}  // namespace

std::vector<BackendCheck> CheckReaderBackends() { return {CheckLibarchive(), CheckLibudf(), CheckTsk(), CheckBlkid()}; }

}  // namespace qoima::hardware

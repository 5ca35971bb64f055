#include "hardware/blkid_probe.h"

#include <blkid/blkid.h>
#include <fcntl.h>
#include <linux/cdrom.h>
#include <sys/ioctl.h>

#include <cstring>

#include <memory>

#include "common/unique_fd.h"

namespace qoima::hardware {
namespace {

struct ProbeFree {
  void operator()(blkid_struct_probe* p) const { blkid_free_probe(p); }
};
using ProbePtr = std::unique_ptr<blkid_struct_probe, ProbeFree>;

std::string Value(blkid_probe pr, const char* name) {
  const char* data = nullptr;
  size_t len = 0;
  if (blkid_probe_lookup_value(pr, name, &data, &len) != 0 || data == nullptr) return {};
  std::string s(data, len);
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

}  // namespace

Result<MediaIdentity> ProbeFd(int fd, const std::string& name) {
  ProbePtr pr(blkid_new_probe());
  if (!pr) return Status::Internal("blkid_new_probe failed");
  if (blkid_probe_set_device(pr.get(), fd, 0, 0) != 0) return Status::MediaUnreadable("blkid: cannot use " + name);
  blkid_probe_enable_superblocks(pr.get(), 1);
  blkid_probe_set_superblocks_flags(
      pr.get(), BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID | BLKID_SUBLKS_VERSION | BLKID_SUBLKS_USAGE);
  blkid_probe_enable_partitions(pr.get(), 1);
  blkid_probe_set_partitions_flags(pr.get(), BLKID_PARTS_ENTRY_DETAILS);
  MediaIdentity id;
  id.device = name;
  id.size_bytes = static_cast<uint64_t>(blkid_probe_get_size(pr.get()));
  int rc = blkid_do_safeprobe(pr.get());
  if (rc == -2) {
    // Ambiguous: an ISO9660/UDF bridge disc carries both. Take the first
    // prober's answer (UDF precedes ISO9660 in blkid's order).
    blkid_reset_probe(pr.get());
    rc = blkid_do_probe(pr.get());
  }
  if (rc < 0) return Status::MediaUnreadable("blkid probe of " + name + " failed");
  if (rc == 0) {
    id.fs_type = Value(pr.get(), "TYPE");
    id.fs_version = Value(pr.get(), "VERSION");
    id.label = Value(pr.get(), "LABEL");
    id.uuid = Value(pr.get(), "UUID");
    id.partition_table = Value(pr.get(), "PTTYPE");
    id.volume_id = id.label;
  }
  return id;
}

Result<MediaIdentity> Probe(const std::string& device_or_image) {
  UniqueFd fd(::open(device_or_image.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return Status::FromErrno(errno, "open " + device_or_image);
  auto r = ProbeFd(fd.get(), device_or_image);
  if (!r.ok()) return r.status().WithContext("probe " + device_or_image);
  // Optical drives: the Media Catalog Number is the identifier a drive
  // reports for the disc (the act's "CD serial number"); most data discs
  // carry none, and then the field stays empty.
  if (::ioctl(fd.get(), CDROM_GET_CAPABILITY, 0) >= 0) {
    cdrom_mcn mcn{};
    if (::ioctl(fd.get(), CDROM_GET_MCN, &mcn) == 0) {
      std::string s(
          reinterpret_cast<const char*>(mcn.medium_catalog_number),
          strnlen(reinterpret_cast<const char*>(mcn.medium_catalog_number), sizeof mcn.medium_catalog_number));
      if (s.find_first_not_of("0") != std::string::npos) r->disc_serial = s;
    }
  }
  return r;
}

}  // namespace qoima::hardware

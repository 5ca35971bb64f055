// libblkid wrapper: the one place blkid's results and errors are mapped.
// Safe-probe mode (blkid_do_safeprobe): superblocks and partition tables,
// ambiguous results are reported, nothing but probe areas is read.
//
// Thread-safety: each call uses its own probe.
#pragma once

#include <string>

#include "common/result.h"
#include "hardware/media_reader.h"

namespace qoima::hardware {

/// Probes an open descriptor; `name` is used in messages and MediaIdentity::device.
Result<MediaIdentity> ProbeFd(int fd, const std::string& name);

}  // namespace qoima::hardware

// Acts on media: the files of a medium that may be the acceptance act, and
// the one the clerk picks, read through the sandboxed reader.
//
// On the appliance no depositor medium is mounted and no path of one can be
// typed: an act that comes on the deposit's own disc, or on a stick beside
// it, is found and read like any content, by the reader child in its
// sandbox (hardware's EntrySelection). FindActCandidates lists the files
// whose name an act can have (ActFileSuffixes) with the form their first
// bytes read as (RecognizeManifestStart); ReadActFromMedium takes one of
// them whole, at most kMaxManifestBytes, and its SHA-256, which the paper
// act's digest is compared with. The parse is the act parser's, on those
// bytes (ParseManifest), as for an act given as a file.
//
// Ownership: the reader is borrowed for the call. Thread-safety: none; each
// call forks a reader child (call before starting threads that hold locks,
// as ReadMedia).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "hardware/media_reader.h"

namespace qoima::appliance {

/// Bytes of each candidate's start the reader sends for its form to be
/// recognised, and how many candidates one medium may list.
inline constexpr uint32_t kActCandidateHeadBytes = 64u << 10;
inline constexpr uint32_t kMaxActCandidates = 256;

/// A file of a medium that may be the act.
struct ActCandidate {
  std::string raw_path;  // exact bytes on the medium ('/'-separated): what ReadActFromMedium is given
  std::string path;      // its display form (hardware/display_name.h)
  uint64_t size = 0;
  int64_t mtime = 0;  // UTC seconds
  std::string form;   // "csv", "docx", ... (ManifestFormatName); "" when its start reads as none
  std::string note;   // when `form` is empty: what it is instead
};

/// What a listing found.
struct ActCandidates {
  std::string device;
  std::string volume_label;
  std::vector<ActCandidate> files;  // in the medium's order; those with a form first
  bool more = false;                // kMaxActCandidates were listed; the medium may hold more
};

/// One act file read from a medium, byte-exact.
struct ActFileOnMedium {
  std::string device;
  std::string volume_label;
  std::string raw_path;
  std::string path;  // display form
  uint64_t size = 0;
  int64_t mtime = 0;
  std::string bytes;
  std::string sha256;  // hex, of `bytes`
};

/// The file name endings an act may have (".csv", ".xlsx", ".sha256", ...),
/// without letter case.
const std::vector<std::string>& ActFileSuffixes();

/// Lists the files of `device` an act may be. `base` gives the sandbox and
/// limits; the selection is set here. A medium at fault (unreadable,
/// corrupt) is an error naming it.
Result<ActCandidates> FindActCandidates(hardware::MediaReader& reader, const std::string& device,
                                        const hardware::ReadOptions& base);

/// Reads the file `path` of `device` whole: `path` is a candidate's
/// raw_path, or its display path as listed. Refused when there is no such
/// regular file, or it is larger than kMaxManifestBytes.
Result<ActFileOnMedium> ReadActFromMedium(hardware::MediaReader& reader, const std::string& device,
                                          const std::string& path, const hardware::ReadOptions& base);

}  // namespace qoima::appliance

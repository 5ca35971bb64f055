// ManifestParser: reads an act manifest in any of the four accepted formats
// (our JSON, CSV in the Annex 3 column order, sha256sum and hashdeep lists)
// into an ActManifest, refusing anything doubtful with a message that names
// the file, the line and the field.
//
// Manifests come from depositors and are untrusted: every limit is a named
// constant below, the input is checked as UTF-8 (no byte order marks), paths
// are normalized to NFC and may not climb out with "..", sizes must be sane,
// dates may not be in the future, categories must be known, and no path may
// appear twice. See docs/act-manifest.md.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "appliance/act_manifest.h"
#include "common/result.h"

namespace qoima::appliance {

/// Largest manifest file we read (bytes).
inline constexpr size_t kMaxManifestBytes = 64u << 20;
/// Most entries one manifest may list.
inline constexpr size_t kMaxManifestEntries = 500'000;
/// Most distinct disc markings one manifest may use.
inline constexpr size_t kMaxManifestDiscs = 256;
/// Entries an act read for an intake keeps in memory; beyond, they move to
/// an encrypted scratch file (ManifestParseOptions::spill_dir). 100k entries
/// cost ~20 MiB held; a 500k-entry list would cost ~120 MiB (issue #6).
inline constexpr size_t kActEntriesInMemory = 100'000;
/// Longest line of a CSV, sha256sum or hashdeep manifest (bytes).
inline constexpr size_t kMaxManifestLineBytes = 16u << 10;
/// Longest short text field (names, versions, disc markings; bytes).
inline constexpr size_t kMaxTextFieldBytes = 1024;
/// Longest annotation (bytes).
inline constexpr size_t kMaxAnnotationBytes = 16u << 10;
/// Deepest JSON nesting our format needs is 3; anything deeper is refused.
inline constexpr int kMaxJsonDepth = 4;
/// How far in the future a modification date may lie before it is refused
/// (clock skew and time zones; a day).
inline constexpr int64_t kFutureDateToleranceSeconds = 86400;

struct ManifestParseOptions {
  /// Format to parse; detected from the content when absent.
  std::optional<ManifestFormat> format;
  /// The current time (UTC seconds), for "date in the future".
  int64_t now_unix = 0;
  /// For sha256sum/hashdeep lists made with absolute paths: this prefix is
  /// removed from every path (e.g. "/media/usb"); a path outside it is refused.
  std::string strip_prefix;
  /// When non-empty, a manifest naming another application is refused.
  std::string expected_application;
  /// True only for the appliance's own record of an act (ManifestToJson kept
  /// with an intake): an act read from a sha256sum or hashdeep list gives no
  /// sizes, application or software name, so those may be absent there.
  bool stored_record = false;
  /// Where an act of more than `spill_after_entries` files keeps them: an
  /// encrypted scratch file (ActEntryFile) in this directory, the store's
  /// objects/tmp. "" keeps every entry in memory.
  std::string spill_dir;
  size_t spill_after_entries = kActEntriesInMemory;
};

/// Detects the format of `bytes` (after the encoding checks).
ManifestFormat DetectManifestFormat(std::string_view bytes);

/// Parses `bytes`; `file_name` is used only in messages. The digest field of
/// the result is left empty (LoadManifestFile fills it).
Result<ActManifest> ParseManifest(std::string_view bytes, std::string_view file_name,
                                  const ManifestParseOptions& options);

/// Reads `path` (at most kMaxManifestBytes), parses it and sets the digest to
/// the SHA-256 of its exact bytes.
Result<ActManifest> LoadManifestFile(const std::string& path, const ManifestParseOptions& options);

/// A manifest's bytes a piece at a time (a file, or the appliance's
/// compressed record of an act), for ParseManifestFrom.
class ManifestSource {
 public:
  virtual ~ManifestSource() = default;
  /// The next piece ("" at the end), valid until the next call.
  virtual Result<std::string_view> Next() = 0;
  /// Back to the first byte: the parser reads twice.
  virtual Status Rewind() = 0;
};

/// Reads a manifest from `source` as LoadManifestFile reads a file: in two
/// passes over its pieces, at most `max_bytes`, never holding its text; sets
/// the digest to the SHA-256 of its bytes. `name` is used in messages.
Result<ActManifest> ParseManifestFrom(ManifestSource& source, const std::string& name,
                                      const ManifestParseOptions& options, uint64_t max_bytes = kMaxManifestBytes);

/// Parses a modification date as written in acts: "2025-03-12",
/// "12.03.2025", "2025-03-12T08:15:00Z", "2025-03-12T13:15:00+05:00",
/// "2025-03-12 13:15[:00]" or "12.03.2025 13:15[:00]" (naive times are in
/// the act's zone, UTC+5).
std::optional<ManifestDate> ParseManifestDate(std::string_view text);

}  // namespace qoima::appliance

// UnicodePath: UTF-8 validation, NFC normalization and the path rules shared by
// the manifest parsers, `qoima act create` and the diff engine.
//
// A path in qoima's domain is relative to the medium's root, '/'-separated,
// NFC-normalized UTF-8, with no empty, "." or ".." components. Depositor media
// and spreadsheets may spell the same name in NFD (macOS) or NFC (Windows), so
// every comparison is between NFC forms; the raw bytes are kept for evidence.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace qoima::appliance {

/// Longest path we accept anywhere (bytes, after normalization).
inline constexpr size_t kMaxPathBytes = 4096;
/// Longest single component (bytes); every filesystem we read caps at 255.
inline constexpr size_t kMaxComponentBytes = 255;
/// Deepest directory nesting we accept.
inline constexpr size_t kMaxPathDepth = 64;

/// OK when `text` is well-formed UTF-8 (no overlongs, no surrogates). On
/// failure the message names the byte offset of the first bad sequence.
Status ValidateUtf8(std::string_view text);

/// Offset of the first byte that does not start a well-formed UTF-8
/// sequence, or nullopt when all of `text` is valid.
std::optional<size_t> FirstInvalidUtf8(std::string_view text);

/// True when valid UTF-8 `text` holds a C1 control character (U+0080-U+009F).
bool ContainsC1Control(std::string_view text);

/// Returns the NFC form of valid UTF-8 `text`.
Result<std::string> ToNfc(std::string_view text);

struct PathRules {
  /// Treat '\' as a separator (spreadsheets made on Windows); otherwise a '\'
  /// is an error, because it is ambiguous.
  bool backslash_is_separator = false;
  /// Accept and drop a leading '/' (a path written from the disc's root).
  bool allow_leading_slash = false;
};

/// Validates and normalizes a manifest path: UTF-8, NFC, no control
/// characters (C0, DEL, C1), no "." / ".." / empty components, within the limits above.
/// A leading "./" is dropped. Errors say what is wrong, not where: the caller
/// adds file, line and field.
Result<std::string> NormalizeManifestPath(std::string_view raw, const PathRules& rules = {});

/// Lower-cases ASCII letters and folds Cyrillic/Kazakh letters through
/// utf8proc's case folding; used only for "differs only in case" hints.
std::string CaseFold(std::string_view nfc);

}  // namespace qoima::appliance

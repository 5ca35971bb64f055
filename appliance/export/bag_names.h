// BagNameMapper: turns the raw path bytes of deposit files into the names the
// bag uses under data/, and back.
//
// A bag name is valid UTF-8 in Unicode NFC (utf8proc), with control
// characters, '\\' and '%' replaced by '_' so that every manifest line reads the
// same to a BagIt tool and to `sha256sum -c` (BagIt would otherwise need
// percent-encoding that sha256sum does not understand). Bytes that are not
// UTF-8 also become '_'. When two raw names map to the same bag name, the later
// one gets "~2", "~3", ... before its extension. The raw bytes are kept in
// qoima-names.txt (docs/bundle-format.md), so nothing of the original name is lost.
//
// Thread-safety: none; one mapper per bag.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "common/result.h"

namespace qoima::exporting {

/// Longest raw path accepted (bytes), and deepest path (components).
inline constexpr size_t kMaxRawPathBytes = 4096;
inline constexpr size_t kMaxPathComponents = 256;

class BagNameMapper {
 public:
  /// Maps a relative '/'-separated raw path to a unique bag path (without the
  /// "data/" prefix). Fails with kInvalidArgument naming the path when it is
  /// empty, absolute, holds "." / ".." / empty components, or exceeds a limit.
  Result<std::string> Map(std::string_view raw_path);

  /// NFC + safe-character form of one path, without collision handling.
  static Result<std::string> Normalize(std::string_view raw_path);

  /// Encoding of raw bytes in qoima-names.txt: printable UTF-8 kept, every
  /// other byte (of controls, bidirectional controls, invisible characters
  /// and separators: common/visible_text.h; '%'; invalid UTF-8) as %XX.
  static std::string EncodeRaw(std::string_view raw);
  /// Inverse of EncodeRaw; fails on a malformed escape.
  static Result<std::string> DecodeRaw(std::string_view encoded);

 private:
  std::set<std::string, std::less<>> files_;
  std::set<std::string, std::less<>> dirs_;
};

}  // namespace qoima::exporting

// ManifestEncoding: the text encodings an act file may come in, recognised
// over the whole file and decoded a piece at a time.
//
// Depositors' tools write acts in several encodings: UTF-8 with or without a
// byte order mark (Excel's "CSV UTF-8" has one), UTF-16 with a byte order
// mark (Excel's "Unicode text", PowerShell's Out-File) and Windows-1251 (a
// Russian-locale Windows saving "CSV" or "text"). The first pass over an act
// feeds every piece to an EncodingDetector, which decides at the end (a file
// is Windows-1251 only when it is not UTF-8, and one that mixes the two is
// refused); the second pass decodes each piece with a TextDecoder into the
// UTF-8 the parsers read. The act's digest is always that of its bytes as
// presented, never of the decoded text.
//
// Thread-safety: none (one object per pass).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace qoima::appliance {

enum class TextEncoding { kUtf8, kUtf8Bom, kUtf16Le, kUtf16Be, kWindows1251 };
/// "UTF-8", "UTF-8 with BOM", "UTF-16LE", "UTF-16BE", "Windows-1251": what
/// the clerk is shown and the evidence records.
const char* TextEncodingName(TextEncoding e);

/// Decides the encoding of a file from all its bytes, fed in pieces, and
/// refuses what no encoding explains: a NUL character, bytes that are
/// neither UTF-8 nor Windows-1251, lines in two encodings, a broken UTF-16
/// surrogate. Messages are "FILE:LINE:COLUMN: ..." (columns count
/// characters from 1).
class EncodingDetector {
 public:
  explicit EncodingDetector(std::string file) : file_(std::move(file)) {}

  /// The encoding a byte order mark at the start of `first` names.
  static std::optional<TextEncoding> FromByteOrderMark(std::string_view first);

  /// The next piece of the file (the first one decides about a BOM).
  Status Feed(std::string_view raw);
  /// After the last piece: the encoding, or why there is none.
  Result<TextEncoding> Finish();

 private:
  struct Position {
    size_t line = 0;  // 0: not seen
    size_t column = 0;
    unsigned char byte = 0;
  };
  Status FeedUtf8(std::string_view raw);
  Status FeedUtf16(std::string_view raw);
  // One byte of a UTF-8 (or Windows-1251) text.
  Status Byte(unsigned char b);
  // Bytes that are not UTF-8 (one character each in Windows-1251).
  void Invalid(const unsigned char* bytes, size_t count);
  void EndLine();
  Status Error(size_t line, size_t column, const std::string& problem) const;

  std::string file_;
  std::optional<TextEncoding> bom_;
  uint64_t offset_ = 0;
  size_t line_ = 1;
  size_t column_ = 0;  // characters taken on this line
  // UTF-8: a sequence under way.
  unsigned char pending_[4] = {};
  size_t pending_size_ = 0;
  size_t pending_need_ = 0;
  // This line: a valid multi-byte character seen / a byte that is not UTF-8.
  Position line_valid_, line_invalid_;
  // The first line that is UTF-8 with non-ASCII characters and no error, and
  // the first byte that is not UTF-8 (with its line).
  Position utf8_line_, first_invalid_, first_0x98_;
  uint64_t valid_sequences_ = 0;
  uint64_t invalid_bytes_ = 0;
  // UTF-16: an odd byte waiting for its pair; a high surrogate waiting.
  std::optional<unsigned char> odd_;
  uint16_t high_ = 0;
};

/// Decodes an act's bytes, piece by piece, into UTF-8. The byte order mark
/// is dropped. Text the detector accepted decodes without loss; anything
/// else (a file changed between the passes) becomes U+FFFD, and the second
/// pass's digest then refuses the file.
class TextDecoder {
 public:
  explicit TextDecoder(TextEncoding e) : encoding_(e) {}
  /// Appends the UTF-8 of `raw` to `out`.
  void Decode(std::string_view raw, std::string& out);

 private:
  void Unit(uint16_t u, std::string& out);

  TextEncoding encoding_;
  uint64_t offset_ = 0;
  std::optional<unsigned char> odd_;
  uint16_t high_ = 0;
};

/// Appends code point `cp` to `out` as UTF-8.
void AppendUtf8(uint32_t cp, std::string& out);

}  // namespace qoima::appliance

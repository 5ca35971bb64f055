#include "appliance/manifest_encoding.h"

#include <algorithm>
#include <cstdio>

namespace qoima::appliance {
namespace {

// Windows-1251, bytes 0x80-0xFF (0: 0x98, which is no character).
constexpr uint16_t kWindows1251[128] = {
    0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,  //
    0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,  //
    0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  //
    0,      0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,  //
    0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,  //
    0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,  //
    0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,  //
    0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,  //
    0x0410, 0x0411, 0x0412, 0x0413, 0x0414, 0x0415, 0x0416, 0x0417,  //
    0x0418, 0x0419, 0x041A, 0x041B, 0x041C, 0x041D, 0x041E, 0x041F,  //
    0x0420, 0x0421, 0x0422, 0x0423, 0x0424, 0x0425, 0x0426, 0x0427,  //
    0x0428, 0x0429, 0x042A, 0x042B, 0x042C, 0x042D, 0x042E, 0x042F,  //
    0x0430, 0x0431, 0x0432, 0x0433, 0x0434, 0x0435, 0x0436, 0x0437,  //
    0x0438, 0x0439, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,  //
    0x0440, 0x0441, 0x0442, 0x0443, 0x0444, 0x0445, 0x0446, 0x0447,  //
    0x0448, 0x0449, 0x044A, 0x044B, 0x044C, 0x044D, 0x044E, 0x044F,  //
};

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

size_t BomBytes(TextEncoding e) {
  switch (e) {
    case TextEncoding::kUtf8Bom: return 3;
    case TextEncoding::kUtf16Le:
    case TextEncoding::kUtf16Be: return 2;
    default: return 0;
  }
}

bool IsUtf16(TextEncoding e) { return e == TextEncoding::kUtf16Le || e == TextEncoding::kUtf16Be; }

std::string ByteText(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b);
  return buf;
}

// Continuation bytes a UTF-8 lead byte needs (0: not a lead byte), and the
// range its first continuation byte must lie in (no overlongs, surrogates
// or code points beyond U+10FFFF).
size_t Utf8Need(unsigned char lead, unsigned char& lo, unsigned char& hi) {
  lo = 0x80;
  hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) return 1;
  if (lead == 0xE0) lo = 0xA0;
  if (lead == 0xED) hi = 0x9F;
  if (lead >= 0xE0 && lead <= 0xEF) return 2;
  if (lead == 0xF0) lo = 0x90;
  if (lead == 0xF4) hi = 0x8F;
  if (lead >= 0xF0 && lead <= 0xF4) return 3;
  return 0;
}

}  // namespace

const char* TextEncodingName(TextEncoding e) {
  switch (e) {
    case TextEncoding::kUtf8: return "UTF-8";
    case TextEncoding::kUtf8Bom: return "UTF-8 with BOM";
    case TextEncoding::kUtf16Le: return "UTF-16LE";
    case TextEncoding::kUtf16Be: return "UTF-16BE";
    case TextEncoding::kWindows1251: return "Windows-1251";
  }
  return "?";
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::optional<TextEncoding> EncodingDetector::FromByteOrderMark(std::string_view first) {
  if (first.substr(0, 3) == kUtf8Bom) return TextEncoding::kUtf8Bom;
  if (first.substr(0, 2) == "\xFF\xFE") return TextEncoding::kUtf16Le;
  if (first.substr(0, 2) == "\xFE\xFF") return TextEncoding::kUtf16Be;
  return std::nullopt;
}

Status EncodingDetector::Error(size_t line, size_t column, const std::string& problem) const {
  return Status::InvalidArgument(file_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + problem);
}

Status EncodingDetector::Feed(std::string_view raw) {
  if (offset_ == 0) bom_ = FromByteOrderMark(raw);
  if (bom_ && IsUtf16(*bom_)) return FeedUtf16(raw);
  return FeedUtf8(raw);
}

Status EncodingDetector::FeedUtf8(std::string_view raw) {
  const size_t skip = bom_ ? BomBytes(*bom_) : 0;
  for (char c : raw) {
    if (offset_++ < skip) continue;
    QOIMA_RETURN_IF_ERROR(Byte(static_cast<unsigned char>(c)));
  }
  return Status::Ok();
}

Status EncodingDetector::Byte(unsigned char b) {
  if (pending_size_ > 0) {
    unsigned char lo = 0x80, hi = 0xBF;
    if (pending_size_ == 1) (void)Utf8Need(pending_[0], lo, hi);
    if (b >= lo && b <= hi) {
      pending_[pending_size_++] = b;
      if (pending_size_ == pending_need_ + 1) {
        ++valid_sequences_;
        ++column_;
        if (!line_valid_.line) line_valid_ = {line_, column_, pending_[0]};
        pending_size_ = 0;
      }
      return Status::Ok();
    }
    // A sequence broken off: its bytes are not UTF-8; `b` starts anew.
    Invalid(pending_, pending_size_);
    pending_size_ = 0;
  }
  if (b < 0x80) {
    if (b == 0)
      return Error(line_, column_ + 1,
                   "contains a NUL character (a UTF-16 file without a byte order mark, or not a text file?)");
    if (b == '\n') {
      EndLine();
      return Status::Ok();
    }
    ++column_;
    return Status::Ok();
  }
  unsigned char lo = 0, hi = 0;
  const size_t need = Utf8Need(b, lo, hi);
  if (need == 0) {
    Invalid(&b, 1);
    return Status::Ok();
  }
  pending_[0] = b;
  pending_size_ = 1;
  pending_need_ = need;
  return Status::Ok();
}

void EncodingDetector::Invalid(const unsigned char* bytes, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    ++column_;
    ++invalid_bytes_;
    const Position p{line_, column_, bytes[i]};
    if (!line_invalid_.line) line_invalid_ = p;
    if (!first_invalid_.line) first_invalid_ = p;
    if (bytes[i] == 0x98 && !first_0x98_.line) first_0x98_ = p;
  }
}

void EncodingDetector::EndLine() {
  if (line_valid_.line && !line_invalid_.line && !utf8_line_.line) utf8_line_ = line_valid_;
  line_valid_ = {};
  line_invalid_ = {};
  ++line_;
  column_ = 0;
}

Status EncodingDetector::FeedUtf16(std::string_view raw) {
  const bool le = *bom_ == TextEncoding::kUtf16Le;
  for (char c : raw) {
    if (offset_++ < 2) continue;
    const auto b = static_cast<unsigned char>(c);
    if (!odd_) {
      odd_ = b;
      continue;
    }
    const uint16_t u = le ? static_cast<uint16_t>(*odd_ | b << 8) : static_cast<uint16_t>(*odd_ << 8 | b);
    odd_.reset();
    if (high_) {
      if (u < 0xDC00 || u > 0xDFFF) return Error(line_, column_ + 1, "a UTF-16 high surrogate without its low half");
      high_ = 0;
      ++column_;
      continue;
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
      high_ = u;
      continue;
    }
    if (u >= 0xDC00 && u <= 0xDFFF) return Error(line_, column_ + 1, "a lone UTF-16 low surrogate");
    if (u == 0) return Error(line_, column_ + 1, "contains a NUL character");
    if (u == '\n') {
      ++line_;
      column_ = 0;
    } else {
      ++column_;
    }
  }
  return Status::Ok();
}

Result<TextEncoding> EncodingDetector::Finish() {
  if (bom_ && IsUtf16(*bom_)) {
    if (odd_) return Error(line_, column_ + 1, "ends in the middle of a UTF-16 character (an odd number of bytes)");
    if (high_) return Error(line_, column_ + 1, "ends with a UTF-16 high surrogate without its low half");
    return *bom_;
  }
  if (pending_size_ > 0) {  // a character cut by the end of the file
    Invalid(pending_, pending_size_);
    pending_size_ = 0;
  }
  EndLine();
  if (invalid_bytes_ == 0) return bom_ ? *bom_ : TextEncoding::kUtf8;
  const Position& bad = first_invalid_;
  const std::string what = "byte " + ByteText(bad.byte);
  if (bom_)
    return Error(bad.line, bad.column, "is not valid UTF-8 (" + what + "), yet it begins with a UTF-8 byte order mark");
  if (utf8_line_.line)
    return Error(bad.line, bad.column,
                 "mixes encodings: line " + std::to_string(utf8_line_.line) + " is UTF-8 (from column " +
                     std::to_string(utf8_line_.column) + "), line " + std::to_string(bad.line) + " is not (" + what +
                     " at column " + std::to_string(bad.column) + "); the whole file must be saved in one encoding");
  // Windows-1251 text almost never pairs its bytes into UTF-8 sequences;
  // UTF-8 cut or damaged here and there mostly does.
  if (valid_sequences_ > invalid_bytes_)
    return Error(bad.line, bad.column, "is not valid UTF-8 (" + what + " in the middle of UTF-8 text)");
  if (first_0x98_.line)
    return Error(first_0x98_.line, first_0x98_.column,
                 "byte 0x98 is neither UTF-8 nor a Windows-1251 character: the file's encoding is not one of "
                 "UTF-8, UTF-16 or Windows-1251");
  return TextEncoding::kWindows1251;
}

void TextDecoder::Decode(std::string_view raw, std::string& out) {
  const size_t skip = BomBytes(encoding_);
  if (offset_ < skip) {
    const size_t n = std::min<size_t>(skip - offset_, raw.size());
    offset_ += n;
    raw.remove_prefix(n);
  }
  offset_ += raw.size();
  switch (encoding_) {
    case TextEncoding::kUtf8:
    case TextEncoding::kUtf8Bom: out.append(raw); return;
    case TextEncoding::kWindows1251:
      for (char c : raw) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x80) {
          out += c;
        } else {
          const uint16_t cp = kWindows1251[b - 0x80];
          AppendUtf8(cp ? cp : 0xFFFD, out);
        }
      }
      return;
    case TextEncoding::kUtf16Le:
    case TextEncoding::kUtf16Be: {
      const bool le = encoding_ == TextEncoding::kUtf16Le;
      for (char c : raw) {
        const auto b = static_cast<unsigned char>(c);
        if (!odd_) {
          odd_ = b;
          continue;
        }
        Unit(le ? static_cast<uint16_t>(*odd_ | b << 8) : static_cast<uint16_t>(*odd_ << 8 | b), out);
        odd_.reset();
      }
      return;
    }
  }
}

void TextDecoder::Unit(uint16_t u, std::string& out) {
  if (high_) {
    const uint16_t high = high_;
    high_ = 0;
    if (u >= 0xDC00 && u <= 0xDFFF) {
      AppendUtf8(0x10000 + ((static_cast<uint32_t>(high) - 0xD800) << 10) + (u - 0xDC00), out);
      return;
    }
    AppendUtf8(0xFFFD, out);
  }
  if (u >= 0xD800 && u <= 0xDBFF) {
    high_ = u;
    return;
  }
  AppendUtf8(u >= 0xDC00 && u <= 0xDFFF ? 0xFFFD : u, out);
}

}  // namespace qoima::appliance

#include "appliance/manifest_parser.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "appliance/civil_time.h"
#include "appliance/manifest_format.h"
#include "appliance/manifest_json.h"
#include "common/unique_fd.h"

namespace qoima::appliance {

namespace act_format {

const std::vector<FormatRow>& FormatTable() {
  // Order matters only among forms that could read the same start: the
  // table by its header comes after the lists, which a header never matches.
  static const std::vector<FormatRow> rows = {JsonFormat(),      HashdeepFormat(), PowerShellFormat(), BsdTagFormat(),
                                              Sha256sumFormat(), CsvFormat(),      DocxFormat(),       XlsxFormat()};
  return rows;
}

const FormatRow& FormatRowOf(ManifestFormat f) {
  for (const auto& row : FormatTable())
    if (row.format == f) return row;
  std::abort();  // every ManifestFormat has its row
}

}  // namespace act_format

using act_format::ActText;
using act_format::FormatRow;
using act_format::RawReader;
using act_format::Where;

namespace {

int TwoDigits(std::string_view s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

bool IsDigits(std::string_view s) { return act_format::IsDigits(s); }
std::string Trim(std::string_view s) { return act_format::Trim(s); }

constexpr std::string_view kZipMagic = "PK\x03\x04";
// An OLE compound file: Word 97-2003 .doc, Excel .xls, or an Office file
// encrypted with a password (its zip is inside, enciphered).
constexpr std::string_view kOleMagic = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

// The form of an act from its start (decoded text, or a container's bytes):
// the one given, or the first row of the table that recognises it; none
// is refused naming every form and why it is not that one.
Result<const FormatRow*> ChooseFormat(std::string_view start, bool container, const Where& where,
                                      const ManifestParseOptions& options, const std::string& read_as) {
  if (options.format) {
    const FormatRow& row = act_format::FormatRowOf(*options.format);
    if (row.container != container)
      return where.Error(0, "",
                         std::string("is not ") + (container ? "text" : "a Word or Excel file") + ", as --format " +
                             row.name + " says");
    return &row;
  }
  std::string tried;
  for (const FormatRow& row : act_format::FormatTable()) {
    std::string why;
    if (row.container != container) {
      why = container ? "a zip container (Word or Excel), not text"
                      : "not a zip container (a .docx or .xlsx file begins with \"PK\")";
    } else {
      Status s = row.recognize(start);
      if (s.ok()) return &row;
      why = s.message();
    }
    tried += std::string("\n  - ") + row.name + " (" + row.title + "): " + why;
  }
  return where.Error(0, "", "is none of the accepted act forms" + read_as + "; tried:" + tried);
}

// A string in memory as a ManifestSource, in 1 MiB pieces as a file is read.
class StringSource final : public ManifestSource {
 public:
  explicit StringSource(std::string_view bytes) : bytes_(bytes) {}
  Result<std::string_view> Next() override {
    std::string_view piece = bytes_.substr(pos_, kPieceBytes);
    pos_ += piece.size();
    return piece;
  }
  Status Rewind() override {
    pos_ = 0;
    return Status::Ok();
  }

 private:
  static constexpr size_t kPieceBytes = 1u << 20;
  std::string_view bytes_;
  size_t pos_ = 0;
};

Status Changed(const std::string& path) {
  return Status::FailedPrecondition(path + ": the file changed while it was read; read it again");
}

// A .docx or .xlsx: held (compressed) while it is parsed, then read again
// to make sure it did not change meanwhile.
Result<ActManifest> ParseContainer(ManifestSource& source, RawReader& first, std::string_view piece,
                                   const std::string& path, const Where& where, const ManifestParseOptions& options) {
  std::string bytes;
  for (; !piece.empty(); piece = first.Next()) {
    if (bytes.size() + piece.size() > kMaxOfficeActBytes)
      return where.Error(
          0, "", "is more than " + std::to_string(kMaxOfficeActBytes) + " bytes, the limit for a Word or Excel act",
          Code::kLimitExceeded);
    bytes.append(piece);
  }
  QOIMA_RETURN_IF_ERROR(first.status().WithContext(path));
  const crypto::Sha256Digest digest = first.Finish();
  QOIMA_ASSIGN_OR_RETURN(const FormatRow* row, ChooseFormat(bytes, true, where, options, ""));
  act_format::FormatInput in{nullptr, bytes, where, options, nullptr};
  Result<ActManifest> m = row->parse(in);
  if (!m.ok()) return m.status();
  QOIMA_RETURN_IF_ERROR(source.Rewind());
  RawReader second(source);
  if (second.Finish() != digest || second.bytes_read() != bytes.size()) return Changed(path);
  QOIMA_RETURN_IF_ERROR(second.status().WithContext(path));
  m->digest = crypto::Hex(digest);
  return m;
}

// A file descriptor as a ManifestSource, in 1 MiB pieces.
class FdSource final : public ManifestSource {
 public:
  static constexpr size_t kPieceBytes = 1u << 20;
  FdSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Result<std::string_view> Next() override {
    buf_.resize(kPieceBytes);
    for (;;) {
      ssize_t n = ::read(fd_, buf_.data(), buf_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::FromErrno(errno, "read manifest");
      return std::string_view(buf_.data(), static_cast<size_t>(n));
    }
  }
  Status Rewind() override {
    if (::lseek(fd_, 0, SEEK_SET) != 0) return Status::FromErrno(errno, "rewind manifest " + path_);
    return Status::Ok();
  }

 private:
  int fd_;
  std::string path_;
  std::string buf_;
};

}  // namespace

std::optional<ManifestDate> ParseManifestDate(std::string_view text) {
  std::string t = Trim(text);
  std::string_view s(t);
  if (s.size() == 10) {
    auto d = ParseDay(s);
    if (!d) return std::nullopt;
    return ManifestDate{int64_t{d->day_number()} * 86400 - kActUtcOffsetSeconds, true};
  }
  if (s.size() < 16) return std::nullopt;
  auto d = ParseDay(s.substr(0, 10));
  if (!d || (s[10] != 'T' && s[10] != ' ')) return std::nullopt;
  std::string_view rest = s.substr(11);
  if (rest.size() < 5 || rest[2] != ':' || !IsDigits(rest.substr(0, 2)) || !IsDigits(rest.substr(3, 2)))
    return std::nullopt;
  int hh = TwoDigits(rest), mm = TwoDigits(rest.substr(3)), ss = 0;
  rest.remove_prefix(5);
  if (!rest.empty() && rest[0] == ':') {
    if (rest.size() < 3 || !IsDigits(rest.substr(1, 2))) return std::nullopt;
    ss = TwoDigits(rest.substr(1));
    rest.remove_prefix(3);
  }
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  int64_t offset = kActUtcOffsetSeconds;
  if (rest == "Z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' && IsDigits(rest.substr(1, 2)) &&
             IsDigits(rest.substr(4, 2))) {
    offset = (TwoDigits(rest.substr(1)) * 3600 + TwoDigits(rest.substr(4)) * 60) * (rest[0] == '-' ? -1 : 1);
  } else if (!rest.empty()) {
    return std::nullopt;
  }
  return ManifestDate{int64_t{d->day_number()} * 86400 + hh * 3600 + mm * 60 + ss - offset, false};
}

const char* ManifestFormatName(ManifestFormat f) { return act_format::FormatRowOf(f).name; }

std::vector<ManifestFormatInfo> ManifestFormats() {
  std::vector<ManifestFormatInfo> out;
  for (const auto& row : act_format::FormatTable()) out.push_back({row.format, row.name, row.title, row.made_by});
  return out;
}

std::optional<ManifestFormat> ManifestFormatFromName(std::string_view name) {
  for (const auto& row : act_format::FormatTable())
    if (name == row.name) return row.format;
  return std::nullopt;
}

std::string ManifestFormatNameList() {
  std::string out;
  for (const auto& row : act_format::FormatTable()) out += (out.empty() ? "" : ", ") + std::string(row.name);
  return out;
}

// Every text form is read twice, in pieces, never holding the text: the
// first pass decides the encoding (and whether the file is one at all),
// takes the digest and, for JSON, the structural scan; the second decodes
// the pieces and parses, hashing again. A file that changed in between is
// refused.
Result<ActManifest> ParseManifestFrom(ManifestSource& source, const std::string& path,
                                      const ManifestParseOptions& options, uint64_t max_bytes) {
  const Where where(path);
  RawReader first(source);
  std::string_view piece = first.Next();
  QOIMA_RETURN_IF_ERROR(first.status().WithContext(path));
  if (piece.empty()) return where.Error(0, "", "is empty");
  if (piece.substr(0, kZipMagic.size()) == kZipMagic) return ParseContainer(source, first, piece, path, where, options);
  if (piece.substr(0, kOleMagic.size()) == kOleMagic)
    return where.Error(0, "",
                       "is a Word 97-2003 (.doc) or Excel 97-2003 (.xls) file, or an Office file protected with "
                       "a password: save it as .docx or .xlsx, without a password");
  if (options.table)
    return where.Error(0, "",
                       "--table " + std::to_string(options.table) +
                           " names a table of a Word or Excel file; this act is text, with one table");

  EncodingDetector detector(path);
  const std::string first_raw(piece);  // decoded again once the encoding is known
  // The JSON scan reads the text as its byte order mark says (JSON without
  // one must be UTF-8: a Windows-1251 JSON act is refused below).
  TextDecoder provisional(EncodingDetector::FromByteOrderMark(piece).value_or(TextEncoding::kUtf8));
  std::string decoded;
  provisional.Decode(piece, decoded);
  const size_t brace = decoded.find_first_not_of(" \t\r\n");
  const bool scan_json =
      options.format == ManifestFormat::kJson || (brace != std::string::npos && decoded[brace] == '{');
  act_format::JsonScanner scanner;
  for (bool at_first = true; !piece.empty(); piece = first.Next(), at_first = false) {
    if (first.bytes_read() > max_bytes)
      return where.Error(0, "", "is more than " + std::to_string(max_bytes) + " bytes", Code::kLimitExceeded);
    QOIMA_RETURN_IF_ERROR(detector.Feed(piece));
    if (!scan_json) continue;
    if (!at_first) {
      decoded.clear();
      provisional.Decode(piece, decoded);
    }
    scanner.Feed(decoded);
    // Refused at the bracket, before the next piece is read.
    if (scanner.too_deep()) return act_format::TooDeep(path, scanner.nesting());
  }
  QOIMA_RETURN_IF_ERROR(first.status().WithContext(path));
  QOIMA_ASSIGN_OR_RETURN(const TextEncoding encoding, detector.Finish());
  const crypto::Sha256Digest digest = first.Finish();
  const uint64_t size = first.bytes_read();

  std::string start;
  TextDecoder(encoding).Decode(first_raw, start);
  QOIMA_ASSIGN_OR_RETURN(
      const FormatRow* row,
      ChooseFormat(start, false, where, options, std::string(" (read as ") + TextEncodingName(encoding) + " text)"));
  if (row->format == ManifestFormat::kJson && encoding == TextEncoding::kWindows1251)
    return where.Error(0, "", "is a JSON act that is not UTF-8 (it reads as Windows-1251); JSON is UTF-8");

  QOIMA_RETURN_IF_ERROR(source.Rewind());
  RawReader second(source);
  ActText text(second, encoding);
  const act_format::JsonScan scan = scanner.Take();
  act_format::FormatInput in{&text, start, where, options, &scan};
  Result<ActManifest> m = row->parse(in);
  QOIMA_RETURN_IF_ERROR(second.status().WithContext(path));
  if (!m.ok()) return m.status();
  if (second.Finish() != digest || second.bytes_read() != size) return Changed(path);
  m->digest = crypto::Hex(digest);
  m->source.encoding = TextEncodingName(encoding);
  return m;
}

std::optional<ManifestFormat> RecognizeManifestStart(std::string_view head, bool whole, std::string_view name,
                                                     std::string* why) {
  auto no = [&](std::string reason) -> std::optional<ManifestFormat> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (head.empty()) return no("empty");
  auto ends_with = [&](std::string_view suffix) {
    if (name.size() < suffix.size()) return false;
    for (size_t i = 0; i < suffix.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(name[name.size() - suffix.size() + i])) != suffix[i]) return false;
    return true;
  };
  if (head.substr(0, kZipMagic.size()) == kZipMagic) {
    if (!whole) {
      if (ends_with(".docx")) return ManifestFormat::kDocx;
      if (ends_with(".xlsx")) return ManifestFormat::kXlsx;
      return no("a zip that is not a .docx or .xlsx");
    }
    for (const FormatRow& row : act_format::FormatTable())
      if (row.container && row.recognize(head).ok()) return row.format;
    return no("a zip that is no Word or Excel document");
  }
  if (head.substr(0, kOleMagic.size()) == kOleMagic) return no("a Word or Excel 97-2003 file (not read)");
  // A head cut short may end inside a character or a line: decide on its
  // whole lines.
  std::string_view text = head;
  if (!whole) {
    size_t nl = text.rfind('\n');
    if (nl == std::string_view::npos)
      return no("no complete line in its first " + std::to_string(head.size()) + " bytes");
    text = text.substr(0, nl + 1);
  }
  EncodingDetector detector(std::string{name});
  if (Status s = detector.Feed(text); !s.ok()) return no(s.message());
  Result<TextEncoding> encoding = detector.Finish();
  if (!encoding.ok()) return no(encoding.status().message());
  std::string start;
  TextDecoder(*encoding).Decode(text, start);
  for (const FormatRow& row : act_format::FormatTable())
    if (!row.container && row.recognize(start).ok()) return row.format;
  return no(std::string("text (") + TextEncodingName(*encoding) + ") in none of the act forms");
}

Result<ActManifest> ParseManifest(std::string_view bytes, std::string_view file_name,
                                  const ManifestParseOptions& options) {
  Where where(file_name);
  if (bytes.size() > kMaxManifestBytes)
    return where.Error(
        0, "", "is " + std::to_string(bytes.size()) + " bytes, the limit is " + std::to_string(kMaxManifestBytes),
        Code::kLimitExceeded);
  StringSource source(bytes);
  return ParseManifestFrom(source, std::string(file_name), options, kMaxManifestBytes);
}

Result<ActManifest> LoadManifestFile(const std::string& path, const ManifestParseOptions& options) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno(errno, "open manifest " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno(errno, "stat manifest " + path);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + ": not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxManifestBytes)
    return Status::LimitExceeded(path + ": is " + std::to_string(st.st_size) + " bytes, the limit is " +
                                 std::to_string(kMaxManifestBytes));
  if (st.st_size == 0) return Where(path).Error(0, "", "is empty");
  // Every format is read in pieces: the text is never held whole.
  FdSource source(fd.get(), path);
  return ParseManifestFrom(source, path, options, kMaxManifestBytes);
}

}  // namespace qoima::appliance

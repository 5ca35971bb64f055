#include "appliance/manifest_office.h"

#include <archive.h>
#include <archive_entry.h>

namespace qoima::appliance::act_format {
namespace {

struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveReadDeleter>;

struct ExpatDeleter {
  void operator()(XML_ParserStruct* p) const { XML_ParserFree(p); }
};
using ExpatPtr = std::unique_ptr<XML_ParserStruct, ExpatDeleter>;

constexpr size_t kReadChunk = 64 * 1024;
/// Whatever the zip's size, this much may always be expanded (a small act
/// with a large, highly compressible sheet).
constexpr uint64_t kMinExpandedBudget = 32u << 20;

// libarchive's error, the one place it is mapped.
Status ArchiveError(archive* a, const Where& where, std::string_view what) {
  const char* e = a ? archive_error_string(a) : nullptr;
  return where.Error(0, "", std::string(what) + ": " + (e ? e : "unreadable zip"));
}

Result<ArchivePtr> OpenZip(std::string_view bytes, const Where& where) {
  ArchivePtr a(archive_read_new());
  if (!a) return Status::Internal("archive_read_new failed");
  // The seekable reader follows the central directory, as Word and Excel do.
  if (archive_read_support_format_zip_seekable(a.get()) != ARCHIVE_OK ||
      archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    return ArchiveError(a.get(), where, "not a readable zip");
  return a;
}

struct XmlRun {
  XML_Parser parser;
  XmlHandler& handler;
  const Where& where;
  std::string part;
  size_t depth = 0;
  Status status;

  void Fail(Status s) {
    if (status.ok()) status = std::move(s);
    XML_StopParser(parser, XML_FALSE);
  }
};

void XMLCALL OnStart(void* data, const XML_Char* name, const XML_Char** attrs) {
  auto* run = static_cast<XmlRun*>(data);
  if (!run->status.ok()) return;
  if (++run->depth > kMaxOfficeXmlDepth)
    return run->Fail(run->where.Error(
        0, "", run->part + " nests elements deeper than " + std::to_string(kMaxOfficeXmlDepth) + " levels",
        Code::kLimitExceeded));
  Status s = run->handler.Start(Local(name), attrs);
  if (!s.ok()) run->Fail(std::move(s));
}

void XMLCALL OnEnd(void* data, const XML_Char* name) {
  auto* run = static_cast<XmlRun*>(data);
  if (!run->status.ok()) return;
  --run->depth;
  Status s = run->handler.End(Local(name));
  if (!s.ok()) run->Fail(std::move(s));
}

void XMLCALL OnText(void* data, const XML_Char* text, int len) {
  auto* run = static_cast<XmlRun*>(data);
  if (!run->status.ok()) return;
  Status s = run->handler.Text(std::string_view(text, static_cast<size_t>(len)));
  if (!s.ok()) run->Fail(std::move(s));
}

void XMLCALL OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  auto* run = static_cast<XmlRun*>(data);
  run->Fail(run->where.Error(0, "", run->part + " declares a DTD, which no Word or Excel file does"));
}

void XMLCALL OnEntity(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*, const XML_Char*,
                      const XML_Char*, const XML_Char*) {
  auto* run = static_cast<XmlRun*>(data);
  run->Fail(run->where.Error(0, "", run->part + " declares an entity, which no Word or Excel file does"));
}

}  // namespace

Result<OfficeZip> OfficeZip::Open(std::string_view bytes, const Where& where) {
  OfficeZip z(bytes, where);
  QOIMA_ASSIGN_OR_RETURN(ArchivePtr a, OpenZip(bytes, where));
  archive_entry* e = nullptr;
  for (;;) {
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return ArchiveError(a.get(), where, "a broken zip");
    if (z.names_.size() >= kMaxOfficeZipEntries)
      return where.Error(0, "", "the zip holds more than " + std::to_string(kMaxOfficeZipEntries) + " entries",
                         Code::kLimitExceeded);
    const char* name = archive_entry_pathname(e);
    z.names_.emplace_back(name ? name : "");
  }
  return z;
}

/// Hands part `name`'s expanded bytes to `sink` a piece at a time.
Status OfficeZip::Read(std::string_view name, const std::function<Status(std::string_view)>& sink) {
  QOIMA_ASSIGN_OR_RETURN(ArchivePtr a, OpenZip(bytes_, where_));
  archive_entry* e = nullptr;
  for (;;) {
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) return where_.Error(0, "", "the zip has no " + std::string(name));
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return ArchiveError(a.get(), where_, "a broken zip");
    const char* n = archive_entry_pathname(e);
    if (n && name == n) break;
  }
  const uint64_t budget = std::min<uint64_t>(
      kMaxOfficeTotalBytes, std::max<uint64_t>(kMinExpandedBudget, bytes_.size() * kMaxOfficeExpansionRatio));
  std::string buf(kReadChunk, '\0');
  uint64_t part = 0;
  for (;;) {
    la_ssize_t got = archive_read_data(a.get(), buf.data(), buf.size());
    if (got < 0) return ArchiveError(a.get(), where_, std::string(name) + " cannot be expanded");
    if (got == 0) return Status::Ok();
    part += static_cast<uint64_t>(got);
    expanded_ += static_cast<uint64_t>(got);
    if (part > kMaxOfficePartBytes)
      return where_.Error(0, "",
                          std::string(name) + " expands to more than " + std::to_string(kMaxOfficePartBytes) + " bytes",
                          Code::kLimitExceeded);
    if (expanded_ > budget)
      return where_.Error(0, "",
                          "its parts expand to more than " + std::to_string(budget) + " bytes (a " +
                              std::to_string(bytes_.size()) + "-byte file)",
                          Code::kLimitExceeded);
    QOIMA_RETURN_IF_ERROR(sink(std::string_view(buf.data(), static_cast<size_t>(got))));
  }
}

Status RecognizeOffice(std::string_view bytes, std::string_view part) {
  Where where("");
  auto zip = OfficeZip::Open(bytes, where);
  if (!zip.ok()) return Status::InvalidArgument(zip.status().message().substr(2));
  if (!zip->Has(part)) return Status::InvalidArgument("the zip holds no " + std::string(part));
  return Status::Ok();
}

// An element's or attribute's local name (expat gives "namespace\x01local").
std::string_view Local(const char* name) {
  std::string_view n(name);
  size_t sep = n.rfind('\x01');
  return sep == std::string_view::npos ? n : n.substr(sep + 1);
}

std::string_view Attr(XmlAttrs attrs, std::string_view local) {
  for (size_t i = 0; attrs && attrs[i]; i += 2)
    if (Local(attrs[i]) == local) return attrs[i + 1];
  return {};
}

// Parses part `name` of `zip` with `handler`, a piece at a time.
Status ParseXml(OfficeZip& zip, std::string_view name, XmlHandler& handler, const Where& where) {
  ExpatPtr parser(XML_ParserCreateNS(nullptr, '\x01'));
  if (!parser) return Status::Internal("XML_ParserCreateNS failed");
  XmlRun run{parser.get(), handler, where, std::string(name), 0, Status::Ok()};
  XML_SetUserData(parser.get(), &run);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);
  XML_SetEntityDeclHandler(parser.get(), OnEntity);
  auto feed = [&](std::string_view piece, bool last) -> Status {
    if (XML_Parse(parser.get(), piece.data(), static_cast<int>(piece.size()), last ? XML_TRUE : XML_FALSE) ==
        XML_STATUS_OK)
      return Status::Ok();
    if (!run.status.ok()) return run.status;
    return where.Error(0, "",
                       std::string(name) + " is not well-formed XML (line " +
                           std::to_string(XML_GetCurrentLineNumber(parser.get())) + ", column " +
                           std::to_string(XML_GetCurrentColumnNumber(parser.get()) + 1) +
                           "): " + XML_ErrorString(XML_GetErrorCode(parser.get())));
  };
  QOIMA_RETURN_IF_ERROR(zip.Read(name, [&](std::string_view piece) { return feed(piece, false); }));
  return feed({}, true);
}

Result<size_t> Count(std::string_view text, size_t limit, const Where& where, std::string_view what) {
  size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || n > limit)
      return where.Error(0, "", std::string(what) + " " + Quote(text) + " is out of range");
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  if (text.empty() || n > limit) return where.Error(0, "", std::string(what) + " " + Quote(text) + " is out of range");
  return n;
}

Status AppendCellText(std::string& cell, std::string_view text, const Where& where) {
  if (cell.size() + text.size() > kMaxManifestLineBytes)
    return where.Error(0, "", "a table cell holds more than " + std::to_string(kMaxManifestLineBytes) + " bytes",
                       Code::kLimitExceeded);
  cell.append(text);
  return Status::Ok();
}

}  // namespace qoima::appliance::act_format

// Acts as delimited text with a header row: CSV from Excel ("CSV UTF-8",
// "CSV (разделители - запятые)"), LibreOffice or our own `act create`, and
// Excel's "Unicode text" (tab-separated UTF-16). The delimiter (',', ';' or
// tab) is the one under which a row among the first ones reads as an act's
// header (manifest_table.h); rows above it (a title) are skipped.
#include "appliance/manifest_table.h"

namespace qoima::appliance::act_format {
namespace {

struct CsvLayout {
  char delimiter = ',';
  size_t header_line = 0;
  size_t rows_before = 0;
  size_t recognised = 0;
};

// The delimiter and header row of a CSV from its first bytes; nullopt,
// with `why`, when no delimiter gives a header.
std::optional<CsvLayout> FindCsvHeader(std::string_view start, std::string& why) {
  std::optional<CsvLayout> best;
  for (char delimiter : {'\t', ';', ','}) {
    ActText text(start);
    Where where("");
    CsvReader reader(text, delimiter, where);
    CsvRecord rec;
    for (size_t k = 0; k <= kMaxRowsBeforeHeader; ++k) {
      Result<bool> more = reader.Next(rec);
      if (!more.ok() || !*more) break;
      TableHeader h = TableHeader::Read(rec.fields);
      if (!h.LooksLikeHeader()) continue;
      if (!best || h.recognised() > best->recognised) best = CsvLayout{delimiter, rec.line, k, h.recognised()};
      break;
    }
  }
  if (best) return best;
  std::string first(start.substr(0, start.find('\n')));
  if (!first.empty() && first.back() == '\r') first.pop_back();
  why = "line 1, column 1: no row among the first " + std::to_string(kMaxRowsBeforeHeader + 1) +
        " names the file and another column under a header such as 'Файлдың атауы', 'Наименование файла' or "
        "'File name' (line 1 reads " +
        Quote(first) + ")";
  return std::nullopt;
}

Status RecognizeCsv(std::string_view start) {
  std::string why;
  if (FindCsvHeader(start, why)) return Status::Ok();
  return Status::InvalidArgument(why);
}

Result<ActManifest> ParseCsv(FormatInput& in) {
  const Where& where = in.where;
  std::string why;
  auto layout = FindCsvHeader(in.start, why);
  if (!layout) return where.Error(0, "", why);
  CsvReader reader(*in.text, layout->delimiter, where);
  reader.set_preamble_records(layout->rows_before);
  CsvRecord rec;
  std::optional<TableHeader> header;
  while (!header) {
    QOIMA_ASSIGN_OR_RETURN(bool more, reader.Next(rec));
    if (!more) return where.Error(0, "", "is empty");
    if (rec.line == layout->header_line) header = TableHeader::Read(rec.fields);
  }
  QOIMA_RETURN_IF_ERROR(header->Check(where, layout->header_line));
  EntryCollector entries(where, in.options);
  EntryProfiles profiles;
  TableRows rows(*header, where, in.options, entries, profiles);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool more, reader.Next(rec));
    if (!more) break;
    QOIMA_RETURN_IF_ERROR(rows.Add(rec.line, rec.fields));
  }
  ActManifest m;
  m.format = ManifestFormat::kCsv;
  m.has_checksums = header->HasChecksums();
  m.source.columns = header->Describe() + "; delimiter " + DelimiterName(layout->delimiter);
  QOIMA_RETURN_IF_ERROR(entries.Finish(m));
  for (const auto& d : m.DiscMarkings()) m.discs.push_back({d, ""});
  return m;
}

}  // namespace

FormatRow CsvFormat() {
  return {ManifestFormat::kCsv,
          "csv",
          "a table with a header row, as CSV or tab-separated text",
          "Excel, LibreOffice Calc (CSV, CSV UTF-8, Unicode text), qoima act create's CSV",
          false,
          RecognizeCsv,
          ParseCsv};
}

}  // namespace qoima::appliance::act_format

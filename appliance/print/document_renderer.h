// DocumentRenderer: turns the document structs of documents.h into A4 PDFs
// with the wording of a TemplateSet, Kazakh first and Russian alongside (or
// one chosen language). Every document carries the operator's letterhead
// (OperatorInfo); every act a QR code and a printed verification line; every
// page "page N of M" and the act id. Dates print as dd.mm.yyyy, an instant on
// its local (UTC+5) date.
//
// Ownership: holds its TemplateSet by value. Thread-safety: const methods may
// run concurrently (each call builds its own PdfComposer).
#pragma once

#include <string>
#include <string_view>

#include "appliance/print/documents.h"
#include "appliance/print/template_set.h"
#include "common/result.h"

namespace qoima::print {

class DocumentRenderer {
 public:
  /// REQUIRES: `languages` is not empty. `op`: the operator's details as an
  /// admin set them (blanks where not set).
  DocumentRenderer(TemplateSet templates, LanguageMode languages, OperatorInfo op = {});

  /// Each returns the PDF bytes or an error naming the missing template key,
  /// the malformed field or the glyph the font lacks.
  Result<std::string> Render(const ApplicationForm& doc) const;
  Result<std::string> Render(const JournalPage& doc) const;
  Result<std::string> Render(const AcceptanceAct& doc) const;
  Result<std::string> Render(const Nda& doc) const;
  Result<std::string> Render(const Refusal& doc) const;
  Result<std::string> Render(const ReturnAct& doc) const;
  Result<std::string> Render(const DestructionAct& doc) const;
  Result<std::string> Render(const HalfYearReport& doc) const;
  Result<std::string> Render(const Notice& doc) const;
  Result<std::string> Render(const AccessRegisterDoc& doc) const;
  Result<std::string> Render(const SecurityTestDoc& doc) const;

  const TemplateSet& templates() const { return templates_; }
  const LanguageMode& languages() const { return languages_; }

 private:
  TemplateSet templates_;
  LanguageMode languages_;
  OperatorInfo op_;
};

/// Saves PDF bytes to `path` atomically (temporary file, fsync, rename), so an
/// export medium never holds half a PDF. Fails when the bytes are not a PDF.
Status SavePdf(std::string_view pdf, const std::string& path);

/// A date as printed: "2026-12-07" -> "07.12.2026"; an instant in UTC
/// ("2026-12-07T21:30:00Z") on its date in UTC+5 ("08.12.2026"); any other
/// text unchanged.
std::string PrintedDate(std::string_view text);

/// An instant in UTC ("2026-12-07T21:30:00Z") as printed: its local (UTC+5)
/// date and time, "08.12.2026 02:30"; any other text as PrintedDate.
std::string PrintedDateTime(std::string_view utc);

/// "12.345" megabytes (MiB) with three decimals, as printed in the tables.
std::string FormatMegabytes(uint64_t bytes);

}  // namespace qoima::print

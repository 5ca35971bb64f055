// Printing through the Appliance: how the CLI and the kiosk name a document,
// render it to PDF, put it on paper and check a paper act against the store.
// The Appliance methods are declared in appliance.h and implemented in
// appliance_print.cpp; this header holds their argument and result types.
//
//   auto pdf = app->RenderDocument(actor, {DocumentKind::kAct, "A-17"}, {});
//   auto out = app->PrintDocument(actor, *pdf, "/media/export/act-A-17.pdf", {});
//   // out->saved_path is always set; out->printed says whether paper came out.
//   auto check = app->VerifyAct(actor, scanned_qr_text);  // kCorrupt names the field
//
// Who may print what is print/document_kinds.h's table (checked in
// appliance/, audited either way as "document.print"/"document.render").
// VerifyAct needs read access to records (clerk, security officer, auditor).
//
// Thread-safety: plain values; the Appliance methods run on its one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <memory>

#include "appliance/act_document.h"
#include "appliance/print/act_printer.h"
#include "appliance/print/document_kinds.h"
#include "appliance/print/documents.h"
#include "appliance/print/template_set.h"
#include "appliance/print/verification_line.h"

namespace qoima::storage {
class Store;
}  // namespace qoima::storage

namespace qoima::appliance {

/// The SHA-256 and size the appliance computed for every file of deposit
/// `deposit_id`, by path: what an act without checksums is printed with
/// (UseComputedFiles).
Result<std::shared_ptr<const ComputedFiles>> DepositComputedFiles(storage::Store& store, int64_t deposit_id);

/// Names one document. `id` per kind:
///   act          act number ("A-17") or the deposit id ("17")
///   application  portal code
///   journal      "" or "all" (every entry), "N" or "N-M" (entry numbers), or one
///                application's line by its number ("15/2026") or portal code
///   nda          portal code (the latest NDA recorded for it)
///   refusal      intake id of a refused intake ("5") or its act number ("R-5")
///   return       lifecycle case id of a return case ("3") or "RET-3"
///   destruction  act number ("DESTR-2026-4") or the destruction case id
///   report       "YEAR H1" / "YEAR H2" (also "YEAR-H1", "YEAR/1")
///   notice       notice id in the notices register ("7") or "N-7"
struct DocumentRef {
  DocumentKind kind = DocumentKind::kAct;
  std::string id;
};

struct PrintOptions {
  print::LanguageMode languages = print::Bilingual();  // Kazakh first, Russian alongside
  std::string template_id;                             // empty: print::TemplateSet::kDefaultId
};

struct PrintedDocument {
  DocumentRef ref;
  std::string title;      // job title, e.g. "act A-17"
  std::string file_stem;  // safe file name without extension, e.g. "act-A-17"
  std::string pdf;        // the PDF bytes
  std::string pdf_sha256;
  /// The QR payload / printed line, for documents that carry one (every kind
  /// except application, journal and NDA).
  std::optional<print::VerificationLine> verification;
};

/// The act printer, kept in the store (store_meta) and set by an admin.
struct PrinterSettings {
  std::string queue;   // CUPS queue; empty: no printer configured
  std::string server;  // CUPS server (socket path or host:port); empty: the system's
  int copies = 2;      // one per signing party
};

/// Overrides for one print job (CLI --printer).
struct PrintTarget {
  std::string queue;   // empty: the configured queue
  std::string server;  // empty: the configured server
  int copies = 0;      // 0: the configured number
};

/// What `qoima act verify` found; returned only when every field matched.
struct ActVerification {
  print::VerificationLine line;  // the values, as the store and audit log hold them
  std::string document;          // "acceptance act of deposit 17 (application ARCH-1)"
  uint64_t audit_size = 0;       // current audit log size the checkpoint was checked against
};

}  // namespace qoima::appliance

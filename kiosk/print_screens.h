// Printing from the kiosk: one helper that asks the backend to render, save
// and print a document and says what happened (printed; saved only because
// no printer is configured; or why the printer failed), and the auditor's
// "print any document" screen (kind and number). The appliance decides who
// may print what and audits every print.
// Thread-safety: UI thread only.
#pragma once

#include <memory>
#include <string>

#include "kiosk/screen.h"

namespace qoima::kiosk {

/// Prints `kind` `id` and shows the outcome on the message line.
void PrintAndReport(AppContext& app, DocumentKind kind, const std::string& id);

/// Translated name of a document kind ("acceptance act", ...).
const char* DocumentKindLabel(DocumentKind kind);

std::unique_ptr<Screen> MakePrintDocumentScreen(AppContext& app);
/// The act printer's settings and its test page (the admin changes them).
std::unique_ptr<Screen> MakePrinterSetupScreen(AppContext& app);

}  // namespace qoima::kiosk

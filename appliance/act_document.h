// ActDocument: everything printed on an acceptance-transfer act (001 Annex 3)
// as plain data, plus a plain-text rendering for the CLI. The PDF rendering
// (appliance/print/) takes the same struct, so paper and screen agree.
//
// An act exists in two stages: the depositor's draft (`qoima act create`:
// parties, software, file rows, manifest digest) and the accepted act (the
// appliance adds the deposit root hash, the audit checkpoint and the device
// key fingerprint when the deposit commits).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/act_manifest.h"

namespace qoima::appliance {

struct ActParty {
  std::string organization;
  std::string position;
  std::string full_name;  // surname, name, patronymic
  std::string work_phone;
  std::string mobile_phone;
  std::string email;
};

/// One row of an Annex 3 table (application sources or libraries).
struct ActRow {
  size_t number = 0;
  std::string disc;
  std::string directory;
  std::string file_name;
  std::string size_mb;
  std::optional<uint64_t> size_bytes;  // absent for sha256sum lists
  std::string language;
  std::string language_version;  // library table: library version
  std::string framework;
  std::string framework_version;
  std::string modified;
  std::string sha256;
  std::string category;
};

struct ActDocument {
  std::string date;  // YYYY-MM-DD
  std::string city = "Астана";
  std::string application;  // portal code
  int64_t journal_number = 0;
  ActParty accepting;     // the operator
  ActParty transferring;  // the depositor
  std::string software_name;
  std::string software_version;
  std::string annotation;
  std::vector<ActRow> application_rows;  // table 1
  std::vector<ActRow> library_rows;      // table 2
  /// When set, the two tables are this manifest's entries, made into rows
  /// one at a time as they are rendered (ForEachActRow), and the two vectors
  /// above are empty: an intake's 100k-file act is not copied into rows
  /// (ActOverManifest). Shared, never modified.
  std::shared_ptr<const ActManifest> rows_from;
  uint64_t file_count = 0;
  uint64_t library_count = 0;  // rows of table 2
  uint64_t total_bytes = 0;
  std::string manifest_digest;  // SHA-256 of the manifest file: ties paper to data
  // Filled on acceptance:
  int64_t deposit_id = 0;
  std::string deposit_root;         // root hash of the sealed deposit
  std::string audit_checkpoint;     // "size N root HEX" of the signed checkpoint
  std::string device_fingerprint;   // SHA-256 of the device signing key
  std::vector<std::string> copies;  // which media copies were checked ("disc X original")
};

/// Builds the act's table rows and totals from a manifest.
/// REQUIRES: its entries are in memory (`spilled` is null).
ActDocument ActFromManifest(const ActManifest& manifest);
/// The same act, its tables read from `manifest` when rendered (rows_from);
/// fails only when reading spilled entries fails.
Result<ActDocument> ActOverManifest(std::shared_ptr<const ActManifest> manifest);
/// The row of `entry`, numbered `number` in its table.
ActRow ActRowFromEntry(const ManifestEntry& entry, size_t number);
/// Calls `fn` with each row of table 1 (library false) or table 2, in order,
/// whichever way `act` holds them.
Status ForEachActRow(const ActDocument& act, bool library, const std::function<void(const ActRow&)>& fn);
/// The number of rows of table 1 (library false) or table 2.
size_t ActRowCount(const ActDocument& act, bool library);

/// The note a text act ends with when a name or field in it was shown
/// escaped (common/visible_text.h), Kazakh and Russian.
inline constexpr std::string_view kEscapeLegendKk =
    "\\u{XXXX} белгісі: атаудағы немесе өрістегі көрінбейтін не мәтін бағытын өзгертетін таңба (Юникод коды XXXX), "
    "ол өзі ретінде көрсетілмейді.";
inline constexpr std::string_view kEscapeLegendRu =
    "Запись \\u{XXXX}: невидимый символ или символ, меняющий направление текста (код Юникода XXXX), в имени или "
    "поле; такой символ не показывается как есть.";

/// Renders the act as text: Kazakh first, then Russian, as the forms do.
/// Names and fields are shown through VisibleText (hidden characters
/// escaped), with the note above when any was.
/// REQUIRES: rows in memory (no `rows_from`), as ActFromManifest makes them.
std::string RenderActText(const ActDocument& act);
/// The same text handed to `sink` in pieces of about 64 KiB (the CLI prints a
/// 100k-row act without holding its text); fails only when reading the
/// spilled entries of `rows_from` fails.
Status WriteActText(const ActDocument& act, const std::function<void(std::string_view)>& sink);

}  // namespace qoima::appliance

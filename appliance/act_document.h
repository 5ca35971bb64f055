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
#include <unordered_map>
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

/// What the appliance computed for one file of a deposit as it sealed it.
struct ComputedFile {
  std::string sha256;  // hex
  uint64_t size = 0;
};
/// By DepositPath.
using ComputedFiles = std::unordered_map<std::string, ComputedFile>;

/// The folder a deposit of several discs keeps a disc's files under (named
/// after its marking: two discs may hold the same path).
std::string DiscFolder(const std::string& disc);
/// Where an act's file is kept in its deposit: its path, under its disc's
/// folder when the act has several discs.
std::string DepositPath(const std::string& disc, const std::string& path, bool several_discs);

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
  /// Where the act's file was read ("/dev/sdb1: Акт.csv"; "" when given as a
  /// file), and whether it sat on a deposit medium (then it was left out of
  /// that medium's comparison, and the act says so).
  std::string act_file;
  bool act_file_excluded = false;
  /// An act without checksums (ActManifest::has_checksums false): each row
  /// carries the SHA-256 the appliance computed (and its size, where the
  /// act gave none in bytes), and the act says so. Set by UseComputedFiles.
  std::shared_ptr<const ComputedFiles> computed;
  bool several_discs = false;  // the rows' files are under their disc's folder in the deposit
};

/// Makes `act`'s rows carry what the appliance computed where the act gave
/// no SHA-256 (rows in memory now, rows read from the manifest as they are
/// rendered). A row whose file is not in `computed` keeps an empty SHA-256.
void UseComputedFiles(ActDocument& act, std::shared_ptr<const ComputedFiles> computed, bool several_discs);

/// Builds the act's table rows and totals from a manifest.
/// REQUIRES: its entries are in memory (`compact` is null).
ActDocument ActFromManifest(const ActManifest& manifest);
/// The same act, its tables read from `manifest` when rendered (rows_from);
/// fails only when reading compact entries fails.
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
/// compact entries of `rows_from` fails.
Status WriteActText(const ActDocument& act, const std::function<void(std::string_view)>& sink);

}  // namespace qoima::appliance

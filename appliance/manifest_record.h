// ManifestRecord: how the appliance keeps an act manifest in its database.
// The record is the compact canonical JSON (ManifestToJson(m, false))
// compressed with zstd behind a magic line: a 100k-file act is ~20 MB of
// JSON and a few MB compressed. It lives in a manifest_records row of its
// own (schema 7), written and read a piece at a time, so neither the intake
// nor SQLite ever holds it whole; intakes.manifest_json
// and acts.manifest_json refer to it. Rows written before schema 7 hold the
// record in the column itself, and rows written before records were
// compressed the plain JSON text; both still read back (LoadStoredManifest,
// DecodeManifestRecord).
//
// The record is the appliance's own (written under the database key), yet the
// decoder is bounded like any parser: kMaxManifestRecordTextBytes.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "appliance/act_manifest.h"
#include "appliance/manifest_parser.h"
#include "common/result.h"

namespace qoima::storage {
class Blob;
class Database;
}  // namespace qoima::storage

namespace qoima::appliance {

/// First bytes of a compressed record (JSON text starts with '{').
inline constexpr std::string_view kManifestRecordMagic = "qoima-manifest-zstd/1\n";
/// Most bytes a compressed record may expand to: four times the largest
/// manifest file we read (the compact JSON of a CSV act is larger than the CSV).
inline constexpr size_t kMaxManifestRecordTextBytes = size_t{256} << 20;
/// Largest zstd window the decoder accepts (2^23 = 8 MiB; the encoder's
/// level uses 2 MiB): a damaged header cannot make it allocate more.
inline constexpr int kMaxManifestRecordWindowLog = 23;
/// zstd level of the encoder (zstd's default: fast, ~4x on an act).
inline constexpr int kManifestRecordLevel = 3;

/// What an acceptance act's acts.manifest_json holds when its manifest is the
/// record of the intake that accepted it (intakes.manifest_json): the record
/// is stored once, and the act row stays small (its audit checkpoint is set
/// by an UPDATE after the commit, and SQLite rewrites the whole row).
inline constexpr std::string_view kManifestReferencePrefix = "qoima-manifest-of-intake/1 ";
std::string ManifestRecordReference(int64_t intake_id);
/// The intake id of a reference; nullopt for a record or JSON text.
std::optional<int64_t> ParseManifestRecordReference(std::string_view stored);

/// Serializes `manifest` and compresses it in one pass, handing the record's
/// bytes (kManifestRecordMagic, then one zstd frame with a content checksum)
/// to `sink` a piece at a time. The same manifest gives the same bytes.
Status WriteManifestRecord(const ActManifest& manifest, const std::function<Status(std::string_view)>& sink);
/// The record's bytes in memory (tests, small acts).
Result<std::string> EncodeManifestRecord(const ActManifest& manifest);
/// The record's size, from a pass that keeps none of it.
Result<uint64_t> ManifestRecordSize(const ActManifest& manifest);
/// Writes the record into `column` of row `rowid` of `table`, which the
/// caller inserted with Statement::BindZeroBlob(ManifestRecordSize(...)) as
/// the row's last column (SQLite materializes a zero-blob followed by other
/// columns). Internal when the second pass differs in size from the first.
/// Inside the caller's transaction.
Status StoreManifestRecord(storage::Database& db, std::string_view table, std::string_view column, int64_t rowid,
                           const ActManifest& manifest, uint64_t size);

/// What intakes.manifest_json and acts.manifest_json hold for a record in a
/// manifest_records row of its own (schema v7).
inline constexpr std::string_view kManifestRecordRowPrefix = "qoima-manifest-record/1 ";
std::string ManifestRecordRowReference(int64_t record_id);
/// The manifest_records id of such a reference; nullopt otherwise.
std::optional<int64_t> ParseManifestRecordRowReference(std::string_view stored);

/// A record measured in one pass, and held when small: an intake writes it
/// from here instead of serializing and compressing the act a second time.
struct PreparedManifestRecord {
  uint64_t size = 0;
  bool held = false;
  std::string bytes;  // the record when held
};
/// Largest record held by PrepareManifestRecord (an act of 100,000 files
/// compresses to 4-8 MB: a JSON act or a hashdeep list with its MD5s); a
/// larger one is written from the manifest again (serialized and compressed
/// a second time, ~4 % of a large intake's CPU time), so memory stays
/// bounded whatever the act: at most this much above what the act's
/// entries take, far below the Argon2id floor every command starts from.
inline constexpr uint64_t kMaxHeldManifestRecordBytes = uint64_t{8} << 20;
/// Measures the record of `manifest` and holds it when it is at most
/// `max_held` bytes.
Result<PreparedManifestRecord> PrepareManifestRecord(const ActManifest& manifest,
                                                     uint64_t max_held = kMaxHeldManifestRecordBytes);

/// Adds the record of `manifest` (`size` from ManifestRecordSize) as a new
/// manifest_records row, written a piece at a time: the record is never
/// whole in memory, neither ours nor SQLite's (a 480,000-file act compresses
/// to ~22 MB). Returns the reference to store in a manifest_json column.
/// Inside the caller's transaction.
Result<std::string> InsertManifestRecord(storage::Database& db, const ActManifest& manifest, uint64_t size);
/// The same from a prepared record: its bytes when held, else written from
/// `manifest` again (checked against the prepared size).
Result<std::string> InsertManifestRecord(storage::Database& db, const ActManifest& manifest,
                                         const PreparedManifestRecord& record);

/// Parses the manifest a manifest_json column (`table`.`column` of `rowid`)
/// stands for, a piece at a time: a manifest_records reference, an
/// acceptance act's reference to its intake, or an older row's record or
/// JSON text held in the column itself. `what` names it in messages.
Result<ActManifest> LoadStoredManifest(storage::Database& db, std::string_view table, std::string_view column,
                                       int64_t rowid, std::string_view what, const ManifestParseOptions& options);

/// True when `stored` is a compressed record, false for plain JSON text.
bool IsCompressedManifestRecord(std::string_view stored);

/// The JSON text of a stored record: a compressed record is expanded, plain
/// text is returned as it is (moved, not copied). Corrupt naming `what`
/// ("intake 7 manifest") when the frame is damaged, truncated, followed by
/// other bytes or expands beyond kMaxManifestRecordTextBytes.
Result<std::string> DecodeManifestRecord(std::string stored, std::string_view what);

/// Parses a stored record (compressed or plain), read from its row a piece
/// at a time, as it expands, never holding its text (ParseManifestFrom; up
/// to kMaxManifestRecordTextBytes). The digest set is that of the expanded
/// text, not of the depositor's file. Damage gives the messages of
/// DecodeManifestRecord.
Result<ActManifest> ParseManifestRecord(const storage::Blob& stored, std::string_view what,
                                        const ManifestParseOptions& options);

}  // namespace qoima::appliance

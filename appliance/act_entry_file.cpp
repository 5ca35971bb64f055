#include "appliance/act_entry_file.h"

#include <unistd.h>

#include <algorithm>

#include "crypto/secret.h"

namespace qoima::appliance {
namespace {

using storage::Database;
using storage::Statement;

// n is the entry's position + 1 (act order). The profile columns are kept
// per row: on disk their repetition costs nothing that matters.
constexpr const char* kSchema =
    "CREATE TABLE entries(n INTEGER PRIMARY KEY, disc TEXT NOT NULL, path TEXT NOT NULL, size INTEGER, "
    "mtime INTEGER, date_only INTEGER NOT NULL, sha256 TEXT NOT NULL, line INTEGER NOT NULL, "
    "category TEXT NOT NULL, tbl INTEGER NOT NULL, language TEXT NOT NULL, language_version TEXT NOT NULL, "
    "framework TEXT NOT NULL, framework_version TEXT NOT NULL, size_declared TEXT, notes TEXT NOT NULL);"
    // Every directory above an entry, with the first entry under it: the
    // check for a path listed both as a file and as a directory.
    "CREATE TABLE dirs(disc TEXT NOT NULL, dir TEXT NOT NULL, first_n INTEGER NOT NULL, "
    "PRIMARY KEY(disc, dir)) WITHOUT ROWID;"
    // Built as the rows go in, not afterwards: building an index at the end
    // sorts every key in memory (temp_store is MEMORY, so that no key reaches
    // a temporary file in the clear). Acts list files mostly in path order,
    // which keeps these insertions near the end of the index.
    "CREATE UNIQUE INDEX entries_path ON entries(disc, path);";
constexpr const char* kEntryColumns =
    "n, disc, path, size, mtime, date_only, sha256, line, category, tbl, language, language_version, framework, "
    "framework_version, size_declared, notes";
// The cache the lookups of one intake go through (the default scratch cache
// is 2 MiB; a 500k-entry act's path index is ~40 MiB on disk).
constexpr const char* kCachePragma = "PRAGMA cache_size = -8192;";

// Length of the longest prefix of `a` and `b` made of whole components.
size_t CommonDirectories(std::string_view a, std::string_view b) {
  size_t k = 0, last = 0;
  while (k < a.size() && k < b.size() && a[k] == b[k]) {
    if (a[k] == '/') last = k;
    ++k;
  }
  if ((k == a.size() || a[k] == '/') && (k == b.size() || b[k] == '/')) return k;
  return last;
}

}  // namespace

Result<std::unique_ptr<ActEntryFile>> ActEntryFile::Create(const std::string& path) {
  std::unique_ptr<ActEntryFile> f(new ActEntryFile());
  crypto::SecretBytes key = crypto::SecretBytes::Random(Database::kRawKeySize);
  storage::DatabaseOptions o;
  o.scratch = true;
  QOIMA_ASSIGN_OR_RETURN(Database db, Database::Open(path, key.span(), o));
  f->path_ = path;  // from here the destructor removes the file
  f->db_ = std::move(db);
  QOIMA_RETURN_IF_ERROR(f->db_.Exec(kSchema).WithContext("act entries " + path));
  QOIMA_RETURN_IF_ERROR(f->db_.Exec(kCachePragma));
  QOIMA_ASSIGN_OR_RETURN(Statement ins, f->db_.Prepare(std::string("INSERT INTO entries(") + kEntryColumns +
                                                       ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  f->insert_.emplace(std::move(ins));
  QOIMA_ASSIGN_OR_RETURN(Statement dir, f->db_.Prepare("INSERT OR IGNORE INTO dirs(disc, dir, first_n) VALUES(?,?,?)"));
  f->insert_dir_.emplace(std::move(dir));
  return f;
}

ActEntryFile::~ActEntryFile() {
  insert_.reset();
  insert_dir_.reset();
  at_.reset();
  find_.reset();
  db_ = Database();
  if (!path_.empty()) ::unlink(path_.c_str());
}

Status ActEntryFile::Add(const ManifestEntry& e) {
  if (!in_transaction_) {
    QOIMA_RETURN_IF_ERROR(db_.Exec("BEGIN;"));
    in_transaction_ = true;
  }
  const auto n = static_cast<int64_t>(count_ + 1);
  const EntryProfile& p = e.profile();
  Statement& st = *insert_;
  st.Bind(1, n).Bind(2, p.disc).Bind(3, e.path);
  st.BindOptional(4, e.size ? std::optional<int64_t>(static_cast<int64_t>(*e.size)) : std::nullopt);
  st.BindOptional(5, e.modified ? std::optional<int64_t>(e.modified->unix_seconds) : std::nullopt);
  st.Bind(6, int64_t{e.modified && e.modified->date_only}).Bind(7, e.sha256.view()).Bind(8, int64_t{e.line});
  st.Bind(9, p.category).Bind(10, int64_t{p.table == ActTable::kLibrary}).Bind(11, p.language);
  st.Bind(12, p.language_version).Bind(13, p.framework).Bind(14, p.framework_version);
  const std::optional<DeclaredSize> declared = e.declared_size();
  st.BindOptional(15, declared ? std::optional<std::string>(declared->ToString()) : std::nullopt);
  st.Bind(16, p.notes);
  Status inserted = st.Run();
  if (inserted.code() == Code::kAlreadyExists) {
    QOIMA_ASSIGN_OR_RETURN(std::optional<size_t> earlier, LineOf(p.disc, e.path));
    if (!conflict_)
      conflict_ = EntryConflict{e.line, "duplicate path '" + e.path + "'" +
                                            (p.disc.empty() ? "" : " on disc '" + p.disc + "'") + " (also on line " +
                                            std::to_string(earlier.value_or(0)) + ")"};
    return Status::AlreadyExists("line " + std::to_string(e.line) + ": duplicate path");
  }
  QOIMA_RETURN_IF_ERROR(inserted.WithContext("act entries"));
  ++count_;
  auto disc =
      discs_.empty() || p.disc != discs_.back() ? std::find(discs_.begin(), discs_.end(), p.disc) : discs_.end() - 1;
  if (disc == discs_.end()) {
    discs_.push_back(p.disc);
    totals_.emplace_back();
    disc = discs_.end() - 1;
  }
  EntryTotals& t = totals_[static_cast<size_t>(disc - discs_.begin())];
  ++t.files;
  t.bytes += e.size.value_or(0);
  t.sized = t.sized && e.size.has_value();
  t.library += p.table == ActTable::kLibrary;
  // The directories above it that the previous entry's do not already cover.
  std::string dir = e.Directory();
  if (dir != last_dir_ || p.disc != last_dir_disc_) {
    const size_t common = p.disc == last_dir_disc_ ? CommonDirectories(dir, last_dir_) : 0;
    for (size_t slash = dir.find('/', common + 1);; slash = dir.find('/', slash + 1)) {
      const size_t end = slash == std::string::npos ? dir.size() : slash;
      if (end > common) {
        insert_dir_->Bind(1, p.disc).Bind(2, std::string_view(dir).substr(0, end)).Bind(3, n);
        QOIMA_RETURN_IF_ERROR(insert_dir_->Run().WithContext("act entries"));
      }
      if (slash == std::string::npos) break;
    }
    last_dir_ = std::move(dir);
    last_dir_disc_ = p.disc;
  }
  return Status::Ok();
}

Result<std::optional<size_t>> ActEntryFile::LineOf(std::string_view disc, std::string_view path) const {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT line FROM entries WHERE disc = ? AND path = ?"));
  st.Bind(1, disc).Bind(2, path);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<size_t>();
  return std::optional<size_t>(static_cast<size_t>(st.ColumnInt(0)));
}

Status ActEntryFile::Finish() {
  if (in_transaction_) {
    QOIMA_RETURN_IF_ERROR(db_.Exec("COMMIT;").WithContext("act entries"));
    in_transaction_ = false;
  }
  insert_.reset();
  insert_dir_.reset();
  QOIMA_ASSIGN_OR_RETURN(Statement at,
                         db_.Prepare(std::string("SELECT ") + kEntryColumns + " FROM entries WHERE n = ?"));
  at_.emplace(std::move(at));
  QOIMA_ASSIGN_OR_RETURN(Statement find, db_.Prepare(std::string("SELECT ") + kEntryColumns +
                                                     " FROM entries WHERE disc = ? AND path = ?"));
  find_.emplace(std::move(find));
  return Status::Ok();
}

Result<std::optional<EntryConflict>> ActEntryFile::Check() const {
  if (conflict_) return conflict_;
  // The first entry under a directory that is also listed as a file, and
  // of its directories the shortest such.
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT e.line, e.path, d.dir, f.line FROM dirs d "
                                                   "JOIN entries f ON f.disc = d.disc AND f.path = d.dir "
                                                   "JOIN entries e ON e.n = d.first_n "
                                                   "ORDER BY d.first_n, length(d.dir) LIMIT 1"));
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<EntryConflict>();
  return std::optional<EntryConflict>(
      EntryConflict{static_cast<size_t>(st.ColumnInt(0)), "'" + st.ColumnText(1) + "' lies under '" + st.ColumnText(2) +
                                                              "', which line " + std::to_string(st.ColumnInt(3)) +
                                                              " lists as a file"});
}

EntryTotals ActEntryFile::Totals(std::optional<std::string_view> disc) const {
  EntryTotals all;
  for (size_t i = 0; i < discs_.size(); ++i) {
    if (disc && discs_[i] != *disc) continue;
    all.files += totals_[i].files;
    all.bytes += totals_[i].bytes;
    all.sized = all.sized && totals_[i].sized;
    all.library += totals_[i].library;
  }
  return all;
}

ManifestEntry ActEntryFile::Row(const Statement& st) const {
  ManifestEntry e;
  e.path = st.ColumnText(2);
  if (!st.ColumnIsNull(3)) e.size = static_cast<uint64_t>(st.ColumnInt(3));
  if (!st.ColumnIsNull(4)) e.modified = ManifestDate{st.ColumnInt(4), st.ColumnInt(5) != 0};
  e.sha256 = st.ColumnText(6);
  e.line = static_cast<uint32_t>(st.ColumnInt(7));
  EntryProfile p;
  p.disc = st.ColumnText(1);
  p.category = st.ColumnText(8);
  p.table = st.ColumnInt(9) ? ActTable::kLibrary : ActTable::kApplication;
  p.language = st.ColumnText(10);
  p.language_version = st.ColumnText(11);
  p.framework = st.ColumnText(12);
  p.framework_version = st.ColumnText(13);
  if (!st.ColumnIsNull(14)) e.set_declared_size(DeclaredSize::FromString(st.ColumnText(14)));
  p.notes = st.ColumnText(15);
  if (!last_profile_ || !(*last_profile_ == p)) last_profile_ = std::make_shared<const EntryProfile>(std::move(p));
  e.share_profile(last_profile_);
  return e;
}

Result<ManifestEntry> ActEntryFile::At(size_t index) const {
  if (!at_) return Status::Internal("act entries read before Finish");
  at_->Bind(1, static_cast<int64_t>(index + 1));
  Result<bool> row = at_->Step();
  if (!row.ok() || !*row) {
    at_->Reset();
    return row.ok() ? Status::Internal("act entry " + std::to_string(index) + " is not in " + path_)
                    : row.status().WithContext("act entries");
  }
  ManifestEntry e = Row(*at_);
  at_->Reset();
  return e;
}

Result<std::optional<std::pair<size_t, ManifestEntry>>> ActEntryFile::Find(std::string_view disc,
                                                                           std::string_view path) const {
  using Found = std::optional<std::pair<size_t, ManifestEntry>>;
  if (!find_) return Status::Internal("act entries read before Finish");
  find_->Bind(1, disc).Bind(2, path);
  Result<bool> row = find_->Step();
  Found found;
  if (row.ok() && *row) found.emplace(static_cast<size_t>(find_->ColumnInt(0) - 1), Row(*find_));
  find_->Reset();
  if (!row.ok()) return row.status().WithContext("act entries");
  return found;
}

Status ActEntryFile::ForEachOtherDisc(std::string_view disc, const std::function<void(size_t)>& fn) const {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT n FROM entries WHERE disc != ? ORDER BY n"));
  st.Bind(1, disc);
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Ok();
    fn(static_cast<size_t>(st.ColumnInt(0) - 1));
  }
}

Status ActEntryFile::ForEach(const std::function<void(size_t, const ManifestEntry&)>& fn) const {
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         db_.Prepare(std::string("SELECT ") + kEntryColumns + " FROM entries ORDER BY n"));
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Ok();
    fn(static_cast<size_t>(st.ColumnInt(0) - 1), Row(st));
  }
}

Status ActEntryFile::ForEachDigest(const std::function<void(std::string_view, std::string_view)>& fn) const {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db_.Prepare("SELECT sha256, disc FROM entries ORDER BY n"));
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::Ok();
    fn(st.ColumnText(0), st.ColumnText(1));  // "" for an act without checksums
  }
}

}  // namespace qoima::appliance

// Versioned schema migrations of the metadata database.
//
// Each migration has a number, a one-line description and SQL in the SQLite
// 3.15 dialect. ApplyMigrations() runs every migration newer than the
// database's recorded version, each in its own transaction that also records
// it in schema_migrations and PRAGMA user_version, so a crash leaves the
// database at a whole version. A database newer than this binary is refused.
// Migrations are append-only: a released migration is never edited.
//
// The schema is documented table by table in docs/storage.md.
//
// Thread-safety: none; called once at start-up by Store::Open.
#pragma once

#include <span>
#include <string_view>

#include "storage/database.h"

namespace qoima::storage {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

/// All migrations in order (version 1, 2, ...).
std::span<const Migration> AllMigrations();

/// The version the newest migration brings the database to.
int LatestSchemaVersion();

/// Brings `db` to LatestSchemaVersion(). Returns the version found before.
/// On failure the database stays at the last whole version.
Result<int> ApplyMigrations(Database& db, std::string_view applied_at);

}  // namespace qoima::storage

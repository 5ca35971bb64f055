// CalendarStore: versioned imports of the working-day calendar in the store
// (table calendar_imports, migration 3), and the calendar the rules use.
//
// Importing a file adds, for each year in it, a new version of that year
// (1, 2, ...) with the source the operator named (the decree), the file name
// and its SHA-256, who imported it and when; earlier versions stay for the
// record. The calendar in force for a year is its newest version; a year never
// imported falls back to the built-in default (default_calendar.h) when the
// default covers it. Each import is one transaction with its audit entry.
//
// Thread-safety: same thread as the Database.
#pragma once

#include <string>
#include <vector>

#include "appliance/lifecycle/lifecycle_types.h"
#include "appliance/lifecycle/working_calendar.h"
#include "storage/audit_log.h"
#include "storage/database.h"

namespace qoima::appliance::lifecycle {

struct CalendarImportInfo {
  int year = 0;
  int version = 0;  // 0: the built-in default (never imported)
  std::string source;
  std::string file_name;
  std::string file_sha256_hex;
  std::string imported_by;
  std::string imported_at;
};

/// Parses `text` and stores each year as a new version. On any error nothing is stored.
Result<std::vector<CalendarImportInfo>> ImportCalendar(storage::Database& db, storage::AuditLog& audit,
                                                       const LifecycleActor& actor, std::string_view text,
                                                       const std::string& file_name, const std::string& source,
                                                       const std::string& now_utc);

/// Every import, oldest first (the history `qoima calendar show --history` prints).
Result<std::vector<CalendarImportInfo>> CalendarHistory(storage::Database& db);

/// The calendar in force: newest import per year, plus default years not imported.
/// `in_force` (optional) receives what each year comes from.
Result<WorkingCalendar> LoadCalendar(storage::Database& db, std::vector<CalendarImportInfo>* in_force = nullptr);

}  // namespace qoima::appliance::lifecycle

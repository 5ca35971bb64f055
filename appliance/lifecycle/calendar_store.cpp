#include "appliance/lifecycle/calendar_store.h"

#include <map>

#include "appliance/lifecycle/calendar_file.h"
#include "appliance/lifecycle/default_calendar.h"
#include "appliance/role.h"
#include "crypto/hash.h"

namespace qoima::appliance::lifecycle {

Result<std::vector<CalendarImportInfo>> ImportCalendar(storage::Database& db, storage::AuditLog& audit,
                                                       const LifecycleActor& actor, std::string_view text,
                                                       const std::string& file_name, const std::string& source,
                                                       const std::string& now_utc) {
  QOIMA_RETURN_IF_ERROR(RequireNamedRole(actor.login, actor.role, Permission::kReferenceImport, "import a calendar"));
  if (source.empty())
    return Status::InvalidArgument("import a calendar: name its source (the decree or act, --source)");
  QOIMA_ASSIGN_OR_RETURN(auto years, ParseCalendarFile(text, file_name));
  // Building checks that the years combine into a calendar before anything is stored.
  QOIMA_RETURN_IF_ERROR(WorkingCalendar::Build(years).status());
  std::string sha = crypto::Hex(crypto::Sha256::Digest(text));
  auto digest = crypto::Sha256::Digest(text);

  QOIMA_ASSIGN_OR_RETURN(storage::Transaction tx, storage::Transaction::Begin(db));
  std::vector<CalendarImportInfo> out;
  for (const auto& y : years) {
    QOIMA_ASSIGN_OR_RETURN(auto sel,
                           db.Prepare("SELECT COALESCE(MAX(version), 0) FROM calendar_imports WHERE year = ?"));
    sel.Bind(1, static_cast<int64_t>(y.year));
    QOIMA_ASSIGN_OR_RETURN(bool row, sel.Step());
    int version = row ? static_cast<int>(sel.ColumnInt(0)) + 1 : 1;
    QOIMA_ASSIGN_OR_RETURN(auto ins, db.Prepare("INSERT INTO calendar_imports(year, version, source, file_name, "
                                                "file_sha256, year_text, imported_by, imported_at) "
                                                "VALUES(?,?,?,?,?,?,?,?)"));
    QOIMA_RETURN_IF_ERROR(ins.Bind(1, static_cast<int64_t>(y.year))
                              .Bind(2, static_cast<int64_t>(version))
                              .Bind(3, source)
                              .Bind(4, file_name)
                              .BindBlob(5, digest)
                              .Bind(6, FormatCalendarFile({y}))
                              .Bind(7, actor.login)
                              .Bind(8, now_utc)
                              .Run());
    QOIMA_RETURN_IF_ERROR(audit
                              .Append({now_utc, actor.login, actor.role, "calendar.import",
                                       "calendar:" + std::to_string(y.year) + "/v" + std::to_string(version), "success",
                                       "file " + file_name + " sha256 " + sha + ", " +
                                           std::to_string(y.entries.size()) + " entries, source: " + source})
                              .status());
    out.push_back({y.year, version, source, file_name, sha, actor.login, now_utc});
  }
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  return out;
}

Result<std::vector<CalendarImportInfo>> CalendarHistory(storage::Database& db) {
  QOIMA_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT year, version, source, file_name, file_sha256, imported_by, "
                                             "imported_at FROM calendar_imports ORDER BY id"));
  std::vector<CalendarImportInfo> out;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({static_cast<int>(st.ColumnInt(0)), static_cast<int>(st.ColumnInt(1)), st.ColumnText(2),
                   st.ColumnText(3), crypto::Hex(st.ColumnBlob(4)), st.ColumnText(5), st.ColumnText(6)});
  }
  return out;
}

Result<WorkingCalendar> LoadCalendar(storage::Database& db, std::vector<CalendarImportInfo>* in_force) {
  std::map<int, CalendarYear> years;
  std::map<int, CalendarImportInfo> origin;
  auto defaults = ParseCalendarFile(DefaultCalendarText(), kDefaultCalendarName);
  if (!defaults.ok()) return defaults.status().WithContext("built-in calendar");
  for (auto& y : *defaults) {
    origin[y.year] = {y.year, 0, y.source, std::string(kDefaultCalendarName), "", "", ""};
    years[y.year] = std::move(y);
  }
  QOIMA_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT c.year, c.version, c.source, c.file_name, c.file_sha256, "
                                             "c.year_text, c.imported_by, c.imported_at FROM calendar_imports c "
                                             "WHERE c.version = (SELECT MAX(version) FROM calendar_imports d "
                                             "WHERE d.year = c.year) ORDER BY c.year"));
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    int year = static_cast<int>(st.ColumnInt(0));
    std::string name = "calendar_imports year " + std::to_string(year) + " v" + std::to_string(st.ColumnInt(1));
    auto parsed = ParseCalendarFile(st.ColumnText(5), name);
    if (!parsed.ok() || parsed->size() != 1 || (*parsed)[0].year != year)
      return Status::Corrupt(name + " does not parse back: " + parsed.status().ToString());
    years[year] = std::move((*parsed)[0]);
    origin[year] = {year,
                    static_cast<int>(st.ColumnInt(1)),
                    st.ColumnText(2),
                    st.ColumnText(3),
                    crypto::Hex(st.ColumnBlob(4)),
                    st.ColumnText(6),
                    st.ColumnText(7)};
  }
  std::vector<CalendarYear> list;
  for (auto& [y, cy] : years) list.push_back(std::move(cy));
  if (in_force) {
    in_force->clear();
    for (auto& [y, info] : origin) in_force->push_back(info);
  }
  return WorkingCalendar::Build(std::move(list));
}

}  // namespace qoima::appliance::lifecycle

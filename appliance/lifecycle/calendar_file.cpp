#include "appliance/lifecycle/calendar_file.h"

#include <map>
#include <optional>

#include "appliance/lifecycle/text_fields.h"

namespace qoima::appliance::lifecycle {

namespace {

std::string_view Trim(std::string_view s) { return TrimField(s); }
std::vector<std::string_view> SplitFields(std::string_view line) { return SplitBarFields(line); }

const char* kFieldNames[] = {"record", "date", "name", "source", "status"};

/// The one word the optional fifth field of an entry may hold.
constexpr std::string_view kProvisional = "provisional";

class Parser {
 public:
  explicit Parser(std::string_view file) : file_(file) {}

  Status Error(int line, int field, std::string_view field_name, const std::string& msg) const {
    std::string where = std::string(file_) + ": line " + std::to_string(line);
    if (field > 0) where += ", field " + std::to_string(field) + " (" + std::string(field_name) + ")";
    return Status::InvalidArgument(where + ": " + msg);
  }

  Result<std::vector<CalendarYear>> Run(std::string_view text) {
    if (text.size() > CalendarFileLimits::kMaxFileBytes)
      return Status::LimitExceeded(std::string(file_) + ": " + std::to_string(text.size()) +
                                   " bytes is more than the limit of " +
                                   std::to_string(CalendarFileLimits::kMaxFileBytes));
    int line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      ++line_no;
      pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
      if (raw.size() > CalendarFileLimits::kMaxLineBytes)
        return Status::LimitExceeded(std::string(file_) + ": line " + std::to_string(line_no) + " is longer than " +
                                     std::to_string(CalendarFileLimits::kMaxLineBytes) + " bytes");
      std::string_view line = Trim(raw);
      if (line.empty() || line.front() == '#') continue;
      QOIMA_RETURN_IF_ERROR(Line(line_no, SplitFields(line)));
    }
    if (!seen_magic_) return Error(line_no, 0, "", "no 'qoima-calendar | 1' header: not a calendar file");
    if (current_) return Error(line_no, 0, "", "year " + std::to_string(current_->year) + " has no 'end' line");
    if (years_.empty()) return Error(line_no, 0, "", "the file holds no year");
    return std::move(years_);
  }

 private:
  Status Line(int n, const std::vector<std::string_view>& f) {
    for (size_t i = 0; i < f.size(); ++i)
      if (f[i].size() > CalendarFileLimits::kMaxFieldBytes)
        return Status::LimitExceeded(std::string(file_) + ": line " + std::to_string(n) + ", field " +
                                     std::to_string(i + 1) + " is longer than " +
                                     std::to_string(CalendarFileLimits::kMaxFieldBytes) + " bytes");
    std::string_view rec = f[0];
    if (!seen_magic_) {
      if (rec != kCalendarMagic) return Error(n, 1, "record", "expected 'qoima-calendar | 1' as the first line");
      if (f.size() != 2 || f[1] != std::to_string(kCalendarFormatVersion))
        return Error(n, 2, "format version", "only format version 1 is understood");
      seen_magic_ = true;
      return Status::Ok();
    }
    if (rec == "year") return YearLine(n, f);
    if (rec == "end") return EndLine(n, f);
    std::optional<CalendarEntryKind> kind;
    if (rec == "holiday") kind = CalendarEntryKind::kHoliday;
    if (rec == "religious") kind = CalendarEntryKind::kReligious;
    if (rec == "day-off") kind = CalendarEntryKind::kDayOff;
    if (rec == "workday") kind = CalendarEntryKind::kWorkday;
    if (!kind)
      return Error(
          n, 1, "record",
          "unknown record '" + std::string(rec) + "' (expected year, holiday, religious, day-off, workday or end)");
    return EntryLine(n, *kind, f);
  }

  Status YearLine(int n, const std::vector<std::string_view>& f) {
    if (current_) return Error(n, 1, "record", "year " + std::to_string(current_->year) + " has no 'end' line");
    if (f.size() != 3) return Error(n, 0, "", "a year line has 3 fields: year | YYYY | source");
    if (f[1].size() != 4) return Error(n, 2, "year", "'" + std::string(f[1]) + "' is not a four-digit year");
    auto probe = CivilDate::Parse(std::string(f[1]) + "-01-01");
    if (!probe.ok()) return Error(n, 2, "year", "'" + std::string(f[1]) + "' is not a four-digit year");
    if (f[2].empty()) return Error(n, 3, "source", "a year must name its source (the act or decree)");
    if (years_.size() >= CalendarFileLimits::kMaxYearsPerFile)
      return Status::LimitExceeded(std::string(file_) + ": line " + std::to_string(n) + ": more than " +
                                   std::to_string(CalendarFileLimits::kMaxYearsPerFile) + " years in one file");
    int y = probe->year();
    if (!years_.empty()) {
      int prev = years_.back().year;
      if (y <= prev)
        return Error(
            n, 2, "year",
            std::to_string(y) + " does not follow " + std::to_string(prev) + " (years must ascend and appear once)");
      if (y != prev + 1)
        return Error(n, 2, "year",
                     "gap: " + std::to_string(prev) + " is followed by " + std::to_string(y) +
                         "; the years in between are missing");
    }
    current_ = CalendarYear{y, std::string(f[2]), {}};
    by_date_.clear();
    return Status::Ok();
  }

  Status EndLine(int n, const std::vector<std::string_view>& f) {
    if (!current_) return Error(n, 1, "record", "'end' without a 'year' line");
    if (f.size() != 2 || f[1] != std::to_string(current_->year))
      return Error(n, 2, "year", "expected 'end | " + std::to_string(current_->year) + "'");
    years_.push_back(std::move(*current_));
    current_.reset();
    return Status::Ok();
  }

  Status EntryLine(int n, CalendarEntryKind kind, const std::vector<std::string_view>& f) {
    if (!current_) return Error(n, 1, "record", "entry before a 'year' line");
    if (f.size() < 3 || f.size() > 5)
      return Error(n, 0, "",
                   "an entry has 3 to 5 fields: " + std::string(CalendarEntryKindName(kind)) +
                       " | YYYY-MM-DD | name | source | provisional");
    auto date = CivilDate::Parse(f[1]);
    if (!date.ok()) return Error(n, 2, kFieldNames[1], date.status().message());
    if (date->year() != current_->year)
      return Error(n, 2, kFieldNames[1],
                   date->ToString() + " is not in the section's year " + std::to_string(current_->year));
    if (f[2].empty()) return Error(n, 3, kFieldNames[2], "empty name");
    std::string source = f.size() >= 4 ? std::string(f[3]) : std::string();
    bool provisional = false;
    if (f.size() == 5) {
      if (f[4] != kProvisional)
        return Error(n, 5, kFieldNames[4],
                     "'" + std::string(f[4]) + "': the fifth field, when present, is the word 'provisional'");
      provisional = true;
    }
    if ((kind != CalendarEntryKind::kHoliday || provisional) && source.empty())
      return Error(n, 4, kFieldNames[3],
                   std::string(provisional ? "provisional" : CalendarEntryKindName(kind)) +
                       " entries must name their source (the decree or announcement that set the date, or where "
                       "the expected date comes from)");
    if (kind == CalendarEntryKind::kWorkday && !date->is_weekend())
      return Error(n, 2, kFieldNames[1], date->ToString() + " is a weekday; a 'workday' transfer moves a weekend day");
    if (kind == CalendarEntryKind::kDayOff && date->is_weekend())
      return Error(n, 2, kFieldNames[1],
                   date->ToString() + " is a weekend day already; a 'day-off' transfer names a weekday");
    auto dup = by_date_.find(date->day_number());
    if (dup != by_date_.end())
      return Error(n, 2, kFieldNames[1],
                   "duplicate: " + date->ToString() + " is already given on line " + std::to_string(dup->second));
    if (current_->entries.size() >= CalendarFileLimits::kMaxEntriesPerYear)
      return Status::LimitExceeded(std::string(file_) + ": line " + std::to_string(n) + ": more than " +
                                   std::to_string(CalendarFileLimits::kMaxEntriesPerYear) + " entries in " +
                                   std::to_string(current_->year));
    by_date_[date->day_number()] = n;
    current_->entries.push_back({kind, *date, std::string(f[2]), std::move(source), n, provisional});
    return Status::Ok();
  }

  std::string_view file_;
  bool seen_magic_ = false;
  std::vector<CalendarYear> years_;
  std::optional<CalendarYear> current_;
  std::map<int, int> by_date_;  // day number -> line
};

}  // namespace

Result<std::vector<CalendarYear>> ParseCalendarFile(std::string_view text, std::string_view file_name) {
  return Parser(file_name).Run(text);
}

std::string FormatCalendarFile(const std::vector<CalendarYear>& years) {
  std::string out = std::string(kCalendarMagic) + " | " + std::to_string(kCalendarFormatVersion) + "\n";
  for (const auto& y : years) {
    out += "year | " + std::to_string(y.year) + " | " + y.source + "\n";
    for (const auto& e : y.entries) {
      out += std::string(CalendarEntryKindName(e.kind)) + " | " + e.date.ToString() + " | " + e.name;
      if (!e.source.empty()) out += " | " + e.source;
      if (e.provisional) out += " | " + std::string(kProvisional);
      out += "\n";
    }
    out += "end | " + std::to_string(y.year) + "\n";
  }
  return out;
}

}  // namespace qoima::appliance::lifecycle

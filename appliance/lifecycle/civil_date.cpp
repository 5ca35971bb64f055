#include "appliance/lifecycle/civil_date.h"

#include <cstdio>
#include <ctime>

namespace qoima::appliance::lifecycle {

namespace {
constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2999;

bool AllDigits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}
}  // namespace

CivilDate CivilDate::FromYmd(int year, unsigned month, unsigned day) {
  std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  return CivilDate(std::chrono::sys_days(ymd).time_since_epoch().count());
}

Result<CivilDate> CivilDate::Make(int year, unsigned month, unsigned day) {
  if (year < kMinYear || year > kMaxYear)
    return Status::InvalidArgument("year " + std::to_string(year) + " is outside " + std::to_string(kMinYear) + ".." +
                                   std::to_string(kMaxYear));
  if (month < 1 || month > 12) return Status::InvalidArgument("month " + std::to_string(month) + " is not 1..12");
  std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  if (!ymd.ok())
    return Status::InvalidArgument("day " + std::to_string(day) + " does not exist in " + std::to_string(year) + "-" +
                                   (month < 10 ? "0" : "") + std::to_string(month));
  return FromYmd(year, month, day);
}

Result<CivilDate> CivilDate::Parse(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !AllDigits(text.substr(0, 4)) ||
      !AllDigits(text.substr(5, 2)) || !AllDigits(text.substr(8, 2)))
    return Status::InvalidArgument("'" + std::string(text) + "' is not a date of the form YYYY-MM-DD");
  auto r = Make(ToInt(text.substr(0, 4)), static_cast<unsigned>(ToInt(text.substr(5, 2))),
                static_cast<unsigned>(ToInt(text.substr(8, 2))));
  if (!r.ok()) return r.status().WithContext("date '" + std::string(text) + "'");
  return r;
}

CivilDate CivilDate::Today() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return FromYmd(local.tm_year + 1900, static_cast<unsigned>(local.tm_mon + 1), static_cast<unsigned>(local.tm_mday));
}

std::chrono::year_month_day CivilDate::Ymd() const {
  return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{days_}}};
}

int CivilDate::year() const { return static_cast<int>(Ymd().year()); }
unsigned CivilDate::month() const { return static_cast<unsigned>(Ymd().month()); }
unsigned CivilDate::day() const { return static_cast<unsigned>(Ymd().day()); }

unsigned CivilDate::iso_weekday() const {
  return std::chrono::weekday{std::chrono::sys_days{std::chrono::days{days_}}}.iso_encoding();
}

std::string CivilDate::ToString() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", year(), month(), day());
  return buf;
}

}  // namespace qoima::appliance::lifecycle

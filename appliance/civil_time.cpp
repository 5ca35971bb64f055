#include "appliance/civil_time.h"

#include <cstdio>

namespace qoima::appliance {
namespace {

constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2999;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool Digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool ValidYmd(int year, unsigned month, unsigned day) {
  return std::chrono::year_month_day{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}}.ok();
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
  if (!ValidYmd(year, month, day))
    return Status::InvalidArgument("day " + std::to_string(day) + " does not exist in " + std::to_string(year) + "-" +
                                   (month < 10 ? "0" : "") + std::to_string(month));
  return FromYmd(year, month, day);
}

Result<CivilDate> CivilDate::Parse(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !Digits(text.substr(0, 4)) ||
      !Digits(text.substr(5, 2)) || !Digits(text.substr(8, 2)))
    return Status::InvalidArgument("'" + std::string(text) + "' is not a date of the form YYYY-MM-DD");
  auto r = Make(ToInt(text.substr(0, 4)), static_cast<unsigned>(ToInt(text.substr(5, 2))),
                static_cast<unsigned>(ToInt(text.substr(8, 2))));
  if (!r.ok()) return r.status().WithContext("date '" + std::string(text) + "'");
  return r;
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

std::string FormatUtc(int64_t t) {
  int64_t days = FloorDiv(t, 86400);
  int64_t sec = t - days * 86400;
  CivilDate d = CivilDate::FromDayNumber(static_cast<int>(days));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", d.year(), d.month(), d.day(),
                static_cast<int>(sec / 3600), static_cast<int>(sec / 60 % 60), static_cast<int>(sec % 60));
  return buf;
}

CivilDate LocalDateOf(int64_t t) {
  return CivilDate::FromDayNumber(static_cast<int>(FloorDiv(t + kActUtcOffsetSeconds, 86400)));
}

std::optional<CivilDate> ParseDay(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (s.size() == 10 && s[4] == '-' && s[7] == '-' && Digits(s.substr(0, 4)) && Digits(s.substr(5, 2)) &&
      Digits(s.substr(8, 2))) {
    y = ToInt(s.substr(0, 4)), m = ToInt(s.substr(5, 2)), d = ToInt(s.substr(8, 2));
  } else if (s.size() == 10 && s[2] == '.' && s[5] == '.' && Digits(s.substr(0, 2)) && Digits(s.substr(3, 2)) &&
             Digits(s.substr(6, 4))) {
    y = ToInt(s.substr(6, 4)), m = ToInt(s.substr(3, 2)), d = ToInt(s.substr(0, 2));
  } else {
    return std::nullopt;
  }
  if (y < 1900 || y > 9999 || !ValidYmd(y, static_cast<unsigned>(m), static_cast<unsigned>(d))) return std::nullopt;
  return CivilDate::FromYmd(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

}  // namespace qoima::appliance

#include "appliance/civil_time.h"

#include <cstdio>

namespace qoima::appliance {
namespace {

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

}  // namespace

int64_t DaysFromCivil(CivilDate d) {
  int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  int64_t era = FloorDiv(y, 400);
  int64_t yoe = y - era * 400;
  int64_t mp = (d.month + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(y + (m <= 2 ? 1 : 0)), m, d};
}

bool IsValidCivil(CivilDate d) {
  if (d.year < 1900 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1) return false;
  return CivilFromDays(DaysFromCivil(d)) == d;
}

std::string FormatUtc(int64_t t) {
  int64_t days = FloorDiv(t, 86400);
  int64_t sec = t - days * 86400;
  CivilDate d = CivilFromDays(days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day, static_cast<int>(sec / 3600),
                static_cast<int>(sec / 60 % 60), static_cast<int>(sec % 60));
  return buf;
}

std::string FormatDay(CivilDate d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

CivilDate LocalDateOf(int64_t t) { return CivilFromDays(FloorDiv(t + kActUtcOffsetSeconds, 86400)); }

std::optional<CivilDate> ParseDay(std::string_view s) {
  CivilDate d;
  if (s.size() == 10 && s[4] == '-' && s[7] == '-' && Digits(s.substr(0, 4)) && Digits(s.substr(5, 2)) &&
      Digits(s.substr(8, 2))) {
    d = {ToInt(s.substr(0, 4)), ToInt(s.substr(5, 2)), ToInt(s.substr(8, 2))};
  } else if (s.size() == 10 && s[2] == '.' && s[5] == '.' && Digits(s.substr(0, 2)) && Digits(s.substr(3, 2)) &&
             Digits(s.substr(6, 4))) {
    d = {ToInt(s.substr(6, 4)), ToInt(s.substr(3, 2)), ToInt(s.substr(0, 2))};
  } else {
    return std::nullopt;
  }
  if (!IsValidCivil(d)) return std::nullopt;
  return d;
}

}  // namespace qoima::appliance

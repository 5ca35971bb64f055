#include "kiosk/local_time.h"

#include <cstdio>
#include <ctime>

#include "appliance/civil_time.h"

namespace qoima::kiosk {
namespace {

std::tm CounterTm(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds + appliance::kActUtcOffsetSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

/// The unix time of an ISO UTC time of the log; false when `iso_utc` is not one.
bool ParseLogTime(std::string_view iso_utc, std::int64_t* unix_seconds) {
  std::tm tm{};
  char zone = 0;
  std::string text(iso_utc);
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                      &tm.tm_min, &tm.tm_sec, &zone);
  if (n != 7 || zone != 'Z') return false;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  *unix_seconds = static_cast<std::int64_t>(timegm(&tm));
  return true;
}

}  // namespace

std::string CounterTime(std::int64_t unix_seconds, bool seconds) {
  std::tm tm = CounterTm(unix_seconds);
  char buf[32];
  std::strftime(buf, sizeof buf, seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
  return buf;
}

std::string CounterClock(std::int64_t unix_seconds) {
  std::tm tm = CounterTm(unix_seconds);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M", &tm);
  return buf;
}

std::string CounterTimeOfUtc(std::string_view iso_utc) {
  std::int64_t t = 0;
  return ParseLogTime(iso_utc, &t) ? CounterTime(t, true) : std::string(iso_utc);
}

std::string CounterDateTimeOfUtc(std::string_view iso_utc) {
  std::int64_t t = 0;
  if (!ParseLogTime(iso_utc, &t)) return std::string(iso_utc);
  std::tm tm = CounterTm(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%d.%m.%Y %H:%M:%S", &tm);
  return buf;
}

}  // namespace qoima::kiosk

// Fuzz target for the lifecycle's parsers of operator-supplied files: the
// working-day calendar, the trusted-register snapshot and sha256sum listings.
// The first byte chooses the parser. Built as a libFuzzer binary with
// QOIMA_FUZZ=ON; otherwise lifecycle_fuzz_replay runs the corpus and byte-flip
// mutations of it through the same function as an ordinary test.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "appliance/lifecycle/calendar_file.h"
#include "appliance/lifecycle/register_snapshot.h"
#include "appliance/lifecycle/tree_checksum.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace qoima::appliance;
  using namespace qoima::appliance::lifecycle;
  switch (data[0] % 3) {
    case 0: {
      auto years = ParseCalendarFile(text, "fuzz.cal");
      if (years.ok()) {
        auto cal = WorkingCalendar::Build(*years);
        if (cal.ok() && !years->empty()) {
          auto start = CivilDate::FromYmd(years->front().year, 1, 1);
          (void)cal->AddWorkingDays(start, 30);
        }
        (void)ParseCalendarFile(FormatCalendarFile(*years), "again.cal");
      }
      break;
    }
    case 1: {
      auto snap = ParseRegisterSnapshot(text, "fuzz.reg");
      if (snap.ok()) {
        (void)LookUpProduct(*snap, "soft", RegisterTrack::kRegister, snap->taken);
        (void)ParseRegisterSnapshot(FormatRegisterSnapshot(*snap), "again.reg");
      }
      break;
    }
    default: {
      auto list = ParseSha256sumListing(text, "fuzz.sha256");
      if (list.ok()) (void)ParseSha256sumListing(Sha256sumListing(list->files), "again.sha256");
      break;
    }
  }
  return 0;
}

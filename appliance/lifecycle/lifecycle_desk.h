// LifecycleDesk: the lifecycle as a front reaches it (docs/lifecycle.md).
//
// The appliance opens a desk for a logged-in user (Appliance::OpenLifecycle):
// the desk holds the LifecycleService, the working-day calendar in force and
// the clock, and keeps the store behind it, so a front never holds the store.
// Calendar and register imports, the stored checksum tree of a version and the
// reports are read here; the cases, notices and tests are the service's.
//
// Ownership: borrows the store; the desk must not outlive the Appliance that
// opened it. Thread-safety: same thread as the store.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/lifecycle/calendar_store.h"
#include "appliance/lifecycle/lifecycle_report.h"
#include "appliance/lifecycle/lifecycle_service.h"
#include "appliance/lifecycle/lifecycle_types.h"
#include "appliance/lifecycle/register_store.h"
#include "appliance/lifecycle/tree_checksum.h"
#include "appliance/lifecycle/working_calendar.h"
#include "common/result.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace qoima::appliance::lifecycle {

class LifecycleDesk {
 public:
  /// Loads the calendar in force from `store`. `clock` (borrowed) is the
  /// appliance's clock or a rehearsal's fixed date.
  static Result<std::unique_ptr<LifecycleDesk>> Open(storage::Store& store, LifecycleActor actor,
                                                     const storage::Clock& clock);
  LifecycleDesk(const LifecycleDesk&) = delete;
  LifecycleDesk& operator=(const LifecycleDesk&) = delete;

  LifecycleService& service() { return *service_; }
  const WorkingCalendar& calendar() const { return calendar_; }
  const LifecycleActor& actor() const { return actor_; }
  const storage::Clock& clock() const { return clock_; }
  /// Today in local time (UTC+5) by the desk's clock.
  CivilDate Today() const;

  /// Imports a calendar file (calendar_store.h); audited as the desk's user.
  Result<std::vector<CalendarImportInfo>> ImportCalendar(std::string_view text, const std::string& file_name,
                                                         const std::string& source);
  Result<std::vector<CalendarImportInfo>> CalendarHistory();
  /// The calendar in force now (what `calendar()` was loaded from).
  Result<WorkingCalendar> CalendarInForce(std::vector<CalendarImportInfo>* in_force);

  /// Imports a trusted-register snapshot (register_store.h); audited.
  Result<RegisterImportInfo> ImportRegisterSnapshot(std::string_view text, const std::string& file_name);
  Result<std::optional<RegisterSnapshot>> LatestRegisterSnapshot(RegisterImportInfo* info);

  /// The checksum tree of a stored version's files as recorded at intake;
  /// `info` receives the version (its state and tier). NotFound naming the
  /// object and version.
  Result<TreeChecksum> StoredVersionTree(const std::string& object_ref, int version_no, VersionInfo* info);

  Result<HalfYearReport> BuildHalfYearReport(int year, int half, const CivilDate& today);
  Result<InformationReport> BuildInformationReport(const std::string& object_ref, const std::string& request_reference,
                                                   const CivilDate& today);

 private:
  LifecycleDesk(storage::Store& store, LifecycleActor actor, const storage::Clock& clock, WorkingCalendar calendar);

  storage::Store& store_;
  LifecycleActor actor_;
  const storage::Clock& clock_;
  WorkingCalendar calendar_;
  std::unique_ptr<LifecycleService> service_;
};

}  // namespace qoima::appliance::lifecycle

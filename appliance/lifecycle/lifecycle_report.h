// LifecycleReport: the half-year report to the authorized body (the
// operator's report, due by the 10th of the month after each half-year as in
// the former 001 cl.13 and 002 cl.14; 003 cl.34) and the
// information on stored code given at the authorized body's request (003
// cl.34), as plain data for printing (appliance/print renders it) and --json.
//
// Thread-safety: plain values; the builders read the database only.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "appliance/lifecycle/lifecycle_service.h"

namespace qoima::appliance::lifecycle {

struct ReportLine {
  std::string date;    // YYYY-MM-DD of the event
  std::string object;  // "Е-лицензиялау (ARCH-0042)" or the application's software name
  std::string detail;  // number, reason, reference (the CLI's --json and text)
  // The same facts as fields, for the printed report (appliance/print words them):
  std::string act;          // act number cited: A-<deposit>, R-<intake>, RET-<case>, DESTR-..., or "case N"
  std::string number;       // application number
  std::string applicant;    // applicant (applications)
  int refusal_reason = 0;   // refusals: the reason's number (1-3)
  std::string reason_text;  // refusals: the clerk's words
  std::string case_kind;    // cases: issue, return, destroy
  std::string reference;    // cases: the owner's letter
  std::string received_on, due_on, done_on;  // cases: YYYY-MM-DD ("" when not done)
};

struct HalfYearReport {
  int year = 0;
  int half = 0;  // 1: January-June, 2: July-December
  CivilDate period_start, period_end, due_on;
  std::vector<ReportLine> applications;  // received in the period
  std::vector<ReportLine> acceptances;
  std::vector<ReportLine> refusals;  // with the reason (001 cl.16 (1)-(3)) and its text
  std::vector<ReportLine> issues;    // completed in the period: paper says "issued" only for these
  std::vector<ReportLine> returns;
  std::vector<ReportLine> destructions;
  std::vector<ReportLine> open_requests;   // received by the period's end, not completed by then
  std::vector<DueItem> overdue;            // still open today and due within the period
  std::vector<ReportLine> completed_late;  // due within the period, done after the due date
};

/// REQUIRES: the period has ended (InvalidArgument for a half-year not over by `today`).
Result<HalfYearReport> BuildHalfYearReport(storage::Database& db, LifecycleService& svc, const WorkingCalendar& cal,
                                           int year, int half, const CivilDate& today);

struct InformationReportObject {
  ObjectInfo object;
  std::vector<VersionInfo> versions;
};

struct InformationReport {
  CivilDate as_of;
  std::string request_reference;  // the authorized body's request
  std::vector<InformationReportObject> objects;
  int64_t versions_temporary = 0, versions_permanent = 0, versions_destroyed = 0;
  int64_t total_files = 0, total_bytes = 0;
};

/// Information on stored code (003 cl.34); `object_ref` empty: every object.
Result<InformationReport> BuildInformationReport(storage::Database& db, LifecycleService& svc,
                                                 const std::string& object_ref, const std::string& request_reference,
                                                 const CivilDate& today);

nlohmann::json ToJson(const HalfYearReport& r);
nlohmann::json ToJson(const InformationReport& r);

}  // namespace qoima::appliance::lifecycle

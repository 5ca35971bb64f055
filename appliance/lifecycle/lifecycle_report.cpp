#include "appliance/lifecycle/lifecycle_report.h"

#include "appliance/lifecycle/deadline_rules.h"
#include "appliance/lifecycle/lifecycle_json.h"

namespace qoima::appliance::lifecycle {

namespace {

Status Collect(storage::Database& db, const std::string& sql, const CivilDate& from, const CivilDate& to,
               std::vector<ReportLine>& out) {
  QOIMA_ASSIGN_OR_RETURN(auto st, db.Prepare(sql));
  st.Bind(1, from.ToString()).Bind(2, to.ToString());
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.ColumnText(0), st.ColumnText(1), st.ColumnText(2)});
  }
  return Status::Ok();
}

std::string RefusalReason(int code) {
  switch (code) {
    case 1: return "001 cl.16(1): not in the trusted register";
    case 2: return "001 cl.16(2): the act does not match the media";
    case 3: return "001 cl.16(3): the media does not work";
  }
  return "refusal reason " + std::to_string(code);
}

nlohmann::json Lines(const std::vector<ReportLine>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& l : v) a.push_back({{"date", l.date}, {"object", l.object}, {"detail", l.detail}});
  return a;
}

constexpr const char* kObjectLabel =
    "o.name || CASE WHEN o.architecture_code IS NULL THEN '' ELSE ' (' || o.architecture_code || ')' END";

}  // namespace

Result<HalfYearReport> BuildHalfYearReport(storage::Database& db, LifecycleService& svc, const WorkingCalendar& cal,
                                           int year, int half, const CivilDate& today) {
  HalfYearReport r;
  r.year = year;
  r.half = half;
  QOIMA_ASSIGN_OR_RETURN(r.due_on, HalfYearReportDue(cal, year, half));
  r.period_start = CivilDate::FromYmd(year, half == 1 ? 1 : 7, 1);
  r.period_end = CivilDate::FromYmd(year, half == 1 ? 6 : 12, half == 1 ? 30 : 31);
  if (today <= r.period_end)
    return Status::InvalidArgument("half-year " + std::to_string(year) + "/" + std::to_string(half) + " ends on " +
                                   r.period_end.ToString() + ": the report is made after it");
  const CivilDate& a = r.period_start;
  const CivilDate& b = r.period_end;
  QOIMA_RETURN_IF_ERROR(Collect(db,
                                "SELECT substr(received_at, 1, 10), software_name, 'application ' || number || ', "
                                "applicant ' || applicant FROM applications WHERE substr(received_at, 1, 10) "
                                "BETWEEN ? AND ? ORDER BY received_at, id",
                                a, b, r.applications));
  QOIMA_RETURN_IF_ERROR(Collect(db,
                                "SELECT substr(d.decided_at, 1, 10), COALESCE(p.software_name, ''), "
                                "'application ' || COALESCE(p.number, '-') FROM decisions d "
                                "LEFT JOIN applications p ON p.id = d.application_id WHERE d.kind = 'accept' AND "
                                "substr(d.decided_at, 1, 10) BETWEEN ? AND ? ORDER BY d.decided_at, d.id",
                                a, b, r.acceptances));
  {
    QOIMA_ASSIGN_OR_RETURN(auto st,
                           db.Prepare("SELECT substr(d.decided_at, 1, 10), COALESCE(p.software_name, ''), "
                                      "COALESCE(p.number, '-'), d.refusal_reason, COALESCE(d.reason_text, '') "
                                      "FROM decisions d LEFT JOIN applications p ON p.id = d.application_id "
                                      "WHERE d.kind = 'refuse' AND substr(d.decided_at, 1, 10) BETWEEN ? AND ? "
                                      "ORDER BY d.decided_at, d.id"));
    st.Bind(1, a.ToString()).Bind(2, b.ToString());
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      r.refusals.push_back({st.ColumnText(0), st.ColumnText(1),
                            "application " + st.ColumnText(2) + ": " +
                                RefusalReason(static_cast<int>(st.ColumnInt(3))) +
                                (st.ColumnText(4).empty() ? "" : "; " + st.ColumnText(4))});
    }
  }
  auto cases = [&](const char* kind, std::vector<ReportLine>& out) {
    return Collect(db,
                   std::string("SELECT c.received_on, ") + kObjectLabel +
                       ", 'ref. ' || c.reference || ', due ' || c.due_on || CASE WHEN c.state = 'done' THEN "
                       "', done ' || c.done_on || ' (' || COALESCE(c.result_ref, '') || ')' ELSE ', open' END "
                       "FROM lifecycle_cases c JOIN informatization_objects o ON o.id = c.object_id "
                       "WHERE c.kind = '" +
                       kind + "' AND (c.received_on BETWEEN ?1 AND ?2 OR c.done_on BETWEEN ?1 AND ?2) ORDER BY c.id",
                   a, b, out);
  };
  QOIMA_RETURN_IF_ERROR(cases("issue", r.issues));
  QOIMA_RETURN_IF_ERROR(cases("return", r.returns));
  QOIMA_RETURN_IF_ERROR(cases("destroy", r.destructions));
  QOIMA_ASSIGN_OR_RETURN(auto due, svc.Due(0));
  for (auto& d : due)
    if (d.status == DueStatus::kOverdue && d.due_on <= b) r.overdue.push_back(d);
  // Cases that were late at the period end but completed since are overdue items of the period too.
  QOIMA_RETURN_IF_ERROR(Collect(db,
                                std::string("SELECT c.due_on, ") + kObjectLabel +
                                    ", c.kind || ' case ' || c.id || ' completed late on ' || c.done_on "
                                    "FROM lifecycle_cases c JOIN informatization_objects o ON o.id = c.object_id "
                                    "WHERE c.state = 'done' AND c.done_on > c.due_on AND c.due_on BETWEEN ? AND ?",
                                a, b, r.completed_late));
  return r;
}

Result<InformationReport> BuildInformationReport(storage::Database& db, LifecycleService& svc,
                                                 const std::string& object_ref, const std::string& request_reference,
                                                 const CivilDate& today) {
  InformationReport r;
  r.as_of = today;
  r.request_reference = request_reference;
  std::vector<int64_t> ids;
  if (!object_ref.empty()) {
    QOIMA_ASSIGN_OR_RETURN(ObjectInfo o, svc.FindObject(object_ref));
    ids.push_back(o.id);
  } else {
    QOIMA_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT id FROM informatization_objects ORDER BY id"));
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      ids.push_back(st.ColumnInt(0));
    }
  }
  for (int64_t id : ids) {
    InformationReportObject o;
    QOIMA_ASSIGN_OR_RETURN(o.object, svc.FindObject(std::to_string(id)));
    QOIMA_ASSIGN_OR_RETURN(o.versions, svc.Versions(id));
    for (const auto& v : o.versions) {
      if (v.state == "destroyed") {
        ++r.versions_destroyed;
        continue;
      }
      (v.tier == StoreTier::kPermanent ? r.versions_permanent : r.versions_temporary)++;
      r.total_files += v.file_count;
      r.total_bytes += v.total_bytes;
    }
    r.objects.push_back(std::move(o));
  }
  return r;
}

nlohmann::json ToJson(const HalfYearReport& r) {
  nlohmann::json overdue = nlohmann::json::array();
  for (const auto& d : r.overdue) overdue.push_back(ToJson(d));
  return {{"report", "half-year"},
          {"clause", "001 cl.13; 002 cl.14"},
          {"year", r.year},
          {"half", r.half},
          {"period", {{"from", r.period_start.ToString()}, {"to", r.period_end.ToString()}}},
          {"due_on", r.due_on.ToString()},
          {"counts",
           {{"applications", r.applications.size()},
            {"acceptances", r.acceptances.size()},
            {"refusals", r.refusals.size()},
            {"issues", r.issues.size()},
            {"returns", r.returns.size()},
            {"destructions", r.destructions.size()},
            {"overdue", r.overdue.size()},
            {"completed_late", r.completed_late.size()}}},
          {"applications", Lines(r.applications)},
          {"acceptances", Lines(r.acceptances)},
          {"refusals", Lines(r.refusals)},
          {"issues", Lines(r.issues)},
          {"returns", Lines(r.returns)},
          {"destructions", Lines(r.destructions)},
          {"overdue", overdue},
          {"completed_late", Lines(r.completed_late)}};
}

nlohmann::json ToJson(const InformationReport& r) {
  nlohmann::json objects = nlohmann::json::array();
  for (const auto& o : r.objects) {
    nlohmann::json versions = nlohmann::json::array();
    for (const auto& v : o.versions) versions.push_back(ToJson(v));
    objects.push_back({{"object", ToJson(o.object)}, {"versions", versions}});
  }
  return {{"report", "information"},
          {"clause", "003 cl.34"},
          {"as_of", r.as_of.ToString()},
          {"request_reference", r.request_reference},
          {"totals",
           {{"versions_temporary", r.versions_temporary},
            {"versions_permanent", r.versions_permanent},
            {"versions_destroyed", r.versions_destroyed},
            {"files", r.total_files},
            {"bytes", r.total_bytes}}},
          {"objects", objects}};
}

}  // namespace qoima::appliance::lifecycle

#include "appliance/lifecycle/lifecycle_report.h"

#include "appliance/intake_assessment.h"
#include "appliance/intake_repository.h"
#include "appliance/lifecycle/deadline_rules.h"
#include "appliance/lifecycle/lifecycle_json.h"

namespace qoima::appliance::lifecycle {

namespace {

ReportLine Line(std::string date, std::string object, std::string detail) {
  ReportLine l;
  l.date = std::move(date);
  l.object = std::move(object);
  l.detail = std::move(detail);
  return l;
}

std::string RefusalGround(int code) {
  auto basis = [&] { return " (" + DescribeFormerPractice("cl.16(" + std::to_string(code) + ")").en + ")"; };
  switch (code) {
    case 1: return "not in the trusted register" + basis();
    case 2: return "the act does not match the media" + basis();
    case 3: return "the media does not work" + basis();
  }
  return "refusal reason " + std::to_string(code);
}

nlohmann::json Lines(const std::vector<ReportLine>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& l : v) {
    nlohmann::json j = {{"date", l.date}, {"object", l.object}, {"detail", l.detail}};
    if (!l.act.empty()) j["act"] = l.act;
    a.push_back(std::move(j));
  }
  return a;
}

std::string HalfYearBasis() {
  auto rule = FindDeadlineRule("half-year-report");
  return rule.ok() ? BasisText(**rule) : std::string("half-year-report");
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
  {
    QOIMA_ASSIGN_OR_RETURN(auto st, db.Prepare("SELECT substr(received_at, 1, 10), software_name, number, applicant "
                                               "FROM applications WHERE substr(received_at, 1, 10) BETWEEN ? AND ? "
                                               "ORDER BY received_at, id"));
    st.Bind(1, a.ToString()).Bind(2, b.ToString());
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      ReportLine l = Line(st.ColumnText(0), st.ColumnText(1),
                          "application " + st.ColumnText(2) + ", applicant " + st.ColumnText(3));
      l.number = st.ColumnText(2);
      l.applicant = st.ColumnText(3);
      r.applications.push_back(std::move(l));
    }
  }
  {
    // Decisions stored by an older version carry older keys: read through the map.
    QOIMA_ASSIGN_OR_RETURN(const StoredKeyMap keys, LoadStoredKeyMap(db));
    // The act each decision produced: A-<deposit> for an acceptance, R-<intake> for a refusal.
    QOIMA_ASSIGN_OR_RETURN(auto st,
                           db.Prepare("SELECT substr(d.decided_at, 1, 10), COALESCE(p.software_name, ''), "
                                      "COALESCE(p.number, '-'), d.kind, COALESCE(d.refusal_reason, 0), "
                                      "COALESCE(d.reason_text, ''), COALESCE('A-' || d.deposit_id, ''), "
                                      "COALESCE((SELECT 'R-' || i.id FROM intakes i WHERE i.decision_id = d.id), '') "
                                      "FROM decisions d LEFT JOIN applications p ON p.id = d.application_id "
                                      "WHERE substr(d.decided_at, 1, 10) BETWEEN ? AND ? ORDER BY d.decided_at, d.id"));
    st.Bind(1, a.ToString()).Bind(2, b.ToString());
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      const bool accept = st.ColumnText(3) == "accept";
      ReportLine l = Line(st.ColumnText(0), st.ColumnText(1), "application " + st.ColumnText(2));
      l.number = st.ColumnText(2);
      if (accept) {
        l.act = st.ColumnText(6);
        r.acceptances.push_back(std::move(l));
        continue;
      }
      l.refusal_reason = static_cast<int>(st.ColumnInt(4));
      l.reason_text = keys.Current(st.ColumnText(5));
      l.act = st.ColumnText(7);
      l.detail +=
          ": " + RefusalGround(l.refusal_reason) + (l.reason_text.empty() ? "" : "; " + ShownReasonText(l.reason_text));
      r.refusals.push_back(std::move(l));
    }
  }
  // Issues, returns and destructions completed in the period; requests
  // received by its end and not completed by then are listed apart: a report
  // says "issued", "returned" or "destroyed" only of what was done.
  {
    QOIMA_ASSIGN_OR_RETURN(auto st,
                           db.Prepare(std::string("SELECT c.id, c.kind, c.received_on, ") + kObjectLabel +
                                      ", c.reference, c.due_on, COALESCE(c.done_on, ''), COALESCE(c.result_ref, ''), "
                                      "c.state FROM lifecycle_cases c JOIN informatization_objects o ON o.id = "
                                      "c.object_id WHERE (c.done_on BETWEEN ?1 AND ?2) OR (c.received_on <= ?2 AND "
                                      "(c.state = 'open' OR c.done_on > ?2)) ORDER BY c.id"));
    st.Bind(1, a.ToString()).Bind(2, b.ToString());
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      ReportLine l;
      l.case_kind = st.ColumnText(1);
      l.received_on = st.ColumnText(2);
      l.object = st.ColumnText(3);
      l.reference = st.ColumnText(4);
      l.due_on = st.ColumnText(5);
      const std::string done = st.ColumnText(6), result = st.ColumnText(7);
      const bool completed = !done.empty() && done <= b.ToString();
      l.detail = "ref. " + l.reference + ", due " + l.due_on;
      if (completed) {
        l.done_on = done;
        l.date = done;
        l.detail += ", done " + done + " (" + result + ")";
        // The act cited: the return act and destruction act numbers; an issue's bundles are named in its notice.
        l.act = l.case_kind == "issue" ? "case " + std::to_string(st.ColumnInt(0)) : result;
        (l.case_kind == "issue" ? r.issues : l.case_kind == "return" ? r.returns : r.destructions).push_back(l);
      } else {
        l.date = l.received_on;
        l.act = "case " + std::to_string(st.ColumnInt(0));
        l.detail += ", open at the end of the period";
        r.open_requests.push_back(std::move(l));
      }
    }
  }
  QOIMA_ASSIGN_OR_RETURN(auto due, svc.Due(0));
  for (auto& d : due)
    if (d.status == DueStatus::kOverdue && d.due_on <= b) r.overdue.push_back(d);
  // Cases that were late at the period end but completed since are overdue items of the period too.
  {
    QOIMA_ASSIGN_OR_RETURN(auto st, db.Prepare(std::string("SELECT c.due_on, ") + kObjectLabel +
                                               ", c.kind, c.id, c.done_on, c.reference, c.received_on FROM "
                                               "lifecycle_cases c JOIN informatization_objects o ON o.id = "
                                               "c.object_id WHERE c.state = 'done' AND c.done_on > c.due_on AND "
                                               "c.due_on BETWEEN ? AND ?"));
    st.Bind(1, a.ToString()).Bind(2, b.ToString());
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      ReportLine l = Line(
          st.ColumnText(0), st.ColumnText(1),
          st.ColumnText(2) + " case " + std::to_string(st.ColumnInt(3)) + " completed late on " + st.ColumnText(4));
      l.case_kind = st.ColumnText(2);
      l.act = "case " + std::to_string(st.ColumnInt(3));
      l.due_on = st.ColumnText(0);
      l.done_on = st.ColumnText(4);
      l.reference = st.ColumnText(5);
      l.received_on = st.ColumnText(6);
      r.completed_late.push_back(std::move(l));
    }
  }
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
          {"clause", "003 cl.34; the half-year deadline: " + HalfYearBasis()},
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
            {"open_requests", r.open_requests.size()},
            {"overdue", r.overdue.size()},
            {"completed_late", r.completed_late.size()}}},
          {"applications", Lines(r.applications)},
          {"acceptances", Lines(r.acceptances)},
          {"refusals", Lines(r.refusals)},
          {"issues", Lines(r.issues)},
          {"returns", Lines(r.returns)},
          {"destructions", Lines(r.destructions)},
          {"open_requests", Lines(r.open_requests)},
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

#include "appliance/lifecycle/security_test_record.h"

#include <nlohmann/json.hpp>

#include "common/json_nesting.h"

namespace qoima::appliance::lifecycle {
namespace {

using nlohmann::json;

Status Bad(std::string_view where, const std::string& field, const std::string& what) {
  return Status::InvalidArgument(std::string(where) + ": " + field + ": " + what);
}

Result<std::string> Text(const json& entry, std::string_view where, const std::string& field, const char* key) {
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_string()) return Bad(where, field + "." + key, "a text is required");
  std::string s = it->get<std::string>();
  if (s.empty()) return Bad(where, field + "." + key, "is empty");
  if (s.size() > kMaxTestFindingTextBytes)
    return Status::LimitExceeded(std::string(where) + ": " + field + "." + key + ": longer than " +
                                 std::to_string(kMaxTestFindingTextBytes) + " bytes");
  return s;
}

Result<const json*> List(const json& root, std::string_view where, const char* key) {
  auto it = root.find(key);
  if (it == root.end()) return static_cast<const json*>(nullptr);
  if (!it->is_array()) return Bad(where, key, "a list is required");
  if (it->size() > kMaxTestFindings)
    return Status::LimitExceeded(std::string(where) + ": " + key + ": more than " + std::to_string(kMaxTestFindings) +
                                 " entries");
  return &*it;
}

}  // namespace

std::string_view RiskLevelName(RiskLevel r) {
  switch (r) {
    case RiskLevel::kHigh: return "high";
    case RiskLevel::kMedium: return "medium";
    case RiskLevel::kLow: return "low";
  }
  return "low";
}

std::optional<RiskLevel> ParseRiskLevel(std::string_view s) {
  for (RiskLevel r : {RiskLevel::kHigh, RiskLevel::kMedium, RiskLevel::kLow})
    if (RiskLevelName(r) == s) return r;
  return std::nullopt;
}

Result<TestFindings> ParseTestFindings(std::string_view text, std::string_view where) {
  if (text.size() > kMaxTestFindingsBytes)
    return Status::LimitExceeded(std::string(where) + ": larger than " + std::to_string(kMaxTestFindingsBytes) +
                                 " bytes");
  QOIMA_RETURN_IF_ERROR(CheckJsonNesting(text, kMaxTestFindingsDepth, where));
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded()) return Status::InvalidArgument(std::string(where) + ": not JSON");
  if (!root.is_object()) return Status::InvalidArgument(std::string(where) + ": an object is required");
  for (const auto& [key, value] : root.items()) {
    (void)value;
    if (key != "vulnerabilities" && key != "remediation")
      return Bad(where, key, "unknown field (vulnerabilities and remediation are known)");
  }
  TestFindings out;
  QOIMA_ASSIGN_OR_RETURN(const json* vulns, List(root, where, "vulnerabilities"));
  if (vulns) {
    for (size_t i = 0; i < vulns->size(); ++i) {
      const json& e = (*vulns)[i];
      const std::string field = "vulnerabilities[" + std::to_string(i + 1) + "]";
      if (!e.is_object()) return Bad(where, field, "an object is required");
      TestFinding f;
      f.number = static_cast<int>(i + 1);
      QOIMA_ASSIGN_OR_RETURN(f.description, Text(e, where, field, "description"));
      QOIMA_ASSIGN_OR_RETURN(f.path, Text(e, where, field, "path"));
      QOIMA_ASSIGN_OR_RETURN(std::string risk, Text(e, where, field, "risk"));
      auto level = ParseRiskLevel(risk);
      if (!level) return Bad(where, field + ".risk", "'" + risk + "' is not high, medium or low");
      f.risk = *level;
      out.findings.push_back(std::move(f));
    }
  }
  QOIMA_ASSIGN_OR_RETURN(const json* rows, List(root, where, "remediation"));
  if (rows) {
    for (size_t i = 0; i < rows->size(); ++i) {
      const json& e = (*rows)[i];
      const std::string field = "remediation[" + std::to_string(i + 1) + "]";
      if (!e.is_object()) return Bad(where, field, "an object is required");
      Remediation r;
      r.number = static_cast<int>(i + 1);
      auto n = e.find("vulnerability");
      if (n == e.end() || !n->is_number_integer() || n->get<int64_t>() < 1 ||
          n->get<int64_t>() > static_cast<int64_t>(out.findings.size()))
        return Bad(where, field + ".vulnerability",
                   "the № of a vulnerability of the list (1.." + std::to_string(out.findings.size()) + ") is required");
      r.finding = static_cast<int>(n->get<int64_t>());
      QOIMA_ASSIGN_OR_RETURN(r.correction, Text(e, where, field, "correction"));
      auto fixed = e.find("fixed");
      if (fixed == e.end() || !fixed->is_boolean()) return Bad(where, field + ".fixed", "true or false is required");
      r.fixed = fixed->get<bool>();
      out.remediation.push_back(std::move(r));
    }
  }
  return out;
}

Status CheckSecurityTestRecord(const SecurityTestRecord& record) {
  if (record.reference.empty()) return Status::InvalidArgument("the test report reference is empty");
  if (record.reports.size() > kMaxTestReports)
    return Status::LimitExceeded("more than " + std::to_string(kMaxTestReports) + " report files");
  for (const TestReportFile& f : record.reports) {
    if (f.name.empty()) return Status::InvalidArgument("a report file has no name");
    if (f.bytes.size() > kMaxTestReportBytes)
      return Status::LimitExceeded("report file '" + f.name + "' is larger than " +
                                   std::to_string(kMaxTestReportBytes) + " bytes");
  }
  for (const Remediation& r : record.remediation)
    if (r.finding < 1 || r.finding > static_cast<int>(record.findings.size()))
      return Status::InvalidArgument("comparison table row " + std::to_string(r.number) +
                                     " names no vulnerability of the list");
  if (record.outcome != TestOutcome::kPositive) return Status::Ok();
  if (record.reports.empty())
    return Status::FailedPrecondition(
        "a positive outcome needs the test report(s) attached (--report-file): the permanent store takes a version "
        "only with the reports of its analysis (003 cl.18)");
  for (const TestFinding& f : record.findings) {
    bool fixed = false;
    for (const Remediation& r : record.remediation) fixed = fixed || (r.finding == f.number && r.fixed);
    if (!fixed)
      return Status::FailedPrecondition(
          "a positive outcome needs every vulnerability of the list fixed in the comparison table (003 cl.13, "
          "14(2)): vulnerability " +
          std::to_string(f.number) + " (" + std::string(RiskLevelName(f.risk)) + ", " + f.path + ") is not");
  }
  return Status::Ok();
}

}  // namespace qoima::appliance::lifecycle

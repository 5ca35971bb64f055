// SecurityTestRecord: what the analysis of a version's source code produced
// (003 cl.11-18), as the operator records it with the test's outcome:
//
//   - the test reports (003 cl.17(5), 18: static analysis, dependency
//     analysis, manual analysis, dynamic analysis of the executable code),
//     each kept byte-exact in the store with its SHA-256;
//   - the list of the vulnerabilities found, each with its description, its
//     path (the file) and its risk, high, medium or low (003 cl.17(5));
//   - the comparison table of the corrections after the vulnerabilities were
//     eliminated, which the applicant gives (003 cl.13, 14(2)): per
//     vulnerability of the list, the correction made and whether it is fixed.
//
// A positive outcome moves the version to the permanent store (003 cl.8) and
// needs at least one report and every listed vulnerability fixed in the
// comparison table (003 cl.13: the applicant eliminates them). A negative
// outcome keeps the version in the temporary store, whatever it lists.
//
// The list and the table arrive as a JSON file from the test laboratory (an
// untrusted file): ParseTestFindings reads it within named limits and names
// the field of the first fault.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/lifecycle/lifecycle_types.h"
#include "common/result.h"

namespace qoima::appliance::lifecycle {

/// The largest findings file (bytes).
inline constexpr size_t kMaxTestFindingsBytes = 4u << 20;
/// Deepest JSON nesting of a findings file (it needs 3: root, list, entry).
inline constexpr int kMaxTestFindingsDepth = 3;
/// Most vulnerabilities in one list, and most rows of one comparison table.
inline constexpr size_t kMaxTestFindings = 10000;
/// Longest description, path or correction (bytes).
inline constexpr size_t kMaxTestFindingTextBytes = 4096;
/// Most report files of one test, and the largest one (bytes).
inline constexpr size_t kMaxTestReports = 16;
inline constexpr size_t kMaxTestReportBytes = 64u << 20;

enum class RiskLevel { kHigh, kMedium, kLow };
std::string_view RiskLevelName(RiskLevel r);  // "high" / "medium" / "low"
std::optional<RiskLevel> ParseRiskLevel(std::string_view s);

/// One vulnerability of the list (003 cl.17(5)). `number` is its № in the
/// list, from 1.
struct TestFinding {
  int number = 0;
  std::string description;
  std::string path;
  RiskLevel risk = RiskLevel::kLow;
};

/// One row of the comparison table (003 cl.14(2)): the vulnerability it
/// answers (its № in the list), the correction made, and whether it is fixed.
struct Remediation {
  int number = 0;
  int finding = 0;
  std::string correction;
  bool fixed = false;
};

/// A report file of the test as given: its name and bytes.
struct TestReportFile {
  std::string name;
  std::string bytes;
};

struct SecurityTestRecord {
  TestOutcome outcome = TestOutcome::kNegative;
  std::string reference;  // the report / conclusion number
  CivilDate tested_on;
  std::vector<TestReportFile> reports;
  std::vector<TestFinding> findings;
  std::vector<Remediation> remediation;
};

/// A report file as recorded: its bytes are sealed with the tested version
/// (LifecycleService::ReadTestReport) and shredded when it is destroyed.
struct TestReportInfo {
  std::string name;
  int64_t size = 0;
  std::string sha256;
  int64_t id = 0;          // the report's row
  bool destroyed = false;  // the version was destroyed: the bytes are gone
};

/// A recorded test: the version it tested, the outcome, the reports and the
/// list and table (GetSecurityTest).
struct SecurityTestInfo {
  int64_t id = 0;
  int64_t object_id = 0;
  std::string object_name;
  std::string portal_code;
  int version_no = 0;
  TestOutcome outcome = TestOutcome::kNegative;
  std::string reference;
  CivilDate tested_on;
  std::string recorded_by;  // the recorder's login
  std::string recorded_at;
  std::vector<TestReportInfo> reports;
  std::vector<TestFinding> findings;
  std::vector<Remediation> remediation;
};

/// The vulnerability list and comparison table of a findings file:
/// {"vulnerabilities": [{"description": D, "path": P, "risk": "high"}, ...],
///  "remediation": [{"vulnerability": N, "correction": C, "fixed": true}, ...]}
/// Both keys may be absent (nothing found, nothing corrected). Numbers are
/// given in order from 1. InvalidArgument naming `where` and the field
/// ("findings.json: vulnerabilities[2].risk: 'severe' is not high, medium or
/// low"); LimitExceeded past a limit above.
struct TestFindings {
  std::vector<TestFinding> findings;
  std::vector<Remediation> remediation;
};
Result<TestFindings> ParseTestFindings(std::string_view text, std::string_view where);

/// OK when `record` may be recorded: a reference; reports within the limits
/// with names; each remediation row naming a vulnerability of the list; and,
/// for a positive outcome, at least one report and every vulnerability fixed.
/// FailedPrecondition / InvalidArgument naming what is missing or wrong.
Status CheckSecurityTestRecord(const SecurityTestRecord& record);

}  // namespace qoima::appliance::lifecycle

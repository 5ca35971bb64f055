#include "storage/verify_commands.h"

namespace qoima::storage {

std::string ScrubReportText(const ScrubReport& r) {
  std::string out = "verify-store: " + std::to_string(r.deposits) + " deposits, " + std::to_string(r.objects) +
                    " objects, " + std::to_string(r.bytes) + " bytes re-read\n";
  if (r.ok()) return out + "verify-store: OK\n";
  for (const ScrubProblem& p : r.problems) out += "PROBLEM: " + p.message + "\n";
  if (r.problems_unlisted > 0) out += "... and " + std::to_string(r.problems_unlisted) + " more, not listed\n";
  return out + "verify-store: " + std::to_string(r.problem_count()) + " problem(s)\n";
}

nlohmann::json ScrubReportJson(const ScrubReport& r) {
  nlohmann::json problems = nlohmann::json::array();
  for (const ScrubProblem& p : r.problems) {
    nlohmann::json j{{"message", p.message}};
    j["deposit"] = p.deposit_id ? nlohmann::json(*p.deposit_id) : nlohmann::json(nullptr);
    problems.push_back(std::move(j));
  }
  return {{"ok", r.ok()},     {"deposits", r.deposits}, {"objects", r.objects},
          {"bytes", r.bytes}, {"problems", problems},   {"problems_unlisted", r.problems_unlisted}};
}

std::string AuditReportText(const AuditVerifyReport& r, const std::optional<AuditCheckpoint>& latest) {
  std::string out = "audit verify: " + std::to_string(r.entries) + " entries, " + std::to_string(r.checkpoints) +
                    " signed checkpoints\n";
  if (latest) {
    out += "latest checkpoint: size " + std::to_string(latest->tree_size) + " root " + crypto::Hex(latest->root) +
           " at " + latest->time + " key " + latest->key_fingerprint + "\n";
  }
  for (const std::string& n : r.notes) out += "note: " + n + "\n";
  if (r.ok()) return out + "audit verify: OK\n";
  out += "PROBLEM: " + r.problem + "\n";
  if (r.first_bad_index) out += "first bad entry: " + std::to_string(*r.first_bad_index) + "\n";
  return out + "audit verify: FAILED\n";
}

nlohmann::json AuditReportJson(const AuditVerifyReport& r, const std::optional<AuditCheckpoint>& latest) {
  nlohmann::json j{{"ok", r.ok()}, {"entries", r.entries}, {"checkpoints", r.checkpoints}, {"notes", r.notes}};
  j["problem"] = r.ok() ? nlohmann::json(nullptr) : nlohmann::json(r.problem);
  j["first_bad_index"] = r.first_bad_index ? nlohmann::json(*r.first_bad_index) : nlohmann::json(nullptr);
  if (latest) {
    j["latest_checkpoint"] = {{"tree_size", latest->tree_size},
                              {"root", crypto::Hex(latest->root)},
                              {"time", latest->time},
                              {"key_fingerprint", latest->key_fingerprint}};
  } else {
    j["latest_checkpoint"] = nullptr;
  }
  return j;
}

Result<VerifyOutcome> RunVerifyStore(Store& store, const Actor& actor) {
  QOIMA_ASSIGN_OR_RETURN(ScrubReport r, store.VerifyStore());
  std::string summary = std::to_string(r.deposits) + " deposits, " + std::to_string(r.objects) + " objects, " +
                        std::to_string(r.problem_count()) + " problems";
  if (!r.ok()) summary += "; first: " + r.problems[0].message.substr(0, 1000);
  QOIMA_RETURN_IF_ERROR(store.Record(actor, "store.verify", "store", r.ok() ? "success" : "failure", summary).status());
  return VerifyOutcome{r.ok() ? 0 : 1, ScrubReportText(r), ScrubReportJson(r)};
}

Result<VerifyOutcome> RunAuditVerify(Store& store, const Actor& actor,
                                     const std::vector<std::string>& extra_trusted_keys_pem) {
  QOIMA_ASSIGN_OR_RETURN(AuditVerifyReport r, store.VerifyAudit(extra_trusted_keys_pem));
  QOIMA_ASSIGN_OR_RETURN(std::optional<AuditCheckpoint> latest, store.audit().LatestCheckpoint());
  std::string summary = std::to_string(r.entries) + " entries, " + std::to_string(r.checkpoints) + " checkpoints";
  if (!r.ok()) summary += "; " + r.problem.substr(0, 1000);
  // Recorded after the check, so the verified log is exactly what was read.
  QOIMA_RETURN_IF_ERROR(store.Record(actor, "audit.verify", "audit", r.ok() ? "success" : "failure", summary).status());
  return VerifyOutcome{r.ok() ? 0 : 1, AuditReportText(r, latest), AuditReportJson(r, latest)};
}

}  // namespace qoima::storage

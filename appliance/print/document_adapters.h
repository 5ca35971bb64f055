// Document adapters: turn the data the appliance and the lifecycle code
// already produce (ActDocument of an accepted intake, Application, journal
// entries, NDA records, refusal decisions, destruction act data, the
// half-year report, notices, return cases) into the print structs of
// documents.h. Pure functions: the store queries live in
// appliance_print.cpp, the wording in the templates.
//
// The verification line of each document is built here too, from values the
// caller read from the store (docs/printing.md, "What the verification line
// holds for each document").
//
// Thread-safety: pure functions over plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "appliance/act_document.h"
#include "appliance/application.h"
#include "appliance/intake_assessment.h"
#include "appliance/lifecycle/lifecycle_report.h"
#include "appliance/lifecycle/lifecycle_types.h"
#include "appliance/print/documents.h"
#include "common/result.h"

namespace qoima::print {

/// Most evidence rows a printed refusal lists; the rest are summarized in one row.
inline constexpr size_t kMaxRefusalEvidenceRows = 2000;
/// Most findings rows a printed act or refusal lists; the rest are counted.
inline constexpr size_t kMaxPrintedFindings = 1000;
/// Largest stored destruction-act JSON the adapter parses.
inline constexpr size_t kMaxDestructionActJsonBytes = 64u << 20;

/// Splits "Surname Name Patronymic" (the order forms print) into its parts.
PersonName SplitFullName(std::string_view full_name);

/// Parses the act's "size N root HEX" audit checkpoint text. InvalidArgument
/// naming the part that is malformed.
Status ParseCheckpointText(std::string_view text, uint64_t* size, std::string* root_hex);

/// Annex 3 from the act of an accepted intake (IntakeOutcome::act or the act
/// rebuilt from the store). `act_id` is the act number ("A-17"). The
/// verification line takes deposit_root, manifest_digest, audit_checkpoint and
/// device_fingerprint from `act`; fails naming the field when one is missing.
Result<AcceptanceAct> ToAcceptanceAct(const appliance::ActDocument& act, const std::string& act_id);

/// Annex 1 from a recorded application.
ApplicationForm ToApplicationForm(const appliance::Application& application);

/// Annex 2 page with the given journal entries (in journal order).
JournalPage ToJournalPage(const std::vector<appliance::JournalEntry>& entries);

/// Annex 4 from a recorded NDA and its application; the operator's side from `op`.
Nda ToNda(const appliance::Application& application, const appliance::NdaRecord& nda, const OperatorInfo& op);

/// What the store holds about a refusal decision.
struct RefusalRecord {
  std::string act_id;     // "R-<intake id>"
  std::string date;       // YYYY-MM-DD of the decision
  std::string depositor;  // the application's applicant
  std::string software_name;
  std::string application_number;  // as written on the application
  std::string application_date;    // YYYY-MM-DD received
  std::string portal_code;
  std::vector<appliance::RefusalReason> reasons;
  std::string reason_text;  // decisions.reason_text (clauses and the clerk's words)
  nlohmann::json evidence;  // decisions.evidence_json (media diffs, assessment)
  std::string decided_by;   // "Surname Name Patronymic" of the clerk
  VerificationLine verification;
};

/// The findings section of an intake's stored evidence (each medium's
/// "findings", or "name_flags" of evidence recorded before findings), at
/// most kMaxPrintedFindings rows, the rest counted exactly.
Findings FindingsFromEvidence(const nlohmann::json& evidence);

/// The clause-16 reasons named in a stored reason text ("001 cl.16(2) ...").
std::vector<appliance::RefusalReason> ReasonsFromText(std::string_view reason_text);

/// The reasoned refusal: reasons, the evidence rows (each medium's counts,
/// its faults and every differing file in words, at most
/// kMaxRefusalEvidenceRows), the findings (FindingsFromEvidence), the
/// signer (the clerk, with the position the operator set). Of the recorded
/// reason text only the clerk's own words are printed: the reasons come
/// from the template.
Refusal ToRefusal(const RefusalRecord& record, const OperatorInfo& op);

/// Parses the destruction act JSON the lifecycle code stores in `acts`
/// (lifecycle_json.cpp ToJson(DestructionActData)); Corrupt naming the field.
Result<appliance::lifecycle::DestructionActData> DestructionActFromJson(std::string_view json_text);

/// What the store adds to a destruction act's data: the owner organization,
/// the officers' full names by login, the operator (positions), and the
/// return act when the data predates recording it.
struct DestructionParties {
  std::string owner;
  std::map<std::string, std::string> full_names;  // login -> "Surname Name Patronymic"
  std::map<std::string, std::string> positions;   // login -> position recorded for the user (else op's)
  OperatorInfo op;
  std::string return_act;
};

/// The destruction act (003 cl.31-33): one row per destroyed file (version
/// label in the name), the return act cited, the method, and who requested,
/// approved and performed it by full name and position.
DestructionAct ToDestructionAct(const appliance::lifecycle::DestructionActData& data,
                                const VerificationLine& verification, const DestructionParties& parties);

/// The half-year report: one row per event of every section (completed
/// events; requests not completed by the period's end apart), totals, signer.
HalfYearReport ToHalfYearReport(const appliance::lifecycle::HalfYearReport& report, const OperatorInfo& op,
                                const VerificationLine& verification);

/// What the store knows about a notice's event beyond the register row.
struct NoticeFacts {
  std::string date;       // YYYY-MM-DD the notice is dated
  std::string owner;      // the owner organization
  bool completed = true;  // the event happened (the case is done); false: printed as a draft
  std::string act;        // the act the event produced (RET-3, DESTR-2026-4, A-1), when completed
  OperatorInfo op;
};

/// A notice of the notices register. `body` is notices.body_json (may be null).
Result<Notice> ToNotice(const appliance::lifecycle::NoticeInfo& notice, const nlohmann::json& body,
                        const NoticeFacts& facts, const VerificationLine& verification);

/// One returned version with its files, as the store lists them.
struct ReturnedVersion {
  int version_no = 0;
  std::string label;
  struct File {
    std::string path;  // display path
    uint64_t size = 0;
    std::string sha256;
    std::string modified;  // YYYY-MM-DD or ""
    std::string category;  // item category code; "libraries" goes to table 2
  };
  std::vector<File> files;
};

struct ReturnRecord {
  std::string act_id;  // "RET-<case id>"
  std::string date;
  std::string owner;  // the object's owner organization (the applicant)
  std::string software_name;
  std::string reason;        // the owner's decommissioning notice and its reference
  std::string performed_by;  // full name of the officer who handed it over ("" before)
  bool draft = false;        // before the hand-over: what would be returned
  std::vector<ReturnedVersion> versions;
  VerificationLine verification;
};

/// The return act: Annex 3's tables with the direction reversed, the
/// operator transferring.
ReturnAct ToReturnAct(const ReturnRecord& record, const OperatorInfo& op);

/// Largest stored return-act JSON the adapter parses.
inline constexpr size_t kMaxReturnActJsonBytes = 64u << 20;

/// The return act the lifecycle hand-over stores in `acts` (kind 'return',
/// lifecycle_json.cpp ToJson(ReturnActData): act_number, act_date, object,
/// notice_reference, notice_received_on, versions with files, audit_checkpoint).
/// Fills every ReturnRecord field except owner and verification; the
/// checkpoint the act was signed under goes to `checkpoint_size/root/key`.
/// Corrupt naming the field.
struct StoredReturnAct {
  ReturnRecord record;
  uint64_t checkpoint_size = 0;
  std::string checkpoint_root;
  std::string key_fingerprint;
  std::string last_manifest;  // the last returned version's store digest
  std::string performed_by_login;
};
Result<StoredReturnAct> ReturnActFromJson(std::string_view json_text);

}  // namespace qoima::print

// Plain data for every document the appliance prints: the operator's forms
// based on the former Annexes 1-4 of the repealed rules of accounting and
// storage (application, journal, acceptance-transfer act, NDA) and the
// documents the rules in force (Order 110/НҚ as amended by 606/НҚ, seed 003)
// call for without a form: refusal, return act, destruction act, half-year
// report, notice to the authorized body.
//
// These structs carry values only; wording lives in the template set
// (appliance/print/templates/*.json) and layout in DocumentRenderer. The store
// and the kiosk fill them; nothing here validates legal content.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "appliance/organization.h"
#include "appliance/print/verification_line.h"
#include "appliance/vocabulary.h"

namespace qoima::print {

/// The operator's details (the State Technical Service, 003 cl.2(16), 4-5, 9),
/// set once by an admin (`qoima operator set`, audited) and printed wherever
/// a form has them: letterhead, the receiving side of the act, the NDA's
/// party, signers. Empty fields print as blanks; no organization is built in.
struct OperatorInfo {
  std::string name_kk;  // full name in Kazakh, e.g. «Мемлекеттік техникалық қызмет» АҚ
  std::string name_ru;  // full name in Russian
  std::string bin;      // business identification number (12 digits)
  std::string address;
  std::string phone;
  std::string email;
  std::string head_position;     // who signs the NDA, reports and notices
  std::string head_name;         // surname, name, patronymic
  std::string clerk_position;    // printed under a clerk's name (acts, refusals)
  std::string officer_position;  // printed under a security officer's name (return, destruction)
  bool empty() const { return name_kk.empty() && name_ru.empty() && bin.empty(); }
  /// The name for one language (the other one when that one is not set).
  const std::string& Name(bool kazakh) const {
    if (kazakh) return name_kk.empty() ? name_ru : name_kk;
    return name_ru.empty() ? name_kk : name_ru;
  }
  /// "kk (ru)", or the one that is set: one string for both languages.
  std::string BilingualName() const {
    if (name_kk.empty() || name_ru.empty() || name_kk == name_ru) return name_kk.empty() ? name_ru : name_kk;
    return name_kk + " (" + name_ru + ")";
  }
};

// One definition with the domain's (appliance/organization.h).
using appliance::Organization;
using appliance::PersonName;

/// One signature block: an organization's representative, printed with a
/// line for the signature and a "seal here" (м.о.) mark.
struct SignatureBlock {
  std::string organization;
  std::string position;
  PersonName person;
};

/// Contact details of a person (Annex 3 item 5).
struct Contact {
  PersonName person;
  std::string position;
  std::string work_phone;
  std::string mobile_phone;
  std::string email;
};

/// Annex 1: application for accounting and storage.
struct ApplicationForm {
  struct Item {
    std::string name;          // CD / file / document name
    std::string paper_sheets;  // number of sheets on paper, may be empty
    std::string cd_serial;
    double size_mb = 0;    // 0: no electronic size (a paper-only item), printed blank
    bool original = true;  // Original (Т) or Copy (К)
  };
  std::string applicant;
  std::string software_name;
  std::string portal_code;  // information-system code on the e-government architecture portal
  int copies = 1;
  std::vector<Item> items;
  Organization owner;
  Organization developer;
  std::string authors;
  std::string certification;
  std::string release_year;
  std::string version;
  std::string programming_language;
  std::string release_date;
  std::string annotation;
  // Minimum system requirements.
  std::string req_cpu, req_ram, req_disk, req_os, req_video, req_audio, req_extra_hardware, req_extra_software,
      req_other;
  std::string copy_protection;
  std::vector<std::string> funding_sources;  // keys: republican_budget, local_budget, ... (see template)
  std::string date;
  SignatureBlock signer;
};

/// Annex 2: one row of the journal of applications.
struct JournalRow {
  int number = 0;
  std::string application_number;
  std::string received_date;
  std::string state_body;
  std::string applicant;  // head who signed the application
  PersonName received_by;
};

struct JournalPage {
  std::vector<JournalRow> rows;
};

/// Annex 3 item 3(1): one source file of the application software.
struct SourceFileRow {
  std::string disc_marking;  // software name and version
  std::string directory;
  std::string file_name;
  uint64_t size_bytes = 0;  // printed in MB
  bool size_known = true;   // false: the act gave no size (sha256sum list); printed blank
  std::string language;
  std::string language_version;
  std::string framework;
  std::string framework_version;
  std::string modified;  // YYYY-MM-DD (the date in UTC+5)
  std::string sha256;    // 64 lowercase hex digits
  std::string category;  // item category code (003 cl.10), printed in words; may be empty
};

/// Annex 3 item 3(2): one library or platform.
struct LibraryRow {
  std::string disc_marking;
  std::string directory;
  std::string name;
  uint64_t size_bytes = 0;
  bool size_known = true;
  std::string language;
  std::string library_version;
  std::string sha256;
  std::string category;
};

/// One thing the reader found on the media that does not stop the read
/// (an unsafe name, an encrypted archive member, an archive not listed to
/// the end): printed in the findings section of the act and the refusal.
/// The class, kind and limit are names the template says in words
/// (findings.class.*, findings.limit.*).
struct FindingRow {
  std::string medium;  // the disc marking and copy it was found on
  std::string cls;     // "unsafe_name", "non_utf8_name", "name_collision", "encrypted_entry",
                       // "archive_unreadable", "archive_listing_stopped"
  std::string kind;    // unsafe_name: "traversal", "control_characters", "hidden_characters" or ""
  std::string path;    // the name (archive members "archive -> member"); hidden characters printed escaped
  std::string limit;   // archive_listing_stopped: "archive_depth", "archive_ratio", ... or ""
  uint64_t limit_value = 0;
};

/// The findings section: at most kMaxPrintedFindings rows, the rest counted.
struct Findings {
  std::vector<FindingRow> rows;
  uint64_t unlisted = 0;  // found and counted, not printed (the intake's evidence lists them)
};

/// Annex 3: acceptance-transfer act (also the model of the return act).
struct AcceptanceAct {
  std::string date;              // YYYY-MM-DD
  std::string city;              // e.g. "Астана"
  std::string receiving_org;     // accepted for storage by
  std::string transferring_org;  // from
  std::string software_name;
  std::string annotation;  // purpose and scope
  std::vector<SourceFileRow> files;
  std::vector<LibraryRow> libraries;
  /// The act gave no checksums: the SHA-256 printed is the appliance's.
  bool checksums_computed = false;
  SignatureBlock receiving_signer;
  SignatureBlock transferring_signer;
  Contact receiving_contact;
  Contact transferring_contact;
  Findings findings;  // empty: no findings section
  VerificationLine verification;
};

/// Annex 4: confidentiality and non-disclosure agreement.
struct Nda {
  std::string date;
  std::string city;
  std::string owner_name;  // owner (holder) organization or person
  std::string owner_representative;
  std::string owner_authority;  // acting on the basis of
  std::string operator_representative;
  std::string operator_authority;
  SignatureBlock owner_signer;
  SignatureBlock operator_signer;
};

/// Reasoned refusal (001 clause 16).
struct Refusal {
  /// The domain's grounds (vocabulary.h); the value picks the template's "refusal.reasonN".
  using Reason = appliance::RefusalReason;
  struct Evidence {
    std::string item;  // file, medium, field
    /// What was found: the template key ("refusal.kind.missing") with its
    /// values, printed in every language; `detail` is printed as it is
    /// after it (a value such as a path or a hash, or the clerk's words).
    std::string key;
    std::vector<std::pair<std::string, std::string>> values;
    std::string detail;
  };
  std::string date;
  std::string city;
  std::string act_id;
  std::string depositor;  // the applicant: also the addressee
  std::string software_name;
  std::string application_number;  // as written on the application
  std::string application_date;    // YYYY-MM-DD it was received
  std::string portal_code;
  std::vector<Reason> reasons;
  std::string reason_text;  // the decision's recorded wording (clauses and the clerk's words), may be empty
  std::vector<Evidence> evidence;
  Findings findings;  // empty: no findings section
  SignatureBlock operator_signer;
  VerificationLine verification;
};

/// Return of source and executables to the owner (003 cl.30), on the
/// operator's form based on the former Annex 3.
struct ReturnAct {
  AcceptanceAct act;  // same table as Annex 3, direction reversed
  std::string reason;
  bool draft = false;  // the hand-over has not happened: printed as a draft
};

/// Destruction of all versions (003 cl.33).
struct DestructionAct {
  struct Row {
    std::string name;
    uint64_t size_bytes = 0;
    std::string sha256;
  };
  std::string date;
  std::string city;
  std::string act_id;
  std::string owner;  // the owner organization (the applicant)
  std::string software_name;
  std::string basis;       // the owner's archive-transfer notice (003 cl.32)
  std::string return_act;  // the return act the code went back under (003 cl.30)
  std::vector<Row> rows;
  /// Who requested, approved (second person) and performed it: full name and
  /// position; `role` is "requested", "approved" or "performed".
  struct Signer {
    std::string role;
    SignatureBlock block;
  };
  std::vector<Signer> commission;
  VerificationLine verification;
};

/// Half-year report to the authorized body (operator's report as in the
/// former cl.13; 003 cl.34): completed events only, requests still open in
/// a section of their own, totals per section.
struct HalfYearReport {
  struct Row {
    std::string act_id;
    std::string owner;
    std::string software_name;
    std::string event;  // applications / accepted / refused / issues / returned / destroyed / open / overdue /
                        // completed_late: printed in words
    std::string date;   // YYYY-MM-DD
    /// Template key of the detail ("report.detail.case") and its values;
    /// dates among them are YYYY-MM-DD and printed dd.mm.yyyy.
    std::string detail_key;
    std::vector<std::pair<std::string, std::string>> detail_values;
  };
  int year = 0;
  int half = 1;                        // 1 or 2
  std::string period_from, period_to;  // YYYY-MM-DD
  std::vector<Row> rows;
  /// Count per section name (applications, acceptances, refusals, issues,
  /// returns, destructions, open, overdue, late).
  std::vector<std::pair<std::string, size_t>> totals;
  SignatureBlock signer;
  VerificationLine verification;
};

/// Notice to the authorized body (acceptance, issue, return, destruction,
/// half-year report, information). A notice of an event that has not been
/// completed prints as a draft that says only what was received.
struct Notice {
  enum class Kind { kAccepted, kReturned, kDestroyed, kRefused, kIssued, kHalfYearReport, kInformation };
  Kind kind = Kind::kAccepted;
  bool draft = false;  // the event is not completed
  std::string date;
  std::string number;
  std::string addressee;  // "authorized_body" (printed in words) or a name
  std::string owner;
  std::string software_name;
  std::string act_id;
  std::string reference;    // the owner's letter
  std::string received_on;  // YYYY-MM-DD
  std::string due_on;
  std::string done_on;
  std::string bundles;  // export ids of the bundles handed over
  int report_year = 0, report_half = 0;
  SignatureBlock signer;
  VerificationLine verification;
};

/// The register of everyone who had access to one deposit (the operator's
/// practice based on the former Annex 4 item 3.1.5; appliance/access_register.h),
/// read from the verified audit log.
struct AccessRegisterDoc {
  struct Row {
    std::string time;      // UTC instant "YYYY-MM-DDTHH:MM:SSZ": printed as its local date and time
    std::string person;    // full name; empty for the appliance itself (printed as the role in words)
    std::string position;  // may be empty
    std::string role;      // clerk / security_officer / auditor / admin / system: printed in words
    std::string kind;      // read / export / render / print / issue / return: printed in words
    std::string item;      // file path, export id or document id: an identifier, printed as it is
  };
  std::string date;  // YYYY-MM-DD, the day it was printed
  std::string deposit;
  std::string act_number;
  std::string object_name;
  std::string portal_code;
  std::string version;
  bool destroyed = false;
  uint64_t audit_entries = 0;  // entries of the log verified when it was built
  std::vector<Row> rows;
  VerificationLine verification;
};

/// A version's security test as recorded (003 cl.11-18; lifecycle's
/// security_test_record.h): the outcome, the report files kept in the store,
/// the vulnerability list and the comparison table of corrections.
struct SecurityTestDoc {
  struct Report {
    std::string name;
    int64_t size = 0;
    std::string sha256;
  };
  struct Finding {
    int number = 0;
    std::string description;
    std::string path;
    std::string risk;  // high / medium / low: printed in words
  };
  struct Correction {
    int number = 0;
    int finding = 0;
    std::string correction;
    bool fixed = false;
  };
  std::string date;  // YYYY-MM-DD, the day it was printed
  std::string test;  // its number
  std::string object_name;
  std::string portal_code;
  std::string version;
  bool positive = false;
  std::string reference;
  std::string tested_on;    // YYYY-MM-DD
  std::string recorded_by;  // full name
  std::vector<Report> reports;
  std::vector<Finding> findings;
  std::vector<Correction> remediation;
};

}  // namespace qoima::print

// Application: an application for recording and storage (001 Annex 1) and its
// entry in the journal of applications (001 Annex 2).
//
// The key of an application is the informatization object's code on the
// e-government architectural portal (001 Annex 1, "Code of information
// system"). Two tracks exist: the application track (001 cl.7-9: Annex 1
// within 10 working days of commissioning) and the trusted-register track
// (001 cl.14: software in the register, application in any form, act + NDA in
// two copies). On every track acceptance needs the NDA (the operator's form
// based on the former Annex 4) recorded as signed by both parties: the
// operator's practice, from the former rules' cl.17.
//
// The journal is append-only and numbered: numbers are consecutive from 1,
// an entry is never changed or deleted (storage enforces it with triggers;
// this file holds the rules the appliance checks before writing).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/organization.h"
#include "appliance/vocabulary.h"
#include "common/result.h"

namespace qoima::appliance {

/// Longest portal code we accept; codes are short identifiers.
inline constexpr size_t kMaxPortalCodeBytes = 64;
/// Most copies / media items one application may list.
inline constexpr size_t kMaxApplicationItems = 100;

std::string_view TrackName(Track t);  // "application", "register"
std::optional<Track> ParseTrack(std::string_view s);

enum class FundingSource {
  kRepublicanBudget,
  kLocalBudget,
  kStateNonBudgetFunds,
  kOwnFunds,
  kGrants,
  kExternalLoans,
  kCredit,
  kOtherEntitiesFunds,
};
std::string_view FundingSourceName(FundingSource f);
std::optional<FundingSource> ParseFundingSource(std::string_view s);

/// One line of Annex 1's configuration table.
struct ApplicationItem {
  std::string name;           // CD / file / document name
  std::string serial_number;  // CD serial number (volume serial for sticks)
  double size_mb = 0;
  int paper_sheets = 0;
  bool original = true;  // Original (O) or Copy (C)
};

struct SystemRequirements {
  std::string cpu, ram, disk, os, video, audio, extra_hardware, extra_software, other;
};

struct Application {
  int64_t id = 0;
  std::string portal_code;  // key: informatization object's code on the architectural portal
  Track track = Track::kApplication;
  std::string applicant;      // organization or person applying
  std::string software_name;  // name of software / code / settings set
  int copies = 1;             // number of copies
  std::vector<ApplicationItem> items;
  Organization owner;
  Organization developer;
  std::string authors;
  std::string certification;
  int year = 0;
  std::string version;
  std::string language;      // programming language
  std::string release_date;  // YYYY-MM-DD
  std::string annotation;    // purpose
  SystemRequirements requirements;
  std::string copy_protection;
  std::vector<FundingSource> funding;
  std::string signed_date;     // date on the form, YYYY-MM-DD
  std::string register_entry;  // register track: the register's entry / notice number
  int64_t created_at = 0;
};

/// OK when `code` is a plausible portal code: 1..64 of [A-Za-z0-9._/-].
Status CheckPortalCode(std::string_view code);

/// Checks an application before it is recorded; the message names the
/// field ("owner.email: ..."). Annex 1 fields the form marks as "if any"
/// may be empty; the applicant, software name, portal code, owner name and
/// at least one item are required, and the register track needs the
/// register entry.
Status ValidateApplication(const Application& a);

/// One line of the Annex 2 journal.
struct JournalEntry {
  int64_t number = 0;              // №, consecutive from 1
  std::string application_number;  // as written on the application
  std::string received_date;       // YYYY-MM-DD
  std::string state_body;          // name of the state body
  std::string applicant_head;      // head who signed the application
  std::string received_by;         // the clerk's full name
  int64_t received_by_user = 0;
  std::string portal_code;  // which application it registers
  int64_t recorded_at = 0;
};

/// Checks `next` before it is appended after `last_number`: the number must
/// be last_number + 1 and the fields must be filled; `today` bounds the date.
Status ValidateJournalAppend(int64_t last_number, const JournalEntry& next, int64_t now_unix);

/// The NDA (Annex 4) as recorded: who signed for each party and when.
struct NdaRecord {
  std::string owner_representative;  // represented by
  std::string owner_authority;       // acting on the basis of
  std::string operator_representative;
  std::string signed_date;  // YYYY-MM-DD
  bool signed_by_owner = false;
  bool signed_by_operator = false;
  bool SignedByBoth() const { return signed_by_owner && signed_by_operator; }
};

Status ValidateNda(const NdaRecord& nda, int64_t now_unix);

/// The largest Annex 1 form file `application add --form` reads (bytes).
inline constexpr size_t kMaxApplicationFormBytes = 1u << 20;
/// Deepest JSON nesting of a form (it needs 3: owner.contact, items[i]).
inline constexpr int kMaxApplicationFormDepth = 4;
/// Parses a form file's text (the JSON of ApplicationToJson, appliance.h):
/// at most kMaxApplicationFormBytes; nesting beyond kMaxApplicationFormDepth
/// is refused before the JSON is parsed, naming line and column. `name` is
/// used in messages.
Result<Application> ParseApplicationForm(std::string_view text, const std::string& name);

}  // namespace qoima::appliance

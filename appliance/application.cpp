#include "appliance/application.h"

#include <nlohmann/json.hpp>

#include "appliance/appliance.h"
#include "appliance/civil_time.h"
#include "appliance/unicode_path.h"
#include "common/json_nesting.h"

namespace qoima::appliance {
namespace {

constexpr size_t kMaxFieldBytes = 1024;
constexpr size_t kMaxLongFieldBytes = 16u << 10;

Status Field(std::string_view name, const std::string& value, bool required, size_t limit = kMaxFieldBytes) {
  if (required && value.find_first_not_of(" \t") == std::string::npos)
    return Status::InvalidArgument(std::string(name) + ": is required");
  if (value.size() > limit)
    return Status::LimitExceeded(std::string(name) + ": is " + std::to_string(value.size()) + " bytes, the limit is " +
                                 std::to_string(limit));
  QOIMA_RETURN_IF_ERROR(ValidateUtf8(value).WithContext(name));
  for (unsigned char c : value)
    if ((c < 0x20 && c != '\n') || c == 0x7f)
      return Status::InvalidArgument(std::string(name) + ": contains a control character");
  return Status::Ok();
}

Status DateField(std::string_view name, const std::string& value, bool required, int64_t now_unix) {
  if (value.empty()) return required ? Status::InvalidArgument(std::string(name) + ": is required") : Status::Ok();
  auto d = ParseDay(value);
  if (!d) return Status::InvalidArgument(std::string(name) + ": '" + value + "' is not a date (YYYY-MM-DD)");
  if (now_unix && *d > LocalDateOf(now_unix))
    return Status::InvalidArgument(std::string(name) + ": " + value + " is in the future");
  return Status::Ok();
}

Status CheckOrganization(std::string_view prefix, const Organization& o, bool required) {
  std::string p(prefix);
  QOIMA_RETURN_IF_ERROR(Field(p + ".full_name", o.full_name, required));
  QOIMA_RETURN_IF_ERROR(Field(p + ".subordination", o.subordination, false));
  QOIMA_RETURN_IF_ERROR(Field(p + ".short_name", o.short_name, false));
  QOIMA_RETURN_IF_ERROR(Field(p + ".address", o.address, false));
  QOIMA_RETURN_IF_ERROR(Field(p + ".phone", o.phone, false));
  QOIMA_RETURN_IF_ERROR(Field(p + ".fax", o.fax, false));
  QOIMA_RETURN_IF_ERROR(Field(p + ".web", o.web, false));
  QOIMA_RETURN_IF_ERROR(Field(p + ".contact.surname", o.contact.surname, false));
  QOIMA_RETURN_IF_ERROR(Field(p + ".contact.name", o.contact.name, false));
  QOIMA_RETURN_IF_ERROR(Field(p + ".contact.patronymic", o.contact.patronymic, false));
  if (!o.postcode.empty()) {
    if (o.postcode.size() != 6 || o.postcode.find_first_not_of("0123456789") != std::string::npos)
      return Status::InvalidArgument(p + ".postcode: '" + o.postcode + "' is not a 6-digit postal code");
  }
  if (!o.email.empty()) {
    QOIMA_RETURN_IF_ERROR(Field(p + ".email", o.email, false));
    size_t at = o.email.find('@');
    if (at == std::string::npos || at == 0 || o.email.find('.', at) == std::string::npos ||
        o.email.find(' ') != std::string::npos)
      return Status::InvalidArgument(p + ".email: '" + o.email + "' is not an e-mail address");
  }
  return Status::Ok();
}

}  // namespace

std::string_view TrackName(Track t) { return t == Track::kRegister ? "register" : "application"; }

std::optional<Track> ParseTrack(std::string_view s) {
  if (s == "application") return Track::kApplication;
  if (s == "register") return Track::kRegister;
  return std::nullopt;
}

std::string_view FundingSourceName(FundingSource f) {
  switch (f) {
    case FundingSource::kRepublicanBudget: return "republican_budget";
    case FundingSource::kLocalBudget: return "local_budget";
    case FundingSource::kStateNonBudgetFunds: return "state_non_budget_funds";
    case FundingSource::kOwnFunds: return "own_funds";
    case FundingSource::kGrants: return "grants";
    case FundingSource::kExternalLoans: return "external_loans";
    case FundingSource::kCredit: return "credit";
    case FundingSource::kOtherEntitiesFunds: return "other_entities_funds";
  }
  return "?";
}

std::optional<FundingSource> ParseFundingSource(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(FundingSource::kOtherEntitiesFunds); ++i)
    if (FundingSourceName(static_cast<FundingSource>(i)) == s) return static_cast<FundingSource>(i);
  return std::nullopt;
}

Status CheckPortalCode(std::string_view code) {
  if (code.empty()) return Status::InvalidArgument("portal code: is required");
  if (code.size() > kMaxPortalCodeBytes)
    return Status::InvalidArgument("portal code: longer than " + std::to_string(kMaxPortalCodeBytes) + " characters");
  for (char c : code)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-' || c == '/'))
      return Status::InvalidArgument("portal code: '" + std::string(code) +
                                     "' may contain only Latin letters, digits, '.', '_', '-' and '/'");
  return Status::Ok();
}

Status ValidateApplication(const Application& a) {
  QOIMA_RETURN_IF_ERROR(CheckPortalCode(a.portal_code));
  QOIMA_RETURN_IF_ERROR(Field("applicant", a.applicant, true));
  QOIMA_RETURN_IF_ERROR(Field("software_name", a.software_name, true));
  if (a.copies < 1 || a.copies > static_cast<int>(kMaxApplicationItems))
    return Status::InvalidArgument("copies: must be between 1 and " + std::to_string(kMaxApplicationItems));
  if (a.items.empty()) return Status::InvalidArgument("items: at least one CD, file or document must be listed");
  if (a.items.size() > kMaxApplicationItems)
    return Status::LimitExceeded("items: more than " + std::to_string(kMaxApplicationItems));
  for (size_t i = 0; i < a.items.size(); ++i) {
    const auto& it = a.items[i];
    std::string p = "items[" + std::to_string(i + 1) + "]";
    QOIMA_RETURN_IF_ERROR(Field(p + ".name", it.name, true));
    QOIMA_RETURN_IF_ERROR(Field(p + ".serial_number", it.serial_number, false));
    if (it.size_mb < 0 || it.size_mb > 4.0 * 1024 * 1024)
      return Status::InvalidArgument(p + ".size_mb: must be between 0 and 4194304");
    if (it.paper_sheets < 0 || it.paper_sheets > 100000)
      return Status::InvalidArgument(p + ".paper_sheets: must be between 0 and 100000");
  }
  QOIMA_RETURN_IF_ERROR(CheckOrganization("owner", a.owner, true));
  QOIMA_RETURN_IF_ERROR(CheckOrganization("developer", a.developer, false));
  QOIMA_RETURN_IF_ERROR(Field("authors", a.authors, false, kMaxLongFieldBytes));
  QOIMA_RETURN_IF_ERROR(Field("certification", a.certification, false));
  QOIMA_RETURN_IF_ERROR(Field("version", a.version, false));
  QOIMA_RETURN_IF_ERROR(Field("language", a.language, false));
  QOIMA_RETURN_IF_ERROR(Field("annotation", a.annotation, false, kMaxLongFieldBytes));
  QOIMA_RETURN_IF_ERROR(Field("copy_protection", a.copy_protection, false, kMaxLongFieldBytes));
  const SystemRequirements& r = a.requirements;
  for (auto [n, v] : {std::pair{"requirements.cpu", &r.cpu},
                      {"requirements.ram", &r.ram},
                      {"requirements.disk", &r.disk},
                      {"requirements.os", &r.os},
                      {"requirements.video", &r.video},
                      {"requirements.audio", &r.audio},
                      {"requirements.extra_hardware", &r.extra_hardware},
                      {"requirements.extra_software", &r.extra_software},
                      {"requirements.other", &r.other}})
    QOIMA_RETURN_IF_ERROR(Field(n, *v, false));
  if (a.year != 0 && (a.year < 1950 || a.year > 9999))
    return Status::InvalidArgument("year: " + std::to_string(a.year) + " is not a plausible year of issue");
  QOIMA_RETURN_IF_ERROR(DateField("release_date", a.release_date, false, a.created_at));
  QOIMA_RETURN_IF_ERROR(DateField("signed_date", a.signed_date, false, a.created_at));
  if (a.track == Track::kRegister)
    QOIMA_RETURN_IF_ERROR(Field("register_entry", a.register_entry, true).WithContext("register track"));
  return Status::Ok();
}

Status ValidateJournalAppend(int64_t last_number, const JournalEntry& e, int64_t now_unix) {
  if (e.number != last_number + 1)
    return Status::FailedPrecondition("journal: the next entry must be number " + std::to_string(last_number + 1) +
                                      ", not " + std::to_string(e.number) + " (the journal is append-only)");
  QOIMA_RETURN_IF_ERROR(Field("application_number", e.application_number, true));
  QOIMA_RETURN_IF_ERROR(DateField("received_date", e.received_date, true, now_unix));
  QOIMA_RETURN_IF_ERROR(Field("state_body", e.state_body, true));
  QOIMA_RETURN_IF_ERROR(Field("applicant_head", e.applicant_head, true));
  QOIMA_RETURN_IF_ERROR(Field("received_by", e.received_by, true));
  QOIMA_RETURN_IF_ERROR(CheckPortalCode(e.portal_code));
  return Status::Ok();
}

Status ValidateNda(const NdaRecord& n, int64_t now_unix) {
  QOIMA_RETURN_IF_ERROR(Field("nda.owner_representative", n.owner_representative, true));
  QOIMA_RETURN_IF_ERROR(Field("nda.owner_authority", n.owner_authority, true));
  QOIMA_RETURN_IF_ERROR(Field("nda.operator_representative", n.operator_representative, true));
  QOIMA_RETURN_IF_ERROR(DateField("nda.signed_date", n.signed_date, true, now_unix));
  return Status::Ok();
}

Result<Application> ParseApplicationForm(std::string_view text, const std::string& name) {
  if (text.size() > kMaxApplicationFormBytes)
    return Status::LimitExceeded(name + ": is " + std::to_string(text.size()) + " bytes, the limit is " +
                                 std::to_string(kMaxApplicationFormBytes));
  QOIMA_RETURN_IF_ERROR(CheckJsonNesting(text, kMaxApplicationFormDepth, name));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument(name + ": not valid JSON");
  auto r = ApplicationFromJson(j);
  if (!r.ok()) return r.status().WithContext(name);
  return r;
}

}  // namespace qoima::appliance

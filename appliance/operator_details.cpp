#include "appliance/operator_details.h"

#include <utility>

namespace qoima::appliance {
namespace {

using nlohmann::json;
using storage::Statement;

/// Each field: its store_meta key (after "operator.") and its member.
struct Field {
  const char* name;
  std::string print::OperatorInfo::*member;
};
constexpr Field kFields[] = {
    {"name_kk", &print::OperatorInfo::name_kk},
    {"name_ru", &print::OperatorInfo::name_ru},
    {"bin", &print::OperatorInfo::bin},
    {"address", &print::OperatorInfo::address},
    {"phone", &print::OperatorInfo::phone},
    {"email", &print::OperatorInfo::email},
    {"head_position", &print::OperatorInfo::head_position},
    {"head_name", &print::OperatorInfo::head_name},
    {"clerk_position", &print::OperatorInfo::clerk_position},
    {"officer_position", &print::OperatorInfo::officer_position},
};

std::string Key(const Field& f) { return std::string("operator.") + f.name; }

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<print::OperatorInfo> LoadOperatorDetails(storage::Database& db) {
  print::OperatorInfo op;
  QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT key, value FROM store_meta WHERE key LIKE 'operator.%'"));
  while (true) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    const std::string key = st.ColumnText(0);
    for (const Field& f : kFields)
      if (key == Key(f)) op.*f.member = st.ColumnText(1);
  }
  return op;
}

Status SaveOperatorDetails(storage::Database& db, const print::OperatorInfo& op) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("INSERT OR REPLACE INTO store_meta(key, value) VALUES (?, ?)"));
  for (const Field& f : kFields) {
    st.Reset();
    st.Bind(1, Key(f)).Bind(2, op.*f.member);
    QOIMA_RETURN_IF_ERROR(st.Run());
  }
  return Status::Ok();
}

Status ValidateOperatorDetails(const print::OperatorInfo& op) {
  for (const Field& f : kFields) {
    const std::string& v = op.*f.member;
    if (v.size() > kMaxOperatorFieldBytes)
      return Status::InvalidArgument(std::string("operator ") + f.name + " is longer than " +
                                     std::to_string(kMaxOperatorFieldBytes) + " bytes");
    for (unsigned char c : v)
      if (c < 0x20 || c == 0x7f)
        return Status::InvalidArgument(std::string("operator ") + f.name + " contains a control character");
  }
  if (!op.bin.empty() && (op.bin.size() != 12 || op.bin.find_first_not_of("0123456789") != std::string::npos))
    return Status::InvalidArgument("operator bin '" + op.bin + "' is not 12 digits (БСН / БИН)");
  if (!op.email.empty() && op.email.find('@') == std::string::npos)
    return Status::InvalidArgument("operator email '" + op.email + "' has no '@'");
  return Status::Ok();
}

json OperatorDetailsJson(const print::OperatorInfo& op) {
  json j = json::object();
  for (const Field& f : kFields) j[f.name] = op.*f.member;
  return j;
}

void MergeOperatorDetails(const json& j, print::OperatorInfo& op) {
  if (!j.is_object()) return;
  for (const Field& f : kFields)
    if (auto it = j.find(f.name); it != j.end() && it->is_string()) op.*f.member = it->get<std::string>();
}

ActParty AcceptingParty(const print::OperatorInfo& op, const ActParty& given, const std::string& clerk_full_name) {
  ActParty p = given;
  if (p.full_name.empty()) p.full_name = clerk_full_name;
  if (p.organization.empty()) p.organization = op.BilingualName();
  if (p.position.empty()) p.position = op.clerk_position;
  if (p.work_phone.empty()) p.work_phone = op.phone;
  if (p.email.empty()) p.email = op.email;
  return p;
}

json ActPartyJson(const ActParty& p) {
  return {{"organization", p.organization}, {"position", p.position},         {"full_name", p.full_name},
          {"work_phone", p.work_phone},     {"mobile_phone", p.mobile_phone}, {"email", p.email}};
}

ActParty ActPartyFromJson(const json& j) {
  ActParty p;
  if (!j.is_object()) return p;
  p.organization = Str(j, "organization");
  p.position = Str(j, "position");
  p.full_name = Str(j, "full_name");
  p.work_phone = Str(j, "work_phone");
  p.mobile_phone = Str(j, "mobile_phone");
  p.email = Str(j, "email");
  return p;
}

}  // namespace qoima::appliance

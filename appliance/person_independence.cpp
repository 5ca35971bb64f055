#include "appliance/person_independence.h"

#include "appliance/civil_time.h"

namespace qoima::appliance {
namespace {

struct KindName {
  UserChangeKind kind;
  std::string_view name;
  std::string_view noun;  // how a refusal names it
};

constexpr KindName kKinds[] = {
    {UserChangeKind::kCreate, "create", "creation"},         {UserChangeKind::kEnable, "enable", "enabling"},
    {UserChangeKind::kDisable, "disable", "disabling"},      {UserChangeKind::kRole, "role", "role change"},
    {UserChangeKind::kPassword, "password", "new password"}, {UserChangeKind::kUnlock, "unlock", "unlocking"},
};

std::string_view Noun(UserChangeKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.noun;
  return "change";
}

// How `maker` took part in `c`.
std::string_view Part(const UserChange& c, int64_t maker) {
  if (c.approved_by == maker) return "approved";
  if (c.approved_by || c.break_glass) return "asked for";
  return "carried out";
}

}  // namespace

std::string_view UserChangeKindName(UserChangeKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "?";
}

std::optional<UserChangeKind> ParseUserChangeKind(std::string_view name) {
  for (const auto& k : kKinds)
    if (k.name == name) return k.kind;
  return std::nullopt;
}

bool BindsMakers(UserChangeKind kind) {
  return kind == UserChangeKind::kCreate || kind == UserChangeKind::kEnable || kind == UserChangeKind::kRole ||
         kind == UserChangeKind::kPassword;
}

Status CheckIndependence(std::span<const UserChange> changes, const Person& a, const Person& b, int64_t now,
                         int64_t window) {
  if (a.user_id == b.user_id)
    return Status::PermissionDenied("'" + a.login + "' cannot be both persons of a two-person approval");
  const int64_t since = now - window;
  const UserChange* binding = nullptr;
  for (const UserChange& c : changes) {
    // A change dated after `now` (the clock was set back) binds too.
    if (!BindsMakers(c.kind) || c.at < since) continue;
    bool a_made_b = c.user_id == b.user_id && (c.requested_by == a.user_id || c.approved_by == a.user_id);
    bool b_made_a = c.user_id == a.user_id && (c.requested_by == b.user_id || c.approved_by == b.user_id);
    if (!a_made_b && !b_made_a) continue;
    if (!binding || c.at > binding->at) binding = &c;  // the newest one decides when they are free again
  }
  if (!binding) return Status::Ok();
  const UserChange& c = *binding;
  const Person& maker = c.user_id == b.user_id ? a : b;
  const Person& made = c.user_id == b.user_id ? b : a;
  return Status::PermissionDenied(
      "'" + a.login + "' and '" + b.login + "' are not two independent persons: '" + maker.login + "' " +
      std::string(Part(c, maker.user_id)) + " the " + std::string(Noun(c.kind)) + " of '" + made.login + "' on " +
      FormatUtc(c.at) + (c.approval_id ? " (approval " + std::to_string(c.approval_id) + ")" : "") +
      "; an approval needs a security officer who did not make or re-key the other's account in the last " +
      std::to_string(window / 86400) + " days (until " + FormatUtc(c.at + window) + ")");
}

}  // namespace qoima::appliance

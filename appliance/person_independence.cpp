#include "appliance/person_independence.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <utility>
#include <vector>

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
  // maker -> made, the newest binding change per pair (it binds the longest).
  const int64_t since = now - window;
  std::map<int64_t, std::map<int64_t, const UserChange*>> made_by;
  std::map<int64_t, std::string> logins = {{a.user_id, a.login}, {b.user_id, b.login}};
  for (const UserChange& c : changes) {
    // A change dated after `now` (the clock was set back) binds too.
    if (!BindsMakers(c.kind) || c.at < since) continue;
    logins.emplace(c.user_id, c.login);
    for (auto [maker, login] :
         {std::pair{c.requested_by, &c.requested_by_login}, std::pair{c.approved_by, &c.approved_by_login}}) {
      if (maker == 0 || maker == c.user_id) continue;  // the system, or one's own password
      logins.emplace(maker, *login);
      const UserChange*& newest = made_by[maker][c.user_id];
      if (!newest || c.at > newest->at) newest = &c;
    }
  }
  // The shortest chain of makings from one person to the other, either way:
  // an account made by an account one made is one's puppet's puppet.
  auto chain = [&made_by](int64_t from, int64_t to) {
    std::map<int64_t, std::pair<int64_t, const UserChange*>> reached;  // account -> (maker, change)
    std::deque<int64_t> queue = {from};
    reached[from] = {0, nullptr};
    while (!queue.empty() && !reached.count(to)) {
      int64_t maker = queue.front();
      queue.pop_front();
      auto edges = made_by.find(maker);
      if (edges == made_by.end()) continue;
      for (const auto& [made, change] : edges->second)
        if (reached.emplace(made, std::pair{maker, change}).second) queue.push_back(made);
    }
    std::vector<std::pair<int64_t, const UserChange*>> path;  // (maker, change), first link first
    if (!reached.count(to)) return path;
    for (int64_t at = to; at != from; at = reached[at].first) path.insert(path.begin(), reached[at]);
    return path;
  };
  auto path = chain(a.user_id, b.user_id);
  if (path.empty()) path = chain(b.user_id, a.user_id);
  if (path.empty()) return Status::Ok();
  std::string links;
  int64_t lapses = std::numeric_limits<int64_t>::max();
  for (const auto& [maker, c] : path) {
    links += std::string(links.empty() ? "" : "; then ") + "'" + logins[maker] + "' " + std::string(Part(*c, maker)) +
             " the " + std::string(Noun(c->kind)) + " of '" + logins[c->user_id] + "' on " + FormatUtc(c->at) +
             (c->approval_id ? " (approval " + std::to_string(c->approval_id) + ")" : "");
    lapses = std::min(lapses, c->at + window);
  }
  return Status::PermissionDenied(
      "'" + a.login + "' and '" + b.login + "' are not two independent persons: " + links +
      "; an approval needs a security officer who did not make or re-key the other's account, directly or through "
      "accounts they made, in the last " +
      std::to_string(window / 86400) + " days (until " + FormatUtc(lapses) + ")");
}

}  // namespace qoima::appliance

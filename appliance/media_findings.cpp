#include "appliance/media_findings.h"

#include <optional>

#include "common/visible_text.h"

namespace qoima::appliance {
namespace {

using hardware::ArchiveLimit;
using hardware::ProblemClass;
using hardware::UnsafeNameKind;
using json = nlohmann::json;

constexpr uint8_t kMaxProblemClass = static_cast<uint8_t>(ProblemClass::kArchiveListingStopped);

std::optional<ProblemClass> ParseClass(std::string_view name) {
  for (uint8_t c = 1; c <= kMaxProblemClass; ++c)
    if (hardware::ProblemClassName(static_cast<ProblemClass>(c)) == name) return static_cast<ProblemClass>(c);
  return std::nullopt;
}

ArchiveLimit ParseLimit(std::string_view name) {
  for (uint8_t l = 1; l <= hardware::kMaxArchiveLimit; ++l)
    if (hardware::ArchiveLimitName(static_cast<ArchiveLimit>(l)) == name) return static_cast<ArchiveLimit>(l);
  return ArchiveLimit::kNone;
}

UnsafeNameKind ParseUnsafe(std::string_view name) {
  for (auto k : {UnsafeNameKind::kTraversal, UnsafeNameKind::kControlCharacters, UnsafeNameKind::kHiddenCharacters})
    if (hardware::UnsafeNameKindName(k) == name) return k;
  return UnsafeNameKind::kNone;
}

std::string Str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint64_t Number(const json& o, const char* key) {
  auto it = o.find(key);
  // Parsed text gives unsigned numbers, a json built in code signed ones.
  if (it == o.end() || !it->is_number_integer() || it->get<int64_t>() < 0) return 0;
  return it->get<uint64_t>();
}

}  // namespace

void MediaFindings::Add(const hardware::MediaProblem& p) {
  Finding f;
  f.cls = p.cls;
  f.unsafe = p.unsafe;
  f.limit = p.limit;
  f.limit_value = p.limit_value;
  f.path = p.path;
  f.reason = p.message;
  Add(std::move(f));
}

void MediaFindings::Add(Finding f) {
  ++counts_[static_cast<size_t>(f.cls) % counts_.size()];
  ++total_;
  if (listed_.size() < kMaxListedFindings) listed_.push_back(std::move(f));
}

void MediaFindings::AddUnlisted(ProblemClass cls, uint64_t n) {
  counts_[static_cast<size_t>(cls) % counts_.size()] += n;
  total_ += n;
}

std::string MediaFindings::Summary() const {
  std::string out;
  for (uint8_t c = 1; c <= kMaxProblemClass; ++c) {
    uint64_t n = counts_[c];
    if (n == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::to_string(n) + " " + std::string(hardware::ProblemClassName(static_cast<ProblemClass>(c)));
  }
  return out;
}

void AddFindingsJson(json& medium, const MediaFindings& findings) {
  json list = json::array();
  for (const Finding& f : findings.listed()) {
    // The exact name (a JSON parser gets it back), its escaped form as
    // screens and paper show it, and why.
    json j = {{"class", hardware::ProblemClassName(f.cls)},
              {"path", f.path},
              {"shown", VisibleText(f.path)},
              {"reason", f.reason}};
    if (f.unsafe != UnsafeNameKind::kNone) j["kind"] = hardware::UnsafeNameKindName(f.unsafe);
    if (f.limit != ArchiveLimit::kNone) {
      j["limit"] = hardware::ArchiveLimitName(f.limit);
      j["limit_value"] = f.limit_value;
    }
    list.push_back(std::move(j));
  }
  json counts = json::object();
  for (uint8_t c = 1; c <= kMaxProblemClass; ++c)
    if (uint64_t n = findings.Count(static_cast<ProblemClass>(c)); n != 0)
      counts[std::string(hardware::ProblemClassName(static_cast<ProblemClass>(c)))] = n;
  medium["findings"] = std::move(list);
  medium["findings_unlisted"] = findings.unlisted();
  medium["finding_counts"] = std::move(counts);
}

MediaFindings FindingsFromJson(const json& medium) {
  MediaFindings out;
  if (!medium.is_object()) return out;
  auto list = medium.find("findings");
  if (list != medium.end() && list->is_array()) {
    for (const json& j : *list) {
      if (!j.is_object()) continue;
      auto cls = ParseClass(Str(j, "class"));
      if (!cls || hardware::IsFatalProblem(*cls)) continue;
      Finding f;
      f.cls = *cls;
      f.unsafe = ParseUnsafe(Str(j, "kind"));
      f.limit = ParseLimit(Str(j, "limit"));
      f.limit_value = Number(j, "limit_value");
      f.path = Str(j, "path");
      f.reason = Str(j, "reason");
      out.Add(std::move(f));
    }
    // What was counted beyond the listed ones, class by class.
    auto counts = medium.find("finding_counts");
    if (counts != medium.end() && counts->is_object()) {
      for (auto it = counts->begin(); it != counts->end(); ++it) {
        auto cls = ParseClass(it.key());
        if (!cls || !it->is_number_integer() || it->get<int64_t>() < 0) continue;
        uint64_t counted = it->get<uint64_t>();
        if (counted > out.Count(*cls)) out.AddUnlisted(*cls, counted - out.Count(*cls));
      }
    }
    return out;
  }
  // Evidence recorded before findings: the flagged names only.
  auto flags = medium.find("name_flags");
  if (flags != medium.end() && flags->is_array()) {
    for (const json& j : *flags) {
      if (!j.is_object()) continue;
      Finding f;
      f.cls = ProblemClass::kUnsafeName;
      f.path = Str(j, "path");
      f.reason = Str(j, "reason");
      out.Add(std::move(f));
    }
    out.AddUnlisted(ProblemClass::kUnsafeName, Number(medium, "name_flags_unlisted"));
  }
  return out;
}

}  // namespace qoima::appliance

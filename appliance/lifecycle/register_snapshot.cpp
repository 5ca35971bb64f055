#include "appliance/lifecycle/register_snapshot.h"

#include <map>

#include "appliance/lifecycle/text_fields.h"

namespace qoima::appliance::lifecycle {

std::string_view RegisterEntryStatusName(RegisterEntryStatus s) {
  switch (s) {
    case RegisterEntryStatus::kIncluded: return "included";
    case RegisterEntryStatus::kChanged: return "changed";
    case RegisterEntryStatus::kExcluded: return "excluded";
  }
  return "?";
}

namespace {

// entry | number | holder | bin | product | catalogue codes | delivery | category codes | platform |
//         notice number | notice date | status | reason | support centre
constexpr size_t kEntryFields = 14;
constexpr const char* kEntryFieldNames[kEntryFields] = {
    "record",         "number",   "holder",        "BIN/IIN",     "product", "catalogue codes", "delivery",
    "category codes", "platform", "notice number", "notice date", "status",  "reason",          "support centre"};

std::vector<std::string> SplitCodes(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t semi = s.find(';', start);
    auto part = TrimField(s.substr(start, semi == std::string_view::npos ? std::string_view::npos : semi - start));
    if (!part.empty()) out.emplace_back(part);
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
  return out;
}

std::string JoinCodes(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "; " : "") + v[i];
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view file) : file_(file) {}

  Status Error(int line, size_t field, const std::string& msg) const {
    std::string where = std::string(file_) + ": line " + std::to_string(line);
    if (field > 0 && field <= kEntryFields)
      where += ", field " + std::to_string(field) + " (" + kEntryFieldNames[field - 1] + ")";
    return Status::InvalidArgument(where + ": " + msg);
  }

  Result<RegisterSnapshot> Run(std::string_view text) {
    if (text.size() > RegisterSnapshotLimits::kMaxFileBytes)
      return Status::LimitExceeded(std::string(file_) + ": " + std::to_string(text.size()) + " bytes exceeds " +
                                   std::to_string(RegisterSnapshotLimits::kMaxFileBytes));
    int n = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      ++n;
      pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
      if (raw.size() > RegisterSnapshotLimits::kMaxLineBytes)
        return Status::LimitExceeded(std::string(file_) + ": line " + std::to_string(n) + " is longer than " +
                                     std::to_string(RegisterSnapshotLimits::kMaxLineBytes) + " bytes");
      std::string_view line = TrimField(raw);
      if (line.empty() || line.front() == '#') continue;
      if (ended_) return Error(n, 0, "text after the 'end' line");
      auto f = SplitBarFields(line);
      for (size_t i = 0; i < f.size(); ++i)
        if (f[i].size() > RegisterSnapshotLimits::kMaxFieldBytes)
          return Status::LimitExceeded(std::string(file_) + ": line " + std::to_string(n) + ", field " +
                                       std::to_string(i + 1) + " is longer than " +
                                       std::to_string(RegisterSnapshotLimits::kMaxFieldBytes) + " bytes");
      QOIMA_RETURN_IF_ERROR(Line(n, f));
    }
    if (!have_header_) return Error(n, 0, "no 'qoima-register | 1' header: not a register snapshot");
    if (!have_snapshot_) return Error(n, 0, "no 'snapshot | YYYY-MM-DD | source' line");
    if (!ended_) return Error(n, 0, "no 'end | COUNT' line: the file is truncated");
    return std::move(snap_);
  }

 private:
  Status Line(int n, const std::vector<std::string_view>& f) {
    if (!have_header_) {
      if (f[0] != kRegisterMagic) return Error(n, 0, "expected 'qoima-register | 1' as the first line");
      if (f.size() != 2 || f[1] != "1") return Error(n, 0, "only format version 1 is understood");
      have_header_ = true;
      return Status::Ok();
    }
    if (f[0] == "snapshot") {
      if (have_snapshot_) return Error(n, 1, "a second 'snapshot' line");
      if (f.size() != 3) return Error(n, 0, "a snapshot line has 3 fields: snapshot | YYYY-MM-DD | source");
      auto d = CivilDate::Parse(f[1]);
      if (!d.ok()) return Error(n, 0, "field 2 (snapshot date): " + d.status().message());
      if (f[2].empty()) return Error(n, 0, "field 3 (source): the snapshot must name its source");
      snap_.taken = *d;
      snap_.source = std::string(f[2]);
      have_snapshot_ = true;
      return Status::Ok();
    }
    if (f[0] == "end") {
      if (f.size() != 2) return Error(n, 0, "an end line has 2 fields: end | COUNT");
      if (f[1] != std::to_string(snap_.entries.size()))
        return Error(n, 0,
                     "field 2 (count): the end line promises " + std::string(f[1]) + " entries but the file holds " +
                         std::to_string(snap_.entries.size()));
      ended_ = true;
      return Status::Ok();
    }
    if (f[0] != "entry")
      return Error(n, 1, "unknown record '" + std::string(f[0]) + "' (expected snapshot, entry or end)");
    if (!have_snapshot_) return Error(n, 1, "entry before the 'snapshot' line");
    return Entry(n, f);
  }

  Status Entry(int n, const std::vector<std::string_view>& f) {
    if (f.size() != kEntryFields)
      return Error(
          n, 0, "an entry has " + std::to_string(kEntryFields) + " fields, this one has " + std::to_string(f.size()));
    if (snap_.entries.size() >= RegisterSnapshotLimits::kMaxEntries)
      return Status::LimitExceeded(std::string(file_) + ": line " + std::to_string(n) + ": more than " +
                                   std::to_string(RegisterSnapshotLimits::kMaxEntries) + " entries");
    for (size_t i : {1u, 2u, 3u, 4u, 6u, 9u, 11u, 13u})
      if (f[i].empty()) return Error(n, i + 1, "empty");
    RegisterEntry e;
    e.line = n;
    e.number = std::string(f[1]);
    if (auto dup = numbers_.find(e.number); dup != numbers_.end())
      return Error(n, 2, "duplicate: entry " + e.number + " is already given on line " + std::to_string(dup->second));
    e.holder = std::string(f[2]);
    e.bin = std::string(f[3]);
    bool digits = e.bin.size() == 12;
    for (char c : e.bin) digits = digits && c >= '0' && c <= '9';
    if (!digits) return Error(n, 4, "'" + e.bin + "' is not a 12-digit BIN/IIN");
    e.product = std::string(f[4]);
    e.catalogue_codes = SplitCodes(f[5]);
    e.delivery = std::string(f[6]);
    e.category_codes = SplitCodes(f[7]);
    e.platform = std::string(f[8]);
    e.notice_number = std::string(f[9]);
    auto d = CivilDate::Parse(f[10]);
    if (!d.ok()) return Error(n, 11, d.status().message());
    if (*d > snap_.taken) return Error(n, 11, d->ToString() + " is after the snapshot date " + snap_.taken.ToString());
    e.notice_date = *d;
    if (f[11] == "included")
      e.status = RegisterEntryStatus::kIncluded;
    else if (f[11] == "changed")
      e.status = RegisterEntryStatus::kChanged;
    else if (f[11] == "excluded")
      e.status = RegisterEntryStatus::kExcluded;
    else
      return Error(n, 12, "'" + std::string(f[11]) + "' is not included, changed or excluded");
    e.reason = std::string(f[12]);
    e.support_centre = std::string(f[13]);
    numbers_[e.number] = n;
    snap_.entries.push_back(std::move(e));
    return Status::Ok();
  }

  std::string_view file_;
  bool have_header_ = false;
  bool have_snapshot_ = false;
  bool ended_ = false;
  RegisterSnapshot snap_;
  std::map<std::string, int> numbers_;
};

}  // namespace

Result<RegisterSnapshot> ParseRegisterSnapshot(std::string_view text, std::string_view file_name) {
  return Parser(file_name).Run(text);
}

std::string FormatRegisterSnapshot(const RegisterSnapshot& s) {
  std::string out = std::string(kRegisterMagic) + " | 1\n";
  out += "snapshot | " + s.taken.ToString() + " | " + s.source + "\n";
  for (const auto& e : s.entries) {
    out += "entry | " + e.number + " | " + e.holder + " | " + e.bin + " | " + e.product + " | " +
           JoinCodes(e.catalogue_codes) + " | " + e.delivery + " | " + JoinCodes(e.category_codes) + " | " +
           e.platform + " | " + e.notice_number + " | " + e.notice_date.ToString() + " | " +
           std::string(RegisterEntryStatusName(e.status)) + " | " + e.reason + " | " + e.support_centre + "\n";
  }
  out += "end | " + std::to_string(s.entries.size()) + "\n";
  return out;
}

RegisterLookup LookUpProduct(const RegisterSnapshot& snapshot, std::string_view query, RegisterTrack track,
                             const CivilDate& today) {
  RegisterLookup r;
  r.snapshot_age_days = snapshot.AgeDays(today);
  r.stale = r.snapshot_age_days > RegisterSnapshotLimits::kStaleAfterDays;
  std::string q = FoldCase(TrimField(query));
  bool any_in_force = false;
  if (!q.empty()) {
    for (const auto& e : snapshot.entries) {
      if (e.bin == q || FoldCase(e.number) == q || FoldCase(e.product).find(q) != std::string::npos) {
        r.matches.push_back(&e);
        any_in_force = any_in_force || e.status != RegisterEntryStatus::kExcluded;
      }
    }
  }
  std::string age = "snapshot of " + snapshot.taken.ToString() + ", " + std::to_string(r.snapshot_age_days) +
                    " days old" + (r.stale ? " (stale: import a newer one)" : "");
  if (any_in_force) {
    r.advice = "found in the trusted register (" + age + ")";
  } else if (!r.matches.empty()) {
    r.advice = "the register lists it as EXCLUDED (" + age + ")";
  } else {
    r.advice = "not found in the trusted register (" + age + ")";
  }
  if (track == RegisterTrack::kRegister && !any_in_force) {
    r.blocks_acceptance = true;
    r.advice +=
        "; on the register track this is refusal reason 1 (the operator's practice, based on the former 146/НҚ "
        "cl.16(1))";
  } else if (!any_in_force) {
    r.advice += "; advisory only on the application track";
  }
  return r;
}

}  // namespace qoima::appliance::lifecycle

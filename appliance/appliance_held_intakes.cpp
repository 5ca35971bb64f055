// Appliance: the intakes held for the clerk's decision (HeldIntake). See
// appliance.h. What the read found is rebuilt from the evidence recorded with
// each intake (appliance_intake.cpp writes it; docs/intake.md, "Evidence"):
// the held content itself is not read.
#include <string>
#include <vector>

#include "appliance/appliance.h"
#include "appliance/media_findings.h"

namespace qoima::appliance {
namespace {

using nlohmann::json;

int64_t UtcTextToUnix(const std::string& s) {
  auto d = ParseManifestDate(s);
  return d ? d->unix_seconds : 0;
}

std::string Text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint64_t Number(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

std::optional<DiffKind> DiffKindOfName(const std::string& name) {
  for (size_t k = 0; k < kDiffKindCount; ++k)
    if (name == DiffKindName(static_cast<DiffKind>(k))) return static_cast<DiffKind>(k);
  return std::nullopt;
}

// One medium of the evidence (DiffJson's shape) back as a MediumCheck;
// malformed items are skipped, as FindingsFromJson skips them.
MediumCheck MediumOfEvidence(const json& m) {
  MediumCheck out;
  out.disc = Text(m, "disc");
  out.copy_label = Text(m, "copy");
  out.device = Text(m, "device");
  out.volume_label = Text(m, "volume_label");
  out.diff.disc = out.disc;
  if (auto counts = m.find("counts"); counts != m.end() && counts->is_object())
    for (const auto& [name, n] : counts->items())
      if (auto k = DiffKindOfName(name); k && n.is_number_unsigned()) out.diff.counts[static_cast<size_t>(*k)] = n;
  if (auto items = m.find("items"); items != m.end() && items->is_array())
    for (const json& i : *items) {
      if (!i.is_object()) continue;
      auto kind = DiffKindOfName(Text(i, "kind"));
      if (!kind) continue;
      DiffItem d;
      d.kind = *kind;
      d.path = Text(i, "path");
      d.raw_path = Text(i, "raw_path");
      d.expected = Text(i, "expected");
      d.actual = Text(i, "actual");
      d.detail = Text(i, "detail");
      d.manifest_line = Number(i, "manifest_line");
      d.size = Number(i, "size");  // 0 in evidence recorded before items kept their size
      out.diff.items.push_back(std::move(d));
    }
  out.diff.unlisted = Number(m, "unlisted");
  if (auto problems = m.find("medium_problems"); problems != m.end() && problems->is_array())
    for (const json& p : *problems)
      if (p.is_string()) out.diff.medium_problems.push_back(p.get<std::string>());
  out.diff.looks_like_disc = Text(m, "looks_like_disc");
  out.diff.findings = FindingsFromJson(m);
  return out;
}

void FillFromEvidence(const json& evidence, HeldIntake& h) {
  if (auto media = evidence.find("media"); media != evidence.end() && media->is_array())
    for (const json& m : *media)
      if (m.is_object()) h.media.push_back(MediumOfEvidence(m));
  if (auto a = evidence.find("act_file"); a != evidence.end() && a->is_object()) {
    h.act_file.source = Text(*a, "source");
    h.act_file.device = Text(*a, "device");
    h.act_file.volume_label = Text(*a, "volume_label");
    h.act_file.path = Text(*a, "path");
    h.act_file.size = Number(*a, "size");
    h.act_file.sha256 = Text(*a, "sha256");
    h.act_file.paper_digest_checked = a->value("paper_digest_checked", false);
    h.act_file.on_deposit_medium = a->value("on_deposit_medium", false);
    h.act_file.excluded_on = Text(*a, "excluded_on");
  }
  if (auto flags = evidence.find("act_text_flags"); flags != evidence.end() && flags->is_array())
    for (const json& f : *flags)
      if (f.is_object())
        h.act_text_flags.push_back({Number(f, "line"), Text(f, "field"), Text(f, "value"), Text(f, "reason")});
}

}  // namespace

Result<std::vector<HeldIntake>> Appliance::ListHeldIntakes(const Actor& actor) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kDecide, "intake.list_held", "intakes"));
  QOIMA_ASSIGN_OR_RETURN(
      storage::Statement st,
      store_->db().Prepare("SELECT i.id, a.architecture_code, a.software_name, j.entry_no, j.state_body, "
                           "i.deposit_id, i.created_at, i.hold_until, i.evidence_json FROM intakes i JOIN "
                           "applications a ON a.id = i.application_id LEFT JOIN journal j ON j.application_id = "
                           "a.id WHERE i.state = ? ORDER BY i.id"));
  st.Bind(1, IntakeStateName(IntakeState::kHeld));
  const int64_t now = clock_->NowUnix();
  std::vector<HeldIntake> out;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    HeldIntake h;
    h.id = st.ColumnInt(0);
    h.application = st.ColumnText(1);
    h.software_name = st.ColumnText(2);
    if (!st.ColumnIsNull(3)) h.journal_number = st.ColumnInt(3);
    h.state_body = st.ColumnText(4);
    if (!st.ColumnIsNull(5)) h.deposit_id = st.ColumnInt(5);
    h.created_at = st.ColumnText(6);
    h.hold_until = st.ColumnText(7);
    h.hold_until_unix = UtcTextToUnix(h.hold_until);
    h.hold_ran_out = now > h.hold_until_unix;
    json evidence = json::parse(st.ColumnText(8), nullptr, false);
    if (evidence.is_discarded() || !evidence.is_object())
      return Status::Corrupt("intake " + std::to_string(h.id) + ": its recorded evidence is not a JSON object");
    FillFromEvidence(evidence, h);
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace qoima::appliance

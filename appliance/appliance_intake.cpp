// Appliance: the intake and decision workflows (001 cl.14-17). See appliance.h.
#include <malloc.h>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "appliance/appliance.h"
#include "appliance/civil_time.h"
#include "appliance/hold_window.h"
#include "appliance/item_category.h"
#include "appliance/lifecycle/calendar_store.h"
#include "appliance/lifecycle/register_store.h"
#include "appliance/manifest_record.h"
#include "appliance/media_collector.h"
#include "appliance/operator_details.h"
#include "appliance/sha256_digest.h"
#include "common/visible_text.h"
#include "crypto/hash.h"
#include "hardware/fs_readers.h"

namespace qoima::appliance {
namespace {

using nlohmann::json;
using storage::Database;
using storage::Statement;
using storage::Transaction;

constexpr const char* kActTemplate = "001-annex3-171NK-2023";

storage::Actor StorageActor(const Actor& a) { return {a.username, std::string(RoleName(a.role))}; }
std::string AppObject(std::string_view code) { return "application:" + std::string(code); }
std::string IntakeObject(int64_t id) { return "intake:" + std::to_string(id); }

// Gives the pages of freed heap memory back to the system. Each phase of a
// large intake (parse, read, commit) frees many small blocks scattered among
// the ones it keeps; without this they stay resident and the next phase's
// allocations come on top (measured: a 200k-file intake peaked 3 MiB lower).
void ReleaseFreedMemory() { ::malloc_trim(0); }

int64_t ParseUtcText(const std::string& s) {
  auto d = ParseManifestDate(s);
  return d ? d->unix_seconds : 0;
}

// Streams file bytes into a pending deposit of the store.
class StoreContentSink final : public ContentSink {
 public:
  /// `listed`: the diff of this medium, whose act entries give each file's
  /// category; `folder`: "" or the disc's DiscFolder().
  StoreContentSink(storage::PendingDeposit& pending, const MediumDiff& listed, std::string folder)
      : pending_(pending), categories_(listed), folder_(std::move(folder)) {}

  Status BeginFile(const hardware::EntryHeader& h) override {
    storage::FileMeta meta;
    meta.path.assign(folder_.begin(), folder_.end());
    meta.path.insert(meta.path.end(), h.raw_path.begin(), h.raw_path.end());
    meta.display_path = folder_ + h.display_path;
    meta.mtime = h.mtime_sec;
    const ManifestEntry* listed = categories_.Find(h.display_path);
    meta.category = listed ? listed->category() : std::string(GuessItemCategory(h.display_path));
    auto w = pending_.AddFile(std::move(meta));
    if (!w.ok()) return Fail(w.status());
    writer_ = std::move(*w);
    return Status::Ok();
  }
  Status Write(std::span<const uint8_t> chunk) override {
    if (!writer_) return Fail(Status::Internal("data outside a file"));
    Status s = writer_->Write(chunk);
    return s.ok() ? s : Fail(s);
  }
  bool HashesContent() const override { return true; }
  Result<std::optional<crypto::Sha256Digest>> EndFile(bool complete) override {
    if (!writer_) return Fail(Status::Internal("file ended without a writer"));
    std::unique_ptr<storage::ObjectWriter> w = std::move(writer_);
    // Dropping the writer discards a partial object.
    if (!complete) return std::optional<crypto::Sha256Digest>();
    auto ref = w->Finish();
    if (!ref.ok()) return Fail(ref.status());
    return std::optional<crypto::Sha256Digest>(ref->sha256);
  }
  /// Non-OK when the store (not the medium) failed: the intake must stop.
  const Status& store_failure() const { return failure_; }

 private:
  Status Fail(Status s) {
    failure_ = s;
    return s;
  }
  storage::PendingDeposit& pending_;
  const MediumDiff& categories_;
  std::string folder_;
  std::unique_ptr<storage::ObjectWriter> writer_;
  Status failure_;
};

json ActTextFlagsJson(const std::vector<ActTextFlag>& flags) {
  json out = json::array();
  for (const auto& f : flags) {
    json j = {{"field", f.field}, {"value", f.value}, {"shown", VisibleText(f.value)}, {"reason", f.reason}};
    if (f.line) j["line"] = f.line;
    out.push_back(std::move(j));
  }
  return out;
}

void SetActSource(IntakeOutcome& out, const ActManifest& m) {
  out.manifest_format = ManifestFormatName(m.format);
  out.manifest_source = m.source;
  out.manifest_has_checksums = m.has_checksums;
}

// How the act was read, into the evidence (keys `prefix` + "encoding", ...).
void AddActSource(json& evidence, const std::string& prefix, const ActSource& s) {
  if (!s.encoding.empty()) evidence[prefix + "encoding"] = s.encoding;
  if (!s.part.empty()) evidence[prefix + "part"] = s.part;
  if (!s.stripped_prefix.empty()) evidence[prefix + "stripped_prefix"] = s.stripped_prefix;
  if (!s.columns.empty()) evidence[prefix + "columns"] = s.columns;
}

// Whether two names are one device (a path and a symlink to it, /dev/loop0
// and /dev/./loop0).
bool SameDevice(const std::string& a, const std::string& b) {
  if (a == b) return true;
  std::error_code ea, eb;
  auto ca = std::filesystem::weakly_canonical(a, ea), cb = std::filesystem::weakly_canonical(b, eb);
  return !ea && !eb && ca == cb;
}

// Leaves the act's own file out of a deposit medium's read (the diff, the
// store, the progress), hashing what it held; passes everything else on.
class ExcludeActFileSink final : public hardware::MediaSink {
 public:
  /// `raw_path` "": nothing is left out.
  ExcludeActFileSink(hardware::MediaSink& inner, std::string raw_path)
      : inner_(inner), raw_path_(std::move(raw_path)) {}
  Status OnEntry(const hardware::EntryHeader& h) override {
    if (!raw_path_.empty() && h.type == hardware::EntryType::kFile && h.raw_path == raw_path_) {
      in_act_ = true;
      seen_ = true;
      hash_.emplace();
      return Status::Ok();
    }
    return inner_.OnEntry(h);
  }
  Status OnData(std::span<const uint8_t> chunk) override {
    if (!in_act_) return inner_.OnData(chunk);
    hash_->Update(chunk);
    return Status::Ok();
  }
  Status OnEntryEnd(bool complete) override {
    if (!in_act_) return inner_.OnEntryEnd(complete);
    in_act_ = false;
    sha256_ = complete ? crypto::Hex(hash_->Finish()) : "(read short)";
    return Status::Ok();
  }
  Status OnArchiveMember(const hardware::ArchiveMember& m) override {
    return in_act_ ? Status::Ok() : inner_.OnArchiveMember(m);  // a .docx/.xlsx act is a zip
  }
  Status OnProblem(const hardware::MediaProblem& p) override { return inner_.OnProblem(p); }
  bool seen() const { return seen_; }
  const std::string& sha256() const { return sha256_; }

 private:
  hardware::MediaSink& inner_;
  std::string raw_path_;
  bool in_act_ = false;
  bool seen_ = false;
  std::optional<crypto::Sha256> hash_;
  std::string sha256_;
};

json ActFileJson(const ActFileInfo& a) {
  json j = {{"source", a.source},
            {"path", a.path},
            {"shown", VisibleText(a.path)},
            {"size", a.size},
            {"mtime", a.mtime},
            {"sha256", a.sha256},
            {"paper_digest_checked", a.paper_digest_checked},
            {"on_deposit_medium", a.on_deposit_medium},
            {"kept", "intake_act_files"}};
  if (!a.device.empty()) j["device"] = a.device;
  if (!a.volume_label.empty()) j["volume_label"] = a.volume_label;
  if (a.on_deposit_medium) {
    j["excluded_from_comparison"] = true;
    j["excluded_on"] = a.excluded_on;
    j["note"] = kActFileExcludedNote;
  }
  return j;
}

json DiffJson(const MediumCheck& m) {
  json items = json::array();
  size_t kept = 0;
  for (const auto& i : m.diff.items) {
    if (i.kind == DiffKind::kMatched) continue;
    if (++kept > kMaxListedDiffItems) break;
    json j = {{"kind", DiffKindName(i.kind)}, {"path", i.path}, {"detail", i.detail}};
    if (!i.raw_path.empty() && i.raw_path != i.path) j["raw_path"] = i.raw_path;
    if (!i.expected.empty()) j["expected"] = i.expected;
    if (!i.actual.empty()) j["actual"] = i.actual;
    if (i.manifest_line) j["manifest_line"] = i.manifest_line;
    items.push_back(std::move(j));
  }
  json counts = json::object();
  for (size_t k = 0; k < kDiffKindCount; ++k) counts[DiffKindName(static_cast<DiffKind>(k))] = m.diff.counts[k];
  json out = {{"disc", m.disc},
              {"copy", m.copy_label},
              {"device", m.device},
              {"volume_label", m.volume_label},
              {"summary", m.diff.Summary()},
              {"clean", m.diff.Clean()},
              {"counts", counts},
              {"items", items},
              {"unlisted", m.diff.unlisted},  // counted, not listed (kMaxListedDiffItems)
              {"medium_problems", m.diff.medium_problems}};
  if (!m.diff.looks_like_disc.empty()) out["looks_like_disc"] = m.diff.looks_like_disc;
  // Every medium says what the reader found besides the diff, even nothing.
  AddFindingsJson(out, m.diff.findings);
  return out;
}

json AssessmentJson(const Assessment& a) {
  json grounds = json::array();
  for (const auto& g : a.grounds)
    grounds.push_back(
        {{"reason", RefusalReasonName(g.reason)}, {"clause", RefusalClause(g.reason)}, {"evidence", g.evidence}});
  return {{"grounds", grounds}, {"blockers", a.blockers}, {"acceptable", a.Acceptable()}};
}

Assessment AssessmentFromJson(const json& j) {
  Assessment a;
  for (const auto& g : j.value("grounds", json::array())) {
    auto r = ParseRefusalReason(g.value("reason", ""));
    if (r) a.grounds.push_back({*r, g.value("evidence", "")});
  }
  for (const auto& b : j.value("blockers", json::array())) a.blockers.push_back(b.get<std::string>());
  return a;
}

std::string ReasonsText(const std::vector<RefusalReason>& reasons, const std::string& text) {
  std::string s;
  for (auto r : reasons) s += (s.empty() ? "" : "; ") + RefusalClause(r) + " " + std::string(RefusalText(r));
  if (!text.empty()) s += ". " + text;
  return s;
}

struct AppInfo {
  int64_t id = 0;
  int64_t object_id = 0;
  Track track = Track::kApplication;
  std::string software_name;
  std::string applicant;
  bool nda = false;
};

Result<AppInfo> LoadAppInfo(Database& db, std::string_view code) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT a.id, a.object_id, f.track, a.software_name, a.applicant, "
                                                  "(SELECT count(*) FROM ndas n WHERE n.application_id = a.id AND "
                                                  "n.signed_by_owner = 1 AND n.signed_by_operator = 1) FROM "
                                                  "applications a JOIN application_forms f ON f.application_id = a.id "
                                                  "WHERE a.architecture_code = ? ORDER BY a.id DESC LIMIT 1"));
  st.Bind(1, code);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no application for portal code '" + std::string(code) + "'");
  AppInfo i;
  i.id = st.ColumnInt(0);
  i.object_id = st.ColumnInt(1);
  i.track = ParseTrack(st.ColumnText(2)).value_or(Track::kApplication);
  i.software_name = st.ColumnText(3);
  i.applicant = st.ColumnText(4);
  i.nda = st.ColumnInt(5) > 0;
  return i;
}

// The register track's check (001 cl.16 reason 1) against the newest imported
// trusted-register snapshot (004), by product name. nullopt when no snapshot
// was imported: the clerk's own answer (--in-register) is then required.
struct SnapshotCheck {
  bool in_register = false;
  json evidence;
};

Result<std::optional<SnapshotCheck>> CheckRegisterSnapshot(Database& db, const std::string& product, int64_t now_unix) {
  lifecycle::RegisterImportInfo imported;
  QOIMA_ASSIGN_OR_RETURN(std::optional<lifecycle::RegisterSnapshot> snapshot,
                         lifecycle::LoadLatestRegisterSnapshot(db, &imported));
  if (!snapshot) return std::optional<SnapshotCheck>();
  auto today = LocalDateOf(now_unix);
  lifecycle::RegisterLookup r =
      lifecycle::LookUpProduct(*snapshot, product, lifecycle::RegisterTrack::kRegister, today);
  SnapshotCheck c;
  c.in_register = !r.blocks_acceptance;
  c.evidence = {{"query", product},
                {"snapshot_as_of", imported.as_of.ToString()},
                {"snapshot_source", imported.source},
                {"snapshot_age_days", r.snapshot_age_days},
                {"stale", r.stale},
                {"matches", r.matches.size()},
                {"advice", r.advice}};
  return std::optional<SnapshotCheck>(std::move(c));
}

Result<int64_t> InsertDecision(Database& db, int64_t app_id, std::optional<int64_t> deposit_id, bool accept,
                               const std::vector<RefusalReason>& reasons, const std::string& reason_text,
                               const std::string& evidence, const Actor& actor, const std::string& now) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("INSERT INTO decisions(application_id, deposit_id, kind, "
                                                  "refusal_reason, reason_text, evidence_json, decided_by, "
                                                  "decided_at) VALUES (?,?,?,?,?,?,?,?)"));
  st.Bind(1, app_id).BindOptional(2, deposit_id).Bind(3, accept ? "accept" : "refuse");
  st.BindOptional(4,
                  accept || reasons.empty() ? std::nullopt : std::optional<int64_t>(static_cast<int64_t>(reasons[0])));
  st.BindOptional(5, accept ? std::nullopt : std::optional<std::string>(ReasonsText(reasons, reason_text)));
  st.Bind(6, evidence).Bind(7, actor.user_id).Bind(8, now);
  QOIMA_RETURN_IF_ERROR(st.Run());
  return db.LastInsertRowid();
}

}  // namespace

Result<IntakeOutcome> Appliance::Intake(const Actor& actor, const IntakeRequest& req) {
  const std::string object = AppObject(req.application);
  const char* action_name = req.action == IntakeAction::kAccept   ? "intake.accept"
                            : req.action == IntakeAction::kRefuse ? "intake.refuse"
                            : req.action == IntakeAction::kHold   ? "intake.hold"
                                                                  : "intake.verify";
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kIntake, action_name, object));
  if (req.action != IntakeAction::kVerifyOnly)
    QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kDecide, action_name, object));
  auto fail = [&](Status s) {
    (void)Audit(actor, action_name, object, "failure", s.message());
    return s;
  };
  auto info = LoadAppInfo(store_->db(), req.application);
  if (!info.ok()) return fail(info.status());
  if (req.media.empty()) return fail(Status::InvalidArgument("no medium given (--medium DEVICE)"));
  // Only devices the appliance does not own are media; a device that cannot
  // be opened (a mistyped path) is refused here too: nothing is read or
  // recorded for either.
  for (const auto& m : req.media)
    if (Status admitted = reader_->Admit(m.device); !admitted.ok()) return fail(admitted);

  ManifestParseOptions po;
  po.now_unix = clock_->NowUnix();
  po.format = req.manifest_format;
  po.strip_prefix = req.strip_prefix;
  po.table = req.table;
  po.expected_application = req.application;
  po.spill_dir = store_->TempDirectory();  // a large act's entries wait there, encrypted
  po.spill_after_entries = options_.act_entries_in_memory;
  // The paper act's digest as typed or scanned: hex digits, any grouping.
  std::string want;
  for (char c : req.expected_digest)
    if (std::isxdigit(static_cast<unsigned char>(c)))
      want += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!req.expected_digest.empty() && want.size() != 64)
    return fail(Status::InvalidArgument("the paper act's digest has " + std::to_string(want.size()) +
                                        " hex digits; a SHA-256 has 64"));
  ActFileInfo act_info;
  ActFileMeta act_meta;
  std::optional<ActFileOnMedium> act_bytes;  // an act read from a medium, held until it is kept
  std::unique_ptr<ManifestSource> act_source;
  Result<ActManifest> loaded = Status::Internal("no act");
  if (req.act_on) {
    if (!req.manifest_path.empty())
      return fail(Status::InvalidArgument("give the act as a file or on a medium, not both"));
    bool is_deposit_medium = std::any_of(req.media.begin(), req.media.end(),
                                         [&](const MediumSpec& m) { return SameDevice(m.device, req.act_on->device); });
    if (!is_deposit_medium)
      if (Status admitted = reader_->Admit(req.act_on->device); !admitted.ok()) return fail(admitted);
    auto got = ReadActFromMedium(*reader_, req.act_on->device, req.act_on->path, options_.read_options);
    if (!got.ok()) return fail(got.status());
    act_bytes = std::move(*got);
    // Compared before the act is parsed and before any of the deposit is read.
    if (!want.empty() && want != act_bytes->sha256)
      return fail(Status::FailedPrecondition("the act " + act_bytes->path + " on " + act_bytes->device +
                                             " has SHA-256 " + act_bytes->sha256 + ", " + kPaperDigestMismatch + " (" +
                                             want + "); nothing of the deposit was read and nothing stored"));
    act_meta = {"medium",        act_bytes->device, act_bytes->volume_label, act_bytes->path, act_bytes->raw_path,
                act_bytes->size, act_bytes->mtime,  act_bytes->sha256};
    act_source = std::make_unique<BytesManifestSource>(act_bytes->bytes);
    loaded = ParseManifestFrom(*act_source, act_bytes->device + ":" + act_bytes->path, po);
    act_info.on_deposit_medium = is_deposit_medium;
  } else {
    loaded = LoadManifestFile(req.manifest_path, po);
    if (loaded.ok()) {
      struct stat st {};
      if (::stat(req.manifest_path.c_str(), &st) != 0)
        return fail(Status::FromErrno(errno, "stat manifest " + req.manifest_path));
      act_meta = {"file",        "", "", req.manifest_path, "", static_cast<uint64_t>(st.st_size), st.st_mtim.tv_sec,
                  loaded->digest};
      auto source = FileManifestSource::Open(req.manifest_path);
      if (!source.ok()) return fail(source.status());
      act_source = std::move(*source);
    }
  }
  if (!loaded.ok()) return fail(loaded.status());
  ReleaseFreedMemory();  // the parse's scratch, between the entries it kept
  // Shared with the act in the outcome, whose rows are read from it.
  const auto manifest = std::make_shared<const ActManifest>(std::move(*loaded));
  if (!want.empty() && want != manifest->digest)
    return fail(Status::FailedPrecondition("the manifest's SHA-256 " + manifest->digest + " is " +
                                           kPaperDigestMismatch + " (" + want + ")"));
  act_info.source = act_meta.source;
  act_info.device = act_meta.device;
  act_info.volume_label = act_meta.volume_label;
  act_info.path = act_meta.path;
  act_info.size = act_meta.size;
  act_info.mtime = act_meta.mtime;
  act_info.sha256 = act_meta.sha256;
  act_info.paper_digest_checked = !want.empty();
  std::vector<std::string> discs = manifest->DiscMarkings();

  // Which disc and copy each medium is.
  std::vector<MediumSpec> media = req.media;
  std::map<std::string, int> copies_seen;
  for (auto& m : media) {
    if (m.disc.empty()) {
      if (discs.size() != 1)
        return fail(Status::InvalidArgument("the act lists " + std::to_string(discs.size()) + " discs; say which one " +
                                            m.device + " is (disc=MARKING)"));
      m.disc = discs[0];
    } else if (std::find(discs.begin(), discs.end(), m.disc) == discs.end()) {
      return fail(Status::InvalidArgument("the act has no disc '" + m.disc + "'"));
    }
    int n = copies_seen[m.disc]++;
    if (m.copy_label.empty()) m.copy_label = n == 0 ? "original" : "copy " + std::to_string(n);
  }

  bool keep = req.action == IntakeAction::kAccept || req.action == IntakeAction::kHold;
  std::unique_ptr<storage::PendingDeposit> pending;
  if (keep) {
    storage::DepositSpec spec;
    spec.object_id = info->object_id;
    spec.application_id = info->id;
    spec.version_label = manifest->software_version;
    spec.created_by = actor.user_id;
    auto p = store_->BeginDeposit(spec);
    if (!p.ok()) return fail(p.status());
    pending = std::move(*p);
  }

  IntakeOutcome out;
  out.act_file = act_info;
  out.manifest_digest = manifest->digest;
  out.act_text_flags = manifest->text_flags;
  out.act_text_flags_unlisted = manifest->text_flags_unlisted;
  SetActSource(out, *manifest);
  std::set<std::string> stored_discs;
  std::optional<DiscGuess> guess;         // which disc a medium looks like, when the act has several
  std::vector<std::string> failed_reads;  // "DEVICE: why" of each read a fatal problem stopped
  if (discs.size() > 1) guess.emplace(*manifest);
  for (const auto& spec : media) {
    // Progress: the act's files (and sizes, when it gives them) of this disc.
    IntakeProgress start;
    start.medium = static_cast<size_t>(&spec - media.data());
    start.media_count = media.size();
    start.device = spec.device;
    Result<EntryTotals> listed = manifest->Totals(spec.disc);
    if (!listed.ok()) return fail(listed.status());
    start.files_total = listed->files;
    start.bytes_total = listed->bytes;
    const bool sized = listed->sized;
    if (!sized) start.bytes_total = 0;  // a sha256sum list: bytes unknown until read
    MediumCheck check;
    check.disc = spec.disc;
    check.copy_label = spec.copy_label;
    check.device = spec.device;
    std::string fs;
    auto identity = reader_->Probe(spec.device);
    if (identity.ok()) {
      check.volume_label = identity->label;
      fs = identity->fs_type;
    }
    bool store_this = pending && stored_discs.insert(spec.disc).second;
    DiffOptions dopt;
    dopt.keep_matched = req.keep_matched_items;
    // Each entry is compared as it is read: the medium's list is never held.
    MediumDiff diff(*manifest, discs.size() == 1 ? std::string() : spec.disc, dopt);
    DiscardingContentSink discard;
    std::unique_ptr<StoreContentSink> sink;
    if (store_this)
      sink =
          std::make_unique<StoreContentSink>(*pending, diff, discs.size() == 1 ? std::string() : DiscFolder(spec.disc));
    MediaCollector collector(store_this ? static_cast<ContentSink&>(*sink) : discard);
    if (guess) guess->Clear();
    collector.StreamTo([&](const ObservedFile& f) {
      diff.Add(f);
      if (guess) guess->Add(f);
    });
    ProgressMediaSink watched(collector, req.watch, std::move(start));
    // The act's own file on this medium is not one of its files: it is
    // left out here, checked to be the bytes the act was read from.
    const bool act_here = act_bytes && act_info.on_deposit_medium && SameDevice(spec.device, act_bytes->device);
    ExcludeActFileSink excluding(watched, act_here ? act_bytes->raw_path : std::string());
    auto read = reader_->Read(spec.device, options_.read_options, excluding);
    if (watched.cancelled()) {
      if (pending) (void)store_->AbandonDeposit(std::move(pending));
      return fail(Status::Cancelled("reading " + spec.device + " was cancelled; no intake was recorded"));
    }
    watched.Finish();
    collector.Flush();
    if (sink && !sink->store_failure().ok()) {
      if (pending) (void)store_->AbandonDeposit(std::move(pending));
      return fail(sink->store_failure().WithContext("store while reading " + spec.device));
    }
    if (!read.ok() && !hardware::IsMediumFault(read.status())) {
      // The appliance failed (its reader sandbox, the device's permissions),
      // not the medium: nothing about the medium may be recorded from it.
      if (pending) (void)store_->AbandonDeposit(std::move(pending));
      return fail(read.status().WithContext("reading " + spec.device + " (no intake was recorded)"));
    }
    if (!read.ok()) failed_reads.push_back(spec.device + ": " + read.status().message());
    if (read.ok() && fs.empty()) fs = read->filesystem;
    if (read.ok() && check.volume_label.empty()) check.volume_label = read->volume_label;
    diff.set_mtime_zone_unknown(hardware::MtimesAreLocalTime(fs));
    check.diff = diff.Finish();
    if (!diff.status().ok()) {
      if (pending) (void)store_->AbandonDeposit(std::move(pending));
      return fail(diff.status().WithContext("comparing " + spec.device + " with the act"));
    }
    ReleaseFreedMemory();  // the reader's per-entry scratch
    std::string guessed = guess ? guess->Best() : "";
    check.diff.medium_problems = collector.medium_problems();
    check.diff.findings = collector.findings();
    if (!read.ok() && check.diff.medium_problems.empty()) check.diff.medium_problems.push_back(read.status().message());
    if (!guessed.empty() && guessed != spec.disc) check.diff.looks_like_disc = guessed;
    if (act_here) {
      out.act_file.excluded_on = spec.device;
      if (read.ok() && !excluding.seen())
        check.diff.medium_problems.push_back("the act's file " + act_bytes->path +
                                             " was read from this medium but is not on it any more");
      else if (excluding.seen() && excluding.sha256() != act_bytes->sha256)
        check.diff.medium_problems.push_back("the act's file " + act_bytes->path + " read as SHA-256 " +
                                             excluding.sha256() + " from this medium, " + act_bytes->sha256 +
                                             " when the act was read: the medium does not give the same bytes twice");
    }
    out.media.push_back(std::move(check));
  }

  IntakeFacts facts;
  facts.track = info->track;
  facts.in_register = req.in_register;
  std::optional<json> register_lookup;
  if (info->track == Track::kRegister && !req.in_register) {
    QOIMA_ASSIGN_OR_RETURN(std::optional<SnapshotCheck> check,
                           CheckRegisterSnapshot(store_->db(), info->software_name, clock_->NowUnix()));
    if (check) {
      facts.in_register = check->in_register;
      register_lookup = std::move(check->evidence);
    }
  }
  facts.nda_signed_by_both = info->nda;
  facts.act_discs = discs;
  facts.media = std::move(out.media);  // no copy of every diff item: RSS stays bounded
  out.assessment = AssessIntake(facts);
  out.media = std::move(facts.media);
  // The act's accepting side, recorded with the decision so that every
  // reprint names the organization and person the act issued now names.
  ActParty accepting;
  {
    QOIMA_ASSIGN_OR_RETURN(print::OperatorInfo op, LoadOperatorDetails(store_->db()));
    std::string clerk;
    QOIMA_ASSIGN_OR_RETURN(Statement who, store_->db().Prepare("SELECT surname || ' ' || given_name || coalesce(' ' "
                                                               "|| patronymic, '') FROM users WHERE id = ?"));
    who.Bind(1, actor.user_id);
    QOIMA_ASSIGN_OR_RETURN(bool found, who.Step());
    if (found) clerk = who.ColumnText(0);
    accepting = AcceptingParty(op, req.accepting, clerk);
  }
  std::string evidence_text;
  {
    json media_json = json::array();
    for (const auto& m : out.media) media_json.push_back(DiffJson(m));
    json evidence = {{"manifest_sha256", manifest->digest},
                     {"manifest_format", ManifestFormatName(manifest->format)},
                     {"manifest_checksums", manifest->has_checksums},
                     {"track", std::string(TrackName(info->track))},
                     {"nda_signed_by_both", info->nda},
                     {"media", std::move(media_json)},
                     {"assessment", AssessmentJson(out.assessment)},
                     {"accepting", ActPartyJson(accepting)}};
    if (!out.act_text_flags.empty()) {
      evidence["act_text_flags"] = ActTextFlagsJson(out.act_text_flags);
      evidence["act_text_flags_unlisted"] = out.act_text_flags_unlisted;
    }
    AddActSource(evidence, "manifest_", manifest->source);
    evidence["act_file"] = ActFileJson(out.act_file);
    if (facts.in_register) evidence["in_register"] = *facts.in_register;
    if (register_lookup) evidence["register_lookup"] = *register_lookup;
    evidence_text = evidence.dump();
  }
  // The act's record is measured now and written into a row of its own a
  // piece at a time inside the transaction (InsertManifestRecord).
  auto record_size = ManifestRecordSize(*manifest);
  if (!record_size.ok()) return fail(record_size.status());
  bool clean = out.assessment.grounds.empty();
  std::string now = NowText();

  // The act's rows (one per file) are never copied: they are read from the
  // manifest as the act is rendered (ActOverManifest).
  const std::string act_date = LocalDateOf(clock_->NowUnix()).ToString();
  // Its totals are read now: nothing may fail once the deposit is committed.
  Result<ActDocument> act_over = ActOverManifest(manifest);
  if (!act_over.ok()) return fail(act_over.status());
  auto fill_act = [&] {
    out.act = *act_over;
    out.act.date = act_date;
    out.act.transferring.organization = info->applicant;
    out.act.accepting = accepting;
    out.act.device_fingerprint = DeviceFingerprint();
    for (const auto& m : out.media) out.act.copies.push_back(m.disc + " (" + m.copy_label + "): " + m.diff.Summary());
    if (out.act_file.source == "medium") out.act.act_file = out.act_file.device + ": " + out.act_file.path;
    out.act.act_file_excluded = out.act_file.on_deposit_medium;
  };

  auto insert_intake = [&](Database& db, const std::string& state, std::optional<int64_t> deposit,
                           std::optional<int64_t> decision, std::optional<std::string> hold) -> Result<int64_t> {
    QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("INSERT INTO intakes(application_id, manifest_sha256, "
                                                    "manifest_format, manifest_json, state, clean, evidence_json, "
                                                    "deposit_id, decision_id, hold_until, created_by, created_at) "
                                                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"));
    st.Bind(1, info->id).Bind(2, manifest->digest).Bind(3, ManifestFormatName(manifest->format));
    QOIMA_ASSIGN_OR_RETURN(std::string record, InsertManifestRecord(db, *manifest, *record_size));
    st.Bind(4, record).Bind(5, state).Bind(6, static_cast<int64_t>(clean)).Bind(7, evidence_text);
    st.BindOptional(8, deposit).BindOptional(9, decision).BindOptional(10, hold).Bind(11, actor.user_id).Bind(12, now);
    QOIMA_RETURN_IF_ERROR(st.Run());
    const int64_t id = db.LastInsertRowid();
    // The act's bytes, kept with the intake in the same transaction.
    QOIMA_RETURN_IF_ERROR(InsertActFile(db, id, act_meta, *act_source));
    return id;
  };
  std::string summary;
  for (const auto& m : out.media)
    summary += (summary.empty() ? "" : "; ") + m.disc + "/" + m.copy_label + ": " + m.diff.Summary();
  summary = "manifest " + manifest->digest + "; " + summary;

  // Verification only, or a decision the evidence does not support: record the
  // verification, keep nothing.
  Status refused_decision;
  if (req.action == IntakeAction::kAccept) refused_decision = CheckAccept(out.assessment);
  if (req.action == IntakeAction::kRefuse) refused_decision = CheckRefuse(out.assessment, req.reasons);
  // A hold keeps what was read for a re-try of the act (001 cl.15); a read
  // that a fatal problem stopped (the medium removed, unreadable) kept only a
  // part of the medium, which must not be stored as if it were the deposit.
  if (req.action == IntakeAction::kHold && !failed_reads.empty())
    refused_decision = Status::FailedPrecondition(
        "no hold after a failed read: the read of " + failed_reads.front() +
        "; nothing read from the media is kept. Read the medium again, or refuse it (media_malfunction)");
  bool stores = (req.action == IntakeAction::kAccept || req.action == IntakeAction::kHold) && refused_decision.ok();
  if (!stores) fill_act();
  if (req.action == IntakeAction::kVerifyOnly || !refused_decision.ok()) {
    if (pending) QOIMA_RETURN_IF_ERROR(store_->AbandonDeposit(std::move(pending)));
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
    QOIMA_ASSIGN_OR_RETURN(out.intake_id,
                           insert_intake(store_->db(), "verified", std::nullopt, std::nullopt, std::nullopt));
    QOIMA_RETURN_IF_ERROR(Audit(actor, "intake.verify", IntakeObject(out.intake_id), "success",
                                AppObject(req.application) + "; " + summary));
    if (!refused_decision.ok())
      QOIMA_RETURN_IF_ERROR(
          Audit(actor, action_name, IntakeObject(out.intake_id), "denied", refused_decision.message()));
    QOIMA_RETURN_IF_ERROR(tx.Commit());
    out.state = "verified";
    if (!refused_decision.ok())
      return refused_decision.WithContext("intake " + std::to_string(out.intake_id) + " recorded, nothing stored");
    return out;
  }

  if (req.action == IntakeAction::kRefuse) {
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
    QOIMA_ASSIGN_OR_RETURN(int64_t decision, InsertDecision(store_->db(), info->id, std::nullopt, false, req.reasons,
                                                            req.reason_text, evidence_text, actor, now));
    QOIMA_ASSIGN_OR_RETURN(out.intake_id, insert_intake(store_->db(), "refused", std::nullopt, decision, std::nullopt));
    QOIMA_RETURN_IF_ERROR(Audit(actor, "intake.refuse", IntakeObject(out.intake_id), "success",
                                ReasonsText(req.reasons, req.reason_text) + "; " + summary));
    QOIMA_RETURN_IF_ERROR(tx.Commit());
    out.state = "refused";
    out.decision_id = decision;
    return out;
  }

  // Accept or hold: the deposit, its decision/intake/act rows and the audit
  // leaf commit in one transaction.
  bool accept = req.action == IntakeAction::kAccept;
  std::string hold_until;
  if (!accept) {
    // Five working days on the calendar in force (holidays included).
    auto calendar = lifecycle::LoadCalendar(store_->db());
    Result<int64_t> end = calendar.ok() ? HoldWindowEnd(*calendar, clock_->NowUnix(), kHoldWorkingDays)
                                        : Result<int64_t>(calendar.status());
    if (!end.ok()) {
      (void)store_->AbandonDeposit(std::move(pending));
      return fail(end.status().WithContext("hold"));
    }
    hold_until = FormatUtc(*end);
  }
  std::optional<int64_t> decision_id;
  int64_t intake_id = 0;
  storage::Store::CommitHook hook = [&](Database& db, int64_t deposit_id) -> Status {
    if (accept) {
      QOIMA_ASSIGN_OR_RETURN(int64_t d,
                             InsertDecision(db, info->id, deposit_id, true, {}, "", evidence_text, actor, now));
      decision_id = d;
    }
    QOIMA_ASSIGN_OR_RETURN(intake_id, insert_intake(db, accept ? "accepted" : "held", deposit_id, decision_id,
                                                    accept ? std::nullopt : std::optional<std::string>(hold_until)));
    if (accept) {
      QOIMA_ASSIGN_OR_RETURN(Statement act, db.Prepare("INSERT INTO acts(kind, number, application_id, deposit_id, "
                                                       "act_date, city, template_id, manifest_json, created_by, "
                                                       "created_at) VALUES ('acceptance',?,?,?,?,?,?,?,?,?)"));
      act.Bind(1, "A-" + std::to_string(deposit_id)).Bind(2, info->id).Bind(3, deposit_id).Bind(4, act_date);
      act.Bind(5, ActDocument().city).Bind(6, kActTemplate);
      act.Bind(7, ManifestRecordReference(intake_id)).Bind(8, actor.user_id).Bind(9, now);  // the intake's record
      QOIMA_RETURN_IF_ERROR(act.Run());
    }
    return Status::Ok();
  };
  std::string reason = accept ? "accepted; " + summary : "held for re-try until " + hold_until + "; " + summary;
  auto committed = store_->CommitDeposit(std::move(pending), StorageActor(actor), reason, hook);
  if (!committed.ok()) return fail(committed.status());
  std::string().swap(evidence_text);
  fill_act();
  out.intake_id = intake_id;
  out.deposit_id = committed->deposit_id;
  out.decision_id = decision_id;
  out.state = accept ? "accepted" : "held";
  out.hold_until = hold_until;
  out.act.deposit_id = committed->deposit_id;
  out.act.deposit_root = crypto::Hex(committed->manifest_sha256);
  if (!manifest->has_checksums) {
    // The rows carry the SHA-256 computed as the content was sealed (as the
    // printed act does); the deposit is committed, so a read failure here
    // leaves only this copy of the act without them.
    auto computed = DepositComputedFiles(*store_, committed->deposit_id);
    if (computed.ok()) UseComputedFiles(out.act, std::move(*computed), discs.size() > 1);
  }
  if (committed->checkpoint) {
    out.act.audit_checkpoint = "size " + std::to_string(committed->checkpoint->tree_size) + " root " +
                               crypto::Hex(committed->checkpoint->root);
    if (accept) {
      QOIMA_ASSIGN_OR_RETURN(Statement st, store_->db().Prepare("UPDATE acts SET checkpoint_size = ?, "
                                                                "checkpoint_root = ? WHERE deposit_id = ? AND kind "
                                                                "= 'acceptance'"));
      st.Bind(1, static_cast<int64_t>(committed->checkpoint->tree_size));
      st.BindBlob(2, committed->checkpoint->root).Bind(3, committed->deposit_id);
      QOIMA_RETURN_IF_ERROR(st.Run());
    }
  }
  return out;
}

// The held deposit's files against `manifest`, one stored row at a time. A
// several-disc deposit keeps each disc under its DiscFolder (see
// StoreContentSink); its rows come in path order, so a disc's files come
// together and are compared with that disc's entries, and the report lists
// them with the folder, as one medium ("held content").
Result<DiffReport> Appliance::RecheckHeld(const ActManifest& manifest, int64_t deposit_id, bool keep_matched) {
  const std::vector<std::string> discs = manifest.DiscMarkings();
  const bool several = discs.size() > 1;
  std::vector<std::string> folders;  // DiscFolder of each disc, as discs
  for (const auto& d : discs) folders.push_back(DiscFolder(d));
  DiffOptions opt;
  opt.mtime_zone_unknown = true;
  opt.keep_matched = keep_matched;
  DiffReport all;
  std::set<std::string> done;
  std::optional<MediumDiff> diff;
  std::string diff_disc;
  auto merge = [&](DiffReport r, const std::string& disc) {
    const std::string folder = several ? DiscFolder(disc) : "";
    for (auto& item : r.items) {
      item.path = folder + item.path;
      if (!item.raw_path.empty()) item.raw_path = folder + item.raw_path;
      all.items.push_back(std::move(item));
    }
    for (size_t k = 0; k < kDiffKindCount; ++k) all.counts[k] += r.counts[k];
    all.matched_bytes += r.matched_bytes;
  };
  auto finish = [&]() -> Status {
    if (!diff) return Status::Ok();
    DiffReport r = diff->Finish();
    QOIMA_RETURN_IF_ERROR(diff->status());
    diff.reset();
    merge(std::move(r), diff_disc);
    done.insert(diff_disc);
    return Status::Ok();
  };
  std::vector<DiffItem> strays;  // under no folder of the act's discs
  auto compare = [&](const storage::FileInfo& f) -> Status {
    ObservedFile o;
    o.path = f.display_path;
    if (!std::equal(f.path.begin(), f.path.end(), o.path.begin(), o.path.end()))
      o.raw_path.assign(f.path.begin(), f.path.end());
    o.size = f.size;
    o.has_mtime = f.mtime.has_value();
    o.mtime = f.mtime.value_or(0);
    o.sha256 = crypto::Hex(f.sha256);
    std::string disc = discs.empty() ? "" : discs[0];
    if (several) {
      auto folder = std::find_if(folders.begin(), folders.end(),
                                 [&](const std::string& name) { return o.path.starts_with(name); });
      auto it = discs.begin() + (folder - folders.begin());
      if (it == discs.end() || done.count(*it)) {
        DiffItem d;
        d.kind = DiffKind::kExtra;
        d.path = o.path;
        d.size = o.size;
        d.actual = std::to_string(o.size);
        d.detail = "held, but under no disc the act lists";
        strays.push_back(std::move(d));
        return Status::Ok();
      }
      disc = *it;
      const size_t cut = folder->size();
      o.path.erase(0, cut);
      if (!o.raw_path.empty()) o.raw_path.erase(0, cut);
    }
    if (!diff || disc != diff_disc) {
      QOIMA_RETURN_IF_ERROR(finish());
      diff.emplace(manifest, several ? disc : std::string(), opt);
      diff_disc = disc;
    }
    diff->Add(o);
    return Status::Ok();
  };
  QOIMA_RETURN_IF_ERROR(store_->ForEachFile(deposit_id, compare));
  QOIMA_RETURN_IF_ERROR(finish());
  // A disc with nothing held: every file of it is missing.
  for (const auto& d : discs) {
    if (done.count(d)) continue;
    diff.emplace(manifest, several ? d : std::string(), opt);
    diff_disc = d;
    QOIMA_RETURN_IF_ERROR(finish());
  }
  for (auto& d : strays) {
    all.counts[static_cast<size_t>(DiffKind::kExtra)]++;
    all.items.push_back(std::move(d));
  }
  return all;
}

Result<IntakeRecord> Appliance::GetIntake(const Actor& actor, int64_t intake_id) {
  const std::string object = IntakeObject(intake_id);
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kReadRecords, "intake.show", object));
  QOIMA_ASSIGN_OR_RETURN(Statement st, store_->db().Prepare("SELECT a.architecture_code, i.state, i.created_at, "
                                                            "i.evidence_json FROM intakes i JOIN applications a ON "
                                                            "a.id = i.application_id WHERE i.id = ?"));
  st.Bind(1, intake_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no intake " + std::to_string(intake_id));
  IntakeRecord r;
  r.id = intake_id;
  r.application = st.ColumnText(0);
  r.state = st.ColumnText(1);
  r.created_at = st.ColumnText(2);
  r.evidence_json = st.ColumnText(3);
  return r;
}

Result<ActCandidates> Appliance::ListActCandidates(const Actor& actor, const std::string& device) {
  const std::string object = "medium:" + device;
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kIntake, "intake.act_candidates", object));
  if (Status admitted = reader_->Admit(device); !admitted.ok()) {
    (void)Audit(actor, "intake.act_candidates", object, "failure", admitted.message());
    return admitted;
  }
  auto found = FindActCandidates(*reader_, device, options_.read_options);
  if (!found.ok()) {
    (void)Audit(actor, "intake.act_candidates", object, "failure", found.status().message());
    return found.status();
  }
  QOIMA_RETURN_IF_ERROR(Audit(actor, "intake.act_candidates", object, "success",
                              std::to_string(found->files.size()) + " files that may be the act"));
  return found;
}

Result<ActFileMeta> Appliance::ReadIntakeActFile(const Actor& actor, int64_t intake_id,
                                                 const std::function<Status(std::string_view)>& piece) {
  const std::string object = IntakeObject(intake_id);
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kReadRecords, "intake.act_file", object));
  auto meta = LoadActFileMeta(store_->db(), intake_id);
  if (!meta.ok()) return meta.status();
  // Audited before the bytes leave.
  QOIMA_RETURN_IF_ERROR(Audit(actor, "intake.act_file", object, "success", "act file SHA-256 " + meta->sha256));
  crypto::Sha256 hash;
  QOIMA_RETURN_IF_ERROR(ReadActFile(store_->db(), intake_id, [&](std::string_view bytes) {
    hash.Update(bytes);
    return piece(bytes);
  }));
  if (crypto::Hex(hash.Finish()) != meta->sha256)
    return Status::Corrupt("the act file kept with intake " + std::to_string(intake_id) +
                           " does not match its SHA-256");
  return meta;
}

Result<IntakeOutcome> Appliance::Decide(const Actor& actor, int64_t intake_id, const DecideRequest& req) {
  const std::string object = IntakeObject(intake_id);
  const char* action_name = req.accept ? "intake.accept" : "intake.refuse";
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kDecide, action_name, object));
  Database& db = store_->db();
  // The stored record is not selected: LoadStoredManifest reads it a piece at a time.
  QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT i.application_id, i.state, i.evidence_json, i.deposit_id, "
                                                  "i.hold_until, a.architecture_code FROM intakes i JOIN "
                                                  "applications a ON a.id = i.application_id WHERE i.id = ?"));
  st.Bind(1, intake_id);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no intake " + std::to_string(intake_id));
  int64_t app_id = st.ColumnInt(0);
  std::string state = st.ColumnText(1);
  json evidence = json::parse(st.ColumnText(2), nullptr, false);
  std::optional<int64_t> deposit_id;
  if (!st.ColumnIsNull(3)) deposit_id = st.ColumnInt(3);
  int64_t hold_until = ParseUtcText(st.ColumnText(4));
  std::string code = st.ColumnText(5);
  st.Reset();
  auto fail = [&](Status s) {
    (void)Audit(actor, action_name, object, "denied", s.message());
    return s;
  };
  if (state != "verified" && state != "held")
    return fail(Status::FailedPrecondition(object + " is " + state + " already"));
  QOIMA_ASSIGN_OR_RETURN(AppInfo info, LoadAppInfo(db, code));
  std::string now = NowText();
  IntakeOutcome out;
  out.intake_id = intake_id;

  if (!req.accept) {
    Assessment a = AssessmentFromJson(evidence.value("assessment", json::object()));
    Status ok = CheckRefuse(a, req.reasons);
    if (!ok.ok()) return fail(ok);
    out.assessment = a;
    if (deposit_id) {
      auto t =
          store_->DestroyDeposit(*deposit_id, StorageActor(actor), "held content of refused " + object + " destroyed");
      if (!t.ok()) return fail(t.status());
    }
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    QOIMA_ASSIGN_OR_RETURN(int64_t decision, InsertDecision(db, app_id, std::nullopt, false, req.reasons,
                                                            req.reason_text, evidence.dump(), actor, now));
    QOIMA_ASSIGN_OR_RETURN(Statement up,
                           db.Prepare("UPDATE intakes SET state = 'refused', decision_id = ? WHERE id = ?"));
    up.Bind(1, decision).Bind(2, intake_id);
    QOIMA_RETURN_IF_ERROR(up.Run());
    QOIMA_RETURN_IF_ERROR(Audit(actor, "intake.refuse", object, "success", ReasonsText(req.reasons, req.reason_text)));
    QOIMA_RETURN_IF_ERROR(tx.Commit());
    out.state = "refused";
    out.decision_id = decision;
    return out;
  }

  if (state != "held" || !deposit_id)
    return fail(Status::FailedPrecondition(object + " kept no content (it was only verified); read the media again "
                                                    "with qoima intake --accept"));
  if (clock_->NowUnix() > hold_until)
    return fail(Status::FailedPrecondition(object + ": the hold ran out at " + FormatUtc(hold_until) +
                                           " (5 working days); refuse it and read the media again"));
  // The held content against the (possibly corrected) act.
  ManifestParseOptions po;
  po.now_unix = clock_->NowUnix();
  po.expected_application = code;
  po.stored_record = req.manifest_path.empty();
  po.strip_prefix = req.strip_prefix;
  po.table = req.table;
  po.spill_dir = store_->TempDirectory();
  po.spill_after_entries = options_.act_entries_in_memory;
  Result<ActManifest> parsed = req.manifest_path.empty() ? LoadStoredManifest(db, "intakes", "manifest_json", intake_id,
                                                                              object + " manifest", po)
                                                         : LoadManifestFile(req.manifest_path, po);
  if (!parsed.ok()) return fail(parsed.status());
  if (req.manifest_path.empty()) parsed->digest = evidence.value("manifest_sha256", "");
  const auto manifest = std::make_shared<const ActManifest>(std::move(*parsed));
  out.act_text_flags = manifest->text_flags;
  out.act_text_flags_unlisted = manifest->text_flags_unlisted;
  QOIMA_ASSIGN_OR_RETURN(DiffReport recheck, RecheckHeld(*manifest, *deposit_id, req.keep_matched_items));
  MediumCheck held{"", "held content", "store", "", std::move(recheck)};
  out.media = {held};
  IntakeFacts facts;
  facts.track = info.track;
  facts.in_register = req.in_register;
  if (!facts.in_register && evidence.contains("in_register")) facts.in_register = evidence["in_register"].get<bool>();
  facts.nda_signed_by_both = info.nda;
  facts.media = out.media;
  out.assessment = AssessIntake(facts);
  Status ok = CheckAccept(out.assessment);
  if (!ok.ok()) return fail(ok);
  json ev = evidence;
  ev["recheck"] = DiffJson(held);
  ev["recheck_manifest_sha256"] = manifest->digest;
  if (!out.act_text_flags.empty()) {
    ev["recheck_act_text_flags"] = ActTextFlagsJson(out.act_text_flags);
    ev["recheck_act_text_flags_unlisted"] = out.act_text_flags_unlisted;
  }
  if (!req.manifest_path.empty()) {
    ev["recheck_manifest_format"] = ManifestFormatName(manifest->format);
    ev["recheck_manifest_checksums"] = manifest->has_checksums;
    AddActSource(ev, "recheck_manifest_", manifest->source);
  }
  QOIMA_ASSIGN_OR_RETURN(storage::DepositInfo dep, store_->GetDeposit(*deposit_id));
  // Against its own record the act refers to it (stored once, as at an
  // intake's acceptance); a corrected act is kept as a record of its own.
  std::optional<uint64_t> record_size;
  if (!req.manifest_path.empty()) {
    auto size = ManifestRecordSize(*manifest);
    if (!size.ok()) return fail(size.status());
    record_size = *size;
  }
  QOIMA_ASSIGN_OR_RETURN(out.act, ActOverManifest(manifest));
  out.act.date = LocalDateOf(clock_->NowUnix()).ToString();
  out.act.transferring.organization = info.applicant;
  out.act.device_fingerprint = DeviceFingerprint();
  out.act.deposit_id = *deposit_id;
  out.act.deposit_root =
      ToHex(std::string_view(reinterpret_cast<const char*>(dep.manifest_sha256.data()), dep.manifest_sha256.size()));
  {
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    QOIMA_ASSIGN_OR_RETURN(int64_t decision,
                           InsertDecision(db, app_id, deposit_id, true, {}, "", ev.dump(), actor, now));
    QOIMA_ASSIGN_OR_RETURN(Statement up,
                           db.Prepare("UPDATE intakes SET state = 'accepted', decision_id = ? WHERE id = ?"));
    up.Bind(1, decision).Bind(2, intake_id);
    QOIMA_RETURN_IF_ERROR(up.Run());
    QOIMA_ASSIGN_OR_RETURN(Statement act, db.Prepare("INSERT INTO acts(kind, number, application_id, deposit_id, "
                                                     "act_date, city, template_id, manifest_json, created_by, "
                                                     "created_at) VALUES ('acceptance',?,?,?,?,?,?,?,?,?)"));
    act.Bind(1, "A-" + std::to_string(*deposit_id)).Bind(2, app_id).Bind(3, *deposit_id).Bind(4, out.act.date);
    act.Bind(5, out.act.city).Bind(6, kActTemplate);
    std::string record = ManifestRecordReference(intake_id);
    if (record_size) { QOIMA_ASSIGN_OR_RETURN(record, InsertManifestRecord(db, *manifest, *record_size)); }
    act.Bind(7, record);
    act.Bind(8, actor.user_id);
    act.Bind(9, now);
    QOIMA_RETURN_IF_ERROR(act.Run());
    QOIMA_RETURN_IF_ERROR(
        Audit(actor, "intake.accept", object, "success",
              "held deposit " + std::to_string(*deposit_id) + " accepted against manifest " + manifest->digest));
    QOIMA_RETURN_IF_ERROR(tx.Commit());
    out.decision_id = decision;
  }
  QOIMA_ASSIGN_OR_RETURN(storage::AuditCheckpoint cp, store_->SignCheckpoint());
  out.act.audit_checkpoint = "size " + std::to_string(cp.tree_size) + " root " + crypto::Hex(cp.root);
  if (!manifest->has_checksums) {
    auto computed = DepositComputedFiles(*store_, *deposit_id);
    if (computed.ok()) UseComputedFiles(out.act, std::move(*computed), manifest->DiscMarkings().size() > 1);
  }
  out.state = "accepted";
  out.deposit_id = deposit_id;
  out.manifest_digest = manifest->digest;
  if (!req.manifest_path.empty()) {
    SetActSource(out, *manifest);
  } else {  // the stored record: how the act was read is in the evidence
    out.manifest_format = evidence.value("manifest_format", "");
    out.manifest_has_checksums = manifest->has_checksums;
    out.manifest_source.encoding = evidence.value("manifest_encoding", "");
    out.manifest_source.part = evidence.value("manifest_part", "");
    out.manifest_source.stripped_prefix = evidence.value("manifest_stripped_prefix", "");
    if (evidence.contains("act_file") && evidence["act_file"].is_object()) {
      const json& a = evidence["act_file"];
      out.act_file.source = a.value("source", "");
      out.act_file.device = a.value("device", "");
      out.act_file.volume_label = a.value("volume_label", "");
      out.act_file.path = a.value("path", "");
      out.act_file.size = a.value("size", uint64_t{0});
      out.act_file.mtime = a.value("mtime", int64_t{0});
      out.act_file.sha256 = a.value("sha256", "");
      out.act_file.paper_digest_checked = a.value("paper_digest_checked", false);
      out.act_file.on_deposit_medium = a.value("on_deposit_medium", false);
      out.act_file.excluded_on = a.value("excluded_on", "");
      if (out.act_file.source == "medium") out.act.act_file = out.act_file.device + ": " + out.act_file.path;
      out.act.act_file_excluded = out.act_file.on_deposit_medium;
    }
  }
  return out;
}

}  // namespace qoima::appliance

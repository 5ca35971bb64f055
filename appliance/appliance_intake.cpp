// Appliance: the intake and decision workflows (001 cl.14-17). See appliance.h.
#include <malloc.h>

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <system_error>

#include "appliance/appliance.h"
#include "appliance/civil_time.h"
#include "appliance/hold_window.h"
#include "appliance/intake_repository.h"
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
    json j = {{"kind", DiffKindName(i.kind)}, {"path", i.path}, {"detail", i.detail}, {"size", i.size}};
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
        {{"reason", RefusalReasonName(g.reason)}, {"clause", RefusalBasis(g.reason)}, {"evidence", g.evidence}});
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

}  // namespace

// What one Intake carries from phase to phase: the request, the act as
// read, the media as resolved, the pending deposit, the outcome as it is
// filled, and the evidence. The phases run in order (Appliance::Intake);
// each returns a non-OK Status to stop the intake, audited as a failure
// where the step can fail for reasons of the request or the media.
struct Appliance::IntakeRun {
  IntakeRun(Appliance& a, const Actor& who, const IntakeRequest& request)
      : app(a),
        actor(who),
        req(request),
        target(TargetState(request.action)),
        action_name(FindIntakeTransition(std::nullopt, target)->audit_action),
        object(AppObject(request.application)),
        repo(a.store_->db()) {}

  static IntakeState TargetState(IntakeAction action) {
    switch (action) {
      case IntakeAction::kAccept: return IntakeState::kAccepted;
      case IntakeAction::kRefuse: return IntakeState::kRefused;
      case IntakeAction::kHold: return IntakeState::kHeld;
      case IntakeAction::kVerifyOnly: break;
    }
    return IntakeState::kVerified;
  }

  /// Audits the failure of the intake (action_name, "failure") and returns it.
  Status Fail(Status s) {
    (void)app.Audit(actor, action_name, object, "failure", s.message());
    return s;
  }
  /// Drops what was read into the store so far (nothing of it is kept).
  void AbandonPending() {
    if (pending) (void)app.store_->AbandonDeposit(std::move(pending));
  }

  // Phase 1: resolve media (the application, admission, the act, which disc
  // and copy each medium is).
  Status ResolveMedia();
  Status LoadAct();
  Status AssignDiscs();
  // Phase 2: read every medium once, storing and comparing as it reads.
  Status ReadAndCompare();
  Status ReadMedium(const MediumSpec& spec, std::set<std::string>& stored_discs, std::optional<DiscGuess>& guess);
  // Phase 3: the assessment, the accepting party, the evidence and the act.
  Status AssembleEvidence();
  // Phase 4: record the intake in the state the request and evidence allow.
  Result<IntakeOutcome> Record();
  Result<IntakeOutcome> RecordVerified(const Status& refused_decision);
  Result<IntakeOutcome> RecordRefused();
  Result<IntakeOutcome> RecordKept();
  /// Inserts the intakes row (its act's record and file with it) in the
  /// caller's transaction.
  Result<int64_t> InsertIntake(Database& db, IntakeState state, std::optional<int64_t> deposit,
                               std::optional<int64_t> decision, std::optional<std::string> hold);
  /// The act as printed for this intake (rows read from the manifest).
  void FillAct();

  Appliance& app;
  const Actor& actor;
  const IntakeRequest& req;
  const IntakeState target;
  const std::string_view action_name;
  const std::string object;
  IntakeRepository repo;

  IntakeApplication info;
  std::string want;  // the paper act's digest, lower-case hex ("" when not given)
  ActFileInfo act_info;
  ActFileMeta act_meta;
  std::optional<ActFileOnMedium> act_bytes;  // an act read from a medium, held until it is kept
  std::unique_ptr<ManifestSource> act_source;
  std::shared_ptr<const ActManifest> manifest;  // shared with the act in the outcome, whose rows are read from it
  std::vector<std::string> discs;
  std::vector<MediumSpec> media;
  std::unique_ptr<storage::PendingDeposit> pending;
  std::vector<std::string> failed_reads;  // "DEVICE: why" of each read a fatal problem stopped
  IntakeOutcome out;

  ActParty accepting;
  std::string evidence_text;
  PreparedManifestRecord act_record;
  /// The act's record being made on a second thread while the media are
  /// read (StartActRecord); taken by AssembleEvidence. Declared after
  /// `manifest`; its thread holds a reference of its own to the act.
  std::future<Result<PreparedManifestRecord>> act_record_made;
  std::optional<ActDocument> act_over;
  std::string act_date;
  std::string summary;
  std::string now;
};

Result<IntakeOutcome> Appliance::Intake(const Actor& actor, const IntakeRequest& req) {
  IntakeRun run(*this, actor, req);
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kIntake, run.action_name, run.object));
  if (req.action != IntakeAction::kVerifyOnly)
    QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kDecide, run.action_name, run.object));
  QOIMA_RETURN_IF_ERROR(run.ResolveMedia());
  QOIMA_RETURN_IF_ERROR(run.ReadAndCompare());
  QOIMA_RETURN_IF_ERROR(run.AssembleEvidence());
  return run.Record();
}

Status Appliance::IntakeRun::ResolveMedia() {
  auto loaded_info = repo.LoadApplication(req.application);
  if (!loaded_info.ok()) return Fail(loaded_info.status());
  info = std::move(*loaded_info);
  // An acceptance needs the NDA signed by both parties, on every track: it is
  // refused before anything is read, and nothing is recorded but the denial.
  if (target == IntakeState::kAccepted && !info.nda_signed_by_both) {
    Status refused = NdaMissingRefusal(req.application);
    (void)app.Audit(actor, action_name, object, "denied", refused.message());
    return refused;
  }
  if (req.media.empty()) return Fail(Status::InvalidArgument("no medium given (--medium DEVICE)"));
  // Only devices the appliance does not own are media; a device that cannot
  // be opened (a mistyped path) is refused here too: nothing is read or
  // recorded for either.
  for (const auto& m : req.media)
    if (Status admitted = app.reader_->Admit(m.device); !admitted.ok()) return Fail(admitted);
  // The paper act's digest as typed or scanned: hex digits, any grouping.
  for (char c : req.expected_digest)
    if (std::isxdigit(static_cast<unsigned char>(c)))
      want += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!req.expected_digest.empty() && want.size() != 64)
    return Fail(Status::InvalidArgument("the paper act's digest has " + std::to_string(want.size()) +
                                        " hex digits; a SHA-256 has 64"));
  QOIMA_RETURN_IF_ERROR(LoadAct());
  return AssignDiscs();
}

// The act from a file or from a medium (compared with the paper digest
// before it is parsed and before any of the deposit is read), parsed.
Status Appliance::IntakeRun::LoadAct() {
  ManifestParseOptions po;
  po.now_unix = app.clock_->NowUnix();
  po.format = req.manifest_format;
  po.strip_prefix = req.strip_prefix;
  po.table = req.table;
  po.expected_application = req.application;
  po.compact_after_entries = app.options_.act_entries_in_memory;
  Result<ActManifest> loaded = Status::Internal("no act");
  if (req.act_on) {
    if (!req.manifest_path.empty())
      return Fail(Status::InvalidArgument("give the act as a file or on a medium, not both"));
    bool is_deposit_medium = std::any_of(req.media.begin(), req.media.end(),
                                         [&](const MediumSpec& m) { return SameDevice(m.device, req.act_on->device); });
    if (!is_deposit_medium)
      if (Status admitted = app.reader_->Admit(req.act_on->device); !admitted.ok()) return Fail(admitted);
    auto got = ReadActFromMedium(*app.reader_, req.act_on->device, req.act_on->path, app.options_.read_options);
    if (!got.ok()) return Fail(got.status());
    act_bytes = std::move(*got);
    if (!want.empty() && want != act_bytes->sha256)
      return Fail(Status::FailedPrecondition("the act " + act_bytes->path + " on " + act_bytes->device +
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
        return Fail(Status::FromErrno(errno, "stat manifest " + req.manifest_path));
      act_meta = {"file",        "", "", req.manifest_path, "", static_cast<uint64_t>(st.st_size), st.st_mtim.tv_sec,
                  loaded->digest};
      auto source = FileManifestSource::Open(req.manifest_path);
      if (!source.ok()) return Fail(source.status());
      act_source = std::move(*source);
    }
  }
  if (!loaded.ok()) return Fail(loaded.status());
  ReleaseFreedMemory();  // the parse's scratch, between the entries it kept
  manifest = std::make_shared<const ActManifest>(std::move(*loaded));
  if (!want.empty() && want != manifest->digest)
    return Fail(Status::FailedPrecondition("the manifest's SHA-256 " + manifest->digest + " is " +
                                           kPaperDigestMismatch + " (" + want + ")"));
  act_info.source = act_meta.source;
  act_info.device = act_meta.device;
  act_info.volume_label = act_meta.volume_label;
  act_info.path = act_meta.path;
  act_info.size = act_meta.size;
  act_info.mtime = act_meta.mtime;
  act_info.sha256 = act_meta.sha256;
  act_info.paper_digest_checked = !want.empty();
  return Status::Ok();
}

// Which disc of the act and which copy each medium is.
Status Appliance::IntakeRun::AssignDiscs() {
  discs = manifest->DiscMarkings();
  media = req.media;
  std::map<std::string, int> copies_seen;
  for (auto& m : media) {
    if (m.disc.empty()) {
      if (discs.size() != 1)
        return Fail(Status::InvalidArgument("the act lists " + std::to_string(discs.size()) + " discs; say which one " +
                                            m.device + " is (disc=MARKING)"));
      m.disc = discs[0];
    } else if (std::find(discs.begin(), discs.end(), m.disc) == discs.end()) {
      return Fail(Status::InvalidArgument("the act has no disc '" + m.disc + "'"));
    }
    int n = copies_seen[m.disc]++;
    if (m.copy_label.empty()) m.copy_label = n == 0 ? "original" : "copy " + std::to_string(n);
  }
  return Status::Ok();
}

Status Appliance::IntakeRun::ReadAndCompare() {
  // The act's record (serialized and compressed: a tenth of a small-file
  // intake's time) only reads the act, as the diff does: it is made on a
  // second thread while this one reads the media. Without a thread it is
  // made in AssembleEvidence.
  try {
    act_record_made = std::async(std::launch::async, [m = manifest] { return PrepareManifestRecord(*m); });
  } catch (const std::system_error&) { act_record_made = {}; }
  if (FindIntakeTransition(std::nullopt, target)->keeps_content) {
    storage::DepositSpec spec;
    spec.object_id = info.object_id;
    spec.application_id = info.id;
    spec.version_label = manifest->software_version;
    spec.created_by = actor.user_id;
    auto p = app.store_->BeginDeposit(spec);
    if (!p.ok()) return Fail(p.status());
    pending = std::move(*p);
  }
  out.act_file = act_info;
  out.manifest_digest = manifest->digest;
  out.act_text_flags = manifest->text_flags;
  out.act_text_flags_unlisted = manifest->text_flags_unlisted;
  SetActSource(out, *manifest);
  std::set<std::string> stored_discs;
  std::optional<DiscGuess> guess;  // which disc a medium looks like, when the act has several
  if (discs.size() > 1) guess.emplace(*manifest);
  for (const auto& spec : media) QOIMA_RETURN_IF_ERROR(ReadMedium(spec, stored_discs, guess));
  return Status::Ok();
}

// One medium: read once through the sandboxed reader; each entry is compared
// with the act as it arrives (the medium's list is never held) and, for the
// first copy of a disc an accept or hold keeps, sealed into the deposit.
Status Appliance::IntakeRun::ReadMedium(const MediumSpec& spec, std::set<std::string>& stored_discs,
                                        std::optional<DiscGuess>& guess) {
  // Progress: the act's files (and sizes, when it gives them) of this disc.
  IntakeProgress start;
  start.medium = static_cast<size_t>(&spec - media.data());
  start.media_count = media.size();
  start.device = spec.device;
  Result<EntryTotals> listed = manifest->Totals(spec.disc);
  if (!listed.ok()) return Fail(listed.status());
  start.files_total = listed->files;
  start.bytes_total = listed->bytes;
  if (!listed->sized) start.bytes_total = 0;  // a sha256sum list: bytes unknown until read
  MediumCheck check;
  check.disc = spec.disc;
  check.copy_label = spec.copy_label;
  check.device = spec.device;
  std::string fs;
  auto identity = app.reader_->Probe(spec.device);
  if (identity.ok()) {
    check.volume_label = identity->label;
    fs = identity->fs_type;
  }
  bool store_this = pending && stored_discs.insert(spec.disc).second;
  DiffOptions dopt;
  dopt.keep_matched = req.keep_matched_items;
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
  auto read = app.reader_->Read(spec.device, app.options_.read_options, excluding);
  if (watched.cancelled()) {
    AbandonPending();
    return Fail(Status::Cancelled("reading " + spec.device + " was cancelled; no intake was recorded"));
  }
  watched.Finish();
  collector.Flush();
  if (sink && !sink->store_failure().ok()) {
    AbandonPending();
    return Fail(sink->store_failure().WithContext("store while reading " + spec.device));
  }
  if (!read.ok() && !hardware::IsMediumFault(read.status())) {
    // The appliance failed (its reader sandbox, the device's permissions),
    // not the medium: nothing about the medium may be recorded from it.
    AbandonPending();
    return Fail(read.status().WithContext("reading " + spec.device + " (no intake was recorded)"));
  }
  if (!read.ok()) failed_reads.push_back(spec.device + ": " + read.status().message());
  if (read.ok() && fs.empty()) fs = read->filesystem;
  if (read.ok() && check.volume_label.empty()) check.volume_label = read->volume_label;
  diff.set_mtime_zone_unknown(hardware::MtimesAreLocalTime(fs));
  check.diff = diff.Finish();
  if (!diff.status().ok()) {
    AbandonPending();
    return Fail(diff.status().WithContext("comparing " + spec.device + " with the act"));
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
  return Status::Ok();
}

Status Appliance::IntakeRun::AssembleEvidence() {
  IntakeFacts facts;
  facts.track = info.track;
  facts.in_register = req.in_register;
  std::optional<json> register_lookup;
  if (info.track == Track::kRegister && !req.in_register) {
    QOIMA_ASSIGN_OR_RETURN(std::optional<SnapshotCheck> check,
                           CheckRegisterSnapshot(app.store_->db(), info.software_name, app.clock_->NowUnix()));
    if (check) {
      facts.in_register = check->in_register;
      register_lookup = std::move(check->evidence);
    }
  }
  facts.nda_signed_by_both = info.nda_signed_by_both;
  facts.act_discs = discs;
  facts.media = std::move(out.media);  // no copy of every diff item: RSS stays bounded
  out.assessment = AssessIntake(facts);
  out.media = std::move(facts.media);
  // The act's accepting side, recorded with the decision so that every
  // reprint names the organization and person the act issued now names.
  {
    QOIMA_ASSIGN_OR_RETURN(print::OperatorInfo op, LoadOperatorDetails(app.store_->db()));
    QOIMA_ASSIGN_OR_RETURN(std::string clerk, repo.PersonName(actor.user_id));
    accepting = AcceptingParty(op, req.accepting, clerk);
  }
  {
    json media_json = json::array();
    for (const auto& m : out.media) media_json.push_back(DiffJson(m));
    json evidence = {
        {"manifest_sha256", manifest->digest},           {"manifest_format", ManifestFormatName(manifest->format)},
        {"manifest_checksums", manifest->has_checksums}, {"track", std::string(TrackName(info.track))},
        {"nda_signed_by_both", info.nda_signed_by_both}, {"media", std::move(media_json)},
        {"assessment", AssessmentJson(out.assessment)},  {"accepting", ActPartyJson(accepting)}};
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
  // The act's record is made now (held when small, else measured and made
  // again) and written into a row of its own inside the transaction
  // (InsertManifestRecord).
  auto prepared = act_record_made.valid() ? act_record_made.get() : PrepareManifestRecord(*manifest);
  if (!prepared.ok()) return Fail(prepared.status());
  act_record = std::move(*prepared);
  now = app.NowText();
  // The act's rows (one per file) are never copied: they are read from the
  // manifest as the act is rendered (ActOverManifest).
  act_date = LocalDateOf(app.clock_->NowUnix()).ToString();
  // Its totals are read now: nothing may fail once the deposit is committed.
  Result<ActDocument> over = ActOverManifest(manifest);
  if (!over.ok()) return Fail(over.status());
  act_over = std::move(*over);
  for (const auto& m : out.media)
    summary += (summary.empty() ? "" : "; ") + m.disc + "/" + m.copy_label + ": " + m.diff.Summary();
  summary = "manifest " + manifest->digest + "; " + summary;
  return Status::Ok();
}

void Appliance::IntakeRun::FillAct() {
  out.act = *act_over;
  out.act.date = act_date;
  out.act.transferring.organization = info.applicant;
  out.act.accepting = accepting;
  out.act.device_fingerprint = app.DeviceFingerprint();
  for (const auto& m : out.media) out.act.copies.push_back(m.disc + " (" + m.copy_label + "): " + m.diff.Summary());
  if (out.act_file.source == "medium") out.act.act_file = out.act_file.device + ": " + out.act_file.path;
  out.act.act_file_excluded = out.act_file.on_deposit_medium;
}

Result<int64_t> Appliance::IntakeRun::InsertIntake(Database& db, IntakeState state, std::optional<int64_t> deposit,
                                                   std::optional<int64_t> decision, std::optional<std::string> hold) {
  NewIntake row;
  row.application_id = info.id;
  row.manifest_sha256 = manifest->digest;
  row.manifest_format = ManifestFormatName(manifest->format);
  QOIMA_ASSIGN_OR_RETURN(row.manifest_record, InsertManifestRecord(db, *manifest, act_record));
  row.state = state;
  row.clean = out.assessment.grounds.empty();
  row.evidence_json = evidence_text;
  row.deposit_id = deposit;
  row.decision_id = decision;
  row.hold_until = std::move(hold);
  row.created_by = actor.user_id;
  row.created_at = now;
  QOIMA_ASSIGN_OR_RETURN(const int64_t id, IntakeRepository(db).Insert(row));
  // The act's bytes, kept with the intake in the same transaction.
  QOIMA_RETURN_IF_ERROR(InsertActFile(db, id, act_meta, *act_source));
  return id;
}

Result<IntakeOutcome> Appliance::IntakeRun::Record() {
  // A decision the evidence does not support is recorded as a verification
  // and keeps nothing.
  Status refused_decision;
  if (target == IntakeState::kAccepted) refused_decision = CheckAccept(out.assessment);
  if (target == IntakeState::kRefused) refused_decision = CheckRefuse(out.assessment, req.reasons);
  // A hold keeps what was read for a re-try of the act (001 cl.15); a read
  // that a fatal problem stopped (the medium removed, unreadable) kept only a
  // part of the medium, which must not be stored as if it were the deposit.
  if (target == IntakeState::kHeld && !failed_reads.empty())
    refused_decision = Status::FailedPrecondition(
        "no hold after a failed read: the read of " + failed_reads.front() +
        "; nothing read from the media is kept. Read the medium again, or refuse it (media_malfunction)");
  if (target == IntakeState::kVerified || !refused_decision.ok()) return RecordVerified(refused_decision);
  if (target == IntakeState::kRefused) return RecordRefused();
  return RecordKept();
}

Result<IntakeOutcome> Appliance::IntakeRun::RecordVerified(const Status& refused_decision) {
  FillAct();
  if (pending) QOIMA_RETURN_IF_ERROR(app.store_->AbandonDeposit(std::move(pending)));
  Database& db = app.store_->db();
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
  QOIMA_ASSIGN_OR_RETURN(out.intake_id,
                         InsertIntake(db, IntakeState::kVerified, std::nullopt, std::nullopt, std::nullopt));
  QOIMA_RETURN_IF_ERROR(
      app.Audit(actor, "intake.verify", IntakeObject(out.intake_id), "success", object + "; " + summary));
  if (!refused_decision.ok())
    QOIMA_RETURN_IF_ERROR(
        app.Audit(actor, action_name, IntakeObject(out.intake_id), "denied", refused_decision.message()));
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  out.state = IntakeState::kVerified;
  if (!refused_decision.ok())
    return refused_decision.WithContext("intake " + std::to_string(out.intake_id) + " recorded, nothing stored");
  return out;
}

Result<IntakeOutcome> Appliance::IntakeRun::RecordRefused() {
  FillAct();
  Database& db = app.store_->db();
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
  NewDecision d{info.id, std::nullopt, false, req.reasons, req.reason_text, evidence_text, actor.user_id, now};
  QOIMA_ASSIGN_OR_RETURN(int64_t decision, repo.InsertDecision(d));
  QOIMA_ASSIGN_OR_RETURN(out.intake_id, InsertIntake(db, IntakeState::kRefused, std::nullopt, decision, std::nullopt));
  QOIMA_RETURN_IF_ERROR(app.Audit(actor, "intake.refuse", IntakeObject(out.intake_id), "success",
                                  RefusalReasonsText(req.reasons, req.reason_text) + "; " + summary));
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  out.state = IntakeState::kRefused;
  out.decision_id = decision;
  return out;
}

// Accept or hold: the deposit, its decision/intake/act rows and the audit
// leaf commit in one transaction.
Result<IntakeOutcome> Appliance::IntakeRun::RecordKept() {
  const bool accept = target == IntakeState::kAccepted;
  std::string hold_until;
  if (!accept) {
    // Five working days on the calendar in force (holidays included).
    auto calendar = lifecycle::LoadCalendar(app.store_->db());
    Result<int64_t> end = calendar.ok() ? HoldWindowEnd(*calendar, app.clock_->NowUnix(), kHoldWorkingDays)
                                        : Result<int64_t>(calendar.status());
    if (!end.ok()) {
      AbandonPending();
      return Fail(end.status().WithContext("hold"));
    }
    hold_until = FormatUtc(*end);
  }
  std::optional<int64_t> decision_id;
  int64_t intake_id = 0;
  storage::Store::CommitHook hook = [&](Database& db, int64_t deposit_id) -> Status {
    IntakeRepository in_tx(db);
    if (accept) {
      NewDecision d{info.id, deposit_id, true, {}, "", evidence_text, actor.user_id, now};
      QOIMA_ASSIGN_OR_RETURN(decision_id, in_tx.InsertDecision(d));
    }
    QOIMA_ASSIGN_OR_RETURN(intake_id, InsertIntake(db, target, deposit_id, decision_id,
                                                   accept ? std::nullopt : std::optional<std::string>(hold_until)));
    if (accept) {
      NewAcceptanceAct act{info.id,
                           deposit_id,
                           act_date,
                           ActDocument().city,
                           kActTemplate,
                           ManifestRecordReference(intake_id),  // the intake's record
                           actor.user_id,
                           now};
      QOIMA_RETURN_IF_ERROR(in_tx.InsertAcceptanceAct(act));
    }
    return Status::Ok();
  };
  std::string reason = accept ? "accepted; " + summary : "held for re-try until " + hold_until + "; " + summary;
  auto committed = app.store_->CommitDeposit(std::move(pending), StorageActor(actor), reason, hook);
  if (!committed.ok()) return Fail(committed.status());
  std::string().swap(evidence_text);
  FillAct();
  out.intake_id = intake_id;
  out.deposit_id = committed->deposit_id;
  out.decision_id = decision_id;
  out.state = target;
  out.hold_until = hold_until;
  out.act.deposit_id = committed->deposit_id;
  out.act.deposit_root = crypto::Hex(committed->manifest_sha256);
  if (!manifest->has_checksums) {
    // The rows carry the SHA-256 computed as the content was sealed (as the
    // printed act does); the deposit is committed, so a read failure here
    // leaves only this copy of the act without them.
    auto computed = DepositComputedFiles(*app.store_, committed->deposit_id);
    if (computed.ok()) UseComputedFiles(out.act, std::move(*computed), discs.size() > 1);
  }
  if (committed->checkpoint) {
    out.act.audit_checkpoint = "size " + std::to_string(committed->checkpoint->tree_size) + " root " +
                               crypto::Hex(committed->checkpoint->root);
    if (accept)
      QOIMA_RETURN_IF_ERROR(repo.SetAcceptanceCheckpoint(committed->deposit_id, committed->checkpoint->tree_size,
                                                         committed->checkpoint->root));
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
  QOIMA_ASSIGN_OR_RETURN(IntakeRow row, IntakeRepository(store_->db()).Load(intake_id));
  IntakeRecord r;
  r.id = intake_id;
  r.application = std::move(row.application);
  r.state = row.state;
  r.created_at = std::move(row.created_at);
  r.evidence_json = std::move(row.evidence_json);
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

// What one Decide carries from phase to phase: the intake as recorded, its
// evidence, and the outcome as it is filled.
struct Appliance::DecideRun {
  DecideRun(Appliance& a, const Actor& who, int64_t id, const DecideRequest& request)
      : app(a),
        actor(who),
        req(request),
        intake_id(id),
        target(request.accept ? IntakeState::kAccepted : IntakeState::kRefused),
        object(IntakeObject(id)),
        repo(a.store_->db()) {}

  /// Audits the refusal of the decision (action_name, "denied") and returns it.
  Status Deny(Status s) {
    (void)app.Audit(actor, action_name(), object, "denied", s.message());
    return s;
  }
  std::string_view action_name() const { return target == IntakeState::kAccepted ? "intake.accept" : "intake.refuse"; }

  /// Refuses a verified or held intake (the held content is destroyed).
  Result<IntakeOutcome> Refuse();
  /// Accepts a held intake: phases re-check, record, outcome.
  Result<IntakeOutcome> Accept();
  Status Recheck();
  Status RecordAcceptance();
  /// How the act was read and where its file came from, as the evidence of
  /// the intake says (an acceptance against the stored record).
  void OutcomeFromEvidence();

  Appliance& app;
  const Actor& actor;
  const DecideRequest& req;
  const int64_t intake_id;
  const IntakeState target;
  const std::string object;
  IntakeRepository repo;

  IntakeRow row;
  json evidence;
  IntakeApplication info;
  std::string now;
  IntakeOutcome out;
  std::shared_ptr<const ActManifest> manifest;
  json accepted_evidence;  // the evidence with the re-check added
};

Result<IntakeOutcome> Appliance::Decide(const Actor& actor, int64_t intake_id, const DecideRequest& req) {
  DecideRun run(*this, actor, intake_id, req);
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kDecide, run.action_name(), run.object));
  QOIMA_ASSIGN_OR_RETURN(run.row, run.repo.Load(intake_id));
  run.evidence = json::parse(run.row.evidence_json, nullptr, false);
  if (Status allowed = CheckIntakeTransition(run.row.state, run.target, run.object); !allowed.ok())
    return run.Deny(allowed);
  QOIMA_ASSIGN_OR_RETURN(run.info, run.repo.LoadApplication(run.row.application));
  run.now = NowText();
  run.out.intake_id = intake_id;
  return req.accept ? run.Accept() : run.Refuse();
}

Result<IntakeOutcome> Appliance::DecideRun::Refuse() {
  Assessment a = AssessmentFromJson(evidence.value("assessment", json::object()));
  Status ok = CheckRefuse(a, req.reasons);
  if (!ok.ok()) return Deny(ok);
  out.assessment = a;
  if (row.deposit_id) {
    auto t = app.store_->DestroyDeposit(*row.deposit_id, StorageActor(actor),
                                        "held content of refused " + object + " destroyed");
    if (!t.ok()) return Deny(t.status());
  }
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(app.store_->db()));
  NewDecision d{row.application_id, std::nullopt,    false,         req.reasons,
                req.reason_text,    evidence.dump(), actor.user_id, now};
  QOIMA_ASSIGN_OR_RETURN(int64_t decision, repo.InsertDecision(d));
  QOIMA_RETURN_IF_ERROR(repo.Advance(intake_id, row.state, IntakeState::kRefused, decision));
  QOIMA_RETURN_IF_ERROR(
      app.Audit(actor, "intake.refuse", object, "success", RefusalReasonsText(req.reasons, req.reason_text)));
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  out.state = IntakeState::kRefused;
  out.decision_id = decision;
  return out;
}

Result<IntakeOutcome> Appliance::DecideRun::Accept() {
  if (!row.deposit_id)
    return Deny(Status::FailedPrecondition(object + " kept no content (it was only verified); read the media again "
                                                    "with qoima intake --accept"));
  const int64_t hold_until = ParseUtcText(row.hold_until);
  if (app.clock_->NowUnix() > hold_until)
    return Deny(Status::FailedPrecondition(object + ": the hold ran out at " + FormatUtc(hold_until) +
                                           " (5 working days); refuse it and read the media again"));
  // Checked before the held content is read again: nothing changes but the denial's audit entry.
  if (!info.nda_signed_by_both) return Deny(NdaMissingRefusal(row.application));
  QOIMA_RETURN_IF_ERROR(Recheck());
  QOIMA_RETURN_IF_ERROR(RecordAcceptance());
  out.state = IntakeState::kAccepted;
  out.deposit_id = row.deposit_id;
  out.manifest_digest = manifest->digest;
  if (!req.manifest_path.empty()) {
    SetActSource(out, *manifest);
  } else {
    OutcomeFromEvidence();
  }
  return out;
}

// The held content against the (possibly corrected) act, and the
// assessment of it.
Status Appliance::DecideRun::Recheck() {
  ManifestParseOptions po;
  po.now_unix = app.clock_->NowUnix();
  po.expected_application = row.application;
  po.stored_record = req.manifest_path.empty();
  po.strip_prefix = req.strip_prefix;
  po.table = req.table;
  po.compact_after_entries = app.options_.act_entries_in_memory;
  // The stored record is not selected: LoadStoredManifest reads it a piece at a time.
  Result<ActManifest> parsed =
      req.manifest_path.empty()
          ? LoadStoredManifest(app.store_->db(), "intakes", "manifest_json", intake_id, object + " manifest", po)
          : LoadManifestFile(req.manifest_path, po);
  if (!parsed.ok()) return Deny(parsed.status());
  if (req.manifest_path.empty()) parsed->digest = evidence.value("manifest_sha256", "");
  manifest = std::make_shared<const ActManifest>(std::move(*parsed));
  out.act_text_flags = manifest->text_flags;
  out.act_text_flags_unlisted = manifest->text_flags_unlisted;
  QOIMA_ASSIGN_OR_RETURN(DiffReport recheck, app.RecheckHeld(*manifest, *row.deposit_id, req.keep_matched_items));
  MediumCheck held{"", "held content", "store", "", std::move(recheck)};
  out.media = {held};
  IntakeFacts facts;
  facts.track = info.track;
  facts.in_register = req.in_register;
  if (!facts.in_register && evidence.contains("in_register")) facts.in_register = evidence["in_register"].get<bool>();
  facts.nda_signed_by_both = info.nda_signed_by_both;
  facts.media = out.media;
  out.assessment = AssessIntake(facts);
  Status ok = CheckAccept(out.assessment);
  if (!ok.ok()) return Deny(ok);
  accepted_evidence = evidence;
  accepted_evidence["recheck"] = DiffJson(held);
  accepted_evidence["recheck_manifest_sha256"] = manifest->digest;
  if (!out.act_text_flags.empty()) {
    accepted_evidence["recheck_act_text_flags"] = ActTextFlagsJson(out.act_text_flags);
    accepted_evidence["recheck_act_text_flags_unlisted"] = out.act_text_flags_unlisted;
  }
  if (!req.manifest_path.empty()) {
    accepted_evidence["recheck_manifest_format"] = ManifestFormatName(manifest->format);
    accepted_evidence["recheck_manifest_checksums"] = manifest->has_checksums;
    AddActSource(accepted_evidence, "recheck_manifest_", manifest->source);
  }
  return Status::Ok();
}

// The decision, the intake's step to accepted, the acceptance act and the
// audit event in one transaction; then a signed checkpoint.
Status Appliance::DecideRun::RecordAcceptance() {
  const int64_t deposit_id = *row.deposit_id;
  QOIMA_ASSIGN_OR_RETURN(storage::DepositInfo dep, app.store_->GetDeposit(deposit_id));
  // Against its own record the act refers to it (stored once, as at an
  // intake's acceptance); a corrected act is kept as a record of its own.
  std::optional<PreparedManifestRecord> prepared;
  if (!req.manifest_path.empty()) {
    auto made = PrepareManifestRecord(*manifest);
    if (!made.ok()) return Deny(made.status());
    prepared = std::move(*made);
  }
  QOIMA_ASSIGN_OR_RETURN(out.act, ActOverManifest(manifest));
  out.act.date = LocalDateOf(app.clock_->NowUnix()).ToString();
  out.act.transferring.organization = info.applicant;
  out.act.device_fingerprint = app.DeviceFingerprint();
  out.act.deposit_id = deposit_id;
  out.act.deposit_root =
      ToHex(std::string_view(reinterpret_cast<const char*>(dep.manifest_sha256.data()), dep.manifest_sha256.size()));
  {
    Database& db = app.store_->db();
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    NewDecision d{row.application_id, deposit_id, true, {}, "", accepted_evidence.dump(), actor.user_id, now};
    QOIMA_ASSIGN_OR_RETURN(int64_t decision, repo.InsertDecision(d));
    QOIMA_RETURN_IF_ERROR(repo.Advance(intake_id, row.state, IntakeState::kAccepted, decision));
    std::string record = ManifestRecordReference(intake_id);
    if (prepared) { QOIMA_ASSIGN_OR_RETURN(record, InsertManifestRecord(db, *manifest, *prepared)); }
    NewAcceptanceAct act{row.application_id, deposit_id, out.act.date,  out.act.city,
                         kActTemplate,       record,     actor.user_id, now};
    QOIMA_RETURN_IF_ERROR(repo.InsertAcceptanceAct(act));
    QOIMA_RETURN_IF_ERROR(
        app.Audit(actor, "intake.accept", object, "success",
                  "held deposit " + std::to_string(deposit_id) + " accepted against manifest " + manifest->digest));
    QOIMA_RETURN_IF_ERROR(tx.Commit());
    out.decision_id = decision;
  }
  QOIMA_ASSIGN_OR_RETURN(storage::AuditCheckpoint cp, app.store_->SignCheckpoint());
  out.act.audit_checkpoint = "size " + std::to_string(cp.tree_size) + " root " + crypto::Hex(cp.root);
  if (!manifest->has_checksums) {
    auto computed = DepositComputedFiles(*app.store_, deposit_id);
    if (computed.ok()) UseComputedFiles(out.act, std::move(*computed), manifest->DiscMarkings().size() > 1);
  }
  return Status::Ok();
}

void Appliance::DecideRun::OutcomeFromEvidence() {
  out.manifest_format = evidence.value("manifest_format", "");
  out.manifest_has_checksums = manifest->has_checksums;
  out.manifest_source.encoding = evidence.value("manifest_encoding", "");
  out.manifest_source.part = evidence.value("manifest_part", "");
  out.manifest_source.stripped_prefix = evidence.value("manifest_stripped_prefix", "");
  if (!evidence.contains("act_file") || !evidence["act_file"].is_object()) return;
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

}  // namespace qoima::appliance

#include "kiosk/appliance_backend.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "appliance/appliance.h"
#include "appliance/civil_time.h"
#include "appliance/export/bundle_exporter.h"
#include "appliance/media_watch.h"
#include "common/visible_text.h"
#include "kiosk/draw.h"
#include "kiosk/finding_rows.h"
#include "kiosk/i18n.h"
#include "kiosk/local_time.h"
#include "kiosk/text_layout.h"

namespace qoima::kiosk {
namespace {

/// Most journal / audit rows loaded into a list (the widget stays fast far beyond).
constexpr std::uint64_t kMaxListedRows = 1'000'000;

DiffKind ToKiosk(appliance::DiffKind k) {
  switch (k) {
    case appliance::DiffKind::kMatched: return DiffKind::kMatch;
    case appliance::DiffKind::kMissing: return DiffKind::kMissing;
    case appliance::DiffKind::kExtra: return DiffKind::kExtra;
    case appliance::DiffKind::kSizeMismatch: return DiffKind::kSizeMismatch;
    case appliance::DiffKind::kHashMismatch: return DiffKind::kHashMismatch;
    case appliance::DiffKind::kDateMismatch: return DiffKind::kDateMismatch;
    case appliance::DiffKind::kUnreadable: return DiffKind::kUnreadable;
    case appliance::DiffKind::kNameCollision: return DiffKind::kNameCollision;
  }
  return DiffKind::kUnreadable;
}

Result<int64_t> ParseId(const std::string& text, const char* what) {
  char* end = nullptr;
  long long id = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || id <= 0) return Status::InvalidArgument(std::string(what) + " id '" + text + "'");
  return static_cast<int64_t>(id);
}

MediaInfo ToKiosk(const appliance::DetectedMedium& m) {
  MediaInfo i;
  i.device = m.device;
  i.label = m.identity.label.empty() ? m.identity.volume_id : m.identity.label;
  i.fs_type = m.identity.fs_type;
  i.size_bytes = m.identity.size_bytes;
  i.vendor = m.identity.vendor;
  i.model = m.identity.model;
  i.refused = m.refused;
  i.refusal = m.refusal;
  i.probe_error = m.probe_error;
  return i;
}

bool AllDigits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

const char* ObservedTypeLabel(const std::string& type) {
  if (type == "directory") return Tr("a folder");
  if (type == "symbolic link") return Tr("a symbolic link");
  if (type == "special file") return Tr("a special file");
  return nullptr;
}

// The comparison's sentence for the clerk, in the counter's language, made
// from the item's facts (kind, what the act says, what the medium has); a
// case the appliance words in a way not known here keeps its sentence.
std::string DiffDetail(const appliance::DiffItem& d) {
  const char* text = d.detail.c_str();
  auto starts = [&d](const char* prefix) { return d.detail.rfind(prefix, 0) == 0; };
  switch (d.kind) {
    case appliance::DiffKind::kMatched: return d.detail.empty() ? d.actual : d.detail;
    case appliance::DiffKind::kMissing:
      if (starts("listed in the act, not on the medium")) {
        std::string out = Tr("listed in the act, not on the medium");
        if (size_t at = d.detail.find(" (the medium has '"); at != std::string::npos)
          out += " " + Format(Tr("(the medium has %s, which differs only in letter case)"),
                              d.detail.substr(at + 17, d.detail.rfind("', which") - at - 17).c_str());
        return out;
      }
      if (const char* type = ObservedTypeLabel(d.actual)) return Format(Tr("the medium has %s here, not a file"), type);
      break;
    case appliance::DiffKind::kExtra:
      if (AllDigits(d.actual)) {
        std::string out = Format(Tr("on the medium, not in the act (%s)"),
                                 FormatBytes(std::strtoull(d.actual.c_str(), nullptr, 10)).c_str());
        if (size_t at = d.detail.find("; also unreadable: "); at != std::string::npos)
          out += "; " + Format(Tr("also unreadable: %s"), d.detail.substr(at + 19).c_str());
        return out;
      }
      if (const char* type = ObservedTypeLabel(d.actual)) return Format(Tr("on the medium, not in the act (%s)"), type);
      break;
    case appliance::DiffKind::kSizeMismatch:
      if (AllDigits(d.expected))
        return Format(Tr("the act says %s bytes, the medium has %s"), d.expected.c_str(), d.actual.c_str());
      return Format(Tr("the act says %s, the medium has %s bytes"), d.expected.c_str(), d.actual.c_str());
    case appliance::DiffKind::kHashMismatch: return Tr("same size, different content (SHA-256 differs)");
    case appliance::DiffKind::kDateMismatch:
      return Format(Tr("content identical; the act dates it %s, the medium %s"), d.expected.c_str(),
                    CounterTimeOfUtc(d.actual).c_str());
    case appliance::DiffKind::kUnreadable:
      if (d.detail.empty() || d.detail == "could not be read") return Tr("could not be read");
      return Format(Tr("could not be read: %s"), text);
    case appliance::DiffKind::kNameCollision:
      if (size_t colon = d.detail.find(':'); colon != std::string::npos)
        return std::string(Tr("several names on the medium normalize to this path:")) + d.detail.substr(colon + 1);
      break;
  }
  return d.detail;
}

bool IsInUse(const Status& s) {
  return s.code() == Code::kFailedPrecondition &&
         s.message().find(appliance::kInUseByAnotherProcess) != std::string::npos;
}

std::string Today() { return appliance::LocalDateOf(std::time(nullptr)).ToString(); }

Result<UserChangeResult> ToKiosk(const Result<appliance::UserChangeOutcome>& o) {
  if (!o.ok()) return o.status();
  UserChangeResult r;
  r.applied = o->applied;
  if (o->pending) {
    r.request_id = std::to_string(o->pending->id);
    r.change = o->pending->detail;
  }
  return r;
}

// The self-approval refusal in the officer's words (kRequesterCannotDecideMsgid).
Status Decision(const Status& s) {
  if (s.code() == Code::kPermissionDenied &&
      (s.message().find(appliance::kRequesterCannotApprove) != std::string::npos ||
       s.message().find(appliance::kRequesterCannotReject) != std::string::npos))
    return Status::PermissionDenied(kRequesterCannotDecideMsgid);
  return s;
}

ExportState ToKiosk(appliance::ApprovalState s) {
  switch (s) {
    case appliance::ApprovalState::kPending: return ExportState::kPending;
    case appliance::ApprovalState::kApproved: return ExportState::kApproved;
    case appliance::ApprovalState::kRejected: return ExportState::kRejected;
    case appliance::ApprovalState::kExpired: return ExportState::kExpired;
    case appliance::ApprovalState::kExecuted: return ExportState::kExecuted;
    case appliance::ApprovalState::kCancelled: return ExportState::kCancelled;
  }
  return ExportState::kPending;
}

// "deposit:3" -> "A-3", the number its acceptance act carries.
std::string DepositNumber(const std::string& object) {
  const std::string prefix = "deposit:";
  return object.rfind(prefix, 0) == 0 ? "A-" + object.substr(prefix.size()) : object;
}

/// The state directory's prints/, where every printed document (and the
/// printer's test page) is also kept as a PDF; made on first use.
Result<std::string> PrintsDir(const std::string& state_dir) {
  std::string dir = state_dir + "/prints";
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Status::FromErrno(errno, "create " + dir);
  return dir;
}

}  // namespace

ApplianceBackend::ApplianceBackend(ApplianceBackendOptions options) : options_(std::move(options)) {
  if (!options_.store_unavailable.empty()) {
    device_.checked = true;
    device_.detail = options_.store_unavailable;
    return;
  }
  // The status line's first state: one open and close, off the UI thread
  // (unsealing takes TPM round trips) so the login screen shows at once; a
  // Login meanwhile waits on the mutex.
  if (!options_.open_at_start) return;
  opener_ = std::thread([this] {
    std::lock_guard<std::mutex> lock(mu_);
    DeviceState checked;
    (void)OpenForAction(&checked);  // opened and closed again ...
    std::lock_guard<std::mutex> device_lock(device_mu_);
    device_ = checked;  // ... before the status line says so
  });
}

ApplianceBackend::~ApplianceBackend() {
  if (opener_.joinable()) opener_.join();
  std::lock_guard<std::mutex> lock(mu_);
  if (!actor_) return;
  auto app = OpenForAction();
  if (app.ok()) (void)(*app)->EndSession();
}

Result<std::unique_ptr<appliance::Appliance>> ApplianceBackend::OpenForAction(DeviceState* state) {
  if (!options_.store_unavailable.empty()) return Status::FailedPrecondition(options_.store_unavailable);
  appliance::ApplianceOptions opt;
  opt.tcti = options_.tcti;
  opt.state_dir = options_.state_dir;
  opt.allow_test_media = appliance::TestMediaAllowed();
  opt.lock_wait_ms = options_.lock_wait_ms;
  auto opened = appliance::Appliance::Open(opt);
  DeviceState d;
  d.checked = true;
  if (opened.ok()) {
    d.tpm_ok = d.store_ok = true;
  } else if (IsInUse(opened.status())) {
    // Another process acts on the appliance: nothing is at fault.
    d.tpm_ok = true;
    d.store_busy = true;
    d.detail = opened.status().message();
  } else {
    Code c = opened.status().code();
    bool tpm_fault = c == Code::kTpmError || c == Code::kPolicyMismatch || c == Code::kLockout;
    d.tpm_ok = !tpm_fault;
    d.store_ok = false;
    d.detail = opened.status().ToString();
  }
  if (state) {
    *state = d;
  } else {
    std::lock_guard<std::mutex> lock(device_mu_);
    device_ = d;
  }
  if (!opened.ok()) {
    if (IsInUse(opened.status())) return Status::FailedPrecondition(kStoreBusyMsgid);
    return opened.status().WithContext("open the appliance");
  }
  return std::move(*opened);
}

Result<appliance::Actor> ApplianceBackend::CurrentActor() const {
  if (!actor_) return Status::PermissionDenied("nobody is logged in");
  return *actor_;
}

DeviceState ApplianceBackend::QueryDevice() {
  DeviceState d;
  {
    std::lock_guard<std::mutex> lock(device_mu_);
    d = device_;
  }
  // The first readable medium detected, for the status line (UI thread, like the watch).
  if (media_watch_)
    for (const appliance::DetectedMedium& m : media_watch_->media())
      if (!m.refused) {
        d.media = m.sysname + (m.identity.label.empty() ? "" : " " + m.identity.label);
        break;
      }
  return d;
}

LoginOutcome ApplianceBackend::Login(const std::string& login, const std::string& password) {
  std::lock_guard<std::mutex> lock(mu_);
  LoginOutcome out;
  auto app = OpenForAction();
  if (!app.ok()) {
    out.status = app.status();
    return out;
  }
  auto actor = (*app)->Login(login, password);
  if (!actor.ok()) {
    out.status = actor.status();
    return out;
  }
  if (actor_ && actor_->username != actor->username) (void)(*app)->EndSession();
  actor_ = std::make_unique<appliance::Actor>(*actor);
  out.user = UserInfo{actor->username, actor->username, actor->role};
  return out;
}

LockoutRule ApplianceBackend::Lockout() const {
  return {appliance::kMaxFailedLogins, static_cast<int>(appliance::kLockoutSeconds / 60)};
}

void ApplianceBackend::Logout() {
  std::lock_guard<std::mutex> lock(mu_);
  if (actor_) {
    auto app = OpenForAction();
    if (app.ok()) (void)(*app)->EndSession();  // signs a checkpoint over the session
  }
  actor_.reset();
}

Result<std::vector<ApplicationSummary>> ApplianceBackend::ListApplications() {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(std::vector<appliance::JournalEntry> journal, app->Journal(actor));
  std::vector<ApplicationSummary> out;
  for (const appliance::JournalEntry& e : journal) {
    ApplicationSummary a;
    a.id = e.portal_code;
    a.number = std::to_string(e.number);
    a.received_date = e.received_date;
    a.state_body = e.state_body;
    auto got = app->GetApplication(actor, e.portal_code);
    a.software_name = got.ok() ? got->software_name : e.portal_code;
    a.track = got.ok() ? got->track : Track::kApplication;
    a.state = e.portal_code;
    out.push_back(std::move(a));
    if (out.size() >= kMaxListedRows) break;
  }
  return out;
}

Result<std::string> ApplianceBackend::RegisterApplication(const ApplicationForm& f) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  appliance::Application a;
  a.track = f.track;
  a.portal_code = f.system_code;
  a.applicant = f.applicant;
  a.software_name = f.software_name;
  a.version = f.version;
  a.language = f.language;
  a.annotation = f.annotation;
  a.owner.full_name = f.state_body;
  a.register_entry = f.register_entry;
  a.signed_date = Today();
  if (!f.copies.empty()) {
    char* end = nullptr;
    long copies = std::strtol(f.copies.c_str(), &end, 10);
    if (end == f.copies.c_str() || *end != '\0')
      return Status::InvalidArgument("copies: '" + f.copies + "' is not a number");
    a.copies = static_cast<int>(copies);
  }
  if (!f.medium_name.empty()) a.items.push_back({f.medium_name, "", 0, 0, true});
  appliance::JournalEntry e;
  e.application_number = f.system_code;
  e.received_date = Today();
  e.state_body = f.state_body;
  e.applicant_head = f.applicant_head;
  QOIMA_ASSIGN_OR_RETURN(int64_t number, app->RegisterApplication(actor, a, e));
  return std::to_string(number);
}

void ApplianceBackend::EnsureMediaWatch() {
  // Opened on the UI thread after the first screen is drawn (enumerating and
  // probing the block devices must not delay it); not at all in benchmark mode.
  if (media_watch_ || media_watch_tried_ || !options_.open_at_start || !options_.store_unavailable.empty()) return;
  media_watch_tried_ = true;
  auto watch = appliance::MediaWatch::Open();
  if (watch.ok())
    media_watch_ = std::move(*watch);
  else
    media_problem_ = watch.status().ToString();
}

void ApplianceBackend::RecordRefusedMedia() {
  if (!media_watch_) return;
  for (appliance::DetectedMedium& m : media_watch_->TakeNewRefusals())
    if (unrecorded_refusals_.size() < appliance::kMaxWatchedMedia)
      unrecorded_refusals_.push_back(std::make_unique<appliance::DetectedMedium>(std::move(m)));
  if (unrecorded_refusals_.empty()) return;
  std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // next time
  auto app = OpenForAction();
  if (!app.ok()) return;  // next time
  size_t done = 0;
  for (const auto& m : unrecorded_refusals_) {
    if (!(*app)->RecordRefusedMedium(actor_.get(), *m).ok()) break;
    ++done;
  }
  unrecorded_refusals_.erase(unrecorded_refusals_.begin(),
                             unrecorded_refusals_.begin() + static_cast<std::ptrdiff_t>(done));
}

Result<std::vector<MediaInfo>> ApplianceBackend::ListMedia() {
  EnsureMediaWatch();
  std::vector<MediaInfo> out;
  if (!media_watch_) return out;
  RecordRefusedMedia();
  for (const appliance::DetectedMedium& m : media_watch_->media()) out.push_back(ToKiosk(m));
  return out;
}

int ApplianceBackend::MediaEventFd() {
  EnsureMediaWatch();
  return media_watch_ ? media_watch_->EventFd() : -1;
}

bool ApplianceBackend::UpdateMedia() {
  if (!media_watch_) return false;
  auto changed = media_watch_->Update();
  if (!changed.ok()) {
    media_problem_ = changed.status().ToString();
    return false;
  }
  RecordRefusedMedia();
  return *changed;
}

std::string ApplianceBackend::MediaDetectionProblem() { return media_problem_; }

bool ApplianceBackend::TypedDevicesAllowed() { return appliance::TestMediaAllowed(); }

Result<std::vector<ActCandidateInfo>> ApplianceBackend::ListActCandidates(const std::string& device) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(appliance::ActCandidates found, app->ListActCandidates(actor, device));
  std::vector<ActCandidateInfo> out;
  for (const appliance::ActCandidate& c : found.files)
    out.push_back({c.path, c.raw_path, c.size, c.mtime, c.form, c.note});
  return out;
}

namespace {

// What a read found, in the clerk's words: each medium's problems, its
// differences, its findings, and the act's flagged fields (a fresh read's
// outcome, or a held intake's as recorded).
IntakeResult ComparisonOf(const std::vector<appliance::MediumCheck>& media, const appliance::ActFileInfo& act_file,
                          const std::vector<appliance::ActTextFlag>& act_text_flags) {
  IntakeResult r;
  r.act_sha256 = act_file.sha256;
  r.act_path = act_file.device + ": " + act_file.path;
  r.act_excluded = act_file.on_deposit_medium;
  for (const appliance::MediumCheck& m : media) {
    for (const std::string& p : m.diff.medium_problems) r.rows.push_back({DiffKind::kMediumProblem, m.device, 0, p});
    for (const appliance::DiffItem& d : m.diff.items) {
      DiffRow row;
      row.kind = ToKiosk(d.kind);
      row.path = d.path.empty() ? d.raw_path : d.path;
      row.size_bytes = d.size;
      row.detail = DiffDetail(d);
      row.detail_now = [d] { return DiffDetail(d); };
      r.rows.push_back(std::move(row));
    }
    if (m.diff.unlisted) r.rows.push_back({DiffKind::kNotShown, m.device, 0, std::to_string(m.diff.unlisted)});
    // What the reader found besides the diff, in the clerk's words.
    AppendFindingRows(m.diff.findings, m.device, r.rows);
  }
  for (const appliance::ActTextFlag& f : act_text_flags) {
    std::string codes = HiddenCodePoints(f.value, {.keep_line_breaks = f.field == "software.annotation"});
    r.rows.push_back({DiffKind::kUnsafeName, f.value, 0,
                      codes.empty()
                          ? f.reason
                          : Format(Tr("%s in the act, line %zu, field %s"), codes.c_str(), f.line, f.field.c_str())});
  }
  return r;
}

}  // namespace

Result<IntakeResult> ApplianceBackend::RunIntake(const std::string& application_id, const MediaInfo& media,
                                                 const ActChoice& act, std::optional<bool> in_register,
                                                 const std::function<void(const IntakeProgress&)>& progress,
                                                 const std::atomic<bool>& cancel) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancel) return Status::Cancelled("reading cancelled");
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  appliance::IntakeRequest req;
  req.application = application_id;
  req.act_on = appliance::ActOnMedium{act.device, act.raw_path};
  req.expected_digest = act.digest;
  req.media.push_back({media.device, "", "original"});
  req.in_register = in_register;
  // Read once, sealing while reading: the intake is recorded as held, and the
  // clerk's Accept or Refuse is a decision on it (Decide), not a second read.
  req.action = appliance::IntakeAction::kHold;
  req.watch.cancel = &cancel;
  req.watch.progress = [&progress](const appliance::IntakeProgress& p) {
    progress({p.files_done, p.files_total, p.bytes_done, p.bytes_total, p.current_path});
  };
  Result<appliance::IntakeOutcome> read = app->Intake(actor, req);
  if (!read.ok() && read.status().code() == Code::kFailedPrecondition &&
      read.status().message().find(appliance::kPaperDigestMismatch) != std::string::npos)
    return Status::FailedPrecondition(kDigestMismatchMsgid);
  QOIMA_ASSIGN_OR_RETURN(appliance::IntakeOutcome outcome, std::move(read));
  IntakeResult r = ComparisonOf(outcome.media, outcome.act_file, outcome.act_text_flags);
  r.intake_id = std::to_string(outcome.intake_id);
  r.application_id = application_id;
  return r;
}

Result<std::string> ApplianceBackend::Accept(const std::string& intake_id) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(int64_t id, ParseId(intake_id, "intake"));
  appliance::DecideRequest req;
  req.accept = true;
  QOIMA_ASSIGN_OR_RETURN(appliance::IntakeOutcome outcome, app->Decide(actor, id, req));
  if (outcome.state != appliance::IntakeState::kAccepted || !outcome.deposit_id)
    return Status::FailedPrecondition("the appliance recorded: " +
                                      std::string(appliance::IntakeStateName(outcome.state)));
  return "A-" + std::to_string(*outcome.deposit_id);  // the acceptance act's number
}

Status ApplianceBackend::Refuse(const std::string& intake_id, RefusalReason reason, const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(int64_t id, ParseId(intake_id, "intake"));
  appliance::DecideRequest req;
  req.accept = false;
  req.reasons = {reason};
  req.reason_text = text;
  QOIMA_ASSIGN_OR_RETURN(appliance::IntakeOutcome outcome, app->Decide(actor, id, req));
  if (outcome.state != appliance::IntakeState::kRefused)
    return Status::FailedPrecondition("the appliance recorded: " +
                                      std::string(appliance::IntakeStateName(outcome.state)));
  return Status::Ok();
}

Result<std::vector<HeldIntakeRow>> ApplianceBackend::ListHeldIntakes() {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(std::vector<appliance::HeldIntake> held, app->ListHeldIntakes(actor));
  std::vector<HeldIntakeRow> out;
  for (const appliance::HeldIntake& h : held) {
    HeldIntakeRow row;
    row.intake_id = std::to_string(h.id);
    row.application_id = h.application;
    row.application_number = h.journal_number ? std::to_string(h.journal_number) : std::string();
    row.software_name = h.software_name;
    row.deposit = std::to_string(h.deposit_id);
    row.read_at = CounterTimeOfUtc(h.created_at).substr(0, 16);
    row.due = CounterTime(h.hold_until_unix);
    row.hold_ran_out = h.hold_ran_out;
    for (const appliance::MediumCheck& m : h.media)
      for (std::size_t k = 0; k < appliance::kDiffKindCount; ++k)
        (k == static_cast<std::size_t>(appliance::DiffKind::kMatched) ? row.files_matched : row.files_with_problems) +=
            m.diff.counts[k];
    row.comparison = ComparisonOf(h.media, h.act_file, h.act_text_flags);
    row.comparison.intake_id = row.intake_id;
    row.comparison.application_id = h.application;
    row.comparison.matched_not_listed = row.files_matched;
    row.comparison.accept_allowed = !h.hold_ran_out;
    out.push_back(std::move(row));
    if (out.size() >= kMaxListedRows) break;
  }
  return out;
}

Status ApplianceBackend::RecordNda(const std::string& application_id, const NdaForm& f) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  appliance::NdaRecord nda;
  nda.owner_representative = f.owner_representative;
  nda.owner_authority = f.owner_authority;
  nda.operator_representative = f.operator_representative;
  nda.signed_date = f.signed_date;
  nda.signed_by_owner = nda.signed_by_operator = f.signed_by_both;
  return app->RecordNda(actor, application_id, nda);
}

Result<std::vector<UserRow>> ApplianceBackend::ListUsers() {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(std::vector<appliance::UserSummary> users, app->ListUsers(actor));
  std::vector<UserRow> out;
  for (const appliance::UserSummary& u : users)
    out.push_back({u.login, u.full_name, u.role, u.disabled, u.locked, u.failed_logins});
  return out;
}

Result<UserChangeResult> ApplianceBackend::CreateUser(const NewUserForm& f) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  appliance::NewUser u{f.login, f.surname, f.given_name, f.patronymic, f.role, f.password};
  return ToKiosk(app->CreateUser(actor, u));
}

Status ApplianceBackend::UnlockUser(const std::string& login) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  return app->Unlock(actor, login);
}

Result<UserChangeResult> ApplianceBackend::SetUserDisabled(const std::string& login, bool disabled) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  return ToKiosk(app->SetDisabled(actor, login, disabled));
}

Result<UserChangeResult> ApplianceBackend::ResetPassword(const std::string& login, const std::string& password) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  return ToKiosk(app->SetPassword(actor, login, password));
}

Result<RecoveryInfo> ApplianceBackend::Recovery() {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(appliance::RecoveryState r, app->GetRecoveryState(actor));
  return RecoveryInfo{r.pcrs, r.threshold, r.shares, r.device_fingerprint, r.previous_keys};
}

Result<std::vector<PendingApproval>> ApplianceBackend::ListPendingApprovals() {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(std::vector<appliance::ApprovalRequest> requests,
                         app->ListApprovals(actor, appliance::ApprovalListFilter::kPending));
  std::vector<PendingApproval> out;
  for (const appliance::ApprovalRequest& r : requests) {
    if (r.state != appliance::ApprovalState::kPending) continue;  // approved ones wait for their requester to run them
    PendingApproval p;
    p.id = std::to_string(r.id);
    p.kind = r.action;
    p.subject = r.detail.empty() ? r.object : r.detail;
    p.requested_by = r.requested_by_name;
    p.requested_at = CounterTime(r.created_at);
    p.reason = r.reason;
    p.expires_at = CounterTime(r.expires_at);
    p.approvals = static_cast<int>(r.approvals.size());
    p.approvals_required = r.policy.approvals_required;
    out.push_back(std::move(p));
  }
  return out;
}

Result<appliance::Actor> ApplianceBackend::ConfirmingOfficer(appliance::Appliance& app, const std::string& login,
                                                             const std::string& password) {
  // The confirming officer logs in on this screen: the appliance checks the
  // password under the lockout policy and audits the login.
  if (login.empty()) return Status::InvalidArgument("second officer login: empty");
  return app.Login(login, password);
}

Status ApplianceBackend::Approve(const std::string& approval_id, const std::string& second_login,
                                 const std::string& second_password) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  (void)actor;  // the session's officer sees the request; the confirming officer decides it
  QOIMA_ASSIGN_OR_RETURN(int64_t id, ParseId(approval_id, "approval"));
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor second, ConfirmingOfficer(*app, second_login, second_password));
  return Decision(app->ApproveRequest(second, id).status());
}

Status ApplianceBackend::Reject(const std::string& approval_id, const std::string& second_login,
                                const std::string& second_password, const std::string& note) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  (void)actor;
  QOIMA_ASSIGN_OR_RETURN(int64_t id, ParseId(approval_id, "approval"));
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor second, ConfirmingOfficer(*app, second_login, second_password));
  return Decision(app->RejectRequest(second, id, note).status());
}

Result<std::vector<ExportRequestRow>> ApplianceBackend::ListExportRequests() {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(std::vector<appliance::ApprovalRequest> requests,
                         app->ListApprovals(actor, appliance::ApprovalListFilter::kAll));
  std::vector<ExportRequestRow> out;
  for (const appliance::ApprovalRequest& r : requests) {
    if (r.action != appliance::SensitiveAction::kExport) continue;
    ExportRequestRow row;
    row.id = std::to_string(r.id);
    row.deposit = DepositNumber(r.object);
    row.requested_by = r.requested_by_name;
    row.requested_at = CounterTime(r.created_at);
    row.reason = r.reason;
    row.state = ToKiosk(r.state);
    for (const appliance::ApprovalVote& v : r.approvals)
      row.approved_by += (row.approved_by.empty() ? "" : ", ") + v.username;
    row.expires_at = CounterTime(r.expires_at);
    row.note = r.note;
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::string> ApplianceBackend::RequestExport(const std::string& deposit, const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  // "A-3" as the acceptance act prints it, or the bare number.
  std::string number = deposit;
  if (number.size() > 2 && (number[0] == 'A' || number[0] == 'a') && number[1] == '-') number = number.substr(2);
  if (!AllDigits(number))
    return Status::InvalidArgument("deposit: '" + deposit + "' is not a deposit number (A-3 or 3)");
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(appliance::ApprovalRequest r,
                         app->RequestApproval(actor, appliance::SensitiveAction::kExport, "deposit:" + number, reason));
  return std::to_string(r.id);
}

Result<ExportResult> ApplianceBackend::RunExport(const std::string& approval_id, const std::string& device,
                                                 const std::function<void(const ExportProgressInfo&)>& progress) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(int64_t id, ParseId(approval_id, "approval"));
  if (device.empty()) return Status::InvalidArgument("export stick: none chosen");
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  appliance::ExportOptions options;
  options.device = device;
  options.progress = [&progress](const exporting::ExportProgress& p) {
    progress({p.bytes_written, p.payload_bytes, p.verifying});
  };
  QOIMA_ASSIGN_OR_RETURN(appliance::ExportOutcome o, app->Export(actor, id, options));
  ExportResult r;
  r.written_to = o.written_to;
  size_t colon = o.written_to.rfind(':');
  r.bundle_name = colon == std::string::npos ? o.written_to : o.written_to.substr(colon + 1);
  r.bundle_bytes = o.bundle_bytes;
  r.bundle_sha256 = o.bundle_sha256;
  r.payload_files = o.payload_files;
  r.sequence = o.sequence;
  r.requested_by = o.requested_by;
  r.approved_by = o.approved_by;
  r.device_fingerprint = o.device_fingerprint;
  return r;
}

Result<PrintResult> ApplianceBackend::Print(DocumentKind kind, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(appliance::PrintedDocument doc,
                         app->RenderDocument(actor, {kind, id}, appliance::PrintOptions{}));
  QOIMA_ASSIGN_OR_RETURN(std::string dir, PrintsDir(options_.state_dir));
  QOIMA_ASSIGN_OR_RETURN(appliance::PrinterSettings settings, app->GetPrinterSettings(actor));
  QOIMA_ASSIGN_OR_RETURN(print::PrintOutcome out,
                         app->PrintDocument(actor, doc, dir + "/" + doc.file_stem + ".pdf", {}));
  PrintResult r;
  r.title = doc.title;
  r.saved_path = out.saved_path;
  r.printed = out.printed.ok();
  r.no_printer = settings.queue.empty();
  r.print_status = out.printed;
  return r;
}

Result<PrinterSetup> ApplianceBackend::GetPrinter() {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(appliance::PrinterSettings settings, app->GetPrinterSettings(actor));
  return PrinterSetup{settings.queue, settings.server, settings.copies};
}

Status ApplianceBackend::SetPrinter(const PrinterSetup& setup) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  return app->SetPrinterSettings(actor, {setup.queue, setup.server, setup.copies});
}

Result<PrintResult> ApplianceBackend::PrintTestPage() {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(std::string dir, PrintsDir(options_.state_dir));
  QOIMA_ASSIGN_OR_RETURN(print::PrintOutcome out, app->PrintTestPage(actor, dir + "/printer-test-page.pdf"));
  PrintResult r;
  r.title = Tr("printer test page");
  r.saved_path = out.saved_path;
  r.printed = out.printed.ok();
  r.print_status = out.printed;
  return r;
}

Result<std::vector<JournalEntry>> ApplianceBackend::Journal() {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  QOIMA_ASSIGN_OR_RETURN(std::vector<storage::AuditEvent> events, app->AuditEntries(actor, 0, kMaxListedRows));
  std::vector<JournalEntry> out;
  out.reserve(events.size());
  for (const storage::AuditEvent& e : events)
    out.push_back(
        {CounterTimeOfUtc(e.time), e.actor, e.role, e.action, e.object, e.outcome == "success" ? "ok" : e.outcome});
  return out;
}

Result<AccessRegisterView> ApplianceBackend::AccessRegister(const std::string& deposit) {
  std::lock_guard<std::mutex> lock(mu_);
  QOIMA_ASSIGN_OR_RETURN(appliance::Actor actor, CurrentActor());
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<appliance::Appliance> app, OpenForAction());
  // The same call as `qoima access-register`: roles, audit and the log's verification are the appliance's.
  QOIMA_ASSIGN_OR_RETURN(appliance::AccessRegister reg, app->GetAccessRegister(actor, deposit));
  AccessRegisterView v;
  v.deposit_id = reg.deposit_id;
  v.act_number = reg.act_number;
  v.object_name = reg.object_name;
  v.portal_code = reg.portal_code;
  v.version_no = reg.version_no;
  v.destroyed = reg.state == "destroyed";
  v.audit_entries = reg.audit_entries;
  v.rows.reserve(reg.entries.size());
  for (appliance::AccessEntry& e : reg.entries) {
    // A document by its number, as on the printed register ("act:A-3" -> "A-3").
    if (e.kind == AccessKind::kPrint && e.item.find(':') != std::string::npos) e.item.erase(0, e.item.find(':') + 1);
    v.rows.push_back({std::move(e.time), std::move(e.login), std::move(e.full_name), std::move(e.position),
                      std::move(e.role), e.kind, std::move(e.action), std::move(e.item)});
  }
  return v;
}

AuditVerification ApplianceBackend::VerifyAudit() {
  std::lock_guard<std::mutex> lock(mu_);
  AuditVerification v;
  auto actor = CurrentActor();
  if (!actor.ok()) {
    v.status = actor.status();
    return v;
  }
  auto app = OpenForAction();
  if (!app.ok()) {
    v.status = app.status();
    return v;
  }
  auto report = (*app)->VerifyAudit(*actor);
  if (!report.ok()) {
    v.status = report.status();
    return v;
  }
  v.leaves = report->entries;
  v.status = report->ok() ? Status::Ok() : Status::Corrupt(report->problem);
  v.checkpoint = std::to_string(report->checkpoints) + " signed checkpoint(s)";
  for (const std::string& n : report->notes) v.checkpoint += "; " + n;
  return v;
}

}  // namespace qoima::kiosk

// ApplianceBackend: the kiosk's Backend over the real appliance/ library
// (appliance::Appliance). The only file of kiosk/ that includes appliance/
// headers; it translates between the facade's plain types and the
// appliance's, and holds the logged-in Actor. Every rule (permissions,
// lockout, validation, what may be accepted or refused) stays in appliance/.
//
// The Appliance is opened for each action and closed when it is done
// (OpenForAction): a kiosk waiting at its login screen, or a person reading
// a screen, holds neither the store nor the TPM, so the `qoima` command runs
// beside it. While an action runs (a login, a list, a media read) a qoima
// command is refused with "in use by another process"; an action that finds
// a qoima command running waits `lock_wait_ms` for it, then says the store is
// busy (kStoreBusyMsgid). Between actions only the logged-in Actor is kept.
// Media detection is appliance::MediaWatch (udev through hardware's
// DeviceMonitor), polled on the UI thread. The read is an intake with a hold:
// the content is sealed while it is read once, and Accept / Refuse are
// decisions on that recorded intake (Appliance::Decide), never a second read.
// Two-person approvals: the confirming officer logs in on the approval
// screen itself (Appliance::Login) and the decision is theirs. An export is
// requested, and run once approved, by the officer logged in at the kiosk
// (Appliance::RequestApproval, Appliance::Export onto the export stick).
//
// Thread-safety: every call takes one mutex (the Appliance is single-
// threaded); RunIntake runs on the kiosk's worker thread while the UI thread
// only calls QueryDevice, which never waits for the appliance.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kiosk/backend.h"

namespace qoima::appliance {
class Appliance;
class MediaWatch;
struct Actor;
struct DetectedMedium;
}  // namespace qoima::appliance

namespace qoima::kiosk {

struct ApplianceBackendOptions {
  std::string tcti;       // QOIMA_TCTI
  std::string state_dir;  // QOIMA_STATE
  /// Open the appliance in the background at construction (false: on the
  /// first call that needs it; the benchmark mode makes none).
  bool open_at_start = true;
  /// Set when the store's partition is not there (the image's data partition
  /// did not unlock): the appliance is never opened, every call that needs it
  /// fails with this as the reason, and the status line shows TPM and store at
  /// fault (the partition's only key is the TPM's, sealed to the boot).
  std::string store_unavailable;
  /// How long an action waits for another process (a qoima command) to
  /// close the appliance before it says the store is busy.
  int lock_wait_ms = 3000;
};

class ApplianceBackend : public Backend {
 public:
  explicit ApplianceBackend(ApplianceBackendOptions options);
  ~ApplianceBackend() override;
  ApplianceBackend(const ApplianceBackend&) = delete;
  ApplianceBackend& operator=(const ApplianceBackend&) = delete;

  LoginOutcome Login(const std::string& login, const std::string& password) override;
  LockoutRule Lockout() const override;
  void Logout() override;
  DeviceState QueryDevice() override;

  Result<std::vector<ApplicationSummary>> ListApplications() override;
  Result<std::string> RegisterApplication(const ApplicationForm& form) override;
  Result<std::vector<MediaInfo>> ListMedia() override;
  int MediaEventFd() override;
  bool UpdateMedia() override;
  std::string MediaDetectionProblem() override;
  bool TypedDevicesAllowed() override;
  Result<std::vector<ActCandidateInfo>> ListActCandidates(const std::string& device) override;
  Result<IntakeResult> RunIntake(const std::string& application_id, const MediaInfo& media, const ActChoice& act,
                                 std::optional<bool> in_register,
                                 const std::function<void(const IntakeProgress&)>& progress,
                                 const std::atomic<bool>& cancel) override;
  Result<std::string> Accept(const std::string& intake_id) override;
  Status Refuse(const std::string& intake_id, RefusalReason reason, const std::string& text) override;
  Result<std::vector<HeldIntakeRow>> ListHeldIntakes() override;
  Status RecordNda(const std::string& application_id, const NdaForm& nda) override;

  Result<std::vector<PendingApproval>> ListPendingApprovals() override;
  Status Approve(const std::string& approval_id, const std::string& second_login,
                 const std::string& second_password) override;
  Status Reject(const std::string& approval_id, const std::string& second_login, const std::string& second_password,
                const std::string& note) override;

  Result<std::vector<ExportRequestRow>> ListExportRequests() override;
  Result<std::string> RequestExport(const std::string& deposit, const std::string& reason) override;
  Result<ExportResult> RunExport(const std::string& approval_id, const std::string& device,
                                 const std::function<void(const ExportProgressInfo&)>& progress) override;

  Result<std::vector<UserRow>> ListUsers() override;
  Result<UserChangeResult> CreateUser(const NewUserForm& user) override;
  Status UnlockUser(const std::string& login) override;
  Result<UserChangeResult> SetUserDisabled(const std::string& login, bool disabled) override;
  Result<UserChangeResult> ResetPassword(const std::string& login, const std::string& password) override;
  Result<RecoveryInfo> Recovery() override;
  Result<PrintResult> Print(DocumentKind kind, const std::string& id) override;
  Result<PrinterSetup> GetPrinter() override;
  Status SetPrinter(const PrinterSetup& setup) override;
  Result<PrintResult> PrintTestPage() override;

  Result<std::vector<JournalEntry>> Journal() override;
  Result<AccessRegisterView> AccessRegister(const std::string& deposit) override;
  AuditVerification VerifyAudit() override;

 private:
  /// Opens the appliance for one action: it is closed (the store and the
  /// TPM released for the CLI) when the returned pointer goes. Updates the
  /// status line's device state (or, given `state`, only `*state`).
  /// REQUIRES mu_ held.
  Result<std::unique_ptr<appliance::Appliance>> OpenForAction(DeviceState* state = nullptr);
  /// The logged-in actor or PermissionDenied; REQUIRES mu_ held.
  Result<appliance::Actor> CurrentActor() const;
  /// Logs in the officer who confirms a two-person request; REQUIRES mu_ held.
  Result<appliance::Actor> ConfirmingOfficer(appliance::Appliance& app, const std::string& login,
                                             const std::string& password);

  ApplianceBackendOptions options_;
  std::mutex mu_;
  std::unique_ptr<appliance::Actor> actor_;  // the logged-in person, kept between actions

  // Media detection: UI thread only (libudev is single-threaded).
  void EnsureMediaWatch();
  std::unique_ptr<appliance::MediaWatch> media_watch_;
  bool media_watch_tried_ = false;
  /// Refused devices not yet in the audit log: recorded when the appliance is
  /// free (never waiting for a running intake: the UI thread must not block).
  void RecordRefusedMedia();
  std::vector<std::unique_ptr<appliance::DetectedMedium>> unrecorded_refusals_;
  std::string media_problem_;

  std::mutex device_mu_;
  DeviceState device_;
  std::thread opener_;  // last: started after every member above exists
};

}  // namespace qoima::kiosk

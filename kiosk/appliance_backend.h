// ApplianceBackend: the kiosk's Backend over the real appliance/ library.
// The only file of kiosk/ that includes appliance/ headers.
//
// Device state comes from appliance::RunSelfTest (TPM, encrypted store,
// reader backends), run on a background thread at start and every
// `device_refresh` so the UI never waits on the TPM; QueryDevice returns the
// latest result. Calls that appliance/ does not offer yet in this build
// answer kFailedPrecondition naming what is missing, which the screens show
// as a translated explanation; they are never faked.
//
// Thread-safety: QueryDevice may be called from any thread; the rest from
// the UI thread, RunIntake from one worker thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "kiosk/backend.h"

namespace qoima::kiosk {

struct ApplianceBackendOptions {
  std::string tcti;       // QOIMA_TCTI
  std::string state_dir;  // QOIMA_STATE
  std::chrono::seconds device_refresh{60};
};

class ApplianceBackend : public Backend {
 public:
  explicit ApplianceBackend(ApplianceBackendOptions options);
  ~ApplianceBackend() override;
  ApplianceBackend(const ApplianceBackend&) = delete;
  ApplianceBackend& operator=(const ApplianceBackend&) = delete;

  LoginOutcome Login(const std::string& login, const std::string& password) override;
  void Logout() override;
  DeviceState QueryDevice() override;

  Result<std::vector<ApplicationSummary>> ListApplications() override;
  Result<std::string> RegisterApplication(const ApplicationForm& form) override;
  Result<std::vector<MediaInfo>> ListMedia() override;
  Result<IntakeResult> RunIntake(const std::string& application_id, const MediaInfo& media,
                                 const std::function<void(const IntakeProgress&)>& progress,
                                 const std::atomic<bool>& cancel) override;
  Status Accept(const std::string& intake_id, bool nda_confirmed) override;
  Status Refuse(const std::string& intake_id, RefusalReason reason, const std::string& text) override;

  Result<std::vector<PendingApproval>> ListPendingApprovals() override;
  Status Approve(const std::string& approval_id, const std::string& second_login,
                 const std::string& second_password) override;

  Result<std::vector<JournalEntry>> Journal() override;
  AuditVerification VerifyAudit() override;

 private:
  void MonitorLoop();

  ApplianceBackendOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  DeviceState device_;
  std::thread monitor_;
};

}  // namespace qoima::kiosk

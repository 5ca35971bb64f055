#include "kiosk/appliance_backend.h"

#include "appliance/selftest.h"

namespace qoima::kiosk {
namespace {

// appliance/ in this build offers the self-test only; users, applications,
// intake, decisions, approvals and the journal arrive with the appliance
// branch. Until then each call says so instead of pretending.
Status Missing(const char* what) {
  return Status::FailedPrecondition(std::string(what) + " is not provided by appliance/ in this build");
}

}  // namespace

ApplianceBackend::ApplianceBackend(ApplianceBackendOptions options) : options_(std::move(options)) {
  device_.detail = "checking";
  monitor_ = std::thread([this] { MonitorLoop(); });
}

ApplianceBackend::~ApplianceBackend() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  monitor_.join();
}

void ApplianceBackend::MonitorLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    appliance::SelfTestOptions opt{options_.tcti, options_.state_dir};
    DeviceState d;
    d.checked = true;
    d.tpm_ok = true;
    d.store_ok = true;
    for (const auto& c : appliance::RunSelfTest(opt)) {
      if (c.status.ok()) continue;
      if (c.name == "tpm") d.tpm_ok = false;
      if (c.name == "store") d.store_ok = false;
      if (d.detail.empty()) d.detail = c.name + ": " + c.status.ToString();
    }
    lock.lock();
    device_ = d;
    cv_.wait_for(lock, options_.device_refresh, [this] { return stop_; });
  }
}

DeviceState ApplianceBackend::QueryDevice() {
  std::lock_guard<std::mutex> lock(mu_);
  return device_;
}

LoginOutcome ApplianceBackend::Login(const std::string& login, const std::string& password) {
  (void)login;
  (void)password;
  LoginOutcome out;
  out.status = Missing("user login");
  return out;
}

void ApplianceBackend::Logout() {}

Result<std::vector<ApplicationSummary>> ApplianceBackend::ListApplications() {
  return Missing("the journal of applications");
}

Result<std::string> ApplianceBackend::RegisterApplication(const ApplicationForm& form) {
  (void)form;
  return Missing("application registration");
}

Result<std::vector<MediaInfo>> ApplianceBackend::ListMedia() { return Missing("media detection"); }

Result<IntakeResult> ApplianceBackend::RunIntake(const std::string& application_id, const MediaInfo& media,
                                                 const std::function<void(const IntakeProgress&)>& progress,
                                                 const std::atomic<bool>& cancel) {
  (void)application_id;
  (void)media;
  (void)progress;
  (void)cancel;
  return Missing("intake");
}

Status ApplianceBackend::Accept(const std::string& intake_id, bool nda_confirmed) {
  (void)intake_id;
  (void)nda_confirmed;
  return Missing("acceptance");
}

Status ApplianceBackend::Refuse(const std::string& intake_id, RefusalReason reason, const std::string& text) {
  (void)intake_id;
  (void)reason;
  (void)text;
  return Missing("refusal");
}

Result<std::vector<PendingApproval>> ApplianceBackend::ListPendingApprovals() { return Missing("approvals"); }

Status ApplianceBackend::Approve(const std::string& approval_id, const std::string& second_login,
                                 const std::string& second_password) {
  (void)approval_id;
  (void)second_login;
  (void)second_password;
  return Missing("two-person approval");
}

Result<std::vector<JournalEntry>> ApplianceBackend::Journal() { return Missing("the journal"); }

AuditVerification ApplianceBackend::VerifyAudit() {
  AuditVerification v;
  v.status = Missing("audit log verification");
  return v;
}

}  // namespace qoima::kiosk

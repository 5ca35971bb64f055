// FakeBackend: a scripted Backend for unit tests of the kiosk's screen logic
// only (what a screen shows for an answer, which call a key makes). The
// e2e tests use the real ApplianceBackend.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kiosk/backend.h"

namespace qoima::testing {

class FakeBackend : public kiosk::Backend {
 public:
  // Scripted answers.
  std::vector<kiosk::LoginOutcome> login_outcomes;  // consumed front to back; last one repeats
  std::vector<kiosk::ApplicationSummary> applications;
  std::vector<kiosk::MediaInfo> media;
  kiosk::IntakeResult intake;
  std::vector<kiosk::HeldIntakeRow> held_intakes;
  Status accept_status;
  Status refuse_status;
  std::vector<kiosk::PendingApproval> approvals;
  Status approve_status;
  std::vector<kiosk::JournalEntry> journal;
  Status nda_status;
  Status print_status;
  kiosk::PrintResult print_result;
  kiosk::PrinterSetup printer;
  std::vector<kiosk::UserRow> users;
  Status user_status;
  kiosk::UserChangeResult user_change{true, "", ""};  // what a change to an account came to
  kiosk::RecoveryInfo recovery;
  std::vector<kiosk::ExportRequestRow> exports;
  Status export_status;
  kiosk::ExportResult export_result;
  kiosk::AccessRegisterView access_register;
  Status access_register_status;

  // What the screens asked for.
  std::vector<std::string> calls;
  std::string last_password;
  kiosk::RefusalReason last_reason = kiosk::RefusalReason::kNotInRegister;
  std::string last_refusal_text;
  std::string last_second_login;
  std::string last_second_password;
  kiosk::ApplicationForm last_form;
  kiosk::NdaForm last_nda_form;
  std::string last_note;
  std::optional<bool> last_in_register;
  bool typed_devices = true;  // the screens tests type device paths, as QOIMA_TEST_MEDIA=1 allows
  std::vector<kiosk::ActCandidateInfo> act_candidates = {{"act.json", "act.json", 120, 1741755600, "json", ""}};
  kiosk::ActChoice last_act;
  Status intake_status;
  Status candidates_status;  // ListActCandidates' error, when set

  kiosk::LoginOutcome Login(const std::string& login, const std::string& password) override {
    calls.push_back("Login " + login);
    last_password = password;
    if (login_outcomes.empty()) return {Status::AuthFailed("no script"), {}};
    kiosk::LoginOutcome o = login_outcomes.front();
    if (login_outcomes.size() > 1) login_outcomes.erase(login_outcomes.begin());
    return o;
  }
  void Logout() override { calls.push_back("Logout"); }
  kiosk::DeviceState QueryDevice() override { return {true, true, true, "", ""}; }
  Result<std::vector<kiosk::ApplicationSummary>> ListApplications() override { return applications; }
  Result<std::string> RegisterApplication(const kiosk::ApplicationForm& form) override {
    calls.push_back("RegisterApplication");
    last_form = form;
    return std::string("7");
  }
  Result<std::vector<kiosk::MediaInfo>> ListMedia() override { return media; }
  bool TypedDevicesAllowed() override { return typed_devices; }
  Result<std::vector<kiosk::ActCandidateInfo>> ListActCandidates(const std::string& device) override {
    calls.push_back("ListActCandidates " + device);
    if (!candidates_status.ok()) return candidates_status;
    return act_candidates;
  }
  Result<kiosk::IntakeResult> RunIntake(const std::string& application_id, const kiosk::MediaInfo& m,
                                        const kiosk::ActChoice& act, std::optional<bool> in_register,
                                        const std::function<void(const kiosk::IntakeProgress&)>& progress,
                                        const std::atomic<bool>& cancel) override {
    (void)cancel;
    last_in_register = in_register;
    last_act = act;
    calls.push_back("RunIntake " + application_id + " " + m.device + " " + act.device + ":" + act.raw_path);
    if (!intake_status.ok()) return intake_status;
    progress({1, 2, 100, 200, "a"});
    return intake;
  }
  Result<std::string> Accept(const std::string& intake_id) override {
    calls.push_back("Accept " + intake_id);
    if (!accept_status.ok()) return accept_status;
    return std::string("A-17");
  }
  Status Refuse(const std::string& intake_id, kiosk::RefusalReason reason, const std::string& text) override {
    calls.push_back("Refuse " + intake_id);
    last_reason = reason;
    last_refusal_text = text;
    return refuse_status;
  }
  Result<std::vector<kiosk::HeldIntakeRow>> ListHeldIntakes() override {
    calls.push_back("ListHeldIntakes");
    return held_intakes;
  }
  Result<std::vector<kiosk::PendingApproval>> ListPendingApprovals() override { return approvals; }
  Status Approve(const std::string& approval_id, const std::string& second_login,
                 const std::string& second_password) override {
    calls.push_back("Approve " + approval_id);
    last_second_login = second_login;
    last_second_password = second_password;
    return approve_status;
  }
  Result<std::vector<kiosk::ExportRequestRow>> ListExportRequests() override { return exports; }
  Result<std::string> RequestExport(const std::string& deposit, const std::string& reason) override {
    calls.push_back("RequestExport " + deposit + " " + reason);
    if (!export_status.ok()) return export_status;
    return std::string("7");
  }
  Result<kiosk::ExportResult> RunExport(
      const std::string& approval_id, const std::string& device,
      const std::function<void(const kiosk::ExportProgressInfo&)>& progress) override {
    calls.push_back("RunExport " + approval_id + " " + device);
    progress({100, 200, false});
    if (!export_status.ok()) return export_status;
    return export_result;
  }
  Status RecordNda(const std::string& application_id, const kiosk::NdaForm& nda) override {
    calls.push_back("RecordNda " + application_id);
    last_nda_form = nda;
    return nda_status;
  }
  Result<std::vector<kiosk::UserRow>> ListUsers() override { return users; }
  Result<kiosk::UserChangeResult> CreateUser(const kiosk::NewUserForm& user) override {
    calls.push_back("CreateUser " + user.login);
    if (!user_status.ok()) return user_status;
    return user_change;
  }
  Status UnlockUser(const std::string& login) override {
    calls.push_back("UnlockUser " + login);
    return user_status;
  }
  Result<kiosk::UserChangeResult> SetUserDisabled(const std::string& login, bool disabled) override {
    calls.push_back(std::string(disabled ? "Disable " : "Enable ") + login);
    if (!user_status.ok()) return user_status;
    return user_change;
  }
  Result<kiosk::UserChangeResult> ResetPassword(const std::string& login, const std::string& password) override {
    calls.push_back("ResetPassword " + login);
    last_password = password;
    if (!user_status.ok()) return user_status;
    return user_change;
  }
  Result<kiosk::RecoveryInfo> Recovery() override { return recovery; }
  Result<kiosk::PrintResult> Print(kiosk::DocumentKind kind, const std::string& id) override {
    calls.push_back("Print " + std::to_string(static_cast<int>(kind)) + " " + id);
    if (!print_status.ok()) return print_status;
    return print_result;
  }
  Result<kiosk::PrinterSetup> GetPrinter() override { return printer; }
  Status SetPrinter(const kiosk::PrinterSetup& setup) override {
    calls.push_back("SetPrinter " + setup.queue);
    if (print_status.ok()) printer = setup;
    return print_status;
  }
  Result<kiosk::PrintResult> PrintTestPage() override {
    calls.push_back("PrintTestPage");
    if (!print_status.ok()) return print_status;
    return print_result;
  }
  Status Reject(const std::string& approval_id, const std::string& second_login, const std::string& second_password,
                const std::string& note) override {
    calls.push_back("Reject " + approval_id);
    last_second_login = second_login;
    last_second_password = second_password;
    last_note = note;
    return approve_status;
  }
  Result<std::vector<kiosk::JournalEntry>> Journal() override { return journal; }
  Result<kiosk::AccessRegisterView> AccessRegister(const std::string& deposit) override {
    calls.push_back("AccessRegister " + deposit);
    if (!access_register_status.ok()) return access_register_status;
    return access_register;
  }
  kiosk::AuditVerification VerifyAudit() override { return {Status::Ok(), 3, "abcd", "checkpoint 3"}; }
};

}  // namespace qoima::testing

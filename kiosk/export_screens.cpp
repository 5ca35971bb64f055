#include "kiosk/export_screens.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "kiosk/confirm_prompt.h"
#include "kiosk/draw.h"
#include "kiosk/form_widget.h"
#include "kiosk/i18n.h"
#include "kiosk/list_widget.h"
#include "kiosk/media_picker.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"

namespace qoima::kiosk {

const char* ExportStateLabel(ExportState state) {
  switch (state) {
    case ExportState::kPending: return Tr("waiting for approval");
    case ExportState::kApproved: return Tr("approved");
    case ExportState::kRejected: return Tr("rejected");
    case ExportState::kExpired: return Tr("expired");
    case ExportState::kExecuted: return Tr("written");
    case ExportState::kCancelled: return Tr("withdrawn");
  }
  return Tr("waiting for approval");
}

namespace {

// ---------------------------------------------------------------- list

class ExportsScreen : public Screen {
 public:
  explicit ExportsScreen(AppContext& app)
      : app_(app),
        list_(
            {{N_("No."), 4, 0},
             {N_("Deposit"), 7, 0},
             {N_("State"), 20, 0, [this](std::size_t tag) { return std::string(ExportStateLabel(rows_[tag].state)); }},
             {N_("Requested by"), 10, 1},
             {N_("Approved by"), 10, 1},
             {N_("Requested at"), 16, 0}}) {
    Reload();
  }

  std::string Title() const override { return Tr("Exports"); }
  std::vector<HelpEntry> Help() const override {
    return {{"Enter", N_("Write to a stick")}, {"F7", N_("New request")}, {"F5", N_("Refresh")}, {"Esc", N_("Back")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    DrawText(win, top, 0, width, Format(Tr("Export requests: %zu."), list_.total()), A_BOLD);
    int y = top + 1;
    for (const std::string& line :
         WrapText(Tr("A second security officer approves a request; then Enter writes its bundle to an export stick."),
                  width, 2))
      DrawText(win, y++, 0, width, line);
    std::string reason;
    if (const ListWidget::Item* it = list_.selected()) {
      const ExportRequestRow& r = rows_[it->tag];
      reason = std::string(Tr("Reason:")) + " " + r.reason;
      if (!r.note.empty()) reason += "  (" + r.note + ")";
    }
    DrawText(win, top + 3, 0, width, reason, A_DIM);
    list_.Draw(win, top + 5, 0, height - 5, width);
  }

  void OnReturn() override { Reload(); }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_F(7))) {
      app_.Push(MakeExportRequestScreen(app_));
      return;
    }
    if (key.Is(KEY_F(5))) {
      Reload();
      return;
    }
    if (IsEnter(key)) {
      const ListWidget::Item* it = list_.selected();
      if (!it) return;
      const ExportRequestRow& r = rows_[it->tag];
      switch (r.state) {
        case ExportState::kApproved: app_.Push(MakeExportRunScreen(app_, r)); return;
        case ExportState::kPending:
          app_.ShowInfoMsgid(N_("This request waits for a second security officer's approval (approvals screen)."));
          return;
        case ExportState::kExecuted:
          app_.ShowInfoMsgid(N_("This export was written already: a request is carried out once."));
          return;
        default: app_.ShowInfoMsgid(N_("This request can no longer be carried out: make a new request.")); return;
      }
    }
    if (key.function) list_.HandleKey(static_cast<int>(key.code));
  }

 private:
  void Reload() {
    auto r = app_.backend().ListExportRequests();
    if (!r.ok()) {
      app_.ShowError(r.status());
      return;
    }
    rows_ = std::move(*r);
    std::vector<ListWidget::Item> items;
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      const ExportRequestRow& x = rows_[i];
      // The state's cell is rendered at draw time; what is stored is searched.
      items.push_back({{Widen(x.id), Widen(x.deposit), Widen(ExportStateLabel(x.state)), Widen(x.requested_by),
                        Widen(x.approved_by), Widen(x.requested_at)},
                       false,
                       i});
    }
    list_.SetItems(std::move(items));
  }

  AppContext& app_;
  ListWidget list_;
  std::vector<ExportRequestRow> rows_;
};

// ---------------------------------------------------------------- request

class ExportRequestScreen : public Screen {
 public:
  explicit ExportRequestScreen(AppContext& app)
      : app_(app), form_({{N_("Deposit (e.g. A-3):"), false, 32, {}}, {N_("Reason:"), false, 400, {}}}) {}

  std::string Title() const override { return Tr("New export request"); }
  std::vector<HelpEntry> Help() const override { return {{"F7", N_("Request")}, {"Esc", N_("Back")}}; }

  void Draw(WINDOW* win, int top, int height, int width) override {
    (void)height;
    int y = top;
    for (const std::string& line :
         WrapText(Tr("The deposit leaves the appliance only as a signed bundle, after a second security officer "
                     "approves this request. The reason is shown to the approver and written into the bundle."),
                  width - 2, 3))
      DrawText(win, y++, 1, width - 2, line);
    form_.Draw(win, y + 1, 1, width - 2, 24);
  }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_F(7)) || (IsEnter(key) && form_.last_focused())) {
      auto id = app_.backend().RequestExport(form_.Value(0), form_.Value(1));
      if (!id.ok()) {
        app_.ShowError(id.status());
        return;
      }
      app_.Pop();
      app_.ShowInfo(
          Format(Tr("Export request %s recorded. A second security officer approves it on the approvals screen."),
                 id->c_str()));
      return;
    }
    form_.HandleKeyEnterAdvances(key);
  }

 private:
  AppContext& app_;
  FormWidget form_;
};

// ---------------------------------------------------------------- run

class ExportRunScreen : public Screen {
 public:
  ExportRunScreen(AppContext& app, ExportRequestRow request)
      : app_(app),
        request_(std::move(request)),
        picker_(app, {N_("Export stick:"), N_("A loop device is not detected: type its path."),
                      N_("Media detected (PgUp/PgDn chooses, F7 writes):"), MediaPicker::Use::kWrite}) {}

  ~ExportRunScreen() override {
    if (worker_.joinable()) worker_.join();
  }

  std::string Title() const override { return Tr("Write the export bundle"); }
  std::vector<HelpEntry> Help() const override {
    if (phase_ == Phase::kRunning) return {};
    if (phase_ == Phase::kDone) return {{"Esc", N_("Back")}};
    return {{"F7", N_("Write")}, {"PgUp/PgDn", N_("Choose the stick")}, {"Esc", N_("Back")}};
  }
  bool Busy() const override { return phase_ == Phase::kRunning; }
  const char* BusyMsgid() const override { return N_("Wait until the bundle is written and checked."); }
  bool Asking() const override { return phase_ == Phase::kConfirm; }

  void Draw(WINDOW* win, int top, int height, int width) override {
    DrawText(win, top, 1, width - 2,
             Format(Tr("Export %s of deposit %s: requested by %s, approved by %s"), request_.id.c_str(),
                    request_.deposit.c_str(), request_.requested_by.c_str(), request_.approved_by.c_str()),
             A_BOLD);
    switch (phase_) {
      case Phase::kChoose:
      case Phase::kConfirm: DrawChoose(win, top + 2, height - 2, width); break;
      case Phase::kRunning: DrawRunning(win, top + 2, width); break;
      case Phase::kDone: DrawDone(win, top + 2, width); break;
    }
  }

  void HandleKey(const Key& key) override {
    if (phase_ == Phase::kRunning || phase_ == Phase::kDone) return;
    if (phase_ == Phase::kConfirm) {
      switch (AnswerOf(key, KEY_F(7))) {
        case ConfirmAnswer::kYes: Start(); break;
        case ConfirmAnswer::kNo:
          phase_ = Phase::kChoose;
          app_.ShowInfoMsgid(N_("Not written: nothing on the stick was changed."));
          break;
        case ConfirmAnswer::kNone:
          app_.ShowInfoMsgid(N_("Answer the question above: F7 or y/д/и = yes, Esc or n/н = no."));
          break;
      }
      return;
    }
    if (key.Is(KEY_F(7)) || IsEnter(key)) {
      // Chosen from what the device monitor sees; typed only where the
      // test environment allows loop devices.
      MediaInfo m = picker_.Chosen();
      if (m.device.empty()) {
        app_.ShowInfoMsgid(N_("Insert the export stick first."));
        return;
      }
      if (!picker_.Usable(m)) return;
      device_ = m.device;
      phase_ = Phase::kConfirm;
      return;
    }
    picker_.HandleKey(key);
  }

  void Tick() override {
    if (phase_ == Phase::kChoose) picker_.Refresh();
    if (phase_ != Phase::kRunning) return;
    std::optional<Result<ExportResult>> done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!result_) return;
      done.swap(result_);
    }
    if (worker_.joinable()) worker_.join();
    if (!done->ok()) {
      phase_ = Phase::kChoose;
      app_.ShowError(done->status());
      return;
    }
    outcome_ = std::move(**done);
    phase_ = Phase::kDone;
    app_.ShowInfo(Format(Tr("Bundle written to %s and checked."), device_.c_str()));
  }

 private:
  enum class Phase { kChoose, kConfirm, kRunning, kDone };

  void DrawChoose(WINDOW* win, int top, int height, int width) {
    int y = top;
    DrawText(win, y++, 1, width - 2, Tr("Insert the export stick."), A_BOLD);
    for (const std::string& line :
         WrapText(Tr("The whole stick is erased and formatted: the signed bundle is its only file."), width - 2, 2))
      DrawText(win, y++, 1, width - 2, line);
    y = picker_.DrawHint(win, y, width);
    picker_.DrawField(win, ++y, width, 20);
    y += 2;
    if (phase_ == Phase::kConfirm) {
      for (const std::string& line :
           WrapText(Format(Tr("Erase everything on %s and write the bundle?"), device_.c_str()), width - 2, 3))
        DrawText(win, y++, 1, width - 2, line, COLOR_PAIR(kPairError) | A_BOLD);
      DrawText(win, y++, 1, width - 2, ConfirmKeys("F7"), COLOR_PAIR(kPairError) | A_BOLD);
      return;
    }
    picker_.DrawList(win, y, top + height, width);
  }

  void DrawRunning(WINDOW* win, int top, int width) {
    ExportProgressInfo p;
    {
      std::lock_guard<std::mutex> lock(mu_);
      p = progress_;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    double rate = secs > 0.1 ? static_cast<double>(p.bytes_written) / secs : 0.0;
    DrawText(win, top, 1, width - 2, Format(Tr("Writing the bundle to %s"), device_.c_str()), A_BOLD);
    DrawText(win, top + 2, 3, width - 6,
             Format(Tr("Written: %s of about %s"), FormatBytes(p.bytes_written).c_str(),
                    FormatBytes(p.payload_bytes).c_str()));
    DrawText(win, top + 3, 3, width - 6,
             Format(Tr("Rate: %s/s"), FormatBytes(static_cast<std::uint64_t>(rate)).c_str()));
    double frac = p.payload_bytes ? static_cast<double>(p.bytes_written) / static_cast<double>(p.payload_bytes) : 0.0;
    DrawText(win, top + 4, 3, width - 6, Format(Tr("Time left: %s"), TimeLeft(frac, secs).c_str()));
    DrawText(win, top + 6, 3, width - 6, ProgressBar(frac, width - 6), COLOR_PAIR(kPairOk));
    DrawText(win, top + 8, 3, width - 6,
             p.verifying ? Tr("Reading the bundle back from the stick and checking it...")
                         : Tr("Writing and signing the bundle..."),
             A_BOLD);
    DrawText(win, top + 9, 3, width - 6,
             Format(Tr("Elapsed: %s"), FormatDuration(static_cast<std::uint64_t>(secs)).c_str()));
  }

  void DrawDone(WINDOW* win, int top, int width) {
    const ExportResult& r = outcome_;
    int y = top;
    DrawText(win, y++, 1, width - 2, Tr("The bundle is written, read back and verified."),
             COLOR_PAIR(kPairOk) | A_BOLD);
    ++y;
    DrawText(
        win, y++, 3, width - 6,
        Format(Tr("File: %s (%s) on %s"), r.bundle_name.c_str(), FormatBytes(r.bundle_bytes).c_str(), device_.c_str()));
    DrawText(win, y++, 3, width - 6,
             Format(TrN("%llu file of the deposit", "%llu files of the deposit", r.payload_files),
                    static_cast<unsigned long long>(r.payload_files)));
    DrawText(win, y++, 3, width - 6,
             Format(Tr("Export sequence number: %llu"), static_cast<unsigned long long>(r.sequence)));
    DrawText(win, y++, 3, width - 6, std::string(Tr("Bundle SHA-256:")));
    DrawText(win, y++, 5, width - 8, r.bundle_sha256);
    DrawText(win, y++, 3, width - 6,
             Format(Tr("Requested by %s, approved by %s."), r.requested_by.c_str(), r.approved_by.c_str()));
    DrawText(win, y++, 3, width - 6, std::string(Tr("Signed by the device key:")) + " " + r.device_fingerprint);
    ++y;
    for (const std::string& line :
         WrapText(Tr("Remove the stick. The recipient checks the bundle with qoima verify-bundle and the "
                     "appliance's certificate, or with sha256sum and openssl."),
                  width - 2, 3))
      DrawText(win, y++, 1, width - 2, line, A_DIM);
  }

  void Start() {
    phase_ = Phase::kRunning;
    started_ = std::chrono::steady_clock::now();
    worker_ = std::thread([this] {
      auto r = app_.backend().RunExport(request_.id, device_, [this](const ExportProgressInfo& p) {
        std::lock_guard<std::mutex> lock(mu_);
        progress_ = p;
      });
      std::lock_guard<std::mutex> lock(mu_);
      result_.emplace(std::move(r));
    });
  }

  AppContext& app_;
  ExportRequestRow request_;
  MediaPicker picker_;
  std::string device_;
  Phase phase_ = Phase::kChoose;
  std::chrono::steady_clock::time_point started_;
  mutable std::mutex mu_;
  ExportProgressInfo progress_;
  std::optional<Result<ExportResult>> result_;
  std::thread worker_;
  ExportResult outcome_;
};

}  // namespace

std::unique_ptr<Screen> MakeExportsScreen(AppContext& app) { return std::make_unique<ExportsScreen>(app); }
std::unique_ptr<Screen> MakeExportRequestScreen(AppContext& app) { return std::make_unique<ExportRequestScreen>(app); }
std::unique_ptr<Screen> MakeExportRunScreen(AppContext& app, ExportRequestRow request) {
  return std::make_unique<ExportRunScreen>(app, std::move(request));
}

}  // namespace qoima::kiosk

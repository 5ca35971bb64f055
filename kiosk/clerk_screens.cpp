#include "kiosk/clerk_screens.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "kiosk/confirm_prompt.h"
#include "kiosk/domain_labels.h"
#include "kiosk/draw.h"
#include "kiosk/form_widget.h"
#include "kiosk/i18n.h"
#include "kiosk/list_widget.h"
#include "kiosk/local_time.h"
#include "kiosk/media_picker.h"
#include "kiosk/print_screens.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"

namespace qoima::kiosk {
namespace {

// ---------------------------------------------------------------- home

class ClerkHome : public Screen {
 public:
  explicit ClerkHome(AppContext& app)
      : app_(app),
        list_({{N_("No."), 8, 0},
               {N_("Received"), 10, 0},
               {N_("State body"), 14, 2},
               {N_("Software"), 16, 3},
               {N_("Portal code"), 10, 1}}) {
    Reload();
  }

  std::string Title() const override { return Tr("Applications"); }

  std::vector<HelpEntry> Help() const override {
    // F3 and F4 first: the line holds two entries at 80 columns in every
    // language; the body's second line says what Enter does.
    return {{"F3", N_("New application")}, {"F4", N_("Held intakes")},       {"Enter", N_("Read media")},
            {"F5", N_("Refresh")},         {"F6", N_("Print journal page")}, {"/", N_("Search")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    std::string head = Format(Tr("Applications: %zu shown of %zu."), list_.visible(), list_.total());
    if (!list_.search().empty() || searching_) head += "  " + std::string(Tr("Search:")) + " " + Narrow(list_.search());
    DrawText(win, top, 0, width, head, A_BOLD);
    if (!load_error_.ok())
      DrawText(win, top + 1, 0, width, Tr("The journal could not be loaded."), COLOR_PAIR(kPairWarn));
    else
      DrawText(win, top + 1, 0, width, Tr("Enter on an application reads its media."), A_DIM);
    list_.Draw(win, top + 2, 0, height - 2, width);
  }

  void HandleKey(const Key& key) override {
    if (searching_) {
      HandleSearchKey(list_, key, &searching_);
      return;
    }
    if (key.IsChar(L'/')) {
      searching_ = true;
      return;
    }
    if (key.Is(KEY_F(3))) {
      app_.Push(MakeApplicationFormScreen(app_));
      return;
    }
    if (key.Is(KEY_F(4))) {
      app_.Push(MakeHeldIntakesScreen(app_));
      return;
    }
    if (key.Is(KEY_F(5))) {
      Reload();
      return;
    }
    if (key.Is(KEY_F(6))) {
      // The journal (Annex 2) page that holds the selected entry.
      const ListWidget::Item* it = list_.selected();
      if (it) PrintAndReport(app_, DocumentKind::kJournal, apps_[it->tag].number);
      return;
    }
    if (IsEnter(key)) {
      const ListWidget::Item* it = list_.selected();
      if (it) app_.Push(MakeInsertMediaScreen(app_, apps_[it->tag]));
      return;
    }
    if (key.function) list_.HandleKey(static_cast<int>(key.code));
  }

  void OnReturn() override { Reload(); }  // back from the form or a decision: show the new state

 private:
  void Reload() {
    auto r = app_.backend().ListApplications();
    load_error_ = r.status();
    if (!r.ok()) {
      app_.ShowError(r.status());
      return;
    }
    apps_ = std::move(*r);
    std::vector<ListWidget::Item> items;
    for (std::size_t i = 0; i < apps_.size(); ++i) {
      const ApplicationSummary& a = apps_[i];
      items.push_back(
          {{Widen(a.number), Widen(a.received_date), Widen(a.state_body), Widen(a.software_name), Widen(a.state)},
           false,
           i});
    }
    list_.SetItems(std::move(items));
  }

  AppContext& app_;
  ListWidget list_;
  std::vector<ApplicationSummary> apps_;
  Status load_error_;
  bool searching_ = false;
};

// ---------------------------------------------------------------- application form

class ApplicationFormScreen : public Screen {
 public:
  explicit ApplicationFormScreen(AppContext& app)
      : app_(app),
        form_({{N_("Applicant:"), false, 200, {}},
               {N_("Head who signed:"), false, 120, {}},
               {N_("State body (owner):"), false, 200, {}},
               {N_("Software name:"), false, 200, {}},
               {N_("System code on the portal:"), false, 40, {}},
               {N_("Version:"), false, 40, {}},
               {N_("Programming language:"), false, 60, {}},
               {N_("Number of copies:"), false, 4, {}},
               {N_("Annotation:"), false, 400, {}},
               {N_("Medium (CD/file) name:"), false, 120, {}},
               {N_("Register entry No.:"), false, 60, {}}}) {}

  std::string Title() const override { return Tr("New application (Annex 1)"); }

  std::vector<HelpEntry> Help() const override {
    return {{"F4", N_("Track")}, {"F7", N_("Save")}, {"Esc", N_("Back")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    (void)height;
    std::string track = std::string(Tr("Track:")) + " " +
                        (track_ == Track::kApplication ? Tr("application (commissioning)") : Tr("trusted register"));
    DrawText(win, top, 1, width - 2, track, A_BOLD);
    form_.Draw(win, top + 2, 1, width - 2, 30);
    DrawText(win, top + 3 + static_cast<int>(form_.size()), 1, width - 2,
             Tr("Tab or arrows move between fields. F7 saves the application to the journal."));
  }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_F(4))) {
      track_ = track_ == Track::kApplication ? Track::kRegister : Track::kApplication;
      return;
    }
    if (key.Is(KEY_F(7)) || (IsEnter(key) && form_.last_focused())) {
      Save();
      return;
    }
    form_.HandleKeyEnterAdvances(key);
  }

 private:
  void Save() {
    ApplicationForm f;
    f.track = track_;
    f.applicant = form_.Value(0);
    f.applicant_head = form_.Value(1);
    f.state_body = form_.Value(2);
    f.software_name = form_.Value(3);
    f.system_code = form_.Value(4);
    f.version = form_.Value(5);
    f.language = form_.Value(6);
    f.copies = form_.Value(7);
    f.annotation = form_.Value(8);
    f.medium_name = form_.Value(9);
    f.register_entry = form_.Value(10);
    auto r = app_.backend().RegisterApplication(f);
    if (!r.ok()) {
      app_.ShowError(r.status());
      return;
    }
    std::string number = *r;
    app_.Pop();  // this screen is retired, not destroyed, until the key is handled
    app_.ShowInfo(Format(Tr("Application registered in the journal under number %s."), number.c_str()));
  }

  AppContext& app_;
  FormWidget form_;
  Track track_ = Track::kApplication;
};

// ---------------------------------------------------------------- insert media

class InsertMediaScreen : public Screen {
 public:
  InsertMediaScreen(AppContext& app, ApplicationSummary application)
      : app_(app),
        app_info_(std::move(application)),
        picker_(app, {N_("Media device:"), N_("An image file or a loop device is not detected: type its path."),
                      N_("Media detected (PgUp/PgDn chooses, F7 reads):"), MediaPicker::Use::kRead}) {}

  std::string Title() const override { return Tr("Insert media"); }

  std::vector<HelpEntry> Help() const override {
    return {{"F7", N_("Read media")}, {"PgUp/PgDn", N_("Choose media")}, {"Esc", N_("Back")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    DrawText(win, top, 1, width - 2,
             Format(Tr("Application %s: %s"), app_info_.number.c_str(), app_info_.software_name.c_str()), A_BOLD);
    DrawText(win, top + 2, 1, width - 2, Tr("Insert the depositor's disc or USB stick."), A_BOLD);
    DrawText(win, top + 3, 1, width - 2, Tr("The appliance detects it by itself; nothing is mounted."));
    picker_.DrawHint(win, top + 4, width);
    picker_.DrawField(win, top + 6, width, 28);
    int y = top + 9;
    if (app_info_.track == Track::kRegister) {
      const char* answer = register_check_ < 0    ? Tr("not checked yet")
                           : register_check_ == 1 ? Tr("found")
                                                  : Tr("not found");
      DrawText(win, y++, 1, width - 2,
               std::string(Tr("Trusted register check:")) + " " + answer + "   (" + Tr("F6 changes it") + ")",
               register_check_ < 0 ? (COLOR_PAIR(kPairWarn) | A_BOLD) : A_BOLD);
    }
    picker_.DrawList(win, y, top + height, width);
  }

  void HandleKey(const Key& key) override {
    if (app_info_.track == Track::kRegister && key.Is(KEY_F(6))) {
      register_check_ = register_check_ == 1 ? 0 : 1;
      return;
    }
    if (key.Is(KEY_F(7)) || IsEnter(key)) {
      MediaInfo m = picker_.Chosen();
      if (m.device.empty()) {
        app_.ShowInfoMsgid(N_("Insert the depositor's media first."));
        return;
      }
      if (!picker_.Usable(m)) return;
      std::optional<bool> in_register;
      if (app_info_.track == Track::kRegister) {
        if (register_check_ < 0) {
          app_.ShowInfoMsgid(N_("Register track: check the trusted register first (F6: found / not found)."));
          return;
        }
        in_register = register_check_ == 1;
      }
      // Pushed: Esc from the act's screen comes back here with the device as
      // chosen or typed; after a read the comparison replaces both.
      *read_done_ = false;
      app_.Push(MakeChooseActScreen(app_, app_info_, m, in_register, read_done_));
      return;
    }
    picker_.HandleKey(key);
  }

  void Tick() override { picker_.Refresh(); }

  /// Back from the act's screen: after a comparison this screen is done too.
  void OnReturn() override {
    if (*read_done_) app_.Pop();
  }

 private:
  AppContext& app_;
  ApplicationSummary app_info_;
  MediaPicker picker_;
  int register_check_ = -1;  // register track: -1 not checked, 1 found, 0 not found
  std::shared_ptr<bool> read_done_ = std::make_shared<bool>(false);
};

// ---------------------------------------------------------------- the act

// "9CDA 7CC4 ...": the hex digits of what was typed, upper case, in groups
// of four as the paper act prints them; `count` receives how many.
std::string GroupedDigest(const std::string& typed, std::size_t* count) {
  std::string out;
  std::size_t n = 0;
  for (char c : typed) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) continue;
    if (n && n % 4 == 0) out += ' ';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ++n;
  }
  if (count) *count = n;
  return out;
}

std::string CandidateLine(const ActCandidateInfo& c) {
  std::string form = c.form.empty() ? "-" : c.form;
  form.resize(std::max<std::size_t>(form.size(), 6), ' ');
  char date[16] = "";
  std::tm tm{};
  const std::time_t t = static_cast<std::time_t>(c.mtime);
  if (::gmtime_r(&t, &tm)) std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
  return form + "  " + FormatBytes(c.size_bytes) + "  " + date + "  " + c.path;
}

// The clerk picks the act from the files the reader found on a medium (the
// deposit's, or a stick beside it), types the digest printed on the paper
// act (or a barcode scanner types it), and reads.
class ChooseActScreen : public Screen {
 public:
  ChooseActScreen(AppContext& app, ApplicationSummary application, MediaInfo media, std::optional<bool> in_register,
                  std::shared_ptr<bool> read_done)
      : app_(app),
        app_info_(std::move(application)),
        media_(std::move(media)),
        in_register_(in_register),
        typed_(app.backend().TypedDevicesAllowed()),
        form_(typed_ ? std::vector<FormWidget::Field>{{N_("SHA-256 on the paper act:"), false, 120, {}},
                                                      {N_("Act on device:"), false, 400, {}}}
                     : std::vector<FormWidget::Field>{{N_("SHA-256 on the paper act:"), false, 120, {}}}) {
    if (read_done) read_done_ = std::move(read_done);
    act_device_ = media_.device;
    if (typed_) form_.SetValue(1, act_device_);
    Look();
  }

  std::string Title() const override { return Tr("The act"); }

  ~ChooseActScreen() override {
    if (worker_.joinable()) worker_.join();
  }

  /// Back from the read: after a comparison, this screen is done too.
  void OnReturn() override {
    if (*read_done_) app_.Pop();
  }

  // While the reader walks a medium for act files the keys stay live.
  bool Busy() const override { return looking_; }

  void Tick() override {
    std::optional<Result<std::vector<ActCandidateInfo>>> found;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!found_) return;
      found.swap(found_);
    }
    if (worker_.joinable()) worker_.join();
    looking_ = false;
    if (!found->ok()) {
      app_.ShowError(found->status());
      return;
    }
    candidates_ = std::move(**found);
    cursor_ = 0;
    if (candidates_.empty()) app_.ShowInfoMsgid(N_("No act file found on this medium (F5: another medium)."));
  }

  std::vector<HelpEntry> Help() const override {
    return {{"F7", N_("Read media")},
            {"PgUp/PgDn", N_("Choose the act")},
            {"F5", N_("Act on another medium")},
            {"Esc", N_("Back")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    int y = top;
    DrawText(win, y++, 1, width - 2,
             Format(Tr("Application %s: %s"), app_info_.number.c_str(), app_info_.software_name.c_str()), A_BOLD);
    DrawText(win, y++, 1, width - 2, std::string(Tr("Deposit on:")) + " " + MediumLine(media_));
    DrawText(win, y++, 1, width - 2,
             std::string(Tr("Act files on:")) + " " + act_device_ +
                 (act_device_ == media_.device ? std::string("  (") + Tr("the deposit medium") + ")" : "") + "   " +
                 Tr("F5: another medium"),
             A_BOLD);
    const int list_rows = std::max(2, height - 10);
    if (looking_) {
      DrawText(win, y++, 3, width - 6, Tr("Looking for the act's file on this medium..."), A_BOLD);
    } else if (candidates_.empty()) {
      DrawText(win, y++, 3, width - 6, Tr("No act file found on this medium (F5: another medium)."), A_DIM);
    } else {
      std::size_t first = cursor_ >= static_cast<std::size_t>(list_rows) ? cursor_ - list_rows + 1 : 0;
      for (std::size_t i = first; i < candidates_.size() && y < top + 3 + list_rows; ++i) {
        const ActCandidateInfo& c = candidates_[i];
        attr_t attr = i == cursor_ ? A_REVERSE : (c.form.empty() ? A_DIM : A_NORMAL);
        DrawText(win, y++, 3, width - 6, CandidateLine(c), attr);
      }
    }
    y = top + 3 + list_rows;
    if (const ActCandidateInfo* c = Chosen(); c && c->form.empty())
      DrawText(win, y, 3, width - 6, std::string(Tr("Not an act form:")) + " " + c->note, COLOR_PAIR(kPairWarn));
    y += 1;
    form_.Draw(win, y, 1, width - 2, 28);
    y += static_cast<int>(form_.size());
    std::size_t digits = 0;
    std::string grouped = GroupedDigest(form_.Value(0), &digits);
    // Two lines of eight groups: the whole digest fits at 80 columns.
    DrawText(win, y, 3, width - 6, grouped.substr(0, 39), A_BOLD);
    DrawText(win, y + 1, 3, width - 6, grouped.size() > 40 ? grouped.substr(40) : std::string(), A_BOLD);
    DrawText(win, y + 2, 3, width - 6, Format(Tr("%zu of 64 hex digits"), digits),
             digits == 64 ? COLOR_PAIR(kPairOk) : COLOR_PAIR(kPairWarn));
  }

  void HandleKey(const Key& key) override {
    if (looking_ && (key.Is(KEY_F(5)) || key.Is(KEY_F(7)))) {  // one walk at a time
      app_.ShowInfoMsgid(N_("Looking for the act's file on this medium..."));
      return;
    }
    if (!candidates_.empty() && (key.Is(KEY_PPAGE) || key.Is(KEY_NPAGE))) {
      cursor_ = key.Is(KEY_PPAGE) ? (cursor_ > 0 ? cursor_ - 1 : 0) : std::min(cursor_ + 1, candidates_.size() - 1);
      return;
    }
    if (key.Is(KEY_F(5))) {
      NextMedium();
      return;
    }
    if (key.Is(KEY_F(7)) || (IsEnter(key) && form_.focus() == 0)) {
      if (typed_ && form_.Value(1) != act_device_) {
        // A typed act device (test environment): look there first.
        act_device_ = form_.Value(1);
        Look();
        return;
      }
      const ActCandidateInfo* c = Chosen();
      if (!c) {
        app_.ShowInfoMsgid(N_("Choose the act's file first."));
        return;
      }
      std::size_t digits = 0;
      GroupedDigest(form_.Value(0), &digits);
      if (digits != 64) {
        app_.ShowInfoMsgid(N_("Type the 64 hex digits of the SHA-256 printed on the paper act."));
        return;
      }
      ActChoice act{act_device_, c->raw_path, c->path, form_.Value(0)};
      // Pushed: a refused read (a digest that is not the paper's) comes back
      // here to be typed again; after a read the comparison takes over.
      *read_done_ = false;
      app_.Push(MakeIntakeProgressScreen(app_, app_info_, media_, std::move(act), in_register_, read_done_));
      return;
    }
    form_.HandleKeyEnterAdvances(key);
  }

 private:
  const ActCandidateInfo* Chosen() const { return cursor_ < candidates_.size() ? &candidates_[cursor_] : nullptr; }

  // The act on the next medium the device monitor sees (the deposit's first).
  void NextMedium() {
    std::vector<std::string> devices = {media_.device};
    auto listed = app_.backend().ListMedia();
    if (listed.ok())
      for (const MediaInfo& m : *listed)
        if (!m.refused && m.device != media_.device) devices.push_back(m.device);
    auto it = std::find(devices.begin(), devices.end(), act_device_);
    act_device_ = (it == devices.end() || it + 1 == devices.end()) ? devices.front() : *(it + 1);
    if (typed_) form_.SetValue(1, act_device_);
    Look();
  }

  // Asks the reader for the act files of act_device_ on a worker thread
  // (it walks the whole medium); Tick takes the answer.
  void Look() {
    candidates_.clear();
    cursor_ = 0;
    if (worker_.joinable()) worker_.join();
    looking_ = true;
    worker_ = std::thread([this, device = act_device_] {
      auto r = app_.backend().ListActCandidates(device);
      std::lock_guard<std::mutex> lock(mu_);
      found_.emplace(std::move(r));
    });
  }

  AppContext& app_;
  ApplicationSummary app_info_;
  MediaInfo media_;
  std::optional<bool> in_register_;
  bool typed_;
  FormWidget form_;
  std::string act_device_;
  std::vector<ActCandidateInfo> candidates_;
  std::size_t cursor_ = 0;
  std::shared_ptr<bool> read_done_ = std::make_shared<bool>(false);
  bool looking_ = false;
  std::mutex mu_;
  std::optional<Result<std::vector<ActCandidateInfo>>> found_;  // the worker's answer, under mu_
  std::thread worker_;
};

// ---------------------------------------------------------------- intake progress

class IntakeProgressScreen : public Screen {
 public:
  IntakeProgressScreen(AppContext& app, ApplicationSummary application, MediaInfo media, ActChoice act,
                       std::optional<bool> in_register, std::shared_ptr<bool> read_done)
      : read_done_(std::move(read_done)),
        app_(app),
        app_info_(std::move(application)),
        media_(std::move(media)),
        act_(std::move(act)),
        in_register_(in_register) {
    started_ = std::chrono::steady_clock::now();
    worker_ = std::thread([this] {
      auto r = app_.backend().RunIntake(
          app_info_.id, media_, act_, in_register_,
          [this](const IntakeProgress& p) {
            std::lock_guard<std::mutex> lock(mu_);
            progress_ = p;
          },
          cancel_);
      std::lock_guard<std::mutex> lock(mu_);
      result_.emplace(std::move(r));
    });
  }

  ~IntakeProgressScreen() override {
    cancel_ = true;
    if (worker_.joinable()) worker_.join();
  }

  std::string Title() const override { return Tr("Reading media"); }
  std::vector<HelpEntry> Help() const override { return {{"Esc", N_("Cancel reading")}}; }
  bool Busy() const override { return true; }

  void Draw(WINDOW* win, int top, int height, int width) override {
    (void)height;
    IntakeProgress p;
    {
      std::lock_guard<std::mutex> lock(mu_);
      p = progress_;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    double rate = secs > 0.1 ? static_cast<double>(p.bytes_done) / secs : 0.0;
    DrawText(win, top, 1, width - 2,
             Format(Tr("Reading %s for application %s"), media_.device.c_str(), app_info_.number.c_str()), A_BOLD);
    DrawText(win, top + 2, 3, width - 6,
             Format(Tr("Files: %llu of %llu"), static_cast<unsigned long long>(p.files_done),
                    static_cast<unsigned long long>(p.files_total)));
    // A sha256sum act gives no sizes: the medium's size then bounds the
    // bytes to read ("~"), and without it the fraction is counted in files.
    std::uint64_t estimate = p.bytes_total ? p.bytes_total : media_.size_bytes;
    std::string total = p.bytes_total ? FormatBytes(p.bytes_total)
                        : estimate    ? "~" + FormatBytes(estimate)
                                      : std::string("?");
    DrawText(win, top + 3, 3, width - 6,
             Format(Tr("Read: %s of %s"), FormatBytes(p.bytes_done).c_str(), total.c_str()));
    DrawText(win, top + 4, 3, width - 6,
             Format(Tr("Rate: %s/s"), FormatBytes(static_cast<std::uint64_t>(rate)).c_str()));
    double frac = estimate        ? static_cast<double>(p.bytes_done) / static_cast<double>(estimate)
                  : p.files_total ? static_cast<double>(p.files_done) / static_cast<double>(p.files_total)
                                  : 0.0;
    DrawText(win, top + 5, 3, width - 6, Format(Tr("Time left: %s"), TimeLeft(frac, secs).c_str()));
    DrawText(win, top + 7, 3, width - 6, ProgressBar(frac, width - 6), COLOR_PAIR(kPairOk));
    DrawText(win, top + 9, 3, width - 6, p.current_path, A_DIM);
    DrawText(win, top + 10, 3, width - 6,
             Format(Tr("Elapsed: %s"), FormatDuration(static_cast<std::uint64_t>(secs)).c_str()));
    if (cancel_) DrawText(win, top + 11, 3, width - 6, Tr("Cancelling..."), A_BOLD);
  }

  void HandleKey(const Key& key) override {
    if (key.IsChar(27)) cancel_ = true;
  }

  void Tick() override {
    std::optional<Result<IntakeResult>> done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!result_) return;
      done.swap(result_);
    }
    if (worker_.joinable()) worker_.join();
    if (!done->ok()) {
      Status s = done->status();
      app_.Pop();
      if (s.message() == kDigestMismatchMsgid)
        app_.ShowProblem(Tr(kDigestMismatchMsgid));
      else
        app_.ShowError(s);
      return;
    }
    IntakeResult result = std::move(**done);
    result.application_id = app_info_.id;
    result.track = app_info_.track;
    if (read_done_) *read_done_ = true;
    app_.Replace(MakeDiffScreen(app_, std::move(result), true));
  }

 private:
  std::shared_ptr<bool> read_done_;
  AppContext& app_;
  ApplicationSummary app_info_;
  MediaInfo media_;
  ActChoice act_;
  std::optional<bool> in_register_;
  std::chrono::steady_clock::time_point started_;
  std::atomic<bool> cancel_{false};
  mutable std::mutex mu_;
  IntakeProgress progress_;
  std::optional<Result<IntakeResult>> result_;
  std::thread worker_;
};

// ---------------------------------------------------------------- held intakes

// The intakes read and left without a decision: each is held for 5 working
// days; Enter shows its comparison again, with Accept (the NDA first) and
// Refuse as after a fresh read.
class HeldIntakesScreen : public Screen {
 public:
  explicit HeldIntakesScreen(AppContext& app)
      : app_(app),
        list_({{N_("Intake"), 8, 0},
               {N_("Application"), 11, 0},
               {N_("Software"), 12, 3},
               {N_("Deposit"), 7, 0},
               {N_("Due"), 16, 1},
               {N_("Matched"), 7, 0},
               {N_("Problems"), 8, 0}}) {
    Reload();
  }

  std::string Title() const override { return Tr("Held intakes"); }

  std::vector<HelpEntry> Help() const override {
    return {{"Enter", N_("Comparison and decision")}, {"F5", N_("Refresh")}, {"Esc", N_("Back")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    DrawText(win, top, 0, width,
             Format(TrN("%zu intake is held for a decision.", "%zu intakes are held for a decision.", held_.size()),
                    held_.size()),
             A_BOLD);
    int y = top + 1;
    for (const std::string& line :
         WrapText(Tr("Each is kept for 5 working days after its read; past that it can only be refused."), width, 2))
      DrawText(win, y++, 0, width, line, A_DIM);
    const std::size_t ran_out = static_cast<std::size_t>(
        std::count_if(held_.begin(), held_.end(), [](const HeldIntakeRow& h) { return h.hold_ran_out; }));
    if (ran_out)
      DrawText(win, top + 3, 0, width,
               Format(TrN("%zu of them is past its hold (highlighted): it can only be refused.",
                          "%zu of them are past their hold (highlighted): they can only be refused.", ran_out),
                      ran_out),
               COLOR_PAIR(kPairWarn) | A_BOLD);
    list_.Draw(win, top + 4, 0, height - 4, width);
  }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_F(5))) {
      Reload();
      return;
    }
    if (IsEnter(key)) {
      const ListWidget::Item* it = list_.selected();
      if (it) app_.Push(MakeDiffScreen(app_, held_[it->tag].comparison, true));
      return;
    }
    if (key.function) list_.HandleKey(static_cast<int>(key.code));
  }

  void OnReturn() override { Reload(); }  // a decided intake leaves the list

 private:
  void Reload() {
    auto r = app_.backend().ListHeldIntakes();
    if (!r.ok()) {
      app_.ShowError(r.status());
      return;
    }
    held_ = std::move(*r);
    std::vector<ListWidget::Item> items;
    for (std::size_t i = 0; i < held_.size(); ++i) {
      const HeldIntakeRow& h = held_[i];
      items.push_back(
          {{Widen(h.intake_id), Widen(h.application_number), Widen(h.software_name), Widen(h.deposit), Widen(h.due),
            Widen(std::to_string(h.files_matched)), Widen(std::to_string(h.files_with_problems))},
           h.hold_ran_out,
           i});
    }
    list_.SetItems(std::move(items));
  }

  AppContext& app_;
  std::vector<HeldIntakeRow> held_;
  ListWidget list_;
};

// ---------------------------------------------------------------- diff

class DiffScreen : public Screen {
 public:
  DiffScreen(AppContext& app, IntakeResult result, bool decisions)
      : app_(app),
        intake_id_(std::move(result.intake_id)),
        application_id_(std::move(result.application_id)),
        decisions_(decisions),
        rows_(std::move(result.rows)),
        act_sha256_(std::move(result.act_sha256)),
        act_path_(std::move(result.act_path)),
        act_excluded_(result.act_excluded),
        matched_not_listed_(result.matched_not_listed),
        accept_allowed_(result.accept_allowed),
        list_({{N_("Result"), 24, 0, [this](std::size_t tag) { return std::string(DiffKindName(rows_[tag].kind)); }},
               {N_("Path"), 22, 4},
               {N_("Size"), 9, 0},
               {N_("Detail"), 12, 2, [this](std::size_t tag) { return rows_[tag].shown_detail(); }}}) {
    std::vector<ListWidget::Item> items;
    items.reserve(rows_.size());
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      const DiffRow& r = rows_[i];
      items.push_back({{L"", Widen(r.path), Widen(FormatBytes(r.size_bytes)), Widen(r.detail)}, r.problem(), i});
    }
    list_.SetItems(std::move(items));
  }

  std::string Title() const override { return Tr("Act versus media"); }

  /// Back from the NDA or refusal screen: they decided (or not) through the backend.
  void OnReturn() override {
    if (!nda_act_->empty()) {
      act_ = *nda_act_;
      decided_ = true;
    }
    if (*refused_by_screen_) decided_ = refused_ = true;
  }

  std::vector<HelpEntry> Help() const override {
    std::vector<HelpEntry> h;
    if (decisions_ && !decided_) {
      if (accept_allowed_) h.push_back({"F7", N_("Accept")});
      h.push_back({"F8", N_("Refuse")});
    }
    if (decided_) h.push_back({"F5", refused_ ? N_("Print refusal") : N_("Print act")});
    h.push_back({"F4", N_("Problems/all")});
    h.push_back({"/", N_("Search")});
    h.push_back({"Esc", N_("Back")});
    return h;
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    // Counted phrases each in their plural form ("8 файлов, 1 проблема").
    const std::size_t files = list_.total() + matched_not_listed_;
    std::string head = Format(TrN("%zu file", "%zu files", files), files) + ", " +
                       Format(TrN("%zu problem", "%zu problems", list_.problems()), list_.problems()) + ". " +
                       Format(Tr("Showing %zu (%s)."), list_.visible(),
                              list_.filter() == ListWidget::Filter::kAll ? Tr("all") : Tr("problems only"));
    DrawText(win, top, 0, width, head, list_.problems() ? (COLOR_PAIR(kPairWarn) | A_BOLD) : A_BOLD);
    if (!act_sha256_.empty()) {
      // The act's digest, grouped as the paper prints it, in two lines of
      // eight groups to compare by eye; its own file on the deposit medium
      // is no file of the act.
      const std::string grouped = GroupedDigest(act_sha256_, nullptr);
      const std::string label = std::string(Tr("Act SHA-256:")) + " ";
      DrawText(win, top + 1, 0, width, label + grouped.substr(0, 39), A_BOLD);
      DrawText(win, top + 2, 0, width,
               std::string(static_cast<std::size_t>(DisplayWidth(Widen(label))), ' ') +
                   (grouped.size() > 40 ? grouped.substr(40) : std::string()),
               A_BOLD);
      DrawText(
          win, top + 3, 0, width,
          act_path_ + (act_excluded_ ? std::string("  ") + Tr("(on the deposit medium: left out of the comparison)")
                                     : std::string()),
          A_DIM);
      top += 3;
      height -= 3;
    }
    std::string search = std::string(Tr("Search:")) + " " + Narrow(list_.search()) + (searching_ ? "_" : "");
    DrawText(win, top + 1, 0, width, search, searching_ ? A_REVERSE : A_NORMAL);
    // Two lines for the selected row's whole detail (the Detail column is
    // narrow), wrapped rather than cut.
    std::vector<std::string> info;
    if (const ListWidget::Item* it = list_.selected(); it && !rows_[it->tag].detail.empty()) {
      const DiffRow& r = rows_[it->tag];
      info = WrapText("> " + r.path + ": " + r.shown_detail(), width, 2);
    }
    int y = top + 2;
    for (const std::string& line : info) DrawText(win, y++, 0, width, line, A_BOLD);
    // A held intake's comparison as recorded: its matched files are counted,
    // not listed one by one.
    if (matched_not_listed_ && info.size() < 2)
      DrawText(win, y, 0, width,
               Format(TrN("%zu matched file is counted in the total, not listed.",
                          "%zu matched files are counted in the total, not listed.", matched_not_listed_),
                      matched_not_listed_),
               A_DIM);
    list_.Draw(win, top + 4, 0, height - 4, width);
  }

  void HandleKey(const Key& key) override {
    if (searching_) {
      HandleSearchKey(list_, key, &searching_);
      return;
    }
    if (key.IsChar(L'/') || key.Is(KEY_F(3))) {
      searching_ = true;
      return;
    }
    if (key.Is(KEY_F(4))) {
      list_.SetFilter(list_.filter() == ListWidget::Filter::kAll ? ListWidget::Filter::kProblemsOnly
                                                                 : ListWidget::Filter::kAll);
      return;
    }
    if (decisions_ && !decided_ && key.Is(KEY_F(7))) {
      if (!accept_allowed_) {
        app_.ShowInfoMsgid(N_("The hold ran out: this intake can only be refused (F8); read the media again."));
        return;
      }
      // Every acceptance, on either track, records the NDA first, on its own screen.
      app_.Push(MakeNdaScreen(app_, application_id_, intake_id_, nda_act_));
      return;
    }
    if (decisions_ && !decided_ && key.Is(KEY_F(8))) {
      app_.Push(MakeRefuseScreen(app_, intake_id_, refused_by_screen_));
      return;
    }
    if (decided_ && key.Is(KEY_F(5))) {
      if (refused_)
        PrintAndReport(app_, DocumentKind::kRefusal, intake_id_);
      else
        PrintAndReport(app_, DocumentKind::kAct, act_);
      return;
    }
    if (key.function) list_.HandleKey(static_cast<int>(key.code));
  }

 private:
  AppContext& app_;
  std::string intake_id_;
  std::string application_id_;
  bool decisions_;
  bool decided_ = false;
  std::string act_;  // the acceptance act's number once accepted
  bool refused_ = false;
  // Set by the NDA and refusal screens this one pushes.
  std::shared_ptr<std::string> nda_act_ = std::make_shared<std::string>();
  std::shared_ptr<bool> refused_by_screen_ = std::make_shared<bool>(false);
  bool searching_ = false;
  std::vector<DiffRow> rows_;
  std::string act_sha256_;
  std::string act_path_;
  bool act_excluded_ = false;
  std::size_t matched_not_listed_ = 0;  // a held intake's matched files: counted, not listed
  bool accept_allowed_ = true;
  ListWidget list_;
};

// ---------------------------------------------------------------- NDA (every acceptance)

std::string TodayText() { return CounterTime(std::time(nullptr)).substr(0, 10); }

class NdaScreen : public Screen {
 public:
  NdaScreen(AppContext& app, std::string application_id, std::string intake_id, std::shared_ptr<std::string> accepted)
      : app_(app),
        application_id_(std::move(application_id)),
        intake_id_(std::move(intake_id)),
        accepted_(std::move(accepted)),
        form_({{N_("Owner represented by:"), false, 200, {}},
               {N_("Acting on the basis of:"), false, 200, {}},
               {N_("Operator represented by:"), false, 200, {}},
               {N_("Signed on (YYYY-MM-DD):"), false, 10, {}}}) {
    form_.SetValue(3, TodayText());
  }

  std::string Title() const override { return Tr("Non-disclosure agreement"); }
  bool Asking() const override { return confirm_accept_; }
  std::vector<HelpEntry> Help() const override {
    return {{"F6", N_("Signed by both")}, {"F7", N_("Record and accept")}, {"Esc", N_("Back")}};
  }

  void Draw(WINDOW* win, int top, int height, int width) override {
    (void)height;
    int y = top;
    for (const std::string& line :
         WrapText(Tr("Every acceptance records the non-disclosure agreement (the operator's form based on the former "
                     "Annex 4) signed by both parties."),
                  width - 2, 2))
      DrawText(win, y++, 1, width - 2, line, A_BOLD);
    form_.Draw(win, top + 3, 1, width - 2, 28);
    std::string both =
        std::string(Tr("Signed by both parties:")) + " " + (signed_by_both_ ? Tr("yes") : Tr("no")) + "   (F6)";
    DrawText(win, top + 8, 1, width - 2, both, signed_by_both_ ? (COLOR_PAIR(kPairOk) | A_BOLD) : A_BOLD);
    if (confirm_accept_) {
      const attr_t ask = COLOR_PAIR(kPairError) | A_BOLD;
      DrawText(win, top + 10, 1, width - 2,
               Tr("Record the NDA and accept the deposit as read? The media is not read again."), ask);
      DrawText(win, top + 11, 1, width - 2, ConfirmKeys("F7"), ask);
    } else {
      DrawText(win, top + 10, 1, width - 2, Tr("F7 records the NDA in the journal and then accepts the deposit."));
    }
  }

  void HandleKey(const Key& key) override {
    if (confirm_accept_) {
      switch (AnswerOf(key, KEY_F(7))) {
        case ConfirmAnswer::kYes:
          confirm_accept_ = false;
          Submit();
          break;
        case ConfirmAnswer::kNo:
          confirm_accept_ = false;
          app_.ShowInfoMsgid(N_("Not accepted: nothing was decided."));
          break;
        case ConfirmAnswer::kNone:
          app_.ShowInfoMsgid(N_("Answer the question above: F7 or y/д/и = yes, Esc or n/н = no."));
          break;
      }
      return;
    }
    if (key.Is(KEY_F(6))) {
      signed_by_both_ = !signed_by_both_;
      return;
    }
    if (key.Is(KEY_F(7))) {
      if (!signed_by_both_) {
        app_.ShowInfoMsgid(N_("The deposit is accepted only when both parties have signed the NDA (F6)."));
        return;
      }
      confirm_accept_ = true;
      return;
    }
    form_.HandleKeyEnterAdvances(key);
  }

 private:
  void Submit() {
    NdaForm f{form_.Value(0), form_.Value(1), form_.Value(2), form_.Value(3), signed_by_both_};
    if (!recorded_) {
      Status s = app_.backend().RecordNda(application_id_, f);
      if (!s.ok()) {
        app_.ShowError(s);
        return;
      }
      recorded_ = true;  // a second F7 after a refused accept does not record it twice
    }
    auto act = app_.backend().Accept(intake_id_);
    if (!act.ok()) {
      app_.ShowError(act.status());
      return;
    }
    *accepted_ = *act;
    app_.Pop();
    app_.ShowInfoMsgid(
        N_("Accepted. The NDA is recorded and the deposit sealed in the store; F5 prints the act for signatures."));
  }

  AppContext& app_;
  std::string application_id_;
  std::string intake_id_;
  std::shared_ptr<std::string> accepted_;
  FormWidget form_;
  bool signed_by_both_ = false;
  bool confirm_accept_ = false;
  bool recorded_ = false;
};

// ---------------------------------------------------------------- refusal

class RefuseScreen : public Screen {
 public:
  RefuseScreen(AppContext& app, std::string intake_id, std::shared_ptr<bool> refused)
      : app_(app),
        intake_id_(std::move(intake_id)),
        refused_(std::move(refused)),
        form_({{N_("Explanation:"), false, 400, {}}}) {}

  std::string Title() const override { return Tr("Reasoned refusal"); }
  std::vector<HelpEntry> Help() const override { return {{"F8", N_("Refuse")}, {"Esc", N_("Back")}}; }

  void Draw(WINDOW* win, int top, int height, int width) override {
    (void)height;
    DrawText(win, top, 1, width - 2, Tr("Reason for refusal (choose with the arrows):"), A_BOLD);
    const RefusalReason reasons[] = {RefusalReason::kNotInRegister, RefusalReason::kActMismatch,
                                     RefusalReason::kMediaMalfunction};
    for (int i = 0; i < 3; ++i)
      DrawText(win, top + 2 + i, 3, width - 6, Format("%d. %s", i + 1, RefusalReasonLabel(reasons[i])),
               i == reason_ ? A_REVERSE : A_NORMAL);
    form_.Draw(win, top + 6, 1, width - 2, 16);
    DrawText(win, top + 8, 1, width - 2, Tr("F8 records the refusal with the evidence of the comparison."));
  }

  void HandleKey(const Key& key) override {
    if (key.Is(KEY_UP) && reason_ > 0)
      --reason_;
    else if (key.Is(KEY_DOWN) && reason_ < 2)
      ++reason_;
    else if (key.Is(KEY_F(8)) || IsEnter(key))
      Submit();
    else
      form_.HandleKey(key);
  }

 private:
  void Submit() {
    const RefusalReason reasons[] = {RefusalReason::kNotInRegister, RefusalReason::kActMismatch,
                                     RefusalReason::kMediaMalfunction};
    Status s = app_.backend().Refuse(intake_id_, reasons[reason_], form_.Value(0));
    if (!s.ok()) {
      app_.ShowError(s);
      return;
    }
    *refused_ = true;
    app_.Pop();
    app_.ShowInfoMsgid(N_("Refused. The refusal with its reason is recorded; F5 prints it for the depositor."));
  }

  AppContext& app_;
  std::string intake_id_;
  std::shared_ptr<bool> refused_;
  int reason_ = 1;
  FormWidget form_;
};

}  // namespace

std::unique_ptr<Screen> MakeClerkHome(AppContext& app) { return std::make_unique<ClerkHome>(app); }
std::unique_ptr<Screen> MakeApplicationFormScreen(AppContext& app) {
  return std::make_unique<ApplicationFormScreen>(app);
}
std::unique_ptr<Screen> MakeInsertMediaScreen(AppContext& app, ApplicationSummary application) {
  return std::make_unique<InsertMediaScreen>(app, std::move(application));
}
std::unique_ptr<Screen> MakeChooseActScreen(AppContext& app, ApplicationSummary application, MediaInfo media,
                                            std::optional<bool> in_register, std::shared_ptr<bool> read_done) {
  return std::make_unique<ChooseActScreen>(app, std::move(application), std::move(media), in_register,
                                           std::move(read_done));
}
std::unique_ptr<Screen> MakeIntakeProgressScreen(AppContext& app, ApplicationSummary application, MediaInfo media,
                                                 ActChoice act, std::optional<bool> in_register,
                                                 std::shared_ptr<bool> read_done) {
  return std::make_unique<IntakeProgressScreen>(app, std::move(application), std::move(media), std::move(act),
                                                in_register, std::move(read_done));
}
std::unique_ptr<Screen> MakeHeldIntakesScreen(AppContext& app) { return std::make_unique<HeldIntakesScreen>(app); }
std::unique_ptr<Screen> MakeDiffScreen(AppContext& app, IntakeResult result, bool decisions) {
  return std::make_unique<DiffScreen>(app, std::move(result), decisions);
}
std::unique_ptr<Screen> MakeNdaScreen(AppContext& app, std::string application_id, std::string intake_id,
                                      std::shared_ptr<std::string> accepted) {
  return std::make_unique<NdaScreen>(app, std::move(application_id), std::move(intake_id), std::move(accepted));
}
std::unique_ptr<Screen> MakeRefuseScreen(AppContext& app, std::string intake_id, std::shared_ptr<bool> refused) {
  return std::make_unique<RefuseScreen>(app, std::move(intake_id), std::move(refused));
}

}  // namespace qoima::kiosk

// End-to-end tests of the real qoima-kiosk binary in tmux at 80x24 against a
// software TPM (tests/fixtures Swtpm): Kazakh rendering, language switching,
// resize, escape keys, 10k random keystrokes, exit paths restoring the
// terminal, start-up time and the 100k-row list's keystroke-to-redraw time.
#include <signal.h>
#include <sys/mount.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/kiosk/tmux_session.h"

namespace qoima::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

const std::string kKiosk = std::string(QOIMA_BINARY_DIR) + "/kiosk/qoima-kiosk";

// One kiosk against its own swtpm and state directory.
struct KioskRun {
  explicit KioskRun(std::vector<std::string> extra_args = {}, int cols = 80, int rows = 24)
      : state("qoima-kiosk-state"), tmux(Argv(extra_args), Env(), cols, rows) {}

  std::vector<std::string> Argv(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {kKiosk};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  std::vector<std::string> Env() {
    return {"QOIMA_TCTI=" + tpm.tcti(), "QOIMA_STATE=" + state.path(), "LANG=C.UTF-8", "ASAN_OPTIONS=detect_leaks=1"};
  }

  Swtpm tpm;
  TempDir state;
  TmuxSession tmux;
};

std::string Line(const std::string& screen, int n) {
  std::istringstream in(screen);
  std::string line;
  for (int i = 0; i <= n && std::getline(in, line); ++i) {}
  return line;
}

// The screen's text with line breaks and runs of spaces as one space: a
// wrapped paragraph reads as one line.
std::string Flowed(const std::string& screen) {
  std::string out;
  for (char c : screen) {
    bool space = c == ' ' || c == '\n';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

int LineCount(const std::string& screen) { return static_cast<int>(std::count(screen.begin(), screen.end(), '\n')); }

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

TEST_CASE("Kazakh letters render on the login screen", "[kiosk][e2e]") {
  KioskRun k;
  REQUIRE(k.tmux.WaitFor("Құпиясөз:"));
  std::string screen = k.tmux.Capture();
  for (const char* letter : {"ә", "ғ", "қ", "ң", "ө", "ұ", "ү", "һ", "і", "Ә", "Ғ", "Қ", "Ң", "Ө", "Ұ", "Ү", "Һ", "І"})
    CHECK(screen.find(letter) != std::string::npos);
  // Real Kazakh words, not only the font-check line.
  CHECK(screen.find("Сәлеметсіз бе!") != std::string::npos);
  CHECK(screen.find("Электрондық үкіметтің") != std::string::npos);
  // Frame: title on the first line, help line on the last.
  CHECK(Line(screen, 0).find("qoima") == 0);
  CHECK(Line(screen, 23).find("F2") != std::string::npos);
}

TEST_CASE("F2 switches kk -> ru -> en -> kk at any time", "[kiosk][e2e]") {
  KioskRun k;
  REQUIRE(k.tmux.WaitFor("Құпиясөз:"));
  k.tmux.Type("clerk1");  // half-typed input survives the switch
  k.tmux.SendKeys({"F2"});
  REQUIRE(k.tmux.WaitFor("Пароль:"));
  CHECK(k.tmux.Capture().find("[ru]") != std::string::npos);
  k.tmux.SendKeys({"F2"});
  REQUIRE(k.tmux.WaitFor("Password:"));
  std::string en = k.tmux.Capture();
  CHECK(en.find("[en]") != std::string::npos);
  CHECK(en.find("clerk1") != std::string::npos);
  CHECK(en.find("Пароль") == std::string::npos);
  k.tmux.SendKeys({"F2"});
  REQUIRE(k.tmux.WaitFor("Құпиясөз:"));
}

TEST_CASE("An appliance error is explained in the current language", "[kiosk][e2e]") {
  KioskRun k({"--lang", "ru"});
  REQUIRE(k.tmux.WaitFor("Пароль:"));
  k.tmux.Type("clerk1");
  k.tmux.SendKeys({"Enter"});
  k.tmux.Type("wrong-password");
  k.tmux.SendKeys({"Enter"});
  // The state directory was never provisioned: the appliance says so (kNotFound
  // naming `qoima init`); the kiosk explains it in the current language.
  REQUIRE(k.tmux.WaitFor("Запрошенная запись не найдена.", milliseconds(20000)));
  CHECK(k.tmux.Capture().find("qoima init") != std::string::npos);
  k.tmux.SendKeys({"F2", "F2"});
  REQUIRE(k.tmux.WaitFor("Сұралған жазба табылмады."));
  // The password field was cleared after the attempt.
  CHECK(k.tmux.Capture().find("wrong-password") == std::string::npos);
}

TEST_CASE("Without its data partition the kiosk says the store is locked and offers nothing else", "[kiosk][e2e]") {
  // The appliance image's state directory when the encrypted partition did
  // not unlock: a plain directory of the file system above it.
  KioskRun k({"--data-partition"});
  REQUIRE(k.tmux.WaitFor("Қойма құлыпталған"));
  std::string kk = Flowed(k.tmux.Capture());
  INFO(kk);
  CHECK(kk.find("Құрылғының өлшемдері сәйкес келмейді: қойма құлыпталған.") != std::string::npos);
  CHECK(kk.find("Қауіпсіздік қызметкерін шақырыңыз.") != std::string::npos);
  CHECK(kk.find("Қойма: АҚАУ") != std::string::npos);
  CHECK(kk.find("Құпиясөз:") == std::string::npos);
  // A login typed blind, Esc, F9, F10, F5, F7: nothing happens. F2 is
  // handled after them (keys arrive in order), so the Russian screen
  // proves they were read and ignored.
  k.tmux.Type("admin");
  k.tmux.SendKeys({"Tab"});
  k.tmux.Type("Qoima-Image-2026!");
  k.tmux.SendKeys({"Enter", "Escape", "F9", "F10", "F5", "F7", "C-c", "F2"});
  REQUIRE(k.tmux.WaitFor("Хранилище заблокировано"));
  std::string ru = Flowed(k.tmux.Capture());
  INFO(ru);
  CHECK(ru.find("Измерения устройства не совпадают: хранилище заблокировано.") != std::string::npos);
  CHECK(ru.find("резервной копии по долям восстановления") != std::string::npos);
  CHECK(ru.find("admin") == std::string::npos);
  CHECK(ru.find("Пароль") == std::string::npos);
  k.tmux.SendKeys({"F2"});
  REQUIRE(k.tmux.WaitFor("The appliance's measurements do not match: the store is locked."));
  std::string en = Flowed(k.tmux.Capture());
  CHECK(en.find("installs a signed image") != std::string::npos);
  CHECK(en.find("Store: FAULT") != std::string::npos);
  CHECK_FALSE(k.tmux.dead());
  // Nothing was written where the store would be, and the TPM was not asked.
  CHECK(std::filesystem::is_empty(k.state.path()));
}

TEST_CASE("With its data partition mounted the kiosk shows the login form", "[kiosk][e2e]") {
  // A file system of its own at the state directory, as the unlocked
  // partition is in the image (tmpfs here; the tests run as root).
  TempDir dir("qoima-kiosk-mounted");
  const std::string state = dir.Sub("state");
  std::filesystem::create_directories(state);
  REQUIRE(::mount("tmpfs", state.c_str(), "tmpfs", 0, "mode=0700") == 0);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{state};
  Swtpm tpm;
  TmuxSession t({kKiosk, "--data-partition"}, {"QOIMA_TCTI=" + tpm.tcti(), "QOIMA_STATE=" + state, "LANG=C.UTF-8"});
  REQUIRE(t.WaitFor("Құпиясөз:"));
  CHECK(t.Capture().find("Қойма құлыпталған") == std::string::npos);
}

TEST_CASE("Resize redraws the frame at the new size and below 80x24 asks for more room", "[kiosk][e2e]") {
  KioskRun k;
  REQUIRE(k.tmux.WaitFor("Құпиясөз:"));
  k.tmux.Resize(120, 40);
  REQUIRE(k.tmux.WaitUntil([](const std::string& s) {
    return LineCount(s) == 40 && Line(s, 39).find("F2") != std::string::npos &&
           Line(s, 38).find("[kk]") != std::string::npos;
  }));
  std::string big = k.tmux.Capture();
  CHECK(Line(big, 38).find("[kk]") > 80);  // the clock block moved to the right edge
  k.tmux.Resize(60, 20);
  REQUIRE(k.tmux.WaitFor("Терминал тым кіші: 60x20"));
  k.tmux.SendKeys({"F2"});  // language still switches while too small
  REQUIRE(k.tmux.WaitFor("Терминал слишком мал: 60x20"));
  k.tmux.Resize(80, 24);
  REQUIRE(k.tmux.WaitFor("Пароль:"));
  std::string back = k.tmux.Capture();
  CHECK(LineCount(back) == 24);
  CHECK(Line(back, 23).find("F2") != std::string::npos);
  CHECK(back.find("слишком мал") == std::string::npos);
  CHECK_FALSE(k.tmux.dead());
}

TEST_CASE("Ctrl-C, Ctrl-Z, Ctrl-\\ and signals from outside neither stop nor suspend the kiosk", "[kiosk][e2e]") {
  KioskRun k;
  REQUIRE(k.tmux.WaitFor("Құпиясөз:"));
  pid_t pid = k.tmux.pid();
  REQUIRE(CommOf(pid) == "qoima-kiosk");
  k.tmux.SendKeys({"C-c", "C-z", "C-\\", "C-s", "C-q", "C-d", "C-y"});
  kill(pid, SIGINT);
  kill(pid, SIGTSTP);
  kill(pid, SIGQUIT);
  k.tmux.Type("ok");
  REQUIRE(k.tmux.WaitFor("[ok_"));
  CHECK(CommOf(pid) == "qoima-kiosk");
  CHECK(StateOf(pid) != 'T');
  CHECK(ChildrenOf(pid).empty());
  CHECK_FALSE(k.tmux.dead());
}

TEST_CASE("10k random keystrokes: no crash, no shell, still responsive", "[kiosk][e2e]") {
  KioskRun k({"--idle-lock", "3600"});
  REQUIRE(k.tmux.WaitFor("Құпиясөз:"));
  pid_t pid = k.tmux.pid();
  const std::vector<std::string> specials = {
      "C-c",  "C-z",  "C-\\",  "C-d",   "C-s",   "C-q",  "C-l", "Escape", "Enter", "Tab", "BTab", "BSpace", "Up",
      "Down", "Left", "Right", "PPage", "NPage", "Home", "End", "F1",     "F2",    "F3",  "F4",   "F5",     "F6",
      "F7",   "F8",   "F9",    "F10",   "F11",   "F12",  "IC",  "DC",     "C-a",   "C-b", "M-x",  "Space"};
  const std::vector<std::string> letters = {"a", "z", "Q", "7", "!", "/", "ә", "ғ", "қ",   "ң",
                                            "ө", "ұ", "ү", "һ", "і", "Ж", "ы", "~", "\\;", "$"};
  std::mt19937 rng(20261126);
  int sent = 0;
  while (sent < 10000) {
    std::vector<std::string> batch;
    for (int i = 0; i < 250; ++i, ++sent) {
      if (rng() % 3 == 0)
        batch.push_back(specials[rng() % specials.size()]);
      else
        batch.push_back(letters[rng() % letters.size()]);
    }
    k.tmux.SendKeys(batch);
    REQUIRE_FALSE(k.tmux.dead());
    REQUIRE(CommOf(pid) == "qoima-kiosk");
    REQUIRE(ChildrenOf(pid).empty());
  }
  // Drain: the last keys are handled and the kiosk still answers.
  k.tmux.SendKeys({"Escape"});
  const std::string before = k.tmux.Capture();
  std::string want = before.find("[kk]") != std::string::npos   ? "[ru]"
                     : before.find("[ru]") != std::string::npos ? "[en]"
                                                                : "[kk]";
  k.tmux.SendKeys({"F2"});
  CHECK(k.tmux.WaitFor(want, milliseconds(20000)));
  CHECK(CommOf(pid) == "qoima-kiosk");
  CHECK(StateOf(pid) != 'T');
  CHECK(ChildrenOf(pid).empty());
  INFO(k.tmux.stderr_text());
  CHECK_FALSE(k.tmux.dead());
}

// Runs the kiosk under `sh -c 'kiosk; echo $? > status'` so its exit status
// is known (tmux does not always record a pane's status), and returns the
// kiosk's pid once its login screen shows.
struct KioskUnderShell {
  KioskUnderShell()
      : dir("qoima-kiosk-exit"),
        tmux({"/bin/sh", "-c", "\"$0\"; echo $? > \"$1\"", kKiosk, dir.Sub("status")},
             {"QOIMA_TCTI=" + tpm.tcti(), "QOIMA_STATE=" + dir.path(), "LANG=C.UTF-8"}) {}
  pid_t KioskPid() {
    std::vector<pid_t> children = ChildrenOf(tmux.pid());
    return children.size() == 1 ? children[0] : -1;
  }
  int ExitStatus() {
    tmux.WaitUntil([&](const std::string&) { return tmux.dead(); });
    std::ifstream in(dir.Sub("status"));
    int status = -1;
    in >> status;
    return status;
  }

  Swtpm tpm;
  TempDir dir;
  TmuxSession tmux;
};

TEST_CASE("SIGTERM ends the kiosk cleanly and restores the terminal", "[kiosk][e2e]") {
  KioskUnderShell k;
  REQUIRE(k.tmux.WaitFor("Құпиясөз:"));
  pid_t pid = k.KioskPid();
  REQUIRE(CommOf(pid) == "qoima-kiosk");
  kill(pid, SIGTERM);
  CHECK(k.ExitStatus() == 0);
  // endwin left the alternate screen: none of the kiosk's text remains.
  std::string screen = k.tmux.Capture();
  CHECK(screen.find("Құпиясөз") == std::string::npos);
  CHECK(screen.find("qoima") == std::string::npos);
}

TEST_CASE("A fatal signal still restores the terminal", "[kiosk][e2e]") {
  KioskUnderShell k;
  REQUIRE(k.tmux.WaitFor("Құпиясөз:"));
  pid_t pid = k.KioskPid();
  REQUIRE(CommOf(pid) == "qoima-kiosk");
  kill(pid, SIGSEGV);
  CHECK(k.ExitStatus() == 128 + SIGSEGV);  // re-raised after restoring the terminal
  std::string screen = k.tmux.Capture();
  CHECK(screen.find("Құпиясөз") == std::string::npos);
}

TEST_CASE("Start to first screen", "[kiosk][e2e][bench]") {
  std::vector<double> wall_ms, own_ms;
  for (int i = 0; i < 3; ++i) {
    Swtpm tpm;
    TempDir state("qoima-kiosk-state");
    std::string log = state.Sub("timing.log");
    auto t0 = Clock::now();
    TmuxSession tmux({kKiosk, "--timing-log", log},
                     {"QOIMA_TCTI=" + tpm.tcti(), "QOIMA_STATE=" + state.path(), "LANG=C.UTF-8"});
    REQUIRE(tmux.WaitFor("Құпиясөз:"));
    wall_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    // The kiosk writes its own figure right after the screen update: wait for it.
    std::string tag;
    double ms = -1;
    auto deadline = Clock::now() + std::chrono::seconds(5);
    while (tag != "start_ms" && Clock::now() < deadline) {
      std::ifstream in(log);
      in >> tag >> ms;
    }
    REQUIRE(tag == "start_ms");
    own_ms.push_back(ms);
  }
  std::printf(
      "kiosk start to first screen (debug+ASan): process start to first screen %.0f %.0f %.0f ms; "
      "tmux new-session to login text in capture-pane %.0f %.0f %.0f ms\n",
      own_ms[0], own_ms[1], own_ms[2], wall_ms[0], wall_ms[1], wall_ms[2]);
  // The kiosk reports its own start figure; the 300 ms budget is measured on
  // the release build by scripts/bench (bench.d/kiosk.sh), never asserted here.
  for (double ms : own_ms) CHECK(ms > 0.0);
}

TEST_CASE("The 100k-row diff list stays responsive", "[kiosk][e2e][bench]") {
  TempDir dir("qoima-kiosk-timing");
  std::string log = dir.Sub("timing.log");
  KioskRun k({"--bench-rows", "100000", "--timing-log", log});
  REQUIRE(k.tmux.WaitFor("100000", milliseconds(30000)));

  // Each step: a key and the text that proves the screen was redrawn for it.
  struct Step {
    std::vector<std::string> keys;
    std::string expect;
  };
  std::vector<Step> steps = {
      {{"NPage"}, "файл_"},      {{"End"}, "файл_99999"},  {{"Home"}, "файл_0.cpp"},    {{"F4"}, "тек ақаулар"},
      {{"F4"}, "барлығы"},       {{"/"}, "Іздеу: _"},      {{"9"}, "Іздеу: 9_"},        {{"9"}, "Іздеу: 99_"},
      {{"9"}, "Іздеу: 999_"},    {{"9"}, "Іздеу: 9999_"},  {{"BSpace"}, "Іздеу: 999_"}, {{"BSpace"}, "Іздеу: 99_"},
      {{"BSpace"}, "Іздеу: 9_"}, {{"BSpace"}, "Іздеу: _"}, {{"Enter"}, "\nІздеу:\n"},   {{"F2"}, "[ru]"},
      {{"F2"}, "[en]"},          {{"F2"}, "[kk]"},
  };
  std::vector<double> e2e_ms;
  for (int round = 0; round < 2; ++round) {
    for (const Step& s : steps) {
      auto t0 = Clock::now();
      k.tmux.SendKeys(s.keys);
      bool shown = k.tmux.WaitFor(s.expect);
      INFO("step " << s.keys[0] << " expecting '" << s.expect << "'; screen:\n" << k.tmux.Capture());
      REQUIRE(shown);
      e2e_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
  std::ifstream in(log);
  std::string start_line;
  std::getline(in, start_line);  // "start_ms N"
  std::vector<double> internal_ms;
  long long us;
  while (in >> us) internal_ms.push_back(static_cast<double>(us) / 1000.0);
  REQUIRE(internal_ms.size() >= e2e_ms.size());
  std::printf(
      "kiosk 100k rows, keystroke to redraw (debug+ASan): in-process median %.2f ms p95 %.2f ms max %.2f ms; "
      "through tmux (send-keys..capture-pane shows it) median %.1f ms p95 %.1f ms\n",
      Percentile(internal_ms, 0.5), Percentile(internal_ms, 0.95), Percentile(internal_ms, 1.0),
      Percentile(e2e_ms, 0.5), Percentile(e2e_ms, 0.95));
  // Every key was timed by the kiosk itself; the 20 ms budget is scripts/bench's.
  for (double ms : internal_ms) CHECK(ms > 0.0);
  CHECK_FALSE(k.tmux.dead());
}

}  // namespace qoima::testing

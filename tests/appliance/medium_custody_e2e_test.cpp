// End-to-end: which devices `qoima scan` and `qoima intake` accept as media
// and what they keep when a read goes wrong, through the real `qoima` binary
// (swtpm, real images on real loop devices, the real store), as root and as
// an unprivileged uid standing for the image's `qoima` user.
//   - the appliance's own disk is never a medium, QOIMA_TEST_MEDIA or not;
//   - loop devices and image files only with QOIMA_TEST_MEDIA=1;
//   - a device that cannot be opened, or a reader sandbox that cannot be set
//     up, records no intake at all (the appliance's fault, not the medium's);
//   - a hold after the medium went away mid-read keeps nothing;
//   - a medium a killed qoima left read-only gets its flag back at the next start.
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "appliance/appliance.h"
#include "common/subprocess.h"
#include "crypto/hash.h"
#include "tests/fixtures/loop_device.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/nda_step.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using nlohmann::json;

namespace {

const std::string kQoima = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";
const std::string kHostile = std::string(QOIMA_BINARY_DIR) + "/tests/hardware/qoima-hostile-reader";
const std::string kNoUserns = std::string(QOIMA_BINARY_DIR) + "/tests/hardware/qoima-test-no-userns";
const std::string kAdminPw = "admin-password-1";
const std::string kClerkPw = "clerk1-password-1";
constexpr uid_t kUnprivileged = 4242;  // stands for the image's `qoima` user

// A provisioned appliance (admin, clerk1, application IS-0042) whose `qoima`
// runs as root or, with `as_user`, as an unprivileged uid that owns the state.
class Counter {
 public:
  explicit Counter(bool as_user = false) : as_user_(as_user) {
    ::chmod(dir.path().c_str(), 0755);
    if (as_user_) {
      // The TPM's socket and the state are the appliance user's, as on the image.
      ::chmod(std::filesystem::path(tpm.socket_path()).parent_path().c_str(), 0711);
      ::chmod(tpm.socket_path().c_str(), 0666);
      ::chmod((tpm.socket_path() + ".ctrl").c_str(), 0666);
      REQUIRE(::chown(dir.path().c_str(), kUnprivileged, kUnprivileged) == 0);
    }
    Must({"init", "--admin", "admin", "--surname", "Әлиев", "--name", "Ерлан", "--pcr", "none"}, "admin", kAdminPw);
    Must({"user", "add", "clerk1", "--role", "clerk", "--surname", "Сейітова", "--name", "Әйгерім"}, "admin", kAdminPw,
         {"QOIMA_NEW_PASSWORD=" + kClerkPw});
    json form = {{"portal_code", "IS-0042"},
                 {"track", "application"},
                 {"applicant", "«Ақпарат» АҚ"},
                 {"software_name", "Е-Қойма"},
                 {"items", {{{"name", "CD-1"}, {"serial_number", "SN1"}, {"original", true}}}},
                 {"owner", {{"full_name", "Цифрлық даму министрлігі"}}}};
    testing::WriteFile(dir.Sub("form.json"), form.dump());
    ::chmod(dir.Sub("form.json").c_str(), 0644);
    Must({"application", "add", "--form", dir.Sub("form.json"), "--number", "15/2026", "--received", "2026-01-05",
          "--state-body", "Министрлік", "--head", "Ахметов А."});
    Must(testing::NdaCommand("IS-0042"));
  }

  /// Runs `qoima ARGS` with QOIMA_TEST_MEDIA=1 unless `env` says otherwise;
  /// `wrap` goes before the binary (a wrapper such as qoima-test-no-userns).
  SubprocessResult Run(std::vector<std::string> args, const std::string& user = "clerk1",
                       const std::string& password = kClerkPw, std::vector<std::string> env = {},
                       std::vector<std::string> wrap = {}) {
    std::vector<std::string> argv;
    if (as_user_)
      argv = {"setpriv", "--reuid=" + std::to_string(kUnprivileged), "--regid=" + std::to_string(kUnprivileged),
              "--clear-groups"};
    for (auto& w : wrap) argv.push_back(w);
    argv.push_back(kQoima);
    for (auto& a : args) argv.push_back(a);
    SubprocessOptions o;
    // `env` overrides these by name (the first of two equal names would win).
    for (std::string e : {"QOIMA_TCTI=" + tpm.tcti(), "QOIMA_STATE=" + state(), "QOIMA_USER=" + user,
                          "QOIMA_PASSWORD=" + password, std::string("QOIMA_TEST_MEDIA=1")}) {
      std::string name = e.substr(0, e.find('=') + 1);
      bool overridden = false;
      for (auto& x : env) overridden |= x.rfind(name, 0) == 0;
      if (!overridden) o.extra_env.push_back(e);
    }
    for (auto& e : env) o.extra_env.push_back(e);
    auto r = RunSubprocess(argv, o);
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
    return *r;
  }
  SubprocessResult Must(std::vector<std::string> args, const std::string& user = "clerk1",
                        const std::string& password = kClerkPw, std::vector<std::string> env = {}) {
    auto r = Run(args, user, password, env);
    if (r.exit_code != 0) throw std::runtime_error("qoima " + args[0] + ": " + r.Describe() + r.out);
    return r;
  }
  std::string state() const { return dir.Sub("state"); }

  /// A depositor's tree, its act, and its image (all readable by the user).
  std::string Act(const std::string& tree) {
    testing::MakeSampleTree(tree, 256 * 1024);
    std::string act = tree + ".act.json";
    Must(
        {"act", "create", tree, "--application", "IS-0042", "--software", "Е-Қойма", "--version", "1.0", "--out", act});
    return act;
  }
  std::string Image(const std::string& tree, testing::FsType type) {
    std::string image = tree + "." + testing::FsTypeName(type) + ".img";
    testing::BuildImage(type, tree, image);
    ::chmod(image.c_str(), 0644);
    return image;
  }

  /// Intakes recorded, from the audit log (as the admin).
  int IntakesRecorded() {
    auto r = Run({"--json", "audit", "list", "--count", "1000"}, "admin", kAdminPw);
    json j = json::parse(r.out);
    int n = 0;
    for (const auto& e : j["entries"]) {
      std::string object = e.value("object", "");
      if (object.rfind("intake:", 0) == 0) ++n;
    }
    return n;
  }

  testing::Swtpm tpm;
  testing::TempDir dir{"qoima-custody"};

 private:
  bool as_user_;
};

// A filesystem mounted for the scope's lifetime.
class Mounted {
 public:
  Mounted(const std::string& device, const std::string& dir) : dir_(dir) {
    std::filesystem::create_directories(dir);
    REQUIRE(::mount(device.c_str(), dir.c_str(), "ext4", 0, nullptr) == 0);
  }
  ~Mounted() { (void)::umount2(dir_.c_str(), MNT_DETACH); }
  Mounted(const Mounted&) = delete;
  Mounted& operator=(const Mounted&) = delete;

 private:
  std::string dir_;
};

// "/dev/NAME" of the block device holding `path`'s filesystem, "" when none.
std::string DeviceHolding(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || major(st.st_dev) == 0) return "";
  std::ifstream uevent("/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev)) +
                       "/uevent");
  for (std::string line; std::getline(uevent, line);)
    if (line.rfind("DEVNAME=", 0) == 0) return "/dev/" + line.substr(8);
  return "";
}

// The production reader, with a tap on the data it delivers: once a MiB has
// arrived, `pull` runs once (the test pulls the stick there).
class PullingReader : public hardware::MediaReader {
 public:
  PullingReader(const std::string& state, std::function<void()> pull)
      : real_(hardware::MediumPolicy{true, {state}}), pull_(std::move(pull)) {}
  Status Admit(const std::string& device) override { return real_.Admit(device); }
  Result<hardware::MediaIdentity> Probe(const std::string& device) override { return real_.Probe(device); }
  Result<hardware::ReadSummary> Read(const std::string& device, const hardware::ReadOptions& options,
                                     hardware::MediaSink& sink) override {
    Tap tap(sink, *this);
    return real_.Read(device, options, tap);
  }
  bool pulled() const { return pulled_; }

 private:
  class Tap : public hardware::MediaSink {
   public:
    Tap(hardware::MediaSink& inner, PullingReader& r) : inner_(inner), r_(r) {}
    Status OnEntry(const hardware::EntryHeader& h) override { return inner_.OnEntry(h); }
    Status OnData(std::span<const uint8_t> chunk) override {
      bytes_ += chunk.size();
      if (!r_.pulled_ && bytes_ > (1u << 20)) {
        r_.pulled_ = true;
        r_.pull_();
      }
      return inner_.OnData(chunk);
    }
    Status OnEntryEnd(bool complete) override { return inner_.OnEntryEnd(complete); }
    Status OnArchiveMember(const hardware::ArchiveMember& m) override { return inner_.OnArchiveMember(m); }
    Status OnProblem(const hardware::MediaProblem& p) override { return inner_.OnProblem(p); }

   private:
    hardware::MediaSink& inner_;
    PullingReader& r_;
    uint64_t bytes_ = 0;
  };
  hardware::SandboxedMediaReader real_;
  std::function<void()> pull_;
  bool pulled_ = false;
};

int ReadOnlyFlag(const std::string& device) {
  int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
  int ro = -1;
  if (fd < 0) return -1;
  if (::ioctl(fd, BLKROGET, &ro) != 0) ro = -1;
  ::close(fd);
  return ro;
}

}  // namespace

TEST_CASE("scan and intake as an unprivileged uid read fat32 iso9660 and ext4 media") {
  Counter c(/*as_user=*/true);
  std::string act = c.Act(c.dir.Sub("tree"));
  for (testing::FsType type : {testing::FsType::kFat32, testing::FsType::kIso9660, testing::FsType::kExt4}) {
    testing::LoopDevice loop(c.Image(c.dir.Sub("tree"), type));
    testing::OwnedBy stick(loop.path(), kUnprivileged);
    auto r = c.Run({"--json", "scan", loop.path(), "--manifest", act});
    INFO(testing::FsTypeName(type) << ": " << r.out << r.err);
    CHECK(r.exit_code == 0);
    json j = json::parse(r.out);
    CHECK(j["ok"] == true);
    CHECK(j["diff"]["clean"] == true);
    CHECK(j["files"].size() >= 5);
  }
  testing::LoopDevice disc(c.Image(c.dir.Sub("tree"), testing::FsType::kIso9660));
  testing::OwnedBy stick(disc.path(), kUnprivileged);
  auto r =
      c.Run({"--json", "intake", "--application", "IS-0042", "--manifest", act, "--medium", disc.path(), "--accept"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["state"] == "accepted");
}

TEST_CASE("the act on the deposit stick is listed and read as an unprivileged uid") {
  Counter c(/*as_user=*/true);
  const std::string tree = c.dir.Sub("tree");
  std::string act = c.Act(tree);
  std::filesystem::copy_file(act, tree + "/act.json");  // the depositor's act beside the tree
  const std::string sha = crypto::Hex(crypto::Sha256::Digest(testing::ReadFile(act)));
  testing::LoopDevice loop(c.Image(tree, testing::FsType::kFat32));
  testing::OwnedBy stick(loop.path(), kUnprivileged);
  auto listed = c.Run({"--json", "scan", "--acts", loop.path()});
  INFO(listed.out << listed.err);
  REQUIRE(listed.exit_code == 0);
  json acts = json::parse(listed.out)["acts"];
  REQUIRE_FALSE(acts.empty());
  CHECK(acts[0]["path"] == "act.json");
  CHECK(acts[0]["form"] == "json");
  auto r = c.Run({"--json", "intake", "--application", "IS-0042", "--manifest-on", loop.path() + ":act.json",
                  "--medium", loop.path(), "--digest", sha, "--accept"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  json j = json::parse(r.out);
  CHECK(j["state"] == "accepted");
  CHECK(j["media"][0]["clean"] == true);
  CHECK(j["act_file"]["excluded_from_comparison"] == true);
}

TEST_CASE("the appliance's own disk is refused as a medium with and without QOIMA_TEST_MEDIA") {
  Counter c;
  std::string act = c.Act(c.dir.Sub("tree"));
  // The disk under the state directory, whatever it is here.
  std::string own = DeviceHolding(c.state());
  // And a state directory on a filesystem of its own, on a loop device.
  testing::WriteFile(c.dir.Sub("store.img"), "");
  std::filesystem::resize_file(c.dir.Sub("store.img"), 16 << 20);
  auto mk = RunSubprocess({"mkfs.ext4", "-q", "-F", c.dir.Sub("store.img")});
  REQUIRE(mk.ok());
  REQUIRE(mk->exit_code == 0);
  testing::LoopDevice store_disk(c.dir.Sub("store.img"), /*read_only=*/false);
  Mounted mounted(store_disk.path(), c.dir.Sub("state2"));
  std::vector<std::pair<std::string, std::string>> cases = {{store_disk.path(), c.dir.Sub("state2")}};
  if (!own.empty()) cases.push_back({own, c.state()});
  INFO("own disk of the state: " << (own.empty() ? "(none: not on a block device)" : own));
  for (const auto& [device, state] : cases) {
    for (const std::string test_media : {"QOIMA_TEST_MEDIA=1", "QOIMA_TEST_MEDIA=0"}) {
      auto r = c.Run({"scan", device}, "clerk1", kClerkPw, {"QOIMA_STATE=" + state, test_media});
      INFO(device << " " << test_media << ": " << r.out << r.err);
      CHECK(r.exit_code == 6);
      CHECK(r.err.find("the appliance's own disk") != std::string::npos);
      CHECK(r.out.empty());  // nothing was read
    }
  }
  int before = c.IntakesRecorded();
  std::string device = own.empty() ? store_disk.path() : own;
  auto hold = c.Run({"intake", "--application", "IS-0042", "--manifest", act, "--medium", device, "--hold"});
  INFO(hold.out << hold.err);
  CHECK(hold.exit_code == 6);
  CHECK(hold.err.find("the appliance's own disk") != std::string::npos);
  CHECK(c.IntakesRecorded() == before);
}

TEST_CASE("a loop device or an image file is refused as a medium without QOIMA_TEST_MEDIA") {
  Counter c;
  std::string act = c.Act(c.dir.Sub("tree"));
  std::string image = c.Image(c.dir.Sub("tree"), testing::FsType::kFat32);
  testing::LoopDevice loop(image);
  for (const std::string env : {"QOIMA_TEST_MEDIA=", "QOIMA_TEST_MEDIA=yes"}) {
    auto scan_loop = c.Run({"scan", loop.path()}, "clerk1", kClerkPw, {env});
    INFO(env << ": " << scan_loop.out << scan_loop.err);
    CHECK(scan_loop.exit_code == 6);
    CHECK(scan_loop.err.find("it is a loop device") != std::string::npos);
    auto scan_file = c.Run({"scan", image}, "clerk1", kClerkPw, {env});
    INFO(scan_file.out << scan_file.err);
    CHECK(scan_file.exit_code == 6);
    CHECK(scan_file.err.find("it is an image file") != std::string::npos);
  }
  int before = c.IntakesRecorded();
  auto hold = c.Run({"intake", "--application", "IS-0042", "--manifest", act, "--medium", loop.path(), "--hold"},
                    "clerk1", kClerkPw, {"QOIMA_TEST_MEDIA="});
  INFO(hold.out << hold.err);
  CHECK(hold.exit_code == 6);
  CHECK(c.IntakesRecorded() == before);
  // With it, the same loop device is the test's stick.
  auto scan = c.Run({"scan", loop.path(), "--manifest", act});
  INFO(scan.out << scan.err);
  CHECK(scan.exit_code == 0);
}

TEST_CASE("a device that cannot be opened records no intake") {
  Counter c;
  std::string act = c.Act(c.dir.Sub("tree"));
  int before = c.IntakesRecorded();
  auto r = c.Run(
      {"intake", "--application", "IS-0042", "--manifest", act, "--medium", "/dev/qoima-no-such-stick", "--hold"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot open the medium /dev/qoima-no-such-stick: No such file or directory") != std::string::npos);
  CHECK(c.IntakesRecorded() == before);
  auto scan = c.Run({"scan", "/dev/qoima-no-such-stick"});
  CHECK(scan.exit_code == 1);
}

TEST_CASE("a reader sandbox that cannot be set up records no intake and blames no medium") {
  for (bool as_user : {false, true}) {
    Counter c(as_user);
    std::string act = c.Act(c.dir.Sub("tree"));
    testing::LoopDevice loop(c.Image(c.dir.Sub("tree"), testing::FsType::kFat32));
    testing::OwnedBy stick(loop.path(), as_user ? kUnprivileged : 0);
    int before = c.IntakesRecorded();
    auto r = c.Run({"intake", "--application", "IS-0042", "--manifest", act, "--medium", loop.path(), "--hold"},
                   "clerk1", kClerkPw, {}, {kNoUserns});
    INFO((as_user ? "unprivileged: " : "root: ") << r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("the reader sandbox could not be set up") != std::string::npos);
    CHECK(r.err.find("no intake was recorded") != std::string::npos);
    CHECK(r.err.find("media_malfunction") == std::string::npos);
    CHECK(r.err.find("parser_crash") == std::string::npos);
    CHECK(c.IntakesRecorded() == before);
    auto scan = c.Run({"scan", loop.path()}, "clerk1", kClerkPw, {}, {kNoUserns});
    INFO(scan.out << scan.err);
    CHECK(scan.exit_code == 1);
    CHECK(scan.err.find("the reader sandbox could not be set up") != std::string::npos);
  }
}

TEST_CASE("a hold after the medium was removed during the read is refused and keeps nothing") {
  Counter c;
  std::string tree = c.dir.Sub("tree");
  testing::MakeSampleTree(tree, 24 << 20);
  std::string act = tree + ".act.json";
  c.Must({"act", "create", tree, "--application", "IS-0042", "--software", "Е-Қойма", "--out", act});
  std::string image = c.Image(tree, testing::FsType::kExt4);
  testing::LoopDevice loop(image);
  {
    // The real sandboxed reader, its data tapped on the way to the intake:
    // after the first MiB the stick is pulled (its backing store shrinks to
    // 1 MiB and the loop device's capacity follows).
    PullingReader reader(c.state(), [&] {
      std::filesystem::resize_file(image, 1 << 20);
      int fd = ::open(loop.path().c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        (void)::ioctl(fd, LOOP_SET_CAPACITY, 0);
        ::close(fd);
      }
    });
    appliance::ApplianceOptions o;
    o.tcti = c.tpm.tcti();
    o.state_dir = c.state();
    o.reader = &reader;
    auto app = appliance::Appliance::Open(o);
    REQUIRE(app.ok());
    auto clerk = (*app)->Login("clerk1", kClerkPw);
    REQUIRE(clerk.ok());
    appliance::IntakeRequest req;
    req.application = "IS-0042";
    req.manifest_path = act;
    req.media.push_back({loop.path(), "", ""});
    req.action = appliance::IntakeAction::kHold;
    auto held = (*app)->Intake(*clerk, req);
    (void)(*app)->EndSession();
    REQUIRE(reader.pulled());
    INFO(held.status().ToString());
    REQUIRE_FALSE(held.ok());
    CHECK(held.status().code() == Code::kFailedPrecondition);  // exit 6
    CHECK(held.status().message().find("no hold after a failed read") != std::string::npos);
    CHECK(held.status().message().find("device_removed") != std::string::npos);
    CHECK(held.status().message().find("nothing stored") != std::string::npos);
  }
  // Nothing of the medium was kept: no deposit, no object, no pack.
  auto store = c.Run({"--json", "verify-store"}, "admin", kAdminPw);
  INFO(store.out << store.err);
  json s = json::parse(store.out);
  CHECK(s["ok"] == true);
  CHECK(s["deposits"] == 0);
  CHECK(s["objects"] == 0);
  size_t packs = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(c.state() + "/store/objects"))
    if (e.is_regular_file() && e.path().string().find("/tmp/") == std::string::npos) ++packs;
  CHECK(packs == 0);
  // The read and the refused hold are on record (the evidence for a refusal).
  auto audit = c.Run({"--json", "audit", "list", "--count", "1000"}, "admin", kAdminPw);
  bool denied = false;
  json entries = json::parse(audit.out)["entries"];
  for (const auto& e : entries) denied |= e.value("action", "") == "intake.hold" && e.value("outcome", "") == "denied";
  CHECK(denied);
}

TEST_CASE("a medium left read-only by a killed qoima gets its flag back when qoima next starts") {
  Counter c;
  // A writable stick whose reader never answers: the read is under way.
  std::string image = c.dir.Sub("stick.img");
  testing::WriteFile(image, "hang\n" + std::string(1 << 20, '\0'));
  testing::LoopDevice loop(image, /*read_only=*/false);
  REQUIRE(ReadOnlyFlag(loop.path()) == 0);
  // Its own runtime directory: parallel qoima processes' sweeps of the
  // default one cannot put the flag back before this test looks.
  const std::string runtime = c.dir.Sub("run");
  pid_t qoima = ::fork();
  REQUIRE(qoima >= 0);
  if (qoima == 0) {
    ::setenv("RUNTIME_DIRECTORY", runtime.c_str(), 1);
    ::setenv("QOIMA_MEDIA_CHILD", kHostile.c_str(), 1);
    ::setenv("QOIMA_TEST_MEDIA", "1", 1);
    ::setenv("QOIMA_STATE", c.state().c_str(), 1);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::execl(kQoima.c_str(), kQoima.c_str(), "scan", loop.path().c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (ReadOnlyFlag(loop.path()) != 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(ReadOnlyFlag(loop.path()) == 1);
  ::kill(qoima, SIGKILL);  // kill -9
  int ws = 0;
  REQUIRE(::waitpid(qoima, &ws, 0) == qoima);
  REQUIRE(WIFSIGNALED(ws));
  CHECK(ReadOnlyFlag(loop.path()) == 1);  // the crash left it

  auto next = c.Run({"version"}, "clerk1", kClerkPw, {"RUNTIME_DIRECTORY=" + runtime});
  CHECK(next.exit_code == 0);
  CHECK(ReadOnlyFlag(loop.path()) == 0);
}

TEST_CASE("a hostile medium read by qoima as the appliance's user opens nothing and signals nothing") {
  Counter c(/*as_user=*/true);
  for (const std::string& script :
       std::vector<std::string>{"open /etc/shadow", "open " + c.state() + "/keyring/master.sealed"}) {
    std::string medium = c.dir.Sub("hostile-" + std::to_string(script.size()));
    testing::WriteFile(medium, script + "\n");
    ::chmod(medium.c_str(), 0644);
    auto r = c.Run({"--json", "scan", medium}, "clerk1", kClerkPw, {"QOIMA_MEDIA_CHILD=" + kHostile});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    std::string expect = script + ": No such file or directory";
    for (char& ch : expect)
      if (ch == '/') ch = '|';
    json j = json::parse(r.out);
    REQUIRE(j["files"].size() == 1);
    CHECK(j["files"][0]["path"] == expect);
  }
  // Signals: the reader dies of SIGSYS; the scan reports the medium as
  // crashing its reader, and this test's process (the appliance's parent
  // here) is untouched.
  std::string medium = c.dir.Sub("hostile-kill");
  testing::WriteFile(medium, "kill " + std::to_string(::getpid()) + "\n");
  ::chmod(medium.c_str(), 0644);
  auto r = c.Run({"--json", "scan", medium}, "clerk1", kClerkPw, {"QOIMA_MEDIA_CHILD=" + kHostile});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  json j = json::parse(r.out);
  CHECK(j["ok"] == false);
  // The one error shape: the class of the failure, and the message.
  const std::string error = j["error"];
  CHECK((!error.empty() && error.find(' ') == std::string::npos));
  CHECK(j["message"].get<std::string>().find("SIGSYS") != std::string::npos);
}

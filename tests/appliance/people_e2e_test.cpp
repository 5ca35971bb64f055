// End-to-end: one security officer acting alone (docs/security.md), through
// the real `qoima` binary on swtpm and the real SQLCipher store. Each attack
// that worked before dual control of the people is tried as the insider
// would, and refused: a puppet officer made to approve one's own export, a
// password reset to log in as another officer or the admin, the admin
// disabled. Each test also shows that a proper second officer can make the
// same change, that break-glass with the real recovery shares stands in
// when no second officer can, and that a refused login says the same thing
// whatever the reason while the audit log keeps the reason.
#include <catch2/catch.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/subprocess.h"
#include "tests/fixtures/cli_world.h"
#include "tests/fixtures/loop_device.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/nda_step.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using nlohmann::json;

namespace {

const std::string kQoima = std::string(QOIMA_BINARY_DIR) + "/cli/qoima";

std::string Pw(const std::string& login) { return testing::CliPassword(login); }

// A provisioned appliance (tests/fixtures/cli_world.h): the admin (init), two
// security officers seated at commissioning, a clerk and an auditor; with
// `deposit`, one accepted deposit read from a FAT32 stick on a loop device.
class World : public testing::CliWorld {
 public:
  explicit World(bool with_deposit = false) : CliWorld(kQoima, {with_deposit, 64 * 1024}) {}

  // Logs in as `user` with `password` (through `printer show`, which every
  // role may run) and returns the exit code; `message` receives what the
  // person was told.
  int TryLogin(const std::string& user, const std::string& password, std::string* message = nullptr) {
    auto r = Run({"printer", "show"}, user, {}, password);
    if (message) *message = r.err;
    return r.exit_code;
  }
  bool UserExists(const std::string& login) {
    json list = Json({"user", "list"}, "auditor1");
    for (const auto& u : list["users"])
      if (u["login"] == login) return true;
    return false;
  }
  // The audit events of `action`, as the auditor lists them.
  std::vector<json> AuditEvents(const std::string& action) {
    json list = Json({"audit", "list", "--count", "100000"}, "auditor1");
    std::vector<json> out;
    for (const auto& e : list["entries"])
      if (e["action"] == action) out.push_back(e);
    return out;
  }
  // Writes `n` of the recovery shares to a file for --share-file.
  std::string ShareFile(size_t n, const std::string& name) {
    std::string text;
    for (size_t i = 0; i < n; ++i) text += shares[i] + "\n";
    testing::WriteFile(dir.Sub(name), text);
    return dir.Sub(name);
  }
};

}  // namespace

TEST_CASE("one officer cannot make a puppet officer and approve their own export with it") {
  World w(/*with_deposit=*/true);
  // The insider makes a second officer: recorded as a request, nothing created.
  int rc = -1;
  json asked = w.Json({"user", "add", "puppet", "--role", "security_officer", "--surname", "Қуыршақ", "--name", "Бөтен",
                       "--reason", "second officer for exports"},
                      "officer1", {"QOIMA_NEW_PASSWORD=" + Pw("puppet")}, &rc);
  INFO(asked.dump(2));
  CHECK(rc == 0);
  CHECK(asked["applied"] == false);
  REQUIRE(asked.contains("pending"));
  CHECK(asked["pending"]["change"] == "create the security_officer account 'puppet'");
  const std::string request = std::to_string(asked["pending"]["id"].get<int64_t>());
  CHECK_FALSE(w.UserExists("puppet"));
  CHECK(w.TryLogin("puppet", Pw("puppet")) == 4);
  // The requester cannot approve it, nor can the admin (who approves nothing).
  auto self = w.Run({"user", "approve", request}, "officer1");
  CHECK(self.exit_code == 4);
  CHECK(self.err.find("cannot also approve it") != std::string::npos);
  CHECK(w.Run({"user", "approve", request}, "admin").exit_code == 4);
  CHECK_FALSE(w.UserExists("puppet"));

  // A second officer approves: the account now exists, made by both.
  json approved = w.Json({"user", "approve", request}, "officer2", {}, &rc);
  INFO(approved.dump(2));
  CHECK(rc == 0);
  CHECK(approved["state"] == "executed");
  CHECK(w.UserExists("puppet"));
  json history = w.Json({"user", "history", "puppet"}, "auditor1");
  REQUIRE(history["changes"].size() == 1);
  CHECK(history["changes"][0]["requested_by"] == "officer1");
  CHECK(history["changes"][0]["approved_by"] == "officer2");

  // The puppet cannot approve its maker's export, nor can its maker approve the puppet's.
  json exp = w.Json({"export", "request", std::to_string(w.deposit), "--reason", "owner's request 12/345"}, "officer1");
  const std::string export_id = std::to_string(exp["id"].get<int64_t>());
  auto by_puppet = w.Run({"export", "approve", export_id}, "puppet");
  INFO(by_puppet.err);
  CHECK(by_puppet.exit_code == 4);
  CHECK(by_puppet.err.find("are not two independent persons") != std::string::npos);
  CHECK(by_puppet.err.find("'officer1' asked for the creation of 'puppet'") != std::string::npos);
  CHECK(w.Run({"export", "run", export_id, "--out", w.dir.Sub("attack.tar")}, "officer1").exit_code == 6);
  CHECK_FALSE(std::filesystem::exists(w.dir.Sub("attack.tar")));
  json puppet_export =
      w.Json({"export", "request", std::to_string(w.deposit), "--reason", "the puppet asks"}, "puppet");
  auto by_maker = w.Run({"export", "approve", std::to_string(puppet_export["id"].get<int64_t>())}, "officer1");
  CHECK(by_maker.exit_code == 4);
  CHECK(by_maker.err.find("are not two independent persons") != std::string::npos);
  CHECK(w.AuditEvents("approval.approve").size() >= 4);

  // The proper second officer approves, and the bundle names them.
  CHECK(w.Run({"export", "approve", export_id}, "officer2").exit_code == 0);
  json ran = w.Json({"export", "run", export_id, "--out", w.dir.Sub("bundle.tar")}, "officer1", {}, &rc);
  INFO(ran.dump(2));
  CHECK(rc == 0);
  CHECK(ran["requested_by"] == "officer1");
  CHECK(ran["approved_by"] == "officer2");
  CHECK(w.Json({"audit", "verify"}, "auditor1")["ok"] == true);
}

TEST_CASE("an officer cannot set another officer's or the admin's password and log in as them") {
  World w;
  const std::string stolen = "stolen-password-7";
  for (const std::string victim : {"officer2", "admin"}) {
    int rc = -1;
    json asked = w.Json({"user", "passwd", victim}, "officer1", {"QOIMA_NEW_PASSWORD=" + stolen}, &rc);
    INFO(asked.dump(2));
    CHECK(rc == 0);
    CHECK(asked["applied"] == false);
    CHECK(asked["pending"]["change"] == "set a new password for '" + victim + "'");
    // The password is not set: the insider's login as the victim is refused,
    // the victim's own password still works.
    std::string told;
    CHECK(w.TryLogin(victim, stolen, &told) == 4);
    CHECK(told.find("wrong username or password") != std::string::npos);
    CHECK(w.TryLogin(victim, Pw(victim)) == 0);
    CHECK(w.Run({"user", "approve", std::to_string(asked["pending"]["id"].get<int64_t>())}, "officer1").exit_code == 4);
  }
  json open = w.Json({"user", "requests"}, "officer2");
  REQUIRE(open["requests"].size() == 2);
  // officer2 cannot approve a new password for themself ...
  std::string for_officer2, for_admin;
  for (const auto& r : open["requests"])
    (r["object"] == "user:officer2" ? for_officer2 : for_admin) = std::to_string(r["id"].get<int64_t>());
  auto own = w.Run({"user", "approve", for_officer2}, "officer2");
  CHECK(own.exit_code == 4);
  CHECK(own.err.find("their own account") != std::string::npos);
  CHECK(w.TryLogin("officer2", stolen) == 4);
  // ... and rejects it; a proper second officer approves the admin's, which then holds.
  CHECK(w.Run({"user", "reject", for_officer2, "--note", "I did not ask for it"}, "officer2").exit_code == 0);
  CHECK(w.Run({"user", "approve", for_officer2}, "officer2").exit_code == 6);
  CHECK(w.Run({"user", "approve", for_admin}, "officer2").exit_code == 0);
  CHECK(w.TryLogin("admin", stolen) == 0);
  CHECK(w.TryLogin("admin", Pw("admin")) == 4);
  CHECK(w.TryLogin("officer2", Pw("officer2")) == 0);
  // Every step is in the log: the requests, the refusals, the approval.
  bool set = false;
  for (const auto& e : w.AuditEvents("user.password"))
    set = set ||
          (e["object"] == "user:admin" && e["outcome"] == "success" &&
           e["reason"].get<std::string>().find("requested by officer1, approved by officer2") != std::string::npos);
  CHECK(set);
}

TEST_CASE("an officer cannot disable the admin but a second officer can") {
  World w;
  int rc = -1;
  json asked = w.Json({"user", "disable", "admin", "--reason", "leaves the service"}, "officer1", {}, &rc);
  INFO(asked.dump(2));
  CHECK(rc == 0);
  CHECK(asked["applied"] == false);
  const std::string request = std::to_string(asked["pending"]["id"].get<int64_t>());
  CHECK(w.TryLogin("admin", Pw("admin")) == 0);  // still enabled
  CHECK(w.Run({"user", "approve", request}, "officer1").exit_code == 4);
  // Nor may the admin disable an officer alone.
  json other = w.Json({"user", "disable", "officer2"}, "admin");
  CHECK(other["applied"] == false);
  CHECK(w.TryLogin("officer2", Pw("officer2")) == 0);
  // The admin's own clerk accounts stay the admin's: done at once.
  CHECK(w.Json({"user", "disable", "clerk1"}, "admin")["applied"] == true);
  CHECK(w.TryLogin("clerk1", Pw("clerk1")) == 4);

  CHECK(w.Run({"user", "approve", request}, "officer2").exit_code == 0);
  std::string told;
  CHECK(w.TryLogin("admin", Pw("admin"), &told) == 4);
  CHECK(told.find("wrong username or password") != std::string::npos);
  bool disabled = false;
  for (const auto& e : w.AuditEvents("user.disable"))
    disabled = disabled || (e["object"] == "user:admin" && e["outcome"] == "success");
  CHECK(disabled);
}

TEST_CASE("break-glass: the recovery shares stand in when no second officer can approve") {
  World w;
  // Commissioning is over: the admin's officer request needs a second
  // officer, and both officers were made by the admin within the window.
  int rc = -1;
  json asked =
      w.Json({"user", "add", "officer3", "--role", "security_officer", "--surname", "Жаңа", "--name", "Офицер"},
             "admin", {"QOIMA_NEW_PASSWORD=" + Pw("officer3")}, &rc);
  REQUIRE(asked["applied"] == false);
  const std::string request = std::to_string(asked["pending"]["id"].get<int64_t>());
  auto dependent = w.Run({"user", "approve", request}, "officer1");
  INFO(dependent.err);
  CHECK(dependent.exit_code == 4);
  CHECK(dependent.err.find("'admin' carried out the creation of 'officer1'") != std::string::npos);

  // Wrong or too few shares change nothing and are audited.
  std::string one = w.ShareFile(1, "one.txt");
  auto few = w.Run({"user", "break-glass", request, "--share-file", one}, "admin");
  CHECK(few.exit_code == 4);
  CHECK(few.err.find("need 2 different recovery shares") != std::string::npos);
  std::string altered = w.shares[1];
  altered[altered.size() - 12] = altered[altered.size() - 12] == 'A' ? 'B' : 'A';
  testing::WriteFile(w.dir.Sub("altered.txt"), w.shares[0] + "\n" + altered + "\n");
  CHECK(w.Run({"user", "break-glass", request, "--share-file", w.dir.Sub("altered.txt")}, "admin").exit_code != 0);
  // Only the requester completes their request this way.
  CHECK(w.Run({"user", "break-glass", request, "--share-file", w.ShareFile(2, "two.txt")}, "officer1").exit_code == 4);
  CHECK_FALSE(w.UserExists("officer3"));

  json glass = w.Json({"user", "break-glass", request, "--share-file", w.ShareFile(2, "two.txt")}, "admin", {}, &rc);
  INFO(glass.dump(2));
  CHECK(rc == 0);
  CHECK(glass["state"] == "executed");
  CHECK(glass["note"].get<std::string>().find("break-glass: 2 of 3 recovery shares") != std::string::npos);
  CHECK(w.TryLogin("officer3", Pw("officer3")) == 0);
  json history = w.Json({"user", "history", "officer3"}, "auditor1");
  REQUIRE(history["changes"].size() == 1);
  CHECK(history["changes"][0]["break_glass"] == true);
  CHECK(history["changes"][0]["requested_by"] == "admin");

  // Only one officer can act: officer2 cannot approve their own disabling,
  // so officer1 completes it with the shares.
  json disable = w.Json({"user", "disable", "officer2"}, "officer1");
  const std::string disable_id = std::to_string(disable["pending"]["id"].get<int64_t>());
  CHECK(w.Run({"user", "approve", disable_id}, "officer2").exit_code == 4);
  CHECK(w.Json({"user", "break-glass", disable_id, "--share-file", w.ShareFile(3, "three.txt")}, "officer1")["state"] ==
        "executed");
  CHECK(w.TryLogin("officer2", Pw("officer2")) == 4);
  size_t glass_ok = 0, glass_denied = 0, glass_failed = 0;
  for (const auto& e : w.AuditEvents("approval.break_glass")) {
    glass_ok += e["outcome"] == "success";
    glass_denied += e["outcome"] == "denied";   // one share; not the requester
    glass_failed += e["outcome"] == "failure";  // a mistyped share
  }
  CHECK(glass_ok == 2);
  CHECK(glass_denied == 2);
  CHECK(glass_failed == 1);
  CHECK(w.Json({"audit", "verify"}, "auditor1")["ok"] == true);
}

TEST_CASE("a refused login says the same for a wrong password and a locked and a disabled and an unknown account") {
  World w;
  std::string wrong, locked, disabled, unknown;
  for (int i = 0; i < 5; ++i) CHECK(w.TryLogin("clerk1", "not-the-password", &wrong) == 4);
  CHECK(w.TryLogin("clerk1", Pw("clerk1"), &locked) == 4);  // locked now: the right password is refused
  CHECK(w.Json({"user", "disable", "auditor1"}, "admin")["applied"] == true);
  CHECK(w.TryLogin("auditor1", Pw("auditor1"), &disabled) == 4);
  CHECK(w.TryLogin("nobody", "whatever-password", &unknown) == 4);
  CHECK(wrong == "qoima: wrong username or password\n");
  CHECK(locked == wrong);
  CHECK(disabled == wrong);
  CHECK(unknown == wrong);
  int rc = -1;
  json j = w.Json({"printer", "show"}, "clerk1", {}, &rc, Pw("clerk1"));
  CHECK(rc == 4);
  CHECK(j == json({{"ok", false}, {"error", "auth_failed"}, {"message", "wrong username or password"}}));
  // The audit log keeps the real reasons.
  CHECK(w.Json({"user", "enable", "auditor1"}, "admin")["applied"] == true);
  std::vector<std::string> reasons;
  for (const auto& e : w.AuditEvents("user.login"))
    if (e["outcome"] == "failure")
      reasons.push_back(e["object"].get<std::string>() + " " + e["reason"].get<std::string>());
  auto count = [&](const std::string& object, const std::string& words) {
    size_t n = 0;
    for (const auto& r : reasons) n += r.rfind(object + " ", 0) == 0 && r.find(words) != std::string::npos;
    return n;
  };
  CHECK(count("user:clerk1", "attempt(s) left before the account locks") == 4);
  CHECK(count("user:clerk1", "is now locked until") == 1);
  CHECK(count("user:clerk1", "the password was right") == 2);  // the right one while locked, and the JSON try
  CHECK(count("user:auditor1", "is disabled") == 1);
  CHECK(count("user:nobody", "no such user") == 1);
}

// The lifecycle of one informatization object through the real `qoima` CLI,
// on swtpm, a real SQLCipher store and real ISO images read by the sandboxed
// media reader: intake -> temporary -> permanent -> new version -> checksum
// verify -> issue -> return -> destruction, with the audit log verifying after
// every step and nothing readable after destruction.
//
// Intake itself belongs to the appliance's intake path; until the CLI has it,
// IntakeFromImage() below does what intake leaves behind (read the image in the
// sandbox, seal each file with a fresh wrapped data key, commit deposit, files,
// objects and the audit leaf in one transaction).
#include <dirent.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "appliance/lifecycle/tree_checksum.h"
#include "common/subprocess.h"
#include "crypto/aead.h"
#include "crypto/keyring.h"
#include "hardware/media_reader.h"
#include "storage/audit_log.h"
#include "storage/migrations.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;

namespace {

const std::string kQoima = std::string(QOIMA_BINARY_DIR) + "/appliance/qoima";

template <typename T>
T Must(Result<T> r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}
void Must(const Status& s) {
  INFO(s.ToString());
  REQUIRE(s.ok());
}

struct Session {
  std::unique_ptr<crypto::Keyring> keyring;
  storage::Database db;
  std::unique_ptr<storage::AuditLog> audit;
};

std::unique_ptr<Session> Open(const testing::Swtpm& tpm, const std::string& state) {
  auto s = std::make_unique<Session>();
  s->keyring = Must(crypto::Keyring::Open(tpm.tcti(), state));
  auto key = s->keyring->SqlcipherKey();
  s->db = Must(storage::Database::Open(state + "/meta.db", key.span()));
  Must(storage::ApplyMigrations(s->db, "2026-11-02T08:00:00Z").status());
  s->audit = Must(storage::AuditLog::Create(s->db));
  return s;
}

/// Collects every file of an image (small test images only).
class CollectSink : public hardware::MediaSink {
 public:
  Status OnEntry(const hardware::EntryHeader& h) override {
    in_file_ = h.type == hardware::EntryType::kFile;
    if (in_file_) files.push_back({h.raw_path, h.display_path, {}});
    return Status::Ok();
  }
  Status OnData(std::span<const uint8_t> chunk) override {
    if (in_file_) files.back().content.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    return Status::Ok();
  }
  Status OnEntryEnd(bool complete) override {
    return complete ? Status::Ok() : Status::MediaUnreadable("incomplete file");
  }
  Status OnArchiveMember(const hardware::ArchiveMember&) override { return Status::Ok(); }
  Status OnProblem(const hardware::MediaProblem& p) override {
    return hardware::IsFatalProblem(p.cls) ? Status::MediaUnreadable(p.message) : Status::Ok();
  }
  struct File {
    std::string raw, display, content;
  };
  std::vector<File> files;

 private:
  bool in_file_ = false;
};

void IntakeFromImage(Session& s, const std::string& objects_dir, int64_t object_id, int version_no,
                     const std::string& image) {
  CollectSink sink;
  hardware::SandboxedMediaReader reader;
  Must(reader.Read(image, hardware::ReadOptions{}, sink).status());
  REQUIRE_FALSE(sink.files.empty());
  std::vector<appliance::FileChecksum> sums;
  int64_t total = 0;
  for (const auto& f : sink.files) {
    sums.push_back({f.raw, f.content.size(), crypto::Sha256::Digest(f.content)});
    total += static_cast<int64_t>(f.content.size());
  }
  auto tree = Must(appliance::MakeTreeChecksum(sums));
  auto tx = Must(storage::Transaction::Begin(s.db));
  std::string label = "object:" + std::to_string(object_id) + "/version:" + std::to_string(version_no);
  auto nk = Must(s.keyring->NewDataKey(label));
  auto dep =
      Must(s.db.Prepare("INSERT INTO deposits(object_id, version_no, version_label, kind, tier, state, "
                        "wrapped_key, file_count, total_bytes, manifest_sha256, created_at, committed_at) "
                        "VALUES(?, ?, ?, 'mixed', 'temporary', 'committed', ?, ?, ?, ?, "
                        "'2026-11-02T09:00:00Z', '2026-11-02T09:00:00Z')"));
  Must(dep.Bind(1, object_id)
           .Bind(2, static_cast<int64_t>(version_no))
           .Bind(3, "v" + std::to_string(version_no))
           .BindBlob(4, nk.wrapped)
           .Bind(5, static_cast<int64_t>(sink.files.size()))
           .Bind(6, total)
           .BindBlob(7, tree.root)
           .Run());
  int64_t deposit_id = s.db.LastInsertRowid();
  for (const auto& f : sink.files) {
    std::string name = s.keyring->ObjectName(label + "/" + f.raw);
    auto sealed = Must(crypto::SealBytes(
        nk.key, name, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(f.content.data()), f.content.size())));
    testing::WriteFile(objects_dir + "/" + name, std::string(sealed.begin(), sealed.end()));
    auto sha = crypto::Sha256::Digest(f.content);
    auto obj =
        Must(s.db.Prepare("INSERT INTO objects(deposit_id, name, plain_size, sealed_size, sha256) "
                          "VALUES(?,?,?,?,?)"));
    Must(obj.Bind(1, deposit_id)
             .Bind(2, name)
             .Bind(3, static_cast<int64_t>(f.content.size()))
             .Bind(4, static_cast<int64_t>(sealed.size()))
             .BindBlob(5, sha)
             .Run());
    int64_t obj_id = s.db.LastInsertRowid();
    auto file =
        Must(s.db.Prepare("INSERT INTO files(deposit_id, path, display_path, size, sha256, category, "
                          "object_id) VALUES(?,?,?,?,?, 'executables', ?)"));
    Must(file.Bind(1, deposit_id)
             .BindBlob(2, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(f.raw.data()), f.raw.size()))
             .Bind(3, f.display)
             .Bind(4, static_cast<int64_t>(f.content.size()))
             .BindBlob(5, sha)
             .Bind(6, obj_id)
             .Run());
  }
  Must(s.audit
           ->Append({"2026-11-02T09:00:00Z", "clerk1", "clerk", "deposit.commit",
                     "deposit:" + std::to_string(deposit_id), "success", "test intake of " + image})
           .status());
  Must(tx.Commit());
}

SubprocessResult Qoima(const testing::Swtpm& tpm, const std::string& state, std::vector<std::string> args) {
  std::vector<std::string> argv = {kQoima, "--tcti", tpm.tcti(), "--state", state};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = RunSubprocess(argv);
  REQUIRE(r.ok());
  return *r;
}

void AuditVerifies(const testing::Swtpm& tpm, const std::string& state, uint64_t min_entries) {
  auto s = Open(tpm, state);
  auto report = Must(s->audit->Verify({{s->keyring->signer().PublicKeyPem()}}));
  INFO(report.problem);
  CHECK(report.ok());
  CHECK(report.entries >= min_entries);
}

int CountFiles(const std::string& dir) {
  int n = 0;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  REQUIRE(d);
  while (dirent* e = ::readdir(d.get()))
    if (e->d_name[0] != '.') ++n;
  return n;
}

}  // namespace

TEST_CASE("an object's whole lifecycle through the CLI on swtpm and real images") {
  testing::Swtpm tpm;
  testing::TempDir work("qoima-lifecycle-e2e");
  std::string state = work.Sub("state");
  std::string objects = state + "/objects";
  crypto::ProvisionOptions prov;
  prov.pcrs = {};
  Must(crypto::Keyring::Provision(tpm.tcti(), state, prov).status());
  ::mkdir(objects.c_str(), 0700);

  // Two releases of the deployed executables, as ISO images.
  testing::WriteFile(work.Sub("v1/bin/қойма-сервер"), std::string(70000, 'x') + "release 1");
  testing::WriteFile(work.Sub("v1/conf/әкімшілік.conf"), "port=8443\n");
  testing::WriteFile(work.Sub("v1/lib/libqz.so"), "ELF library 1");
  testing::BuildImage(testing::FsType::kIso9660, work.Sub("v1"), work.Sub("v1.iso"));
  testing::WriteFile(work.Sub("v2/bin/қойма-сервер"), std::string(70000, 'x') + "release 2");
  testing::WriteFile(work.Sub("v2/conf/әкімшілік.conf"), "port=8443\n");
  testing::WriteFile(work.Sub("v2/lib/libqz2.so"), "ELF library 2");
  testing::BuildImage(testing::FsType::kIso9660, work.Sub("v2"), work.Sub("v2.iso"));

  int64_t object_id = 0;
  {
    auto s = Open(tpm, state);
    Must(
        s->db.Exec("INSERT INTO users(login, surname, given_name, password_hash, created_at) VALUES "
                   "('clerk1', 'Әбенова', 'Гүлнұр', '$argon2id$x', '2026-11-02T08:00:00Z'),"
                   "('so1', 'Қасымов', 'Ерлан', '$argon2id$x', '2026-11-02T08:00:00Z'),"
                   "('so2', 'Нұрланов', 'Дәулет', '$argon2id$x', '2026-11-02T08:00:00Z'),"
                   "('aud1', 'Ілиясова', 'Айгүл', '$argon2id$x', '2026-11-02T08:00:00Z');"
                   "INSERT INTO user_roles(user_id, role, granted_at) VALUES (1, 'clerk', '2026-11-02T08:00:00Z'),"
                   "(2, 'security_officer', '2026-11-02T08:00:00Z'), (3, 'security_officer', '2026-11-02T08:00:00Z'),"
                   "(4, 'auditor', '2026-11-02T08:00:00Z');"
                   "INSERT INTO informatization_objects(name, architecture_code, track, created_at) VALUES "
                   "('Е-лицензиялау', 'ARCH-0042', 'application', '2026-11-02T08:00:00Z');"));
    object_id = s->db.LastInsertRowid();
    IntakeFromImage(*s, objects, object_id, 1, work.Sub("v1.iso"));
  }
  AuditVerifies(tpm, state, 1);

  // Temporary -> permanent on a positive security test; a second outcome is refused.
  auto show = Qoima(tpm, state, {"object", "show", "ARCH-0042"});
  CHECK(show.exit_code == 0);
  CHECK(show.out.find("version 1 v1         temporary") != std::string::npos);
  auto denied =
      Qoima(tpm, state, {"object", "test-outcome", "ARCH-0042", "1", "positive", "--report", "ST-1", "--user", "aud1"});
  CHECK(denied.exit_code == 1);
  CHECK(denied.err.find("permission_denied") != std::string::npos);
  auto moved = Qoima(tpm, state,
                     {"object", "test-outcome", "ARCH-0042", "1", "positive", "--report", "ST-1", "--user", "clerk1"});
  INFO(moved.err);
  CHECK(moved.exit_code == 0);
  CHECK(moved.out.find("moved to the permanent store") != std::string::npos);
  auto twice = Qoima(tpm, state,
                     {"object", "test-outcome", "ARCH-0042", "1", "positive", "--report", "ST-2", "--user", "clerk1"});
  CHECK(twice.exit_code == 1);
  CHECK(twice.err.find("not the temporary store") != std::string::npos);
  AuditVerifies(tpm, state, 2);

  // A new version arrives: it starts in the temporary store; version 1 is untouched.
  {
    auto s = Open(tpm, state);
    IntakeFromImage(*s, objects, object_id, 2, work.Sub("v2.iso"));
  }
  show = Qoima(tpm, state, {"--json", "object", "show", "ARCH-0042"});
  REQUIRE(show.exit_code == 0);
  auto j = nlohmann::json::parse(show.out);
  CHECK(j["versions"][0]["tier"] == "permanent");
  CHECK(j["versions"][1]["tier"] == "temporary");
  CHECK(j["tier_moves"].size() == 1);
  AuditVerifies(tpm, state, 3);

  // Immutability check: the v1 image matches version 1; the v2 image does not.
  auto same = Qoima(tpm, state, {"checksum", "verify", work.Sub("v1.iso"), "--object", "ARCH-0042", "--version", "1"});
  INFO(same.out << same.err);
  CHECK(same.exit_code == 0);
  CHECK(same.out.find("IDENTICAL") != std::string::npos);
  auto dir_same = Qoima(tpm, state, {"checksum", "verify", work.Sub("v1"), "--object", "ARCH-0042", "--version", "1"});
  CHECK(dir_same.exit_code == 0);
  auto differs =
      Qoima(tpm, state, {"checksum", "verify", work.Sub("v2.iso"), "--object", "ARCH-0042", "--version", "1"});
  CHECK(differs.exit_code == 1);
  CHECK(differs.out.find("changed    bin/қойма-сервер") != std::string::npos);
  CHECK(differs.out.find("missing    lib/libqz.so") != std::string::npos);
  CHECK(differs.out.find("extra      lib/libqz2.so") != std::string::npos);
  CHECK(differs.out.find("3 DIFFERENCE(S)") != std::string::npos);

  // Issue on request (003 cl.29): due 3 working days after 2 Nov 2026 (Mon) = 5 Nov.
  auto req =
      Qoima(tpm, state, {"request", "ARCH-0042", "--received", "2026-11-02", "--ref", "вх-1", "--user", "clerk1"});
  INFO(req.err);
  CHECK(req.exit_code == 0);
  CHECK(req.out.find("due 2026-11-05") != std::string::npos);
  CHECK(Qoima(tpm, state, {"request", "ARCH-9999", "--received", "2026-11-02", "--ref", "x", "--user", "clerk1"})
            .exit_code == 1);
  CHECK(Qoima(tpm, state, {"request", "done", "1", "--result", "bundle-2026-0001", "--user", "clerk1"}).exit_code == 0);
  AuditVerifies(tpm, state, 5);

  // Return on decommissioning (003 cl.30; 001 cl.11).
  auto ret =
      Qoima(tpm, state, {"return", "ARCH-0042", "--received", "2026-11-03", "--ref", "вх-2", "--user", "clerk1"});
  CHECK(ret.exit_code == 0);
  CHECK(ret.out.find("due 2026-11-06") != std::string::npos);
  CHECK(Qoima(tpm, state, {"return", "done", "2", "--result", "RET-2026-1", "--user", "clerk1"}).exit_code == 0);

  // Destruction (003 cl.33): notice, refused without two approvals, then done once.
  auto notice =
      Qoima(tpm, state,
            {"destroy", "notice", "ARCH-0042", "--received", "2026-11-04", "--ref", "arch-1", "--user", "clerk1"});
  INFO(notice.err);
  CHECK(notice.exit_code == 0);
  CHECK(notice.out.find("due 2026-11-18") != std::string::npos);
  auto no_approval = Qoima(tpm, state, {"destroy", "3", "--approval", "1", "--user", "so1"});
  CHECK(no_approval.exit_code == 1);
  CHECK(no_approval.err.find("two-person rule") != std::string::npos);
  std::string kept_copy;
  {
    auto s = Open(tpm, state);
    Must(
        s->db.Exec("INSERT INTO approvals(action, target, requested_by, requested_at, state) VALUES "
                   "('destroy', 'object:1', 2, '2026-11-04T10:00:00Z', 'requested')"));
    auto name = Must(s->db.QueryText("SELECT name FROM objects LIMIT 1"));
    kept_copy = testing::ReadFile(objects + "/" + name);
  }
  auto one_person = Qoima(tpm, state, {"destroy", "3", "--approval", "1", "--user", "so1"});
  CHECK(one_person.exit_code == 1);
  CHECK(one_person.err.find("second security officer") != std::string::npos);
  {
    auto s = Open(tpm, state);
    Must(
        s->db.Exec("UPDATE approvals SET approved_by = 3, approved_at = '2026-11-04T11:00:00Z', state = 'approved' "
                   "WHERE id = 1"));
  }
  CHECK(CountFiles(objects) == 6);
  auto destroyed = Qoima(tpm, state, {"destroy", "3", "--approval", "1", "--user", "so1"});
  INFO(destroyed.err);
  REQUIRE(destroyed.exit_code == 0);
  CHECK(destroyed.out.find("lib/libqz.so") != std::string::npos);
  CHECK(destroyed.out.find("approved by so1 and so2") != std::string::npos);
  CHECK(destroyed.out.find("audit checkpoint") != std::string::npos);
  auto again = Qoima(tpm, state, {"destroy", "3", "--approval", "1", "--user", "so1"});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("already destroyed") != std::string::npos);
  auto after =
      Qoima(tpm, state, {"request", "ARCH-0042", "--received", "2026-11-05", "--ref", "вх-3", "--user", "clerk1"});
  CHECK(after.exit_code == 1);
  CHECK(after.err.find("has been destroyed") != std::string::npos);
  AuditVerifies(tpm, state, 10);

  // Nothing readable: no sealed file left, no wrapped key left, and a copy of
  // a sealed file taken before cannot be opened without its key.
  CHECK(CountFiles(objects) == 0);
  {
    auto s = Open(tpm, state);
    CHECK(Must(s->db.QueryInt("SELECT count(*) FROM deposits WHERE wrapped_key IS NOT NULL")) == 0);
    CHECK(Must(s->db.QueryInt("SELECT count(*) FROM tombstones")) == 2);
    auto other_key = Must(s->keyring->NewDataKey("object:1/version:1"));
    auto name = Must(s->db.QueryText("SELECT name FROM objects LIMIT 1"));
    auto opened = crypto::OpenBytes(
        other_key.key, name,
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(kept_copy.data()), kept_copy.size()));
    CHECK_FALSE(opened.ok());
  }

  // The notices register and `due`: three notices to the authorized body, none sent yet.
  auto due = Qoima(tpm, state, {"--json", "due", "--today", "2026-11-10"});
  REQUIRE(due.exit_code == 0);
  auto dj = nlohmann::json::parse(due.out);
  REQUIRE(dj["items"].size() == 3);
  CHECK(dj["items"][0]["status"] == "overdue");  // the issue notice, due 5 Nov
  CHECK(dj["items"][2]["status"] == "open");     // the destruction notice, due 18 Nov
  CHECK(Qoima(tpm, state, {"notices", "sent", "1", "--date", "2026-11-05", "--export", "EXP-1", "--user", "clerk1"})
            .exit_code == 0);
  auto info = Qoima(tpm, state, {"report", "information", "--ref", "REQ-1"});
  REQUIRE(info.exit_code == 0);
  CHECK(nlohmann::json::parse(info.out)["totals"]["versions_destroyed"] == 2);
  AuditVerifies(tpm, state, 11);
}

TEST_CASE("calendar check and checksum compute work on files without a store") {
  testing::TempDir dir;
  testing::WriteFile(dir.Sub("bad.cal"), "qoima-calendar | 1\nyear | 2026 | s\nholiday | 2026-02-30 | x\nend | 2026\n");
  auto bad = RunSubprocess({kQoima, "calendar", "check", dir.Sub("bad.cal")});
  REQUIRE(bad.ok());
  CHECK(bad->exit_code == 1);
  CHECK(bad->err.find("bad.cal: line 3, field 2 (date)") != std::string::npos);
  auto good = RunSubprocess(
      {kQoima, "calendar", "check", std::string(QOIMA_SOURCE_DIR) + "/appliance/lifecycle/calendars/kz-default.cal"});
  REQUIRE(good.ok());
  CHECK(good->exit_code == 0);
  CHECK(good->out.find("2026-03-24  day off   day off carried from Nauryz") != std::string::npos);

  testing::WriteFile(dir.Sub("tree/a.txt"), "a");
  auto list = RunSubprocess({kQoima, "checksum", "compute", dir.Sub("tree")});
  REQUIRE(list.ok());
  CHECK(list->exit_code == 0);
  testing::WriteFile(dir.Sub("list"), list->out);
  auto ok = RunSubprocess({kQoima, "checksum", "verify", dir.Sub("tree"), "--list", dir.Sub("list")});
  CHECK(ok->exit_code == 0);
  testing::WriteFile(dir.Sub("tree/b.txt"), "b");
  auto extra = RunSubprocess({kQoima, "checksum", "verify", dir.Sub("tree"), "--list", dir.Sub("list")});
  CHECK(extra->exit_code == 1);
  CHECK(extra->out.find("extra      b.txt") != std::string::npos);
}

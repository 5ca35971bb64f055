#include "appliance/appliance.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "appliance/civil_time.h"
#include "appliance/intake_repository.h"
#include "appliance/lifecycle/lifecycle_desk.h"
#include "appliance/media_collector.h"
#include "appliance/sha256_digest.h"
#include "crypto/hash.h"

namespace qoima::appliance {
namespace {

using nlohmann::json;
using storage::Database;
using storage::Statement;
using storage::Transaction;

storage::Actor StorageActor(const Actor& a) { return {a.username, std::string(RoleName(a.role))}; }
const storage::Actor kSystem{"system", "system"};

std::optional<std::string> OptText(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

int64_t ParseUtcText(const std::string& s) {
  if (s.empty()) return 0;
  auto d = ParseManifestDate(s);
  return d ? d->unix_seconds : 0;
}

std::string AppObject(std::string_view code) { return "application:" + std::string(code); }

json OrgJson(const Organization& o) {
  return {
      {"full_name", o.full_name},
      {"subordination", o.subordination},
      {"short_name", o.short_name},
      {"postcode", o.postcode},
      {"address", o.address},
      {"phone", o.phone},
      {"fax", o.fax},
      {"email", o.email},
      {"web", o.web},
      {"contact", {{"surname", o.contact.surname}, {"name", o.contact.name}, {"patronymic", o.contact.patronymic}}}};
}

Organization OrgFrom(const json& j) {
  Organization o;
  if (!j.is_object()) return o;
  o.full_name = j.value("full_name", "");
  o.subordination = j.value("subordination", "");
  o.short_name = j.value("short_name", "");
  o.postcode = j.value("postcode", "");
  o.address = j.value("address", "");
  o.phone = j.value("phone", "");
  o.fax = j.value("fax", "");
  o.email = j.value("email", "");
  o.web = j.value("web", "");
  if (j.contains("contact")) {
    o.contact.surname = j["contact"].value("surname", "");
    o.contact.name = j["contact"].value("name", "");
    o.contact.patronymic = j["contact"].value("patronymic", "");
  }
  return o;
}

}  // namespace

json ApplicationToJson(const Application& a) {
  json items = json::array();
  for (const auto& i : a.items)
    items.push_back({{"name", i.name},
                     {"serial_number", i.serial_number},
                     {"size_mb", i.size_mb},
                     {"paper_sheets", i.paper_sheets},
                     {"original", i.original}});
  json funding = json::array();
  for (auto f : a.funding) funding.push_back(std::string(FundingSourceName(f)));
  const auto& r = a.requirements;
  return {{"portal_code", a.portal_code},
          {"track", std::string(TrackName(a.track))},
          {"applicant", a.applicant},
          {"software_name", a.software_name},
          {"copies", a.copies},
          {"items", items},
          {"owner", OrgJson(a.owner)},
          {"developer", OrgJson(a.developer)},
          {"authors", a.authors},
          {"certification", a.certification},
          {"year", a.year},
          {"version", a.version},
          {"language", a.language},
          {"release_date", a.release_date},
          {"annotation", a.annotation},
          {"requirements",
           {{"cpu", r.cpu},
            {"ram", r.ram},
            {"disk", r.disk},
            {"os", r.os},
            {"video", r.video},
            {"audio", r.audio},
            {"extra_hardware", r.extra_hardware},
            {"extra_software", r.extra_software},
            {"other", r.other}}},
          {"copy_protection", a.copy_protection},
          {"funding", funding},
          {"signed_date", a.signed_date},
          {"register_entry", a.register_entry}};
}

Result<Application> ApplicationFromJson(const json& j) {
  if (!j.is_object()) return Status::InvalidArgument("application: must be a JSON object");
  Application a;
  try {
    a.portal_code = j.value("portal_code", "");
    auto track = ParseTrack(j.value("track", "application"));
    if (!track) return Status::InvalidArgument("track: must be \"application\" or \"register\"");
    a.track = *track;
    a.applicant = j.value("applicant", "");
    a.software_name = j.value("software_name", "");
    a.copies = j.value("copies", 1);
    if (j.contains("items")) {
      if (!j["items"].is_array()) return Status::InvalidArgument("items: must be an array");
      if (j["items"].size() > kMaxApplicationItems)
        return Status::LimitExceeded("items: more than " + std::to_string(kMaxApplicationItems));
      for (const auto& i : j["items"]) {
        ApplicationItem it;
        it.name = i.value("name", "");
        it.serial_number = i.value("serial_number", "");
        it.size_mb = i.value("size_mb", 0.0);
        it.paper_sheets = i.value("paper_sheets", 0);
        it.original = i.value("original", true);
        a.items.push_back(std::move(it));
      }
    }
    a.owner = OrgFrom(j.value("owner", json::object()));
    a.developer = OrgFrom(j.value("developer", json::object()));
    a.authors = j.value("authors", "");
    a.certification = j.value("certification", "");
    a.year = j.value("year", 0);
    a.version = j.value("version", "");
    a.language = j.value("language", "");
    a.release_date = j.value("release_date", "");
    a.annotation = j.value("annotation", "");
    if (j.contains("requirements")) {
      const json& r = j["requirements"];
      a.requirements = {
          r.value("cpu", ""),   r.value("ram", ""),   r.value("disk", ""),           r.value("os", ""),
          r.value("video", ""), r.value("audio", ""), r.value("extra_hardware", ""), r.value("extra_software", ""),
          r.value("other", "")};
    }
    a.copy_protection = j.value("copy_protection", "");
    if (j.contains("funding")) {
      for (const auto& f : j["funding"]) {
        auto fs = ParseFundingSource(f.get<std::string>());
        if (!fs) return Status::InvalidArgument("funding: unknown source '" + f.get<std::string>() + "'");
        a.funding.push_back(*fs);
      }
    }
    a.signed_date = j.value("signed_date", "");
    a.register_entry = j.value("register_entry", "");
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("application: a field has the wrong type: ") + e.what());
  }
  return a;
}

Appliance::~Appliance() = default;

std::string Appliance::NowText() const { return FormatUtc(clock_->NowUnix()); }

Status Appliance::Audit(const Actor& actor, std::string_view action, std::string_view object, std::string_view outcome,
                        std::string_view reason) {
  return store_->Record(StorageActor(actor), action, object, outcome, reason).status();
}

Status Appliance::Check(const Actor& actor, Permission permission, std::string_view action, std::string_view object) {
  Status s = Require(actor, permission);
  if (!s.ok()) (void)Audit(actor, action, object, "denied", s.message());
  return s;
}

Result<InitResult> Appliance::Init(const ApplianceOptions& options, const InitRequest& request) {
  NewUser admin = request.admin;
  admin.role = Role::kAdmin;
  QOIMA_RETURN_IF_ERROR(CheckUsername(admin.login));
  QOIMA_RETURN_IF_ERROR(CheckPasswordPolicy(admin.login, admin.password));
  if (admin.surname.empty() || admin.given_name.empty())
    return Status::InvalidArgument("the first admin needs a surname and a name");
  struct stat st {};
  if (::stat((options.state_dir + kKeyringDir).c_str(), &st) == 0)
    return Status::FailedPrecondition(options.state_dir + " is already initialized (keyring exists)");
  ::mkdir(options.state_dir.c_str(), 0700);
  InitResult out;
  QOIMA_ASSIGN_OR_RETURN(out.keys,
                         crypto::Keyring::Provision(options.tcti, options.state_dir + kKeyringDir, request.provision));
  QOIMA_ASSIGN_OR_RETURN(auto app, OpenWithKeyring(options, options.state_dir + kKeyringDir, StoreMode::kCreate));
  const Actor system{0, "system", Role::kAdmin};
  QOIMA_RETURN_IF_ERROR(app->Audit(system, "appliance.init", "appliance", "success",
                                   "keyring provisioned; device key " + out.keys.signing_key_fingerprint));
  // The first admin is the one account nobody approves: it is made by the
  // person who provisions the appliance (recorded as made by the system).
  UserChangeRequest first;
  first.kind = UserChangeKind::kCreate;
  first.login = admin.login;
  first.role = Role::kAdmin;
  first.surname = admin.surname;
  first.given_name = admin.given_name;
  first.patronymic = admin.patronymic;
  QOIMA_ASSIGN_OR_RETURN(first.password_hash, app->hasher_->Hash(admin.password));
  {
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(app->store_->db()));
    QOIMA_ASSIGN_OR_RETURN(out.admin_id, app->ApplyUserChange(first, 0, 0, false, 0));
    QOIMA_RETURN_IF_ERROR(app->Audit(system, "user.create", "user:" + admin.login, "success",
                                     first.Describe() + " (the first admin, at init)"));
    QOIMA_RETURN_IF_ERROR(tx.Commit());
  }
  QOIMA_RETURN_IF_ERROR(app->EndSession());
  return out;
}

bool TestMediaAllowed() {
  const char* v = std::getenv("QOIMA_TEST_MEDIA");
  return v != nullptr && std::string_view(v) == "1";
}

namespace {

// The appliance's lock (kApplianceLockFile), waiting up to `wait_ms` for
// another process to release it.
Result<UniqueFd> LockAppliance(const std::string& state_dir, int wait_ms) {
  const std::string path = state_dir + kApplianceLockFile;
  // Read-only is enough for flock, so the kiosk's user and the service
  // console's can both take it.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) return Status::FromErrno(errno, "open " + path);
  constexpr int kRetryMs = 50;
  for (int waited = 0;; waited += kRetryMs) {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return fd;
    if (errno != EWOULDBLOCK) return Status::FromErrno(errno, "lock " + path);
    if (waited >= wait_ms)
      return Status::FailedPrecondition("the appliance (" + state_dir + ") is " + kInUseByAnotherProcess +
                                        ": the kiosk carrying out an action or another qoima command; try again "
                                        "when it is done");
    ::usleep(kRetryMs * 1000);
  }
}

}  // namespace

Result<std::unique_ptr<Appliance>> Appliance::Open(const ApplianceOptions& options) {
  return OpenWithKeyring(options, options.state_dir + kKeyringDir, StoreMode::kOpen);
}

Result<std::unique_ptr<Appliance>> Appliance::OpenWithKeyring(const ApplianceOptions& options,
                                                              const std::string& keyring_dir, StoreMode mode) {
  std::unique_ptr<Appliance> a(new Appliance());
  a->options_ = options;
  a->clock_ = options.clock ? options.clock : &a->system_clock_;
  if (options.reader) {
    a->reader_ = options.reader;
  } else {
    hardware::MediumPolicy policy;
    policy.allow_test_media = options.allow_test_media;
    policy.own_paths = {options.state_dir};
    a->default_reader_ = std::make_unique<hardware::SandboxedMediaReader>(std::move(policy));
    a->reader_ = a->default_reader_.get();
  }
  struct stat st {};
  if (::stat(keyring_dir.c_str(), &st) != 0)
    return Status::NotFound(options.state_dir + " is not initialized (run qoima init)");
  PendingSecurityLog pending(options.state_dir);
  // One process at a time, decided before the TPM is touched: a refused open
  // unseals nothing and waits for no TPM connection another process holds.
  auto lock = LockAppliance(options.state_dir, options.lock_wait_ms);
  if (!lock.ok()) {
    RecordPending(pending, a->NowText(), "store.open", lock.status());
    return lock.status();
  }
  a->lock_ = std::move(*lock);
  auto keyring = crypto::Keyring::Open(options.tcti, keyring_dir, {options.pcr_signature_path});
  if (!keyring.ok()) {
    RecordPending(pending, a->NowText(), "keyring.open", keyring.status());
    return keyring.status();
  }
  a->keyring_ = std::move(*keyring);
  a->keys_ = std::make_unique<storage::KeyringStoreKeys>(*a->keyring_);
  storage::StoreOptions store_options;
  store_options.defer_counter_binding = mode == StoreMode::kRecovery;
  auto store = mode == StoreMode::kCreate
                   ? storage::Store::Create(options.state_dir + kStoreDir, *a->keys_, store_options)
                   : storage::Store::Open(options.state_dir + kStoreDir, *a->keys_, store_options);
  if (!store.ok()) {
    // A refused store (rolled back, missing) is never modified: the refusal
    // waits in the pending log until a store that opens takes it in.
    RecordPending(pending, a->NowText(), "store.open", store.status());
    return store.status();
  }
  a->store_ = std::move(*store);
  a->hasher_ = std::make_unique<PasswordHasher>(options.argon2);
  QOIMA_RETURN_IF_ERROR(a->ImportPendingSecurityEvents(pending));
  if (int flushed = a->keyring_->stale_tpm_handles_flushed(); flushed > 0) {
    QOIMA_RETURN_IF_ERROR(a->store_
                              ->Record(kSystem, "tpm.flush", "tpm", "success",
                                       "flushed " + std::to_string(flushed) +
                                           " transient objects and sessions a process that died had left in the TPM "
                                           "(no resource manager on " +
                                           options.tcti + ")")
                              .status());
  }
  return a;
}

void Appliance::RecordPending(PendingSecurityLog& log, const std::string& time, std::string_view action,
                              const Status& failure) {
  Status s = log.Append({time, std::string(action), std::string(CodeName(failure.code())), failure.message()});
  if (!s.ok()) std::fprintf(stderr, "qoima: could not record the failure for the audit log: %s\n", s.message().c_str());
}

Status Appliance::ImportPendingSecurityEvents(PendingSecurityLog& log) {
  QOIMA_ASSIGN_OR_RETURN(std::vector<PendingSecurityEvent> events, log.ReadAll());
  if (events.empty()) return Status::Ok();
  {
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
    for (const PendingSecurityEvent& e : events) {
      // The image's updater (root, before the kiosk) records what it applied
      // or refused here too: its events concern the boot image.
      const bool update = e.action.rfind("update.", 0) == 0;
      QOIMA_RETURN_IF_ERROR(
          store_
              ->Record({"system", "system"}, e.action,
                       update ? "boot image" : (e.action == "store.open" ? "store" : "keyring"),
                       e.code == "ok" ? "success" : "failure",
                       "at " + e.time + " before the store could be opened: " + e.code + ": " + e.message)
              .status());
    }
    QOIMA_RETURN_IF_ERROR(tx.Commit());
  }
  return log.Clear();
}

Status Appliance::EndSession() {
  QOIMA_ASSIGN_OR_RETURN(uint64_t size, store_->audit().Size());
  if (size == 0) return Status::Ok();
  return store_->SignCheckpoint().status();
}

std::string Appliance::DeviceFingerprint() { return keyring_->signer().Fingerprint(); }

Result<std::unique_ptr<lifecycle::LifecycleDesk>> Appliance::OpenLifecycle(const Actor& actor,
                                                                           const storage::Clock* clock) {
  return lifecycle::LifecycleDesk::Open(*store_, {actor.username, std::string(RoleName(actor.role))},
                                        clock ? *clock : *clock_);
}

// ---- applications -----------------------------------------------------------

// Over 100 lines on purpose: the Annex 1 form's rows (organizations, the
// object, the application, its items, the form, the Annex 2 journal line)
// are written in one transaction in the form's order, one statement each;
// split, each piece would need the transaction and half the form.
Result<int64_t> Appliance::RegisterApplication(const Actor& actor, const Application& a_in, const JournalEntry& e_in) {
  std::string object = AppObject(a_in.portal_code);
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kApplicationWrite, "application.register", object));
  Application a = a_in;
  a.created_at = clock_->NowUnix();
  QOIMA_RETURN_IF_ERROR(ValidateApplication(a));
  Database& db = store_->db();
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
  QOIMA_ASSIGN_OR_RETURN(int64_t last, db.QueryInt("SELECT coalesce(max(entry_no), 0) FROM journal"));
  JournalEntry e = e_in;
  e.number = last + 1;
  e.portal_code = a.portal_code;
  e.received_by_user = actor.user_id;
  if (e.received_by.empty()) {
    auto u = LoadUser(actor.username);
    if (u.ok()) e.received_by = PersonName{u->surname, u->given_name, u->patronymic}.Full();
  }
  QOIMA_RETURN_IF_ERROR(ValidateJournalAppend(last, e, clock_->NowUnix()));

  auto insert_org = [&](const Organization& o) -> Result<std::optional<int64_t>> {
    if (o.full_name.empty()) return std::optional<int64_t>();
    QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("INSERT INTO organizations(full_name, short_name, subordination, "
                                                    "address, postcode, phone, fax, email, web, contact_person) "
                                                    "VALUES (?,?,?,?,?,?,?,?,?,?)"));
    st.Bind(1, o.full_name).BindOptional(2, OptText(o.short_name)).BindOptional(3, OptText(o.subordination));
    st.BindOptional(4, OptText(o.address)).BindOptional(5, OptText(o.postcode)).BindOptional(6, OptText(o.phone));
    st.BindOptional(7, OptText(o.fax)).BindOptional(8, OptText(o.email)).BindOptional(9, OptText(o.web));
    st.BindOptional(10, OptText(o.contact.Full()));
    QOIMA_RETURN_IF_ERROR(st.Run());
    return std::optional<int64_t>(db.LastInsertRowid());
  };
  QOIMA_ASSIGN_OR_RETURN(std::optional<int64_t> owner_id, insert_org(a.owner));
  QOIMA_ASSIGN_OR_RETURN(std::optional<int64_t> developer_id, insert_org(a.developer));

  // The informatization object: one per portal code, reused by later applications.
  int64_t object_id = 0;
  {
    QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT id, track FROM informatization_objects WHERE "
                                                    "architecture_code = ?"));
    st.Bind(1, a.portal_code);
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (row) {
      object_id = st.ColumnInt(0);
      if (st.ColumnText(1) != TrackName(a.track))
        return Status::FailedPrecondition("application: object " + a.portal_code + " is on the " + st.ColumnText(1) +
                                          " track, not " + std::string(TrackName(a.track)));
    }
  }
  if (!object_id) {
    QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("INSERT INTO informatization_objects(name, architecture_code, "
                                                    "owner_org_id, track, created_at) VALUES (?,?,?,?,?)"));
    st.Bind(1, a.software_name).Bind(2, a.portal_code).BindOptional(3, owner_id).Bind(4, TrackName(a.track));
    st.Bind(5, NowText());
    QOIMA_RETURN_IF_ERROR(st.Run());
    object_id = db.LastInsertRowid();
  }
  QOIMA_ASSIGN_OR_RETURN(Statement app,
                         db.Prepare("INSERT INTO applications(number, object_id, applicant, software_name, "
                                    "architecture_code, copies, owner_org_id, developer_org_id, authors, "
                                    "certification, year, version, programming_language, release_date, "
                                    "annotation, req_cpu, req_ram, req_disk, req_os, req_video, req_audio, "
                                    "req_extra_hardware, req_extra_software, req_other, copy_protection, "
                                    "funding_source, signed_on, received_at, registered_by) VALUES "
                                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  const auto& r = a.requirements;
  app.Bind(1, e.application_number).Bind(2, object_id).Bind(3, a.applicant).Bind(4, a.software_name);
  app.Bind(5, a.portal_code).Bind(6, static_cast<int64_t>(a.copies)).BindOptional(7, owner_id);
  app.BindOptional(8, developer_id).BindOptional(9, OptText(a.authors)).BindOptional(10, OptText(a.certification));
  app.BindOptional(11, a.year ? std::optional<int64_t>(a.year) : std::nullopt).BindOptional(12, OptText(a.version));
  app.BindOptional(13, OptText(a.language)).BindOptional(14, OptText(a.release_date));
  app.BindOptional(15, OptText(a.annotation)).BindOptional(16, OptText(r.cpu)).BindOptional(17, OptText(r.ram));
  app.BindOptional(18, OptText(r.disk)).BindOptional(19, OptText(r.os)).BindOptional(20, OptText(r.video));
  app.BindOptional(21, OptText(r.audio)).BindOptional(22, OptText(r.extra_hardware));
  app.BindOptional(23, OptText(r.extra_software)).BindOptional(24, OptText(r.other));
  app.BindOptional(25, OptText(a.copy_protection));
  app.BindOptional(
      26, a.funding.empty() ? std::nullopt : std::optional<std::string>(std::string(FundingSourceName(a.funding[0]))));
  app.BindOptional(27, OptText(a.signed_date)).Bind(28, NowText()).Bind(29, actor.user_id);
  Status ins = app.Run();
  if (ins.code() == Code::kAlreadyExists)
    return Status::AlreadyExists("application number '" + e.application_number + "' is registered already");
  QOIMA_RETURN_IF_ERROR(ins);
  int64_t app_id = db.LastInsertRowid();
  for (size_t i = 0; i < a.items.size(); ++i) {
    const auto& it = a.items[i];
    QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("INSERT INTO application_items(application_id, item_no, name, "
                                                    "cd_serial, size_mb, paper_sheets, original_or_copy) VALUES "
                                                    "(?,?,?,?,?,?,?)"));
    st.Bind(1, app_id).Bind(2, static_cast<int64_t>(i + 1)).Bind(3, it.name).BindOptional(4, OptText(it.serial_number));
    st.Bind(5, static_cast<int64_t>(it.size_mb)).Bind(6, static_cast<int64_t>(it.paper_sheets));
    st.Bind(7, it.original ? "original" : "copy");
    QOIMA_RETURN_IF_ERROR(st.Run());
  }
  QOIMA_ASSIGN_OR_RETURN(Statement form, db.Prepare("INSERT INTO application_forms(application_id, track, "
                                                    "register_entry, form_json) VALUES (?,?,?,?)"));
  form.Bind(1, app_id).Bind(2, TrackName(a.track)).BindOptional(3, OptText(a.register_entry));
  form.Bind(4, ApplicationToJson(a).dump());
  QOIMA_RETURN_IF_ERROR(form.Run());
  QOIMA_ASSIGN_OR_RETURN(Statement jr, db.Prepare("INSERT INTO journal(entry_no, application_id, received_on, "
                                                  "state_body, applicant_head, received_by) VALUES (?,?,?,?,?,?)"));
  jr.Bind(1, e.number).Bind(2, app_id).Bind(3, e.received_date).Bind(4, e.state_body).Bind(5, e.applicant_head);
  jr.Bind(6, actor.user_id);
  QOIMA_RETURN_IF_ERROR(jr.Run());
  QOIMA_RETURN_IF_ERROR(Audit(actor, "application.register", object, "success",
                              "journal no. " + std::to_string(e.number) + ", application " + e.application_number +
                                  ", " + std::string(TrackName(a.track)) + " track"));
  QOIMA_RETURN_IF_ERROR(tx.Commit());
  return e.number;
}

namespace {

struct AppRow {
  int64_t id = 0;
  int64_t object_id = 0;
  Application app;
};

Result<AppRow> FindApp(Database& db, std::string_view code) {
  QOIMA_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT a.id, a.object_id, f.form_json FROM applications a JOIN "
                                                  "application_forms f ON f.application_id = a.id WHERE "
                                                  "a.architecture_code = ? ORDER BY a.id DESC LIMIT 1"));
  st.Bind(1, code);
  QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("no application for portal code '" + std::string(code) + "'");
  AppRow r;
  r.id = st.ColumnInt(0);
  r.object_id = st.ColumnInt(1);
  json j = json::parse(st.ColumnText(2), nullptr, false);
  QOIMA_ASSIGN_OR_RETURN(r.app, ApplicationFromJson(j));
  return r;
}

}  // namespace

Result<Application> Appliance::GetApplication(const Actor& actor, std::string_view code) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kReadRecords, "application.show", AppObject(code)));
  QOIMA_ASSIGN_OR_RETURN(AppRow r, FindApp(store_->db(), code));
  return r.app;
}

Result<std::vector<JournalEntry>> Appliance::Journal(const Actor& actor) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kReadRecords, "journal.show", "journal"));
  QOIMA_ASSIGN_OR_RETURN(Statement st,
                         store_->db().Prepare("SELECT j.entry_no, a.number, j.received_on, j.state_body, "
                                              "j.applicant_head, u.surname || ' ' || u.given_name || "
                                              "coalesce(' ' || u.patronymic, ''), j.received_by, "
                                              "a.architecture_code, a.received_at FROM journal j JOIN applications a "
                                              "ON a.id = j.application_id JOIN users u ON u.id = j.received_by "
                                              "ORDER BY j.entry_no"));
  std::vector<JournalEntry> out;
  while (true) {
    QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.ColumnInt(0), st.ColumnText(1), st.ColumnText(2), st.ColumnText(3), st.ColumnText(4),
                   st.ColumnText(5), st.ColumnInt(6), st.ColumnText(7), ParseUtcText(st.ColumnText(8))});
  }
  return out;
}

Status Appliance::RecordNda(const Actor& actor, std::string_view code, const NdaRecord& nda) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kApplicationWrite, "nda.record", AppObject(code)));
  QOIMA_RETURN_IF_ERROR(ValidateNda(nda, clock_->NowUnix()));
  QOIMA_ASSIGN_OR_RETURN(AppRow r, FindApp(store_->db(), code));
  QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(store_->db()));
  QOIMA_ASSIGN_OR_RETURN(
      Statement st, store_->db().Prepare("INSERT INTO ndas(application_id, owner_representative, owner_authority, "
                                         "operator_representative, signed_on, signed_by_owner, signed_by_operator, "
                                         "recorded_by, recorded_at) VALUES (?,?,?,?,?,?,?,?,?)"));
  st.Bind(1, r.id).Bind(2, nda.owner_representative).Bind(3, nda.owner_authority);
  st.Bind(4, nda.operator_representative).Bind(5, nda.signed_date);
  st.Bind(6, static_cast<int64_t>(nda.signed_by_owner)).Bind(7, static_cast<int64_t>(nda.signed_by_operator));
  st.Bind(8, actor.user_id).Bind(9, NowText());
  QOIMA_RETURN_IF_ERROR(st.Run());
  QOIMA_RETURN_IF_ERROR(Audit(actor, "nda.record", AppObject(code), "success",
                              nda.SignedByBoth() ? "signed by both parties" : "not yet signed by both parties"));
  return tx.Commit();
}

// ---- checks -------------------------------------------------------------------

Result<storage::ScrubReport> Appliance::VerifyStore(const Actor& actor) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kVerify, "store.verify", "store"));
  QOIMA_ASSIGN_OR_RETURN(storage::ScrubReport r, store_->VerifyStore());
  QOIMA_RETURN_IF_ERROR(Audit(actor, "store.verify", "store", r.ok() ? "success" : "failure",
                              std::to_string(r.deposits) + " deposits, " + std::to_string(r.objects) + " objects, " +
                                  std::to_string(r.problem_count()) + " problem(s)"));
  return r;
}

Status Appliance::Backup(const Actor& actor, const std::string& dir) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kRequestSensitive, "store.backup", dir));
  return store_->Backup(dir, StorageActor(actor));
}

Status Appliance::Restore(const ApplianceOptions& options, const std::string& backup_dir) {
  struct stat st {};
  if (::stat((options.state_dir + kKeyringDir).c_str(), &st) != 0)
    return Status::NotFound(options.state_dir + " has no keyring (run qoima init, or recover onto this TPM first)");
  if (::stat((options.state_dir + kStoreDir).c_str(), &st) == 0)
    return Status::FailedPrecondition(options.state_dir + kStoreDir +
                                      " already holds a store: move it aside before restoring over it");
  QOIMA_ASSIGN_OR_RETURN(
      std::unique_ptr<crypto::Keyring> keyring,
      crypto::Keyring::Open(options.tcti, options.state_dir + kKeyringDir, {options.pcr_signature_path}));
  storage::KeyringStoreKeys keys(*keyring);
  return storage::Store::Restore(backup_dir, options.state_dir + kStoreDir, keys);
}

Result<storage::AuditVerifyReport> Appliance::VerifyAudit(const Actor& actor) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kVerify, "audit.verify", "audit"));
  QOIMA_ASSIGN_OR_RETURN(storage::AuditVerifyReport r, store_->VerifyAudit());
  QOIMA_RETURN_IF_ERROR(Audit(actor, "audit.verify", "audit", r.ok() ? "success" : "failure",
                              r.ok() ? std::to_string(r.entries) + " entries verified" : r.problem));
  return r;
}

Result<storage::AuditCheckpoint> Appliance::WitnessCheckpoint(const Actor& actor) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kVerify, "audit.checkpoint", "audit"));
  QOIMA_RETURN_IF_ERROR(Audit(actor, "audit.checkpoint", "audit", "success", "signed for an outside witness"));
  return store_->SignCheckpoint();
}

Result<storage::WitnessVerifyReport> Appliance::VerifyAuditSince(const Actor& actor, std::string_view witness_text,
                                                                 std::string_view where) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kVerify, "audit.verify", "audit"));
  auto witness = storage::ParseCheckpointWitness(witness_text, where);
  if (!witness.ok()) {
    (void)Audit(actor, "audit.verify", "audit", "failure", witness.status().message());
    return witness.status();
  }
  QOIMA_ASSIGN_OR_RETURN(storage::WitnessVerifyReport r, store_->VerifyAuditSince(*witness));
  std::string seen = "since the witnessed checkpoint of size " + std::to_string(witness->tree_size) + " (" +
                     witness->time + ", counter " + std::to_string(witness->counter.value_or(0)) + ")";
  QOIMA_RETURN_IF_ERROR(
      Audit(actor, "audit.verify", "audit", r.ok() ? "success" : "failure",
            r.ok() ? seen + ": consistent up to size " + std::to_string(r.head_size) : seen + ": " + r.problem));
  return r;
}

Status Appliance::RecordRefusedMedium(const Actor* at_counter, const DetectedMedium& m) {
  const hardware::MediaIdentity& id = m.identity;
  std::string what = m.kind;
  for (const std::string* part : {&id.vendor, &id.model})
    if (!part->empty()) what += " " + *part;
  if (!id.serial.empty()) what += ", serial " + id.serial;
  return store_
      ->Record(at_counter ? StorageActor(*at_counter) : kSystem, "media.refuse", "device:" + m.device, "denied",
               m.refusal + " (" + what + "); nothing was read from it")
      .status();
}

Result<std::vector<storage::AuditEvent>> Appliance::AuditEntries(const Actor& actor, uint64_t first, uint64_t count) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kReadAudit, "audit.read", "audit"));
  QOIMA_ASSIGN_OR_RETURN(uint64_t size, store_->audit().Size());
  if (first >= size) return std::vector<storage::AuditEvent>{};
  count = std::min(count, size - first);
  // Reading the log is not recorded in it (only a refusal is): each reading
  // would add an entry, and an auditor's screen reads it on every visit.
  QOIMA_ASSIGN_OR_RETURN(auto events, store_->audit().Entries(first, count));
  // Shown, not as stored: older keys of refusal grounds mapped (basis_keys)
  // and every key in its wording. The leaves are never rewritten: `audit
  // verify` checks them as they were appended.
  QOIMA_ASSIGN_OR_RETURN(const StoredKeyMap keys, LoadStoredKeyMap(store_->db()));
  for (storage::AuditEvent& e : events) e.reason = ShownReasonText(keys.Current(e.reason));
  return events;
}

}  // namespace qoima::appliance

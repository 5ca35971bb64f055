#include "cli/cli_lifecycle.h"
#include "cli/cli_status.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include <sys/stat.h>

#include "appliance/appliance.h"
#include "appliance/lifecycle/appliance_handover_exporter.h"
#include "appliance/lifecycle/calendar_file.h"
#include "appliance/lifecycle/calendar_store.h"
#include "appliance/lifecycle/deadline_rules.h"
#include "appliance/lifecycle/lifecycle_desk.h"
#include "appliance/lifecycle/lifecycle_json.h"
#include "appliance/lifecycle/lifecycle_report.h"
#include "appliance/lifecycle/lifecycle_service.h"
#include "appliance/lifecycle/register_store.h"
#include "appliance/lifecycle/tree_checksum.h"
#include "appliance/role.h"
#include "cli/cli_args.h"
#include "hardware/media_reader.h"

namespace qoima::appliance::lifecycle {

namespace {

using namespace appliance::cli;
/// Largest calendar / register / listing file the CLI reads into memory.
constexpr size_t kMaxInputFileBytes = 256 * 1024 * 1024;

const std::set<std::string> kCommands = {"calendar", "due",     "checksum", "register", "object", "request",
                                         "return",   "destroy", "notices",  "report",   "change"};

/// Arguments after the command words: positionals and --flag value pairs.
struct Args {
  std::vector<std::string> pos;
  std::map<std::string, std::string> flags;
  std::set<std::string> switches;

  bool Has(const std::string& f) const { return switches.count(f) || flags.count(f); }
  std::string Get(const std::string& f, const std::string& def = "") const {
    auto it = flags.find(f);
    return it == flags.end() ? def : it->second;
  }
};

/// The parsed command line (checked against the command table by the
/// parser, cli_args.h) as the lifecycle commands read it: the words from
/// `from` on, and each option under its "--name".
Args ParseArgs(const CliArgs& parsed, size_t from) {
  Args a;
  const auto& p = parsed.positional();
  for (size_t i = from; i < p.size(); ++i) a.pos.push_back(p[i]);
  for (const auto& name : parsed.Names()) a.flags["--" + name] = parsed.GetOr(name, "");
  return a;
}

Result<std::string> ReadInputFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::string s;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    s.append(buf, static_cast<size_t>(in.gcount()));
    if (s.size() > kMaxInputFileBytes) return Status::LimitExceeded(path + " is larger than the CLI reads");
  }
  return s;
}

// Exit codes as in docs/cli.md (4 denied, 6 not allowed now, 7 not found, ...),
// in the one error shape of every command.
int Fail(const Status& s) { return ReportError(JsonOutput(), s); }

int Usage(const std::string& msg) { return ReportUsage(JsonOutput(), msg); }

void PrintJson(const nlohmann::json& j) { std::printf("%s\n", j.dump(2).c_str()); }

Result<CivilDate> DateFlag(const Args& a, const std::string& flag, std::optional<CivilDate> def) {
  std::string v = a.Get(flag);
  if (v.empty()) {
    if (def) return *def;
    return Status::InvalidArgument(flag + " YYYY-MM-DD is required");
  }
  auto d = CivilDate::Parse(v);
  if (!d.ok()) return d.status().WithContext(flag);
  return d;
}

Result<int64_t> IdArg(const std::string& s, const std::string& what) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    return Status::InvalidArgument(what + " '" + s + "' is not a number");
  return static_cast<int64_t>(std::stoll(s));
}

// ---- the store ---------------------------------------------------------------

struct StoreSession {
  std::unique_ptr<Appliance> app;
  std::unique_ptr<storage::ManualClock> fixed_clock;  // --today
  std::unique_ptr<LifecycleDesk> desk;
  LifecycleService* service = nullptr;  // the desk's
  LifecycleActor actor;
  Actor app_actor;  // the same user as the appliance's facade knows them

  CivilDate Today() const { return desk->Today(); }
  ~StoreSession() {
    desk.reset();
    // Sign a checkpoint over this command's audit events, as every appliance command does.
    if (app) (void)app->EndSession();
  }
};

/// Opens the appliance (keyring unsealed by the TPM, then the store) and logs
/// the user in with the password from --password-fd N or $QOIMA_PASSWORD:
/// every store command runs as an authenticated user, auditors included.
/// `allow_today`: read-only commands may pretend another date (--today) for rehearsals.
Result<std::unique_ptr<StoreSession>> OpenStore(const LifecycleCliOptions& o, const Args& a, bool allow_today) {
  auto s = std::make_unique<StoreSession>();
  std::string login = a.Get("--user");
  if (login.empty()) {
    const char* env = std::getenv("QOIMA_USER");
    login = env ? env : "";
  }
  if (login.empty()) return Status::InvalidArgument("who are you? give --user LOGIN or $QOIMA_USER");
  std::optional<std::string> fd;
  if (a.Has("--password-fd")) fd = a.Get("--password-fd");
  QOIMA_ASSIGN_OR_RETURN(std::string password, ReadSecret(fd, "QOIMA_PASSWORD", "password"));
  ApplianceOptions ao;
  ao.tcti = o.tcti;
  ao.state_dir = o.state_dir;
  QOIMA_ASSIGN_OR_RETURN(s->app, Appliance::Open(ao));
  auto actor = s->app->Login(login, password);
  if (!actor.ok()) return actor.status();
  s->actor = {actor->username, std::string(RoleName(actor->role))};
  s->app_actor = *actor;
  if (a.Has("--today")) {
    if (!allow_today) return Status::InvalidArgument("--today is only for due, report and register look-ups");
    QOIMA_ASSIGN_OR_RETURN(CivilDate d, DateFlag(a, "--today", std::nullopt));
    s->fixed_clock = std::make_unique<storage::ManualClock>(NoonUtcUnix(d));
  }
  QOIMA_ASSIGN_OR_RETURN(s->desk, s->app->OpenLifecycle(s->app_actor, s->fixed_clock.get()));
  s->service = &s->desk->service();
  return s;
}

// ---- calendar ----------------------------------------------------------------

/// Every weekday off and weekend day worked, with the reason; then the
/// provisional entries (expected dates not yet announced), which move
/// deadlines when the announced date differs.
void PrintYear(const WorkingCalendar& cal, const CalendarYear& y) {
  std::printf("%d  source: %s\n", y.year, y.source.c_str());
  for (CivilDate d = CivilDate::FromYmd(y.year, 1, 1); d.year() == y.year; d = d.AddDays(1)) {
    auto info = cal.Describe(d);
    if (!info.ok()) continue;
    bool unusual = info->working == d.is_weekend();
    if (unusual)
      std::printf("  %s  %-9s %s%s\n", d.ToString().c_str(), info->working ? "WORKING" : "day off",
                  info->reason.c_str(), info->provisional ? "  [PROVISIONAL]" : "");
  }
  auto provisional = cal.ProvisionalEntries(y.year);
  if (provisional.empty()) {
    std::printf("  no provisional entries\n");
    return;
  }
  std::printf("  %zu PROVISIONAL entr%s (expected dates: confirm against the announcement and re-import):\n",
              provisional.size(), provisional.size() == 1 ? "y" : "ies");
  static constexpr const char* kDays[] = {"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  for (const auto& e : provisional)
    std::printf("  PROVISIONAL  %s %s  %s: %s (source: %s)\n", e.date.ToString().c_str(), kDays[e.date.iso_weekday()],
                std::string(CalendarEntryKindName(e.kind)).c_str(), e.name.c_str(), e.source.c_str());
}

/// The same as PrintYear, as JSON.
nlohmann::json YearJson(const WorkingCalendar& cal, const CalendarYear& y) {
  nlohmann::json days = nlohmann::json::array(), provisional = nlohmann::json::array();
  for (CivilDate d = CivilDate::FromYmd(y.year, 1, 1); d.year() == y.year; d = d.AddDays(1)) {
    auto info = cal.Describe(d);
    if (info.ok() && info->working == d.is_weekend())
      days.push_back({{"date", d.ToString()},
                      {"working", info->working},
                      {"reason", info->reason},
                      {"provisional", info->provisional}});
  }
  for (const auto& e : cal.ProvisionalEntries(y.year))
    provisional.push_back({{"date", e.date.ToString()},
                           {"kind", std::string(CalendarEntryKindName(e.kind))},
                           {"name", e.name},
                           {"source", e.source}});
  return {{"year", y.year}, {"source", y.source}, {"unusual_days", days}, {"provisional", provisional}};
}

nlohmann::json ImportJson(const CalendarImportInfo& i) {
  return {{"year", i.year},
          {"version", i.version},
          {"source", i.source},
          {"file", i.file_name},
          {"sha256", i.file_sha256_hex},
          {"imported_at", i.imported_at},
          {"imported_by", i.imported_by}};
}

int CmdCalendar(const LifecycleCliOptions& o, const CliArgs& parsed) {
  const std::vector<std::string>& v = parsed.positional();
  if (v.size() < 2) return Usage("calendar needs check, show or import");
  Args a = ParseArgs(parsed, 2);
  if (v[1] == "check") {
    if (a.pos.size() != 1) return Usage("calendar check FILE");
    auto text = ReadInputFile(a.pos[0]);
    if (!text.ok()) return Fail(text.status());
    auto years = ParseCalendarFile(*text, a.pos[0]);
    if (!years.ok()) return Fail(years.status());
    auto cal = WorkingCalendar::Build(*years);
    if (!cal.ok()) return Fail(cal.status());
    if (o.json) {
      nlohmann::json ys = nlohmann::json::array();
      for (const auto& y : *years) ys.push_back(YearJson(*cal, y));
      PrintJson({{"ok", true}, {"years", ys}});
      return kExitOk;
    }
    for (const auto& y : *years) PrintYear(*cal, y);
    std::printf("calendar check: %zu year(s) OK\n", years->size());
    return kExitOk;
  }
  if (v[1] == "import") {
    if (a.pos.size() != 1) return Usage("calendar import FILE --source TEXT --user LOGIN");
    auto text = ReadInputFile(a.pos[0]);
    if (!text.ok()) return Fail(text.status());
    auto s = OpenStore(o, a, false);
    if (!s.ok()) return Fail(s.status());
    auto r = (*s)->desk->ImportCalendar(*text, a.pos[0], a.Get("--source"));
    if (!r.ok()) return Fail(r.status());
    if (o.json) {
      nlohmann::json imported = nlohmann::json::array();
      for (const auto& i : *r) imported.push_back(ImportJson(i));
      PrintJson({{"ok", true}, {"imported", imported}});
      return kExitOk;
    }
    for (const auto& i : *r)
      std::printf("calendar %d imported as version %d (source: %s, sha256 %s)\n", i.year, i.version, i.source.c_str(),
                  i.file_sha256_hex.c_str());
    return kExitOk;
  }
  if (v[1] == "show") {
    auto s = OpenStore(o, a, false);
    if (!s.ok()) return Fail(s.status());
    if (a.Has("--history")) {
      auto h = (*s)->desk->CalendarHistory();
      if (!h.ok()) return Fail(h.status());
      if (o.json) {
        nlohmann::json imports = nlohmann::json::array();
        for (const auto& i : *h) imports.push_back(ImportJson(i));
        PrintJson({{"ok", true}, {"history", imports}});
        return kExitOk;
      }
      for (const auto& i : *h)
        std::printf("%d v%d  %s  by %s  file %s  sha256 %s  source: %s\n", i.year, i.version, i.imported_at.c_str(),
                    i.imported_by.c_str(), i.file_name.c_str(), i.file_sha256_hex.c_str(), i.source.c_str());
      return kExitOk;
    }
    std::vector<CalendarImportInfo> in_force;
    auto cal = (*s)->desk->CalendarInForce(&in_force);
    if (!cal.ok()) return Fail(cal.status());
    nlohmann::json years = nlohmann::json::array();
    for (const auto& i : in_force) {
      if (!a.pos.empty() && a.pos[0] != std::to_string(i.year)) continue;
      if (o.json) {
        nlohmann::json y = YearJson(*cal, *cal->year(i.year));
        y["import"] = ImportJson(i);
        years.push_back(std::move(y));
        continue;
      }
      std::printf("== %d: %s\n", i.year,
                  i.version == 0 ? ("built-in default " + i.file_name).c_str()
                                 : ("imported version " + std::to_string(i.version) + " from " + i.file_name + " on " +
                                    i.imported_at + " by " + i.imported_by)
                                       .c_str());
      PrintYear(*cal, *cal->year(i.year));
    }
    if (o.json) PrintJson({{"ok", true}, {"years", years}});
    return kExitOk;
  }
  return Usage("unknown calendar command '" + v[1] + "'");
}

// ---- due, notices ------------------------------------------------------------

int CmdDue(const LifecycleCliOptions& o, const CliArgs& parsed) {
  Args a = ParseArgs(parsed, 1);
  int soon = 2;
  if (a.Has("--soon")) {
    auto n = IdArg(a.Get("--soon"), "--soon");
    if (!n.ok()) return Usage(n.status().message());
    soon = static_cast<int>(*n);
  }
  auto s = OpenStore(o, a, true);
  if (!s.ok()) return Fail(s.status());
  auto due = (*s)->service->Due(soon);
  if (!due.ok()) return Fail(due.status());
  if (o.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& d : *due) j.push_back(ToJson(d));
    PrintJson({{"today", (*s)->Today().ToString()}, {"items", j}});
    return kExitOk;
  }
  std::printf("as of %s: %zu open item(s)\n", (*s)->Today().ToString().c_str(), due->size());
  for (const auto& d : *due)
    std::printf("%-8s  due %s  %+d wd  %-12s %-10s %s%s\n", std::string(DueStatusName(d.status)).c_str(),
                d.due_on.ToString().c_str(), d.working_days_left, d.ref.c_str(), d.clause.c_str(), d.what.c_str(),
                d.provisional_calendar ? "  [counted over a PROVISIONAL calendar day]" : "");
  return kExitOk;
}

int CmdNotices(const LifecycleCliOptions& o, const CliArgs& parsed) {
  Args a = ParseArgs(parsed, 1);
  bool mark = !a.pos.empty() && a.pos[0] == "sent";
  auto s = OpenStore(o, a, false);
  if (!s.ok()) return Fail(s.status());
  if (mark) {
    if (a.pos.size() != 2) return Usage("notices sent NOTICE --date YYYY-MM-DD --export REF");
    auto id = IdArg(a.pos[1], "notice");
    auto date = DateFlag(a, "--date", (*s)->Today());
    if (!id.ok() || !date.ok()) return Usage(!id.ok() ? id.status().message() : date.status().message());
    Status st = (*s)->service->MarkNoticeSent((*s)->actor, *id, *date, a.Get("--export"));
    if (!st.ok()) return Fail(st);
    if (o.json) {
      PrintJson({{"ok", true}, {"notice", *id}, {"sent_on", date->ToString()}, {"export", a.Get("--export")}});
      return kExitOk;
    }
    std::printf("notice %lld recorded as sent on %s\n", static_cast<long long>(*id), date->ToString().c_str());
    return kExitOk;
  }
  auto list = (*s)->service->Notices();
  if (!list.ok()) return Fail(list.status());
  if (o.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& n : *list) j.push_back(ToJson(n));
    PrintJson(j);
    return kExitOk;
  }
  for (const auto& n : *list)
    std::printf("notice %lld  %-12s due %s  %s  %s\n", static_cast<long long>(n.id), n.kind.c_str(),
                n.due_on ? n.due_on->ToString().c_str() : "-",
                n.sent_on ? ("sent " + n.sent_on->ToString() + " in " + n.export_ref).c_str() : "NOT SENT",
                n.event.c_str());
  return kExitOk;
}

// ---- checksum ------------------------------------------------------------------

/// Hashes every file an image holds, through the sandboxed media reader.
class HashingSink : public hardware::MediaSink {
 public:
  Status OnEntry(const hardware::EntryHeader& h) override {
    in_file_ = h.type == hardware::EntryType::kFile;
    if (in_file_) {
      path_ = h.raw_path;
      hasher_ = std::make_unique<crypto::Sha256>();
      size_ = 0;
    } else if (h.type != hardware::EntryType::kDirectory) {
      non_regular.push_back({h.raw_path, std::string(hardware::EntryTypeName(h.type)) +
                                             (h.link_target.empty() ? "" : " to " + h.link_target)});
    }
    return Status::Ok();
  }
  Status OnData(std::span<const uint8_t> chunk) override {
    if (in_file_) {
      hasher_->Update(chunk);
      size_ += chunk.size();
    }
    return Status::Ok();
  }
  Status OnEntryEnd(bool complete) override {
    if (!in_file_) return Status::Ok();
    in_file_ = false;
    if (!complete) return Status::MediaUnreadable("file '" + path_ + "' could not be read completely");
    files.push_back({path_, size_, hasher_->Finish()});
    return Status::Ok();
  }
  Status OnArchiveMember(const hardware::ArchiveMember&) override { return Status::Ok(); }
  Status OnProblem(const hardware::MediaProblem& p) override {
    problems.push_back(std::string(hardware::ProblemClassName(p.cls)) + ": " + p.message +
                       (p.path.empty() ? "" : " (" + p.path + ")"));
    return Status::Ok();
  }

  std::vector<FileChecksum> files;
  std::vector<NonRegularEntry> non_regular;
  std::vector<std::string> problems;

 private:
  bool in_file_ = false;
  std::string path_;
  uint64_t size_ = 0;
  std::unique_ptr<crypto::Sha256> hasher_;
};

Result<DirectoryChecksum> ChecksumTarget(const std::string& target) {
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + target);
  if (S_ISDIR(st.st_mode)) return ChecksumDirectory(target);
  HashingSink sink;
  hardware::SandboxedMediaReader reader;
  auto summary = reader.Read(target, hardware::ReadOptions{}, sink);
  if (!summary.ok()) return summary.status().WithContext("read image " + target);
  DirectoryChecksum out;
  QOIMA_ASSIGN_OR_RETURN(out.tree, MakeTreeChecksum(std::move(sink.files)));
  out.non_regular = std::move(sink.non_regular);
  return out;
}

int CmdChecksum(const LifecycleCliOptions& o, const CliArgs& parsed) {
  const std::vector<std::string>& v = parsed.positional();
  if (v.size() < 2) return Usage("checksum needs compute or verify");
  Args a = ParseArgs(parsed, 2);
  if (v[1] == "compute") {
    if (a.pos.size() != 1) return Usage("checksum compute DIR|IMAGE");
    auto sum = ChecksumTarget(a.pos[0]);
    if (!sum.ok()) return Fail(sum.status());
    if (o.json) {
      nlohmann::json files = nlohmann::json::array();
      for (const auto& f : sum->tree.files)
        files.push_back({{"path", f.path}, {"size", *f.size}, {"sha256", crypto::Hex(f.sha256)}});
      PrintJson({{"root_sha256", crypto::Hex(sum->tree.root)}, {"files", files}});
    } else {
      std::fputs(Sha256sumListing(sum->tree.files).c_str(), stdout);
      std::printf("# root %s  (%zu files, %llu bytes)\n", crypto::Hex(sum->tree.root).c_str(), sum->tree.files.size(),
                  static_cast<unsigned long long>(sum->tree.total_bytes));
    }
    for (const auto& n : sum->non_regular)
      std::fprintf(stderr, "qoima: not a regular file: %s (%s)\n", n.path.c_str(), n.what.c_str());
    return kExitOk;
  }
  if (v[1] != "verify") return Usage("unknown checksum command '" + v[1] + "'");
  if (a.pos.size() != 1) return Usage("checksum verify DIR|IMAGE (--object OBJ --version N | --list SHA256SUMS)");
  TreeChecksum expected;
  std::string against;
  if (a.Has("--list")) {
    auto text = ReadInputFile(a.Get("--list"));
    if (!text.ok()) return Fail(text.status());
    auto t = ParseSha256sumListing(*text, a.Get("--list"));
    if (!t.ok()) return Fail(t.status());
    expected = std::move(*t);
    against = "listing " + a.Get("--list");
  } else {
    auto ver = IdArg(a.Get("--version"), "--version");
    if (!a.Has("--object") || !ver.ok()) return Usage("checksum verify needs --object OBJ --version N or --list FILE");
    auto s = OpenStore(o, a, false);
    if (!s.ok()) return Fail(s.status());
    VersionInfo info;
    auto t = (*s)->desk->StoredVersionTree(a.Get("--object"), static_cast<int>(*ver), &info);
    if (!t.ok()) return Fail(t.status());
    if (info.state != "committed") return Fail(Status::FailedPrecondition("that version was destroyed"));
    expected = std::move(*t);
    against = "object " + a.Get("--object") + " version " + std::to_string(*ver) + " (" +
              std::string(StoreTierName(info.tier)) + " store)";
  }
  auto actual = ChecksumTarget(a.pos[0]);
  if (!actual.ok()) return Fail(actual.status());
  auto diff = CompareTrees(expected, actual->tree, actual->non_regular);
  if (o.json) {
    nlohmann::json d = nlohmann::json::array();
    for (const auto& x : diff)
      d.push_back({{"kind", TreeDifferenceKindName(x.kind)}, {"path", x.path}, {"detail", x.detail}});
    PrintJson({{"against", against},
               {"expected_root", crypto::Hex(expected.root)},
               {"actual_root", crypto::Hex(actual->tree.root)},
               {"identical", diff.empty()},
               {"differences", d}});
  } else {
    for (const auto& x : diff)
      std::printf("%-10s %s: %s\n", std::string(TreeDifferenceKindName(x.kind)).c_str(), x.path.c_str(),
                  x.detail.c_str());
    std::printf("%s: %s against %s (root %s, %zu file(s) checked)\n", a.pos[0].c_str(),
                diff.empty() ? "IDENTICAL" : (std::to_string(diff.size()) + " DIFFERENCE(S)").c_str(), against.c_str(),
                crypto::Hex(actual->tree.root).c_str(), actual->tree.files.size());
  }
  return diff.empty() ? kExitOk : kExitCheckFailed;
}

// ---- register ----------------------------------------------------------------

int CmdRegister(const LifecycleCliOptions& o, const CliArgs& parsed) {
  const std::vector<std::string>& v = parsed.positional();
  if (v.size() < 2) return Usage("register needs import, show or lookup");
  Args a = ParseArgs(parsed, 2);
  if (v[1] == "import") {
    if (a.pos.size() != 1) return Usage("register import FILE --user LOGIN");
    auto text = ReadInputFile(a.pos[0]);
    if (!text.ok()) return Fail(text.status());
    auto s = OpenStore(o, a, false);
    if (!s.ok()) return Fail(s.status());
    auto r = (*s)->desk->ImportRegisterSnapshot(*text, a.pos[0]);
    if (!r.ok()) return Fail(r.status());
    if (o.json) {
      PrintJson({{"ok", true},
                 {"as_of", r->as_of.ToString()},
                 {"entries", r->entries},
                 {"age_days", (*s)->Today().DaysSince(r->as_of)},
                 {"source", r->source}});
      return kExitOk;
    }
    std::printf("register snapshot of %s imported: %lld entries, %d days old (source: %s)\n",
                r->as_of.ToString().c_str(), static_cast<long long>(r->entries), (*s)->Today().DaysSince(r->as_of),
                r->source.c_str());
    return kExitOk;
  }
  if (v[1] != "show" && v[1] != "lookup") return Usage("unknown register command '" + v[1] + "'");
  auto s = OpenStore(o, a, true);
  if (!s.ok()) return Fail(s.status());
  RegisterImportInfo info;
  auto snap = (*s)->desk->LatestRegisterSnapshot(&info);
  if (!snap.ok()) return Fail(snap.status());
  if (!snap->has_value())
    return Fail(Status::NotFound("no register snapshot has been imported (qoima register import FILE)"));
  CivilDate today = (*s)->Today();
  int age = (*snap)->AgeDays(today);
  if (v[1] == "show") {
    if (o.json) {
      PrintJson({{"ok", true},
                 {"as_of", (*snap)->taken.ToString()},
                 {"age_days", age},
                 {"stale", age > RegisterSnapshotLimits::kStaleAfterDays},
                 {"entries", info.entries},
                 {"imported_at", info.imported_at},
                 {"source", info.source}});
      return kExitOk;
    }
    std::printf("register snapshot of %s, %d days old%s; %lld entries; imported %s; source: %s\n",
                (*snap)->taken.ToString().c_str(), age, age > RegisterSnapshotLimits::kStaleAfterDays ? " (STALE)" : "",
                static_cast<long long>(info.entries), info.imported_at.c_str(), info.source.c_str());
    return kExitOk;
  }
  if (a.pos.size() != 1) return Usage("register lookup QUERY [--track application|register]");
  std::string track = a.Get("--track", "application");
  if (track != "application" && track != "register") return Usage("--track is application or register");
  auto r = LookUpProduct(**snap, a.pos[0], track == "register" ? RegisterTrack::kRegister : RegisterTrack::kApplication,
                         today);
  if (o.json) {
    nlohmann::json m = nlohmann::json::array();
    for (const auto* e : r.matches)
      m.push_back({{"number", e->number},
                   {"holder", e->holder},
                   {"bin_iin", e->bin},
                   {"product", e->product},
                   {"status", RegisterEntryStatusName(e->status)},
                   {"notice", e->notice_number},
                   {"notice_date", e->notice_date.ToString()}});
    PrintJson({{"matches", m},
               {"snapshot_age_days", r.snapshot_age_days},
               {"stale", r.stale},
               {"blocks_acceptance", r.blocks_acceptance},
               {"advice", r.advice}});
  } else {
    for (const auto* e : r.matches)
      std::printf("%s  %s  %s (BIN/IIN %s)  %s, notice %s of %s\n", e->number.c_str(), e->product.c_str(),
                  e->holder.c_str(), e->bin.c_str(), std::string(RegisterEntryStatusName(e->status)).c_str(),
                  e->notice_number.c_str(), e->notice_date.ToString().c_str());
    std::printf("%s\n", r.advice.c_str());
  }
  return r.blocks_acceptance ? kExitFailed : kExitOk;
}

// ---- objects, versions, cases --------------------------------------------------

int CmdTestOutcome(const LifecycleCliOptions& o, const Args& a, const CliArgs& parsed) {
  const char* usage =
      "object test-outcome OBJ VERSION positive|negative --report REF [--report-file FILE]... [--findings FILE.json] "
      "[--date YYYY-MM-DD]";
  if (a.pos.size() != 4 || (a.pos[3] != "positive" && a.pos[3] != "negative")) return Usage(usage);
  auto ver = IdArg(a.pos[2], "version");
  if (!ver.ok()) return Usage(ver.status().message());
  SecurityTestRecord record;
  record.outcome = a.pos[3] == "positive" ? TestOutcome::kPositive : TestOutcome::kNegative;
  record.reference = a.Get("--report");
  // The files are read before the store is opened: a bad file changes nothing.
  for (const std::string& path : parsed.GetAll("report-file")) {
    auto bytes = ReadInputFile(path);
    if (!bytes.ok()) return Fail(bytes.status().WithContext("--report-file"));
    record.reports.push_back({std::filesystem::path(path).filename().string(), std::move(*bytes)});
  }
  if (a.Has("--findings")) {
    auto text = ReadInputFile(a.Get("--findings"));
    if (!text.ok()) return Fail(text.status().WithContext("--findings"));
    auto parsed_findings = ParseTestFindings(*text, a.Get("--findings"));
    if (!parsed_findings.ok()) return Fail(parsed_findings.status());
    record.findings = std::move(parsed_findings->findings);
    record.remediation = std::move(parsed_findings->remediation);
  }
  auto s = OpenStore(o, a, false);
  if (!s.ok()) return Fail(s.status());
  auto obj = (*s)->service->FindObject(a.pos[1]);
  if (!obj.ok()) return Fail(obj.status());
  auto date = DateFlag(a, "--date", (*s)->Today());
  if (!date.ok()) return Usage(date.status().message());
  record.tested_on = *date;
  Status st = (*s)->service->RecordTestOutcome((*s)->actor, obj->id, static_cast<int>(*ver), record);
  if (!st.ok()) return Fail(st);
  auto tests = (*s)->service->SecurityTests(obj->id);
  const int64_t test_id = tests.ok() && !tests->empty() ? tests->back().id : 0;
  if (o.json) {
    PrintJson({{"ok", true},
               {"object", obj->id},
               {"version", *ver},
               {"test", test_id},
               {"outcome", a.pos[3]},
               {"reports", record.reports.size()},
               {"vulnerabilities", record.findings.size()},
               {"corrections", record.remediation.size()},
               {"tier", a.pos[3] == "positive" ? "permanent" : "temporary"}});
    return kExitOk;
  }
  std::printf("version %lld of object %lld: %s test outcome recorded%s\n", static_cast<long long>(*ver),
              static_cast<long long>(obj->id), a.pos[3].c_str(),
              a.pos[3] == "positive" ? "; moved to the permanent store" : "; stays in the temporary store");
  return kExitOk;
}

// `qoima object test-report TEST N --out FILE --reason TEXT`: a report file of
// a security test, byte-exact (audited before the bytes leave; written to
// FILE.part and renamed once it authenticated).
int CmdTestReport(const LifecycleCliOptions& o, const Args& a) {
  const char* usage = "object test-report TEST N --out FILE --reason TEXT";
  if (a.pos.size() != 3 || !a.Has("--out") || !a.Has("--reason")) return Usage(usage);
  auto test = IdArg(a.pos[1], "test");
  if (!test.ok()) return Usage(test.status().message());
  auto number = IdArg(a.pos[2], "report number");
  if (!number.ok()) return Usage(number.status().message());
  const std::string out_path = a.Get("--out");
  auto s = OpenStore(o, a, false);
  if (!s.ok()) return Fail(s.status());
  const std::string tmp = out_path + ".part";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return Fail(Status::IoError("cannot write " + tmp));
  auto report = (*s)->service->ReadTestReport(
      (*s)->actor, *test, static_cast<int>(*number), a.Get("--reason"), [&](std::span<const uint8_t> bytes) {
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        return out ? Status::Ok() : Status::IoError("write " + tmp);
      });
  out.close();
  if (!report.ok() || !out) {
    std::remove(tmp.c_str());
    return Fail(report.ok() ? Status::IoError("write " + tmp) : report.status());
  }
  if (std::rename(tmp.c_str(), out_path.c_str()) != 0) return Fail(Status::FromErrno(errno, "rename " + tmp));
  if (o.json) {
    PrintJson({{"ok", true},
               {"test", *test},
               {"number", *number},
               {"name", report->name},
               {"size", report->size},
               {"sha256", report->sha256},
               {"out", out_path}});
  } else {
    std::printf("%s  %s (%lld bytes) -> %s\n", report->sha256.c_str(), report->name.c_str(),
                static_cast<long long>(report->size), out_path.c_str());
  }
  return kExitOk;
}

int CmdObject(const LifecycleCliOptions& o, const CliArgs& parsed) {
  Args a = ParseArgs(parsed, 1);
  if (!a.pos.empty() && a.pos[0] == "test-outcome") return CmdTestOutcome(o, a, parsed);
  if (!a.pos.empty() && a.pos[0] == "test-report") return CmdTestReport(o, a);
  if (a.pos.size() != 2 || a.pos[0] != "show")
    return Usage("object show OBJ | object test-outcome OBJ VERSION ... | object test-report TEST N ...");
  auto s = OpenStore(o, a, false);
  if (!s.ok()) return Fail(s.status());
  auto& svc = *(*s)->service;
  auto obj = svc.FindObject(a.pos[1]);
  if (!obj.ok()) return Fail(obj.status());
  auto versions = svc.Versions(obj->id);
  auto moves = svc.TierHistory(obj->id);
  auto cases = svc.Cases(obj->id);
  auto tests = svc.SecurityTests(obj->id);
  if (!versions.ok() || !moves.ok() || !cases.ok() || !tests.ok())
    return Fail(!versions.ok() ? versions.status()
                : !moves.ok()  ? moves.status()
                : !cases.ok()  ? cases.status()
                               : tests.status());
  if (o.json) {
    nlohmann::json vs = nlohmann::json::array(), cs = nlohmann::json::array(), ms = nlohmann::json::array();
    nlohmann::json ts = nlohmann::json::array();
    for (const auto& t : *tests) ts.push_back(ToJson(t));
    for (const auto& x : *versions) vs.push_back(ToJson(x));
    for (const auto& x : *cases) cs.push_back(ToJson(x));
    for (const auto& m : *moves)
      ms.push_back({{"version", m.version_no},
                    {"from", m.from},
                    {"to", m.to},
                    {"reason", m.reason},
                    {"by", m.by},
                    {"at", m.at}});
    PrintJson({{"object", ToJson(*obj)}, {"versions", vs}, {"tier_moves", ms}, {"cases", cs}, {"security_tests", ts}});
    return kExitOk;
  }
  std::printf("object %lld  %s  portal code %s  track %s%s%s\n", static_cast<long long>(obj->id), obj->name.c_str(),
              obj->portal_code.c_str(), obj->track.c_str(),
              obj->operation_ended_at ? ("  operation ended " + *obj->operation_ended_at).c_str() : "",
              obj->destroyed ? "  DESTROYED" : "");
  for (const auto& x : *versions)
    std::printf("  version %d %-10s %-9s %-9s %lld files %lld bytes root %s\n", x.version_no, x.label.c_str(),
                std::string(StoreTierName(x.tier)).c_str(), x.state.c_str(), static_cast<long long>(x.file_count),
                static_cast<long long>(x.total_bytes), x.root_hex.empty() ? "-" : x.root_hex.c_str());
  for (const auto& m : *moves)
    std::printf("  moved version %d %s -> %s on %s by %s: %s\n", m.version_no, m.from.c_str(), m.to.c_str(),
                m.at.c_str(), m.by.c_str(), m.reason.c_str());
  for (const auto& t : *tests)
    std::printf(
        "  security test %lld of version %d: %s, report %s of %s; %zu report file(s), %zu vulnerabilit%s, "
        "%zu correction(s)\n",
        static_cast<long long>(t.id), t.version_no, std::string(TestOutcomeName(t.outcome)).c_str(),
        t.reference.c_str(), t.tested_on.ToString().c_str(), t.reports.size(), t.findings.size(),
        t.findings.size() == 1 ? "y" : "ies", t.remediation.size());
  for (const auto& t : *tests)
    for (size_t i = 0; i < t.reports.size(); ++i)
      std::printf("    test %lld report %zu: %s, %lld bytes, SHA-256 %s%s\n", static_cast<long long>(t.id), i + 1,
                  t.reports[i].name.c_str(), static_cast<long long>(t.reports[i].size), t.reports[i].sha256.c_str(),
                  t.reports[i].destroyed ? " (destroyed with its version)" : "");
  for (const auto& c : *cases)
    std::printf("  case %lld %-7s received %s ref %s due %s %s\n", static_cast<long long>(c.id),
                std::string(CaseKindName(c.kind)).c_str(), c.received_on.ToString().c_str(), c.reference.c_str(),
                c.due_on.ToString().c_str(),
                c.done ? ("done " + c.done_on->ToString() + " (" + c.result_ref + ")").c_str() : "OPEN");
  return kExitOk;
}

void PrintCase(const LifecycleCliOptions& o, const CaseInfo& c) {
  if (o.json) {
    PrintJson(ToJson(c));
    return;
  }
  std::printf("case %lld (%s) for object %lld: received %s, ref %s, due %s (%s)\n", static_cast<long long>(c.id),
              std::string(CaseKindName(c.kind)).c_str(), static_cast<long long>(c.object_id),
              c.received_on.ToString().c_str(), c.reference.c_str(), c.due_on.ToString().c_str(), c.rule_id.c_str());
}

void PrintHandover(const LifecycleCliOptions& o, const HandoverResult& r) {
  if (o.json) {
    nlohmann::json bundles = nlohmann::json::array();
    for (const auto& b : r.bundles) bundles.push_back(ToJson(b));
    nlohmann::json j = {{"case", ToJson(r.closed)}, {"bundles", bundles}};
    if (r.return_act) j["return_act"] = ToJson(*r.return_act);
    PrintJson(j);
    return;
  }
  std::printf("case %lld (%s) done %s: %zu bundle(s)\n", static_cast<long long>(r.closed.id),
              std::string(CaseKindName(r.closed.kind)).c_str(),
              r.closed.done_on ? r.closed.done_on->ToString().c_str() : "-", r.bundles.size());
  for (const auto& b : r.bundles)
    std::printf("  version %d: %s  export %s  sequence %llu  %llu files  %llu bytes%s  sha256 %s\n", b.version_no,
                b.location.c_str(), b.export_id.c_str(), static_cast<unsigned long long>(b.sequence),
                static_cast<unsigned long long>(b.payload_files), static_cast<unsigned long long>(b.payload_bytes),
                b.encrypted ? "  encrypted" : "", b.bundle_sha256.c_str());
  if (r.return_act) {
    const auto& a = *r.return_act;
    std::printf("return act %s of %s: object %lld '%s', notice %s of %s\n", a.act_number.c_str(),
                a.act_date.ToString().c_str(), static_cast<long long>(a.object.id), a.object.name.c_str(),
                a.notice_reference.c_str(), a.notice_received_on.ToString().c_str());
    for (const auto& v : a.versions) {
      std::printf("  version %d (%s store) root %s: %lld files, %lld bytes\n", v.version_no, v.tier.c_str(),
                  v.root_hex.c_str(), static_cast<long long>(v.file_count), static_cast<long long>(v.total_bytes));
      for (const auto& f : v.files)
        std::printf("    %s  %lld  %s\n", f.sha256_hex.c_str(), static_cast<long long>(f.size), f.path.c_str());
    }
    std::printf("approved by %s and %s; audit checkpoint %llu %s\n", a.requested_by.c_str(), a.approved_by.c_str(),
                static_cast<unsigned long long>(a.checkpoint_tree_size), a.checkpoint_root_hex.c_str());
  }
  std::printf("verify each bundle offline with `qoima verify-bundle BUNDLE --cert DEVICE.pem`\n");
}

Result<std::vector<int64_t>> IdList(const std::string& text, const std::string& what) {
  std::vector<int64_t> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string one = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    QOIMA_ASSIGN_OR_RETURN(int64_t id, IdArg(one, what));
    out.push_back(id);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

/// request|return ask-approval CASE [--version N] ; run CASE --approval ID,... --to DIR
int CmdHandover(const LifecycleCliOptions& o, const Args& a, const std::string& name) {
  const std::string& sub = a.pos[0];
  auto id = IdArg(a.pos[1], "case");
  if (!id.ok()) return Usage(id.status().message());
  std::optional<int> version;
  if (a.Has("--version")) {
    auto n = IdArg(a.Get("--version"), "--version");
    if (!n.ok()) return Usage(n.status().message());
    version = static_cast<int>(*n);
  }
  if (sub == "run" && (a.Get("--to").empty() || a.Get("--approval").empty()))
    return Usage(name + " run CASE --approval ID[,ID...] --to DIR [--recipient-cert PEM]");
  std::optional<std::string> recipient;
  if (a.Has("--recipient-cert")) {
    auto pem = ReadInputFile(a.Get("--recipient-cert"));
    if (!pem.ok()) return Fail(pem.status().WithContext("--recipient-cert"));
    recipient = *pem;
  }
  auto s = OpenStore(o, a, false);
  if (!s.ok()) return Fail(s.status());
  auto& svc = *(*s)->service;
  if (sub == "ask-approval") {
    // One export request per version, through the appliance's two-person approvals.
    auto versions = svc.HandoverVersions(*id, version);
    auto reason = svc.HandoverReason(*id);
    if (!versions.ok() || !reason.ok()) return Fail(!versions.ok() ? versions.status() : reason.status());
    std::string ids;
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : *versions) {
      auto r = (*s)->app->RequestApproval((*s)->app_actor, SensitiveAction::kExport,
                                          "deposit:" + std::to_string(v.deposit_id), *reason);
      if (!r.ok()) return Fail(r.status().WithContext("version " + std::to_string(v.version_no)));
      ids += (ids.empty() ? "" : ",") + std::to_string(r->id);
      j.push_back({{"version", v.version_no}, {"deposit_id", v.deposit_id}, {"approval_id", r->id}});
      if (!o.json)
        std::printf("version %d (deposit %lld): export approval %lld requested\n", v.version_no,
                    static_cast<long long>(v.deposit_id), static_cast<long long>(r->id));
    }
    if (o.json) {
      PrintJson({{"case", *id}, {"approvals", j}});
    } else {
      std::printf(
          "a second security officer approves each with `qoima export approve ID`; then `qoima %s run %lld "
          "--approval %s --to DIR`\n",
          name.c_str(), static_cast<long long>(*id), ids.c_str());
    }
    return kExitOk;
  }
  if (version) return Usage("--version belongs to `" + name + " ask-approval`: run takes the approved versions");
  auto approvals = IdList(a.Get("--approval"), "--approval");
  if (!approvals.ok()) return Usage(approvals.status().message());
  ApplianceHandoverExporter exporter(*(*s)->app, (*s)->app_actor, a.Get("--to"), recipient);
  if (Status st = exporter.Check(); !st.ok()) return Fail(st.WithContext("--to"));
  auto r = svc.Handover((*s)->actor, *id, *approvals, exporter);
  if (!r.ok()) return Fail(r.status());
  PrintHandover(o, *r);
  return kExitOk;
}

/// request|return OBJ --received DATE --ref REF, and the hand-over subcommands.
int CmdCase(const LifecycleCliOptions& o, const Args& a, const std::string& name, CaseKind kind) {
  if (a.pos.size() == 2 && (a.pos[0] == "ask-approval" || a.pos[0] == "run")) return CmdHandover(o, a, name);
  if (a.pos.size() == 2 && a.pos[0] == "done")
    return Usage(name + " done is gone: the code leaves only as signed bundles: `qoima " + name +
                 " ask-approval CASE`, `qoima export approve ID`, `qoima " + name +
                 " run CASE --approval ID,... --to DIR`");
  if (a.pos.size() != 1)
    return Usage(name + " OBJ --received YYYY-MM-DD --ref LETTER  |  " + name + " ask-approval CASE  |  " + name +
                 " run CASE --approval ID,... --to DIR");
  auto s = OpenStore(o, a, false);
  if (!s.ok()) return Fail(s.status());
  auto obj = (*s)->service->FindObject(a.pos[0]);
  if (!obj.ok()) return Fail(obj.status());
  auto date = DateFlag(a, "--received", (*s)->Today());
  if (!date.ok()) return Usage(date.status().message());
  auto c = (*s)->service->OpenCase((*s)->actor, obj->id, kind, *date, a.Get("--ref"));
  if (!c.ok()) return Fail(c.status());
  PrintCase(o, *c);
  return kExitOk;
}

int CmdDestroy(const LifecycleCliOptions& o, const CliArgs& parsed) {
  Args a = ParseArgs(parsed, 1);
  if (a.pos.size() == 2 && a.pos[0] == "notice") {
    Args notice = a;
    notice.pos.erase(notice.pos.begin());
    return CmdCase(o, notice, "destroy", CaseKind::kDestroy);
  }
  if (a.pos.size() == 2 && (a.pos[0] == "request" || a.pos[0] == "approve")) {
    auto id = IdArg(a.pos[1], a.pos[0] == "request" ? "case" : "approval");
    if (!id.ok()) return Usage(id.status().message());
    auto s = OpenStore(o, a, false);
    if (!s.ok()) return Fail(s.status());
    if (a.pos[0] == "request") {
      auto ap = (*s)->service->RequestDestruction((*s)->actor, *id);
      if (!ap.ok()) return Fail(ap.status());
      if (o.json) {
        PrintJson({{"ok", true}, {"case", *id}, {"approval", *ap}, {"state", "pending"}});
        return kExitOk;
      }
      std::printf(
          "destruction approval %lld requested for case %lld: a second security officer approves it with "
          "`qoima destroy approve %lld`\n",
          static_cast<long long>(*ap), static_cast<long long>(*id), static_cast<long long>(*ap));
      return kExitOk;
    }
    Status st = (*s)->service->ApproveDestruction((*s)->actor, *id);
    if (!st.ok()) return Fail(st);
    if (o.json) {
      PrintJson({{"ok", true}, {"approval", *id}, {"state", "approved"}});
      return kExitOk;
    }
    std::printf("destruction approval %lld approved\n", static_cast<long long>(*id));
    return kExitOk;
  }
  if (a.pos.size() != 1)
    return Usage(
        "destroy notice OBJ --received DATE --ref LETTER | destroy request CASE | destroy approve APPROVAL | "
        "destroy CASE --approval ID");
  auto id = IdArg(a.pos[0], "case");
  auto approval = IdArg(a.Get("--approval"), "--approval");
  if (!id.ok() || !approval.ok()) return Usage(!id.ok() ? id.status().message() : approval.status().message());
  auto s = OpenStore(o, a, false);
  if (!s.ok()) return Fail(s.status());
  auto act = (*s)->service->Destroy((*s)->actor, *id, *approval);
  if (!act.ok()) return Fail(act.status());
  if (o.json) {
    PrintJson(ToJson(*act));
    return kExitOk;
  }
  std::printf("destruction act %s of %s: object %lld '%s'\n", act->act_number.c_str(), act->act_date.ToString().c_str(),
              static_cast<long long>(act->object.id), act->object.name.c_str());
  for (const auto& ver : act->versions) {
    std::printf("  version %d (%s store) root %s: %lld files, %lld bytes\n", ver.version_no, ver.tier.c_str(),
                ver.root_hex.empty() ? "-" : ver.root_hex.c_str(), static_cast<long long>(ver.file_count),
                static_cast<long long>(ver.total_bytes));
    for (const auto& f : ver.files)
      std::printf("    %s  %lld  %s\n", f.sha256_hex.c_str(), static_cast<long long>(f.size), f.path.c_str());
  }
  std::printf("approved by %s and %s; audit checkpoint %llu %s\n", act->requested_by.c_str(), act->approved_by.c_str(),
              static_cast<unsigned long long>(act->checkpoint_tree_size), act->checkpoint_root_hex.c_str());
  return kExitOk;
}

// ---- the owner's change notices (003 cl.27-28) ---------------------------------

void PrintChange(const LifecycleCliOptions& o, const ChangeNoticeInfo& c) {
  if (o.json) {
    PrintJson(ToJson(c));
    return;
  }
  std::printf("change notice %lld for object %lld: %s on %s, the owner's notice due %s: ", static_cast<long long>(c.id),
              static_cast<long long>(c.object_id),
              c.kind == ChangeKind::kSourceCode ? "source code changed" : "technical work on the server",
              c.changed_on.ToString().c_str(), c.due_on.ToString().c_str());
  if (c.received_on)
    std::printf("received %s, ref %s, %s\n", c.received_on->ToString().c_str(), c.reference.c_str(),
                c.on_time.value_or(false) ? "in time" : "LATE");
  else
    std::printf("expected (%s)\n", c.learned_from.c_str());
}

/// change notice OBJ ... | change expect OBJ ... | change received ID ... | change list [OBJ]
int CmdChange(const LifecycleCliOptions& o, const CliArgs& parsed) {
  Args a = ParseArgs(parsed, 1);
  const std::string usage =
      "change notice OBJ --kind code|server --changed DATE --received DATE --ref LETTER --description TEXT  |  "
      "change expect OBJ --kind code|server --changed DATE --learned-from TEXT  |  "
      "change received ID --received DATE --ref LETTER --description TEXT  |  change list [OBJ]";
  if (a.pos.empty()) return Usage(usage);
  const std::string& sub = a.pos[0];
  if (sub == "list" && a.pos.size() <= 2) {
    auto s = OpenStore(o, a, false);
    if (!s.ok()) return Fail(s.status());
    std::optional<int64_t> object;
    if (a.pos.size() == 2) {
      auto obj = (*s)->service->FindObject(a.pos[1]);
      if (!obj.ok()) return Fail(obj.status());
      object = obj->id;
    }
    auto list = (*s)->service->ChangeNotices(object);
    if (!list.ok()) return Fail(list.status());
    if (o.json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& c : *list) j.push_back(ToJson(c));
      PrintJson(j);
      return kExitOk;
    }
    for (const auto& c : *list) PrintChange(o, c);
    return kExitOk;
  }
  if (a.pos.size() != 2 || (sub != "notice" && sub != "expect" && sub != "received")) return Usage(usage);
  auto s = OpenStore(o, a, false);
  if (!s.ok()) return Fail(s.status());
  LifecycleService& svc = *(*s)->service;
  Result<ChangeNoticeInfo> c = Status::Internal("no change command ran");
  if (sub == "received") {
    auto id = IdArg(a.pos[1], "change notice");
    if (!id.ok()) return Usage(id.status().message());
    auto received = DateFlag(a, "--received", std::nullopt);
    if (!received.ok()) return Usage(received.status().message());
    c = svc.ReceiveChangeNotice((*s)->actor, *id, *received, a.Get("--ref"), a.Get("--description"));
  } else {
    auto kind = ParseChangeKind(a.Get("--kind"));
    if (!kind) return Usage("--kind code (003 cl.27, the source code changed) or server (cl.28, server work)");
    auto changed = DateFlag(a, "--changed", std::nullopt);
    if (!changed.ok()) return Usage(changed.status().message());
    auto obj = svc.FindObject(a.pos[1]);
    if (!obj.ok()) return Fail(obj.status());
    if (sub == "expect") {
      c = svc.ExpectChangeNotice((*s)->actor, obj->id, *kind, *changed, a.Get("--learned-from"));
    } else {
      auto received = DateFlag(a, "--received", std::nullopt);
      if (!received.ok()) return Usage(received.status().message());
      c = svc.RecordChangeNotice((*s)->actor, obj->id, *kind, *changed, *received, a.Get("--ref"),
                                 a.Get("--description"));
    }
  }
  if (!c.ok()) return Fail(c.status());
  PrintChange(o, *c);
  return kExitOk;
}

int CmdReport(const LifecycleCliOptions& o, const CliArgs& parsed) {
  Args a = ParseArgs(parsed, 1);
  if (a.pos.empty()) return Usage("report half-year YEAR 1|2  |  report information [OBJ] --ref REQUEST");
  auto s = OpenStore(o, a, true);
  if (!s.ok()) return Fail(s.status());
  CivilDate today = (*s)->Today();
  nlohmann::json j;
  if (a.pos[0] == "half-year" && a.pos.size() == 3) {
    auto year = IdArg(a.pos[1], "year");
    auto half = IdArg(a.pos[2], "half");
    if (!year.ok() || !half.ok()) return Usage("report half-year YEAR 1|2");
    auto r = (*s)->desk->BuildHalfYearReport(static_cast<int>(*year), static_cast<int>(*half), today);
    if (!r.ok()) return Fail(r.status());
    j = ToJson(*r);
    if (a.Has("--record")) {
      auto id =
          (*s)->service->RecordHalfYearReportNotice((*s)->actor, static_cast<int>(*year), static_cast<int>(*half));
      if (!id.ok()) return Fail(id.status());
      j["notice_id"] = *id;
    }
  } else if (a.pos[0] == "information" && a.pos.size() <= 2) {
    auto r = (*s)->desk->BuildInformationReport(a.pos.size() == 2 ? a.pos[1] : "", a.Get("--ref"), today);
    if (!r.ok()) return Fail(r.status());
    j = ToJson(*r);
  } else {
    return Usage("report half-year YEAR 1|2  |  report information [OBJ] --ref REQUEST");
  }
  // The report is data for printing: JSON is its one form on the CLI.
  PrintJson(j);
  return kExitOk;
}

}  // namespace
}  // namespace qoima::appliance::lifecycle

namespace qoima::appliance {

using namespace lifecycle;

bool IsLifecycleCommand(const std::string& name) { return kCommands.count(name) != 0; }

int RunLifecycleCommand(const LifecycleCliOptions& options, const CliArgs& args) {
  const std::string& c = args.positional().at(0);
  if (c == "calendar") return CmdCalendar(options, args);
  if (c == "due") return CmdDue(options, args);
  if (c == "checksum") return CmdChecksum(options, args);
  if (c == "register") return CmdRegister(options, args);
  if (c == "object") return CmdObject(options, args);
  if (c == "request") return CmdCase(options, ParseArgs(args, 1), c, CaseKind::kIssue);
  if (c == "return") return CmdCase(options, ParseArgs(args, 1), c, CaseKind::kReturn);
  if (c == "destroy") return CmdDestroy(options, args);
  if (c == "notices") return CmdNotices(options, args);
  if (c == "report") return CmdReport(options, args);
  if (c == "change") return CmdChange(options, args);
  return Usage("unknown command '" + c + "'");
}

}  // namespace qoima::appliance

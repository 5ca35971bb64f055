#include "cli/cli_print.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "appliance/appliance.h"
#include "appliance/operator_details.h"
#include "appliance/print/document_renderer.h"
#include "cli/cli_args.h"
#include "cli/cli_status.h"

namespace qoima::print {
namespace {

using appliance::Appliance;
using nlohmann::json;

using namespace appliance::cli;

// What the clerk reads when no paper comes out: English, Kazakh, Russian.
constexpr const char* kNoPrinterMessage =
    "no printer is configured (принтер бапталмаған / принтер не настроен): an admin sets one with "
    "`qoima printer set QUEUE`, or give --printer QUEUE";
constexpr const char* kPrintFailedMessage = "printing failed (басып шығару сәтсіз аяқталды / печать не удалась)";

// A corrupt answer of act verify is a check that found differences.
int PrintExitFor(const Status& s) { return s.code() == Code::kCorrupt ? kExitCheckFailed : ExitFor(s); }

int Report(const PrintCliContext& ctx, const Status& s) { return ReportError(ctx.json, s, PrintExitFor(s)); }

int Usage(const std::string& why) { return ReportUsage(JsonOutput(), why); }

struct Session {
  std::unique_ptr<Appliance> app;
  appliance::Actor actor;
  ~Session() {
    if (app) (void)app->EndSession();
  }
};

Result<std::unique_ptr<Session>> Login(const PrintCliContext& ctx, const appliance::CliArgs& a) {
  const char* env_user = std::getenv("QOIMA_USER");
  std::string user = a.GetOr("user", env_user ? env_user : "");
  if (user.empty()) return Status::InvalidArgument("who are you? give --user LOGIN or $QOIMA_USER");
  QOIMA_ASSIGN_OR_RETURN(std::string password,
                         appliance::ReadSecret(a.Get("password-fd"), "QOIMA_PASSWORD", "password"));
  auto s = std::make_unique<Session>();
  appliance::ApplianceOptions o;
  o.tcti = ctx.tcti;
  o.state_dir = ctx.state_dir;
  QOIMA_ASSIGN_OR_RETURN(s->app, Appliance::Open(o));
  QOIMA_ASSIGN_OR_RETURN(s->actor, s->app->Login(user, password));
  return s;
}

Result<LanguageMode> ParseLanguages(const std::string& text) {
  LanguageMode out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t plus = text.find('+', start);
    std::string part = text.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
    auto lang = ParseLanguage(part);
    if (!lang.ok() || *lang == Language::kEn)
      return Status::InvalidArgument("--lang '" + text + "': use kk, ru or kk+ru (paper is Kazakh and Russian)");
    out.push_back(*lang);
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return out;
}

Result<int> ParseCopies(const appliance::CliArgs& a) {
  auto c = a.Get("copies");
  if (!c) return 0;
  if (c->empty() || c->size() > 2 || c->find_first_not_of("0123456789") != std::string::npos)
    return Status::InvalidArgument("--copies '" + *c + "' is not a number");
  int n = std::atoi(c->c_str());
  if (n < 1 || n > hardware::kMaxCopies)
    return Status::InvalidArgument("--copies must be 1.." + std::to_string(hardware::kMaxCopies));
  return n;
}

/// A private directory for a PDF that is only printed, removed afterwards.
class TempPdfDir {
 public:
  TempPdfDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/qoima-print-XXXXXX";
    if (::mkdtemp(pattern.data())) path_ = pattern;
  }
  ~TempPdfDir() {
    if (!path_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

int PrintCommand(const PrintCliContext& ctx, const appliance::CliArgs& a) {
  const auto& p = a.positional();
  if (p.size() < 2) return Usage("print needs a KIND and an ID: " + appliance::DocumentKindsUsage());
  auto kind = appliance::ParseDocumentKind(p[1]);
  if (!kind) return Usage("unknown document kind '" + p[1] + "'");
  std::string id;
  for (size_t i = 2; i < p.size(); ++i) id += (id.empty() ? "" : " ") + p[i];
  if (id.empty() && !appliance::FindDocumentKind(*kind)->id_optional) return Usage("print " + p[1] + " needs an ID");
  appliance::PrintOptions options;
  if (auto l = a.Get("lang")) {
    auto langs = ParseLanguages(*l);
    if (!langs.ok()) return Report(ctx, langs.status());
    options.languages = *langs;
  }
  options.template_id = a.GetOr("template", "");
  auto copies = ParseCopies(a);
  if (!copies.ok()) return Report(ctx, copies.status());
  appliance::PrintTarget target{a.GetOr("printer", ""), a.GetOr("server", ""), *copies};
  const std::string pdf_path = a.GetOr("pdf", "");
  // --pdf alone saves; --pdf with --print or --printer also prints; neither prints.
  const bool want_paper = pdf_path.empty() || a.Has("print") || !target.queue.empty();

  auto s = Login(ctx, a);
  if (!s.ok()) return Report(ctx, s.status());
  Session& session = **s;
  if (want_paper && target.queue.empty()) {
    auto settings = session.app->GetPrinterSettings(session.actor);
    if (!settings.ok()) return Report(ctx, settings.status());
    if (settings->queue.empty()) {
      if (pdf_path.empty())
        return Report(ctx,
                      Status::FailedPrecondition(std::string(kNoPrinterMessage) + ", or save the PDF with --pdf FILE"));
    }
    if (target.server.empty()) target.server = settings->server;
  }
  auto doc = session.app->RenderDocument(session.actor, {*kind, id}, options);
  if (!doc.ok()) return Report(ctx, doc.status());

  json out = {{"ok", true}, {"document", doc->title}, {"pdf_sha256", doc->pdf_sha256}, {"pdf_bytes", doc->pdf.size()}};
  if (doc->verification) out["verification"] = EncodeVerificationPayload(*doc->verification);
  int rc = kExitOk;
  if (!pdf_path.empty() && !want_paper) {
    Status saved = SavePdf(doc->pdf, pdf_path);
    if (!saved.ok()) return Report(ctx, saved);
    out["pdf"] = pdf_path;
  } else {
    TempPdfDir tmp;
    std::string save = pdf_path;
    if (save.empty()) {
      if (tmp.path().empty()) return Report(ctx, Status::IoError("cannot create a temporary directory for the PDF"));
      save = tmp.path() + "/" + doc->file_stem + ".pdf";
    }
    auto printed = session.app->PrintDocument(session.actor, *doc, save, target);
    if (!printed.ok()) return Report(ctx, printed.status());
    if (!pdf_path.empty()) out["pdf"] = pdf_path;
    if (printed->printed.ok()) {
      out["printed"] = true;
      out["job"] = printed->job.job_id;
      out["queue"] = printed->job.queue;
    } else {
      const bool none = printed->printed.code() == Code::kFailedPrecondition &&
                        printed->printed.message().find("no printer is configured") != std::string::npos;
      std::string msg =
          none ? std::string(kNoPrinterMessage) : std::string(kPrintFailedMessage) + ": " + printed->printed.message();
      if (!pdf_path.empty()) msg += "; the PDF is saved at " + pdf_path;
      out["ok"] = false;
      out["printed"] = false;
      out["message"] = msg;
      rc = none ? kExitNotAllowed : kExitFailed;
      if (!ctx.json) std::fprintf(stderr, "qoima: %s\n", msg.c_str());
    }
  }
  if (ctx.json) {
    std::printf("%s\n", out.dump(2).c_str());
  } else if (rc == kExitOk) {
    std::printf("%s: PDF SHA-256 %s\n", doc->title.c_str(), doc->pdf_sha256.c_str());
    if (out.contains("pdf")) std::printf("saved to %s\n", pdf_path.c_str());
    if (out.value("printed", false))
      std::printf("printed: job %s on %s\n", out["job"].get<std::string>().c_str(),
                  out["queue"].get<std::string>().c_str());
    if (doc->verification) std::printf("verification line: %s\n", out["verification"].get<std::string>().c_str());
  }
  return rc;
}

int PrinterCommand(const PrintCliContext& ctx, const appliance::CliArgs& a) {
  const auto& p = a.positional();
  if (p.size() < 2) return Usage("printer show | printer set QUEUE | printer clear | printer test [--pdf OUT.pdf]");
  auto s = Login(ctx, a);
  if (!s.ok()) return Report(ctx, s.status());
  Session& session = **s;
  if (p[1] == "test") {
    // One test page on the configured printer, kept as a PDF too (in a
    // temporary directory unless --pdf names where).
    TempPdfDir tmp;
    std::string save = a.GetOr("pdf", "");
    if (save.empty()) {
      if (tmp.path().empty()) return Report(ctx, Status::IoError("cannot create a temporary directory for the PDF"));
      save = tmp.path() + "/printer-test.pdf";
    }
    auto outcome = session.app->PrintTestPage(session.actor, save);
    if (!outcome.ok()) {
      const bool none = outcome.status().code() == Code::kFailedPrecondition &&
                        outcome.status().message().find("no printer is configured") != std::string::npos;
      return Report(ctx, none ? Status::FailedPrecondition(kNoPrinterMessage) : outcome.status());
    }
    if (!outcome->printed.ok()) {
      // As `print` reports a paper copy that failed: exit 1, the reason in three languages.
      std::string msg = std::string(kPrintFailedMessage) + ": " + outcome->printed.message();
      if (a.Get("pdf")) msg += "; the PDF is saved at " + save;
      if (ctx.json)
        std::printf("%s\n", json({{"ok", false}, {"printed", false}, {"message", msg}}).dump(2).c_str());
      else
        std::fprintf(stderr, "qoima: %s\n", msg.c_str());
      return kExitFailed;
    }
    if (ctx.json) {
      json out = {{"ok", true}, {"printed", true}, {"job", outcome->job.job_id}, {"queue", outcome->job.queue}};
      if (a.Get("pdf")) out["pdf"] = save;
      std::printf("%s\n", out.dump(2).c_str());
    } else {
      std::printf("printed: test page, job %s on %s\n", outcome->job.job_id.c_str(), outcome->job.queue.c_str());
      if (a.Get("pdf")) std::printf("saved to %s\n", save.c_str());
    }
    return kExitOk;
  }
  if (p[1] == "show") {
    auto settings = session.app->GetPrinterSettings(session.actor);
    if (!settings.ok()) return Report(ctx, settings.status());
    if (ctx.json)
      std::printf(
          "%s\n",
          json({{"ok", true}, {"queue", settings->queue}, {"server", settings->server}, {"copies", settings->copies}})
              .dump(2)
              .c_str());
    else if (settings->queue.empty())
      std::printf("%s\n", kNoPrinterMessage);
    else
      std::printf("printer queue %s%s%s, %d copies\n", settings->queue.c_str(), settings->server.empty() ? "" : " on ",
                  settings->server.c_str(), settings->copies);
    return kExitOk;
  }
  appliance::PrinterSettings settings;
  if (p[1] == "set") {
    if (p.size() != 3) return Usage("printer set QUEUE [--server S] [--copies N]");
    settings.queue = p[2];
    settings.server = a.GetOr("server", "");
    auto copies = ParseCopies(a);
    if (!copies.ok()) return Report(ctx, copies.status());
    if (*copies > 0) settings.copies = *copies;
  } else if (p[1] != "clear") {
    return Usage("unknown printer subcommand '" + p[1] + "'");
  }
  Status st = session.app->SetPrinterSettings(session.actor, settings);
  if (!st.ok()) return Report(ctx, st);
  if (ctx.json)
    std::printf("%s\n", json({{"ok", true}, {"queue", settings.queue}}).dump().c_str());
  else
    std::printf("%s\n", settings.queue.empty() ? "printer cleared" : ("printer set to " + settings.queue).c_str());
  return kExitOk;
}

// `qoima operator show | set [--name-kk T] [--name-ru T] [--bin N] ...`: the
// operator's details printed on every document; `set` changes only the
// fields given (an admin; audited).
constexpr std::pair<const char*, const char*> kOperatorOptions[] = {
    {"name-kk", "name_kk"},
    {"name-ru", "name_ru"},
    {"bin", "bin"},
    {"address", "address"},
    {"phone", "phone"},
    {"email", "email"},
    {"head-position", "head_position"},
    {"head-name", "head_name"},
    {"clerk-position", "clerk_position"},
    {"officer-position", "officer_position"},
};

int OperatorCommand(const PrintCliContext& ctx, const appliance::CliArgs& a) {
  const auto& p = a.positional();
  if (p.size() != 2 || (p[1] != "show" && p[1] != "set"))
    return Usage(
        "operator show | operator set [--name-kk T] [--name-ru T] [--bin N] [--address T] [--phone T] "
        "[--email T] [--head-position T] [--head-name T] [--clerk-position T] [--officer-position T]");
  auto s = Login(ctx, a);
  if (!s.ok()) return Report(ctx, s.status());
  Session& session = **s;
  auto current = session.app->GetOperatorDetails(session.actor);
  if (!current.ok()) return Report(ctx, current.status());
  if (p[1] == "set") {
    json given = json::object();
    for (const auto& [option, field] : kOperatorOptions)
      if (auto v = a.Get(option)) given[field] = *v;
    if (given.empty()) return Usage("operator set: give at least one field (e.g. --name-kk, --bin)");
    appliance::MergeOperatorDetails(given, *current);
    Status st = session.app->SetOperatorDetails(session.actor, *current);
    if (!st.ok()) return Report(ctx, st);
  }
  const json j = appliance::OperatorDetailsJson(*current);
  if (ctx.json) {
    std::printf("%s\n", json({{"ok", true}, {"operator", j}}).dump(2).c_str());
    return kExitOk;
  }
  if (current->empty())
    std::printf(
        "the operator's details are not set (оператордың деректері енгізілмеген / реквизиты оператора не "
        "заданы): an admin sets them with `qoima operator set`\n");
  for (const auto& [option, field] : kOperatorOptions) std::printf("%-17s %s\n", option, j.value(field, "").c_str());
  return kExitOk;
}

int ActVerifyCommand(const PrintCliContext& ctx, const appliance::CliArgs& a) {
  std::string payload;
  if (auto line = a.Get("line")) {
    payload = *line;
  } else {
    const char* fields[] = {"act-id", "root", "manifest", "checkpoint", "fingerprint"};
    for (const char* f : fields)
      if (!a.Has(f))
        return Usage(std::string("act verify needs --line TEXT, or every one of --act-id, --root, --manifest, "
                                 "--checkpoint SIZE:ROOT, --fingerprint (missing --") +
                     f + ")");
    payload = std::string(kVerificationMagic) + ";act=" + a.GetOr("act-id", "") + ";root=" + a.GetOr("root", "") +
              ";manifest=" + a.GetOr("manifest", "") + ";cp=" + a.GetOr("checkpoint", "") +
              ";key=" + a.GetOr("fingerprint", "");
  }
  auto s = Login(ctx, a);
  if (!s.ok()) return Report(ctx, s.status());
  auto r = (*s)->app->VerifyAct((*s)->actor, payload);
  if (!r.ok()) {
    if (ctx.json) return Report(ctx, r.status());
    std::fprintf(stderr, "qoima: act verify: DOES NOT MATCH: %s\n", r.status().message().c_str());
    return PrintExitFor(r.status());
  }
  if (ctx.json) {
    std::printf("%s\n", json({{"ok", true},
                              {"document", r->document},
                              {"act", r->line.act_id},
                              {"audit_size", r->audit_size},
                              {"verification", EncodeVerificationPayload(r->line)}})
                            .dump(2)
                            .c_str());
  } else {
    std::printf(
        "act verify: OK: %s matches the store; audit checkpoint %llu is in the log (%llu entries); device "
        "key %s\n",
        r->document.c_str(), static_cast<unsigned long long>(r->line.checkpoint_size),
        static_cast<unsigned long long>(r->audit_size), r->line.key_fingerprint.c_str());
  }
  return kExitOk;
}

}  // namespace

int RunPrintCommand(const appliance::CliArgs& a, const PrintCliContext& ctx) {
  // The command's options were checked by the parser against the command table (cli_commands.cpp).
  const auto& p = a.positional();
  if (p.at(0) == "act") return ActVerifyCommand(ctx, a);
  if (p[0] == "printer") return PrinterCommand(ctx, a);
  if (p[0] == "operator") return OperatorCommand(ctx, a);
  return PrintCommand(ctx, a);
}

}  // namespace qoima::print

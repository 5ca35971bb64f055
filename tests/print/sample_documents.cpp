#include "tests/print/sample_documents.h"

#include <cstdio>
#include <stdexcept>

#include "common/subprocess.h"

namespace qoima::print::testing {

std::string FakeSha256(size_t i) {
  std::string out;
  uint64_t x = 0x9e3779b97f4a7c15ULL * (i + 1);
  while (out.size() < 64) {
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
    out += buf;
  }
  return out.substr(0, 64);
}

VerificationLine SampleVerification() {
  VerificationLine v;
  v.act_id = "QA-2026-000117";
  v.deposit_root = FakeSha256(1001);
  v.manifest_digest = FakeSha256(1002);
  v.checkpoint_size = 48213;
  v.checkpoint_root = FakeSha256(1003);
  v.key_fingerprint = FakeSha256(1004);
  return v;
}

static SignatureBlock Signer(std::string org, std::string position, std::string surname, std::string name,
                             std::string patronymic) {
  return SignatureBlock{
      std::move(org), std::move(position), {std::move(surname), std::move(name), std::move(patronymic)}};
}

AcceptanceAct SampleAct(size_t files) {
  AcceptanceAct act;
  act.date = "2026-11-26";
  act.city = "Астана";
  act.receiving_org = "«Ұлттық ақпараттық технологиялар» АҚ";
  act.transferring_org = "Қазақстан Республикасы Цифрлық даму министрлігі";
  act.software_name = "«Е-өтініш» ақпараттық жүйесі 2.4";
  act.annotation = "Азаматтардың өтініштерін қабылдау және өңдеу; мемлекеттік органдар үшін";
  const char* dirs[] = {"src/қызмет", "src/ortaq/үлгілер", "config/өндіріс", "docs/һабар"};
  const char* langs[] = {"C++", "Java", "Python", "SQL"};
  for (size_t i = 0; i < files; ++i) {
    SourceFileRow r;
    r.disc_marking = "Е-өтініш 2.4";
    r.directory = dirs[i % 4];
    r.file_name = "әғқңөұүһі_" + std::to_string(i + 1) + (i % 4 == 1 ? ".java" : ".cpp");
    r.size_bytes = 1000 + i * 7919 % 500000;
    r.language = langs[i % 4];
    r.language_version = i % 4 == 0 ? "20" : "17";
    r.framework = i % 2 ? "Spring Boot" : "Qt";
    r.framework_version = i % 2 ? "3.2" : "6.4";
    r.modified = "2026-10-" + std::string(i % 28 < 9 ? "0" : "") + std::to_string(i % 28 + 1);
    r.sha256 = FakeSha256(i);
    act.files.push_back(std::move(r));
  }
  for (size_t i = 0; i < 3; ++i) {
    LibraryRow l;
    l.disc_marking = "Е-өтініш 2.4";
    l.directory = "third_party";
    l.name = i == 0 ? "openssl-3.0.11.tar.gz" : i == 1 ? "boost_1_83_0.tar.bz2" : "qtbase-6.4.2.tar.xz";
    l.size_bytes = 15000000 + i * 1000000;
    l.language = "C/C++";
    l.library_version = i == 0 ? "3.0.11" : i == 1 ? "1.83.0" : "6.4.2";
    l.sha256 = FakeSha256(5000 + i);
    act.libraries.push_back(std::move(l));
  }
  act.receiving_signer = Signer(act.receiving_org, "Бас маман", "Әбілқасымова", "Гүлнұр", "Өмірзаққызы");
  act.transferring_signer = Signer(act.transferring_org, "Департамент директоры", "Құнанбаев", "Ерғали", "Һидаятұлы");
  act.receiving_contact = {act.receiving_signer.person, "Бас маман", "+7 7172 55 00 00", "+7 701 000 00 00",
                           "g.abilkassymova@nitec.kz"};
  act.transferring_contact = {act.transferring_signer.person, "Директор", "+7 7172 74 00 00", "+7 702 000 00 00",
                              "e.kunanbayev@mdai.gov.kz"};
  act.verification = SampleVerification();
  return act;
}

ApplicationForm SampleApplication() {
  ApplicationForm a;
  a.applicant = "Қазақстан Республикасы Цифрлық даму министрлігі";
  a.software_name = "«Е-өтініш» ақпараттық жүйесі";
  a.portal_code = "IS-00417";
  a.copies = 2;
  a.items = {{"Е-өтініш 2.4 бастапқы кодтары", "", "CD-2026-0042", 512.5, true},
             {"Пайдаланушы нұсқаулығы", "48", "", 3.2, false}};
  a.owner = {"Қазақстан Республикасы Цифрлық даму министрлігі",
             "Үкімет",
             "ЦДМ",
             "010000",
             "Астана, Мәңгілік Ел 8",
             "+7 7172 74 00 00",
             "+7 7172 74 00 01",
             "info@mdai.gov.kz",
             "mdai.gov.kz",
             {"Құнанбаев", "Ерғали", ""}};
  a.developer = {"«Ұлттық ақпараттық технологиялар» АҚ",
                 "ЦДМ",
                 "ҰАТ",
                 "010000",
                 "Астана, Мәңгілік Ел 55/15",
                 "+7 7172 55 00 00",
                 "",
                 "info@nitec.kz",
                 "nitec.kz",
                 {"Сейітжанова", "Әйгерім", "Бекқызы"}};
  a.authors = "Сейітжанова Ә. Б., Оспанов Ү. Т.";
  a.release_year = "2026";
  a.version = "2.4";
  a.programming_language = "C++, Java";
  a.release_date = "2026-09-01";
  a.annotation = "Өтініштерді қабылдау";
  a.req_os = "Astra Linux 1.7";
  a.funding_sources = {"republican_budget", "own_funds"};
  a.date = "2026-11-20";
  a.signer = {"", "Директор", {"Құнанбаев", "Ерғали", ""}};
  return a;
}

JournalPage SampleJournal() {
  JournalPage j;
  for (int i = 1; i <= 30; ++i) {
    j.rows.push_back({i,
                      "Ө-2026-" + std::to_string(100 + i),
                      "2026-11-" + std::to_string(10 + i % 18),
                      i % 2 ? "Цифрлық даму министрлігі" : "Қаржы министрлігі",
                      "Құнанбаев Е.",
                      {"Әбілқасымова", "Гүлнұр", ""}});
  }
  return j;
}

Nda SampleNda() {
  Nda n;
  n.date = "2026-11-26";
  n.city = "Астана";
  n.owner_name = "Қазақстан Республикасы Цифрлық даму министрлігі";
  n.owner_representative = "Департамент директоры Құнанбаев Е.";
  n.owner_authority = "сенімхат № 17";
  n.operator_representative = "Басқарма төрағасы Өмірбеков Ұ.";
  n.operator_authority = "Жарғы";
  n.owner_signer = Signer(n.owner_name, "Директор", "Құнанбаев", "Ерғали", "");
  n.operator_signer = Signer("«Мемлекеттік техникалық қызмет» АҚ", "Төраға", "Өмірбеков", "Ұлан", "");
  return n;
}

Refusal SampleRefusal() {
  Refusal r;
  r.date = "2026-11-26";
  r.city = "Астана";
  r.act_id = "QA-2026-000118";
  r.depositor = "Қаржы министрлігі";
  r.software_name = "Салық-Һ 1.0";
  r.reasons = {Refusal::Reason::kActMismatch, Refusal::Reason::kMediaMalfunction};
  r.evidence = {{"src/қызмет/main.cpp", "refusal.kind.hash_mismatch", {}, "3f2a… → 9b11…"},
                {"/dev/sr0", "refusal.kind.unreadable", {}, ""}};
  r.operator_signer = Signer("", "Бас маман", "Әбілқасымова", "Гүлнұр", "");
  r.verification = SampleVerification();
  r.verification.act_id = r.act_id;
  return r;
}

ReturnAct SampleReturn() {
  ReturnAct r;
  r.act = SampleAct(5);
  std::swap(r.act.receiving_org, r.act.transferring_org);
  r.reason = "иесінің 2026-11-20 сұрауы";
  return r;
}

DestructionAct SampleDestruction() {
  DestructionAct d;
  d.date = "2026-11-26";
  d.city = "Астана";
  d.act_id = "QA-2026-000119";
  d.owner = "Қаржы министрлігі";
  d.software_name = "Салық-Һ 1.0";
  d.basis = "мемлекеттік архивке беру туралы хабарлама № 44";
  for (size_t i = 0; i < 12; ++i)
    d.rows.push_back({"нұсқа " + std::to_string(i + 1) + ".tar", 1000000 * (i + 1), FakeSha256(700 + i)});
  d.return_act = "RET-7";
  d.commission = {{"requested", Signer("", "Төраға", "Өмірбеков", "Ұлан", "")},
                  {"approved", Signer("", "Мүше", "Әбілқасымова", "Гүлнұр", "")},
                  {"performed", Signer("", "Мүше", "Иванов", "Сергей", "Петрович")}};
  d.verification = SampleVerification();
  d.verification.act_id = d.act_id;
  return d;
}

HalfYearReport SampleReport() {
  HalfYearReport h;
  h.year = 2026;
  h.half = 2;
  h.period_from = "2026-07-01";
  h.period_to = "2026-12-31";
  h.rows = {{"A-117",
             "Цифрлық даму министрлігі",
             "Е-өтініш 2.4",
             "accepted",
             "2026-11-26",
             "report.detail.acceptance",
             {{"number", "15/2026"}}},
            {"R-118",
             "Қаржы министрлігі",
             "Салық-Һ 1.0",
             "refused",
             "2026-11-26",
             "report.detail.refusal2",
             {{"number", "16/2026"}}},
            {"DESTR-2026-119",
             "Қаржы министрлігі",
             "Салық-Һ 1.0",
             "destroyed",
             "2026-11-27",
             "report.detail.case",
             {{"reference", "arch-1"}, {"received", "2026-11-20"}, {"due", "2026-12-04"}, {"done", "2026-11-27"}}}};
  h.totals = {{"applications", 0}, {"acceptances", 1}, {"refusals", 1}, {"issues", 0}, {"returns", 0},
              {"destructions", 1}, {"open", 0},        {"overdue", 0},  {"late", 0}};
  h.signer = Signer("", "Басқарма төрағасы", "Өмірбеков", "Ұлан", "");
  h.verification = SampleVerification();
  h.verification.act_id = "QR-2026-H2";
  return h;
}

Notice SampleNotice() {
  Notice n;
  n.kind = Notice::Kind::kAccepted;
  n.date = "2026-11-26";
  n.number = "Х-2026-0031";
  n.addressee = "ҚР Цифрлық даму, инновациялар және аэроғарыш өнеркәсібі министрлігі";
  n.owner = "Цифрлық даму министрлігі";
  n.software_name = "Е-өтініш 2.4";
  n.act_id = "QA-2026-000117";
  n.signer = Signer("", "Басқарма төрағасы", "Өмірбеков", "Ұлан", "");
  n.verification = SampleVerification();
  return n;
}

AccessRegisterDoc SampleAccessRegister() {
  AccessRegisterDoc d;
  d.date = "2026-11-26";
  d.deposit = "17";
  d.act_number = "A-17";
  d.object_name = "Е-өтініш";
  d.portal_code = "IS-0042";
  d.version = "2";
  d.audit_entries = 412;
  d.rows = {{"2026-11-20T19:30:00Z", "Сейітова Әйгерім Қанатқызы", "Бас маман", "clerk", "read", "src/негізгі.cpp"},
            {"2026-11-21T04:05:00Z", "Өмірбеков Ұлан", "", "security_officer", "issue", "e7c1f0a2"},
            {"2026-11-22T10:00:00Z", "", "", "system", "export", "e7c1f0a3"},
            {"2026-11-23T10:00:00Z", "Ахметов Ғалым", "", "auditor", "render", "A-17"}};
  d.verification = SampleVerification();
  return d;
}

std::string RunTool(const std::vector<std::string>& argv) {
  SubprocessOptions options;
  options.timeout = std::chrono::seconds(120);
  auto r = RunChecked(argv, options);
  if (!r.ok()) throw std::runtime_error(r.status().ToString());
  return r->out;
}

}  // namespace qoima::print::testing

#include "appliance/act_document.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <string_view>

#include "common/visible_text.h"

namespace qoima::appliance {
namespace {

void Line(std::string& out, const std::string& label, const std::string& value) {
  if (value.empty()) return;
  out += label + ": " + value + "\n";
}

/// Flushes `out` to the sink every 64 KiB: a 100k-row act is not held twice.
constexpr size_t kTextChunk = 64 * 1024;

Status Rows(std::string& out, const ActDocument& act, bool library, const std::function<void(std::string_view)>& sink) {
  return ForEachActRow(act, library, [&](const ActRow& r) {
    if (out.size() >= kTextChunk) {
      sink(out);
      out.clear();
    }
    out += std::to_string(r.number) + ". [" + r.disc + "] " + (r.directory.empty() ? "" : r.directory + "/") +
           r.file_name + " | " + r.size_mb + " MB";
    if (!r.language.empty()) out += " | " + r.language + (r.language_version.empty() ? "" : " " + r.language_version);
    if (!library && !r.framework.empty())
      out += " | " + r.framework + (r.framework_version.empty() ? "" : " " + r.framework_version);
    if (!library && !r.modified.empty()) out += " | " + r.modified;
    out += " | " + r.category + "\n   sha256 " + r.sha256 + "\n";
  });
}

/// The act's header (parties, software, totals, digest) without rows.
Result<ActDocument> ActHeader(const ActManifest& m) {
  ActDocument act;
  act.application = m.application;
  act.software_name = m.software_name;
  act.software_version = m.software_version;
  act.annotation = m.annotation;
  act.transferring.organization = m.depositor;
  act.manifest_digest = m.digest;
  QOIMA_ASSIGN_OR_RETURN(EntryTotals totals, m.Totals());
  act.total_bytes = totals.bytes;
  act.library_count = totals.library;
  act.file_count = totals.files;
  return act;
}

void Party(std::string& out, const std::string& title, const ActParty& p) {
  out += title + "\n";
  Line(out, "  Ұйым / Организация", p.organization);
  Line(out, "  Лауазымы / Должность", p.position);
  Line(out, "  Т.А.Ә. / Ф.И.О.", p.full_name);
  Line(out, "  Жұмыс телефоны / Рабочий телефон", p.work_phone);
  Line(out, "  Ұялы телефон / Мобильный телефон", p.mobile_phone);
  Line(out, "  E-mail", p.email);
  out += "  Қолы / Подпись: ____________________   М.О. / М.П.\n";
}

}  // namespace

std::string DiscFolder(const std::string& disc) {
  std::string f = disc;
  std::replace(f.begin(), f.end(), '/', '_');
  if (f.empty() || f == "." || f == "..") f = "disc";
  return f + "/";
}

std::string DepositPath(const std::string& disc, const std::string& path, bool several_discs) {
  return several_discs ? DiscFolder(disc) + path : path;
}

namespace {

// A row without a SHA-256 gets the one the appliance computed.
void Complete(ActRow& r, const std::string& path, const ActDocument& act) {
  if (!act.computed || !r.sha256.empty()) return;
  auto it = act.computed->find(DepositPath(r.disc, path, act.several_discs));
  if (it == act.computed->end()) return;
  r.sha256 = it->second.sha256;
  if (!r.size_bytes) {
    r.size_bytes = it->second.size;
    r.size_mb = FormatMegabytes(it->second.size);
  }
}

}  // namespace

void UseComputedFiles(ActDocument& act, std::shared_ptr<const ComputedFiles> computed, bool several_discs) {
  act.computed = std::move(computed);
  act.several_discs = several_discs;
  for (auto* rows : {&act.application_rows, &act.library_rows})
    for (auto& r : *rows) Complete(r, r.directory.empty() ? r.file_name : r.directory + "/" + r.file_name, act);
}

ActRow ActRowFromEntry(const ManifestEntry& e, size_t number) {
  ActRow r;
  r.number = number;
  r.disc = e.disc();
  r.directory = e.Directory();
  r.file_name = e.FileName();
  r.size_mb = e.size ? FormatMegabytes(*e.size) : e.declared_size() ? e.declared_size()->Figure() : "";
  r.size_bytes = e.size;
  r.language = e.language();
  r.language_version = e.language_version();
  r.framework = e.framework();
  r.framework_version = e.framework_version();
  r.modified = e.modified ? e.modified->ToString() : "";
  r.sha256 = e.sha256.str();
  r.category = e.category();
  return r;
}

ActDocument ActFromManifest(const ActManifest& m) {
  if (m.compact) std::abort();      // REQUIRES in the header
  ActDocument act = *ActHeader(m);  // entries in memory: cannot fail
  // Exact sizes: growing a 100k-row table by doubling would hold two copies.
  act.library_rows.reserve(act.library_count);
  act.application_rows.reserve(m.entries.size() - act.library_count);
  for (const auto& e : m.entries) {
    auto& table = e.table() == ActTable::kLibrary ? act.library_rows : act.application_rows;
    table.push_back(ActRowFromEntry(e, table.size() + 1));
  }
  return act;
}

Result<ActDocument> ActOverManifest(std::shared_ptr<const ActManifest> manifest) {
  QOIMA_ASSIGN_OR_RETURN(ActDocument act, ActHeader(*manifest));
  act.rows_from = std::move(manifest);
  return act;
}

Status ForEachActRow(const ActDocument& act, bool library, const std::function<void(const ActRow&)>& fn) {
  if (!act.rows_from) {
    for (const auto& r : library ? act.library_rows : act.application_rows) fn(r);
    return Status::Ok();
  }
  const ActTable want = library ? ActTable::kLibrary : ActTable::kApplication;
  size_t number = 0;
  return act.rows_from->ForEachEntry([&](const ManifestEntry& e) {
    if (e.table() != want) return;
    ActRow r = ActRowFromEntry(e, ++number);
    Complete(r, e.path, act);
    fn(r);
  });
}

size_t ActRowCount(const ActDocument& act, bool library) {
  if (!act.rows_from) return (library ? act.library_rows : act.application_rows).size();
  return library ? act.library_count : act.file_count - act.library_count;
}

std::string RenderActText(const ActDocument& a) {
  std::string all;
  Status s = WriteActText(a, [&all](std::string_view text) { all += text; });
  if (!s.ok()) std::abort();  // REQUIRES in the header: rows in memory cannot fail
  return all;
}

Status WriteActText(const ActDocument& a, const std::function<void(std::string_view)>& to) {
  // Every piece is shown through VisibleText: a name or field cannot hide or
  // reorder characters in the text act either; the notation is explained
  // at the end when it was used. Pieces end between whole strings, never
  // inside a character.
  bool escaped = false;
  auto sink = [&](std::string_view text) {
    std::string shown = VisibleText(text, {.keep_line_breaks = true});
    escaped = escaped || shown.size() != text.size();
    to(shown);
  };
  std::string out;
  out += "ҚАБЫЛДАУ-БЕРУ АКТІСІ / АКТ ПРИЕМА-ПЕРЕДАЧИ\n";
  out += a.city + "   " + (a.date.empty() ? "\"__\" ____________ 20__" : a.date) + "\n\n";
  out += (a.accepting.organization.empty() ? "____________________" : a.accepting.organization) +
         " сақтауға қабылдады / принял на хранение\n";
  out += (a.transferring.organization.empty() ? "____________________" : a.transferring.organization) +
         " ұйымынан / от организации\n\n";
  Line(out, "Өтініш (портал коды) / Заявка (код портала)", a.application);
  if (a.journal_number) out += "Журнал № " + std::to_string(a.journal_number) + "\n";
  out += "1. БҚ атауы / Наименование ПО: " + a.software_name +
         (a.software_version.empty() ? "" : " " + a.software_version) + "\n";
  out += "2. Аннотация: " + a.annotation + "\n";
  out += "3. Бастапқы кодтар туралы мәліметтер / Сведения об исходных кодах:\n";
  out += "1) Қолданбалы БҚ бастапқы кодтары / Исходные коды прикладного ПО (" + std::to_string(ActRowCount(a, false)) +
         "):\n";
  QOIMA_RETURN_IF_ERROR(Rows(out, a, false, sink));
  out += "2) Кітапханалар мен платформалар / Библиотеки и платформы (" + std::to_string(ActRowCount(a, true)) + "):\n";
  QOIMA_RETURN_IF_ERROR(Rows(out, a, true, sink));
  out += "Барлығы / Всего: " + std::to_string(a.file_count) + " файл, " + FormatMegabytes(a.total_bytes) + " MB (" +
         std::to_string(a.total_bytes) + " bytes)\n\n";
  out += "Манифест SHA-256: " + a.manifest_digest + "\n";
  if (a.computed)
    out +=
        "Актіде бақылау сомалары жоқ: файлдардың SHA-256 мәндерін құрылғы есептеді / В акте нет контрольных "
        "сумм: SHA-256 файлов вычислены устройством\n";
  if (a.deposit_id) out += "Депозит / Депозит №: " + std::to_string(a.deposit_id) + "\n";
  Line(out, "Депозит түбірлік хэші / Корневой хэш депозита", a.deposit_root);
  Line(out, "Аудит журналының бақылау нүктесі / Контрольная точка журнала аудита", a.audit_checkpoint);
  Line(out, "Құрылғы кілтінің іздемесі / Отпечаток ключа устройства", a.device_fingerprint);
  for (const auto& c : a.copies) out += "Тексерілген тасығыш / Проверенный носитель: " + c + "\n";
  Line(out, "Акт файлы / Файл акта", a.act_file);
  if (a.act_file_excluded)
    out +=
        "Акт файлы депозит тасығышында: ол актінің файлдарының бірі емес, салыстыруға кірмеді / Файл акта на "
        "носителе депозита: он не входит в файлы акта и не участвовал в сравнении\n";
  out += "\n4. Қолдар / Подписи\n";
  Party(out, "Қабылдаушы ұйым / Принимающая организация", a.accepting);
  Party(out, "Беруші ұйым / Передающая организация", a.transferring);
  std::string last = VisibleText(out, {.keep_line_breaks = true});
  if (escaped || last.size() != out.size())
    last += "\n" + std::string(kEscapeLegendKk) + "\n" + std::string(kEscapeLegendRu) + "\n";
  to(last);
  return Status::Ok();
}

}  // namespace qoima::appliance

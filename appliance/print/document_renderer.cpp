#include "appliance/print/document_renderer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <utility>

#include "appliance/civil_time.h"
#include "appliance/item_category.h"
#include "appliance/print/pdf_composer.h"
#include "common/unique_fd.h"
#include "common/visible_text.h"

namespace qoima::print {
namespace {

using Values = std::vector<std::pair<std::string, std::string>>;

constexpr TextStyle kBody{9.5, false, false, false};
constexpr TextStyle kBodyAlt{9, false, true, false};  // second and later languages
constexpr TextStyle kSmall{7.5, false, false, false};
constexpr TextStyle kSmallAlt{7.5, false, true, false};
constexpr TextStyle kTitle{13, true, false, false};
constexpr TextStyle kTitleAlt{11, true, true, false};
constexpr TextStyle kBold{9.5, true, false, false};
constexpr TextStyle kMono{7.5, false, false, true};

std::string Blank(const std::string& value) { return value.empty() ? "____________________" : value; }

/// Builds one document: looks up template text in every language of the mode
/// and feeds paragraphs, tables and blocks to a PdfComposer. The first missing
/// template key is remembered and returned by Finish().
class FormBuilder {
 public:
  FormBuilder(const TemplateSet& templates, const LanguageMode& languages, const OperatorInfo& op)
      : templates_(templates), languages_(languages), op_(op) {}

  PdfComposer& pdf() { return pdf_; }
  const OperatorInfo& op() const { return op_; }
  const LanguageMode& languages() const { return languages_; }

  /// The text of `key` in `lang`; `{operator}` is the operator's name in that
  /// language unless the caller gives it.
  std::string One(std::string_view key, Language lang, const Values& given = {}) {
    Values values = given;
    if (std::none_of(values.begin(), values.end(), [](const auto& v) { return v.first == "operator"; }))
      values.emplace_back("operator", Blank(op_.Name(lang == Language::kKk)));
    auto text = templates_.Text(key, lang, values);
    if (!text.ok()) {
      if (status_.ok()) status_ = text.status();
      return std::string();
    }
    return std::move(text).value();
  }

  std::vector<std::string> Each(std::string_view key, const Values& values = {}) {
    std::vector<std::string> out;
    for (Language lang : languages_) out.push_back(One(key, lang, values));
    return out;
  }

  /// All languages in one string: "kk / ru" (sep " / ") or stacked ("\n").
  std::string Joined(std::string_view key, std::string_view sep = " / ", const Values& values = {}) {
    std::string out;
    std::vector<std::string> seen;
    for (const std::string& s : Each(key, values)) {
      if (s.empty() || std::find(seen.begin(), seen.end(), s) != seen.end()) continue;
      seen.push_back(s);
      if (!out.empty()) out += sep;
      out += s;
    }
    return out;
  }

  /// One paragraph per language; later languages in the alternate style.
  void Para(std::string_view key, const Values& values = {}, TextStyle first = kBody, TextStyle alt = kBodyAlt,
            Align align = Align::kLeft, double indent = 0, double space = 4) {
    bool primary = true;
    for (std::string& text : Each(key, values)) {
      pdf_.Add(Paragraph{std::move(text), primary ? first : alt, align, indent, primary ? space : 1});
      primary = false;
    }
  }

  void Plain(std::string text, TextStyle style = kBody, Align align = Align::kLeft, double indent = 0,
             double space = 4) {
    pdf_.Add(Paragraph{std::move(text), style, align, indent, space});
  }

  /// "Label / Метка: value" on one line.
  void Field(std::string_view key, const std::string& value, double indent = 0) {
    Plain(Joined(key) + ": " + Blank(value), kBody, Align::kLeft, indent, 3);
  }

  /// Right-aligned reference to the rules' annex and the word "Form".
  void RulesRef(std::string_view key) {
    Para(key, {}, kSmall, kSmallAlt, Align::kRight, content_width() * 0.45, 0);
    Plain(Joined("common.form"), kSmall, Align::kRight, 0, 2);
  }

  /// Right-aligned legal basis of a document that has no statutory form.
  void Basis(std::string_view key) { Para(key, {}, kSmall, kSmallAlt, Align::kRight, content_width() * 0.45, 0); }

  void Title(std::string_view key, const Values& values = {}) {
    Para(key, values, kTitle, kTitleAlt, Align::kCenter, 0, 12);
    Plain("", kSmall, Align::kLeft, 0, 4);
  }

  void DateCity(const std::string& date, const std::string& city) {
    std::string cities = city.empty() ? std::string() : Joined("common.city", ", ", {{"city", city}});
    Plain(Blank(PrintedDate(date)) + (cities.empty() ? "" : "    " + cities), kBody, Align::kRight, 0, 6);
  }

  /// The operator's letterhead: its name in each language, then BIN,
  /// address, phone and e-mail (blanks where an admin has not set them).
  void Letterhead() {
    std::vector<std::string> seen;
    for (Language lang : languages_) {
      const std::string& name = op_.Name(lang == Language::kKk);
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
      seen.push_back(name);
      Plain(Blank(name), kBold, Align::kLeft, 0, seen.size() == 1 ? 0 : 1);
    }
    Plain(Joined("operator.bin") + ": " + Blank(op_.bin) + "    " + Joined("operator.address") + ": " +
              Blank(op_.address),
          kSmall, Align::kLeft, 0, 2);
    Plain(Joined("operator.phone") + ": " + Blank(op_.phone) + "    " + Joined("operator.email") + ": " +
              Blank(op_.email),
          kSmall, Align::kLeft, 0, 1);
  }

  /// A draft's banner: the event has not been completed.
  void DraftBanner(std::string_view key = "common.draft") { Para(key, {}, kTitleAlt, kTitleAlt, Align::kCenter, 0, 8); }

  double content_width() const { return pdf_.content_width(); }

  /// Column header text: every language stacked.
  std::string Header(std::string_view key) { return Joined(key, "\n"); }

  ColumnGroup::Column SignatureColumn(std::string_view heading_key, const SignatureBlock& block, double width) {
    ColumnGroup::Column col;
    col.width = width;
    col.paragraphs.push_back({Joined(heading_key, "\n"), kBold, Align::kLeft, 0, 0});
    if (!block.organization.empty()) col.paragraphs.push_back({block.organization, kBody, Align::kLeft, 0, 4});
    col.paragraphs.push_back(
        {Blank(block.position) + " (" + Joined("common.position") + ")", kBody, Align::kLeft, 0, 8});
    col.paragraphs.push_back(
        {Blank(block.person.Full()) + " (" + Joined("common.full_name") + ")", kBody, Align::kLeft, 0, 6});
    col.paragraphs.push_back({"____________________ " + Joined("common.signature"), kBody, Align::kLeft, 0, 18});
    col.paragraphs.push_back({Joined("common.seal"), kBody, Align::kLeft, 0, 10});
    return col;
  }

  void Signatures(std::string_view left_key, const SignatureBlock& left, std::string_view right_key,
                  const SignatureBlock& right) {
    const double half = content_width() / 2;
    ColumnGroup group;
    group.columns.push_back(SignatureColumn(left_key, left, half - 8));
    group.columns.push_back(SignatureColumn(right_key, right, half));
    group.columns[0].width = half;
    pdf_.Add(std::move(group));
  }

  /// QR code + printed verification line; also sets the page footer.
  void Verification(const VerificationLine& line) {
    Status valid = ValidateVerificationLine(line);
    if (!valid.ok()) {
      if (status_.ok()) status_ = valid.WithContext("verification line");
      return;
    }
    const std::string payload = EncodeVerificationPayload(line);
    ColumnGroup group;
    group.space_before = 14;
    ColumnGroup::Column qr;
    qr.width = 140;
    qr.qr_payload = payload;
    qr.qr_size = 132;
    ColumnGroup::Column text;
    text.width = content_width() - qr.width;
    text.paragraphs.push_back({Joined("verify.title"), kBold, Align::kLeft, 0, 0});
    text.paragraphs.push_back({Joined("verify.hint", "\n"), kSmall, Align::kLeft, 0, 2});
    auto add = [&](std::string_view key, const std::string& value) {
      text.paragraphs.push_back({Joined(key) + ":", kSmall, Align::kLeft, 0, 3});
      text.paragraphs.push_back({value, kMono, Align::kLeft, 8, 0});
    };
    add("verify.act", line.act_id);
    add("verify.root", line.deposit_root);
    add("verify.manifest", line.manifest_digest);
    add("verify.checkpoint", std::to_string(line.checkpoint_size) + ":" + line.checkpoint_root);
    add("verify.key", line.key_fingerprint);
    group.columns.push_back(std::move(qr));
    group.columns.push_back(std::move(text));
    pdf_.Add(std::move(group));
    Plain(payload, kMono, Align::kLeft, 0, 6);
    SetFooter(Joined("common.act") + " " + line.act_id, line.deposit_root);
  }

  /// Footer: `label` (act id or document name), root prefix, template id,
  /// and "page N of M" in every language.
  void SetFooter(const std::string& label, const std::string& root) {
    std::string left = label;
    if (!root.empty()) left += " · " + Joined("common.root") + " " + root.substr(0, 16) + "…";
    left += " · " + templates_.id();
    std::vector<std::pair<Language, std::string>> pages;
    for (Language lang : languages_) pages.emplace_back(lang, One("common.page", lang));
    pdf_.SetFooter([left](int, int) { return left; },
                   [pages](int n, int m) {
                     std::string out;
                     for (const auto& [lang, pattern] : pages) {
                       std::string s = pattern;
                       auto replace = [&s](std::string_view name, int v) {
                         size_t at = s.find(name);
                         if (at != std::string::npos) s.replace(at, name.size(), std::to_string(v));
                       };
                       replace("{n}", n);
                       replace("{m}", m);
                       if (!out.empty()) out += " · ";
                       out += s;
                     }
                     return out;
                   });
  }

  void TranslationNote() {
    for (Language lang : languages_) {
      std::string note = One("common.translation_note", lang);
      if (!note.empty()) Plain(note, kSmallAlt, Align::kLeft, 0, 10);
    }
  }

  Result<std::string> Finish(const std::string& title) {
    // A name or field printed with hidden characters escaped: the document
    // says what the notation means, in every language.
    if (pdf_.escaped_texts() > 0)
      for (Language lang : languages_) Plain(One("common.escape_note", lang), kSmallAlt, Align::kLeft, 0, 6);
    if (!status_.ok()) return status_;
    pdf_.SetMetadata({title, templates_.Source(languages_.front())});
    return pdf_.Render();
  }

 private:
  const TemplateSet& templates_;
  const LanguageMode& languages_;
  const OperatorInfo& op_;
  PdfComposer pdf_;
  Status status_;
};

std::string Number(size_t i) { return std::to_string(i); }

/// A medium named "DISC (original)" or "DISC (copy 2)" by the intake: the
/// copy in words, in every language of the document.
std::string MediumWords(FormBuilder& b, const std::string& medium) {
  size_t open = medium.rfind(" (");
  size_t close = medium.find(')', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return medium;
  const std::string label = medium.substr(open + 2, close - open - 2);
  std::string words;
  if (label == "original") {
    words = b.Joined("medium.original");
  } else if (label.rfind("copy ", 0) == 0 && label.size() > 5 &&
             label.find_first_not_of("0123456789", 5) == std::string::npos) {
    words = b.Joined("medium.copy", " / ", {{"n", label.substr(5)}});
  } else {
    return medium;
  }
  return medium.substr(0, open + 2) + words + medium.substr(close);
}

/// An item category (003 cl.10) in words, in every language of the document;
/// empty for no or an unknown code (a code is never printed).
std::string CategoryWords(FormBuilder& b, const std::string& code) {
  const appliance::ItemCategory* c = appliance::FindItemCategory(code);
  if (c == nullptr) return std::string();
  std::string out;
  for (Language lang : b.languages()) {
    std::string_view label = lang == Language::kKk ? c->kk : lang == Language::kRu ? c->ru : c->en;
    if (out.find(label) != std::string::npos) continue;
    out += (out.empty() ? "" : " / ") + std::string(label);
  }
  return b.Joined("annex3.category") + ": " + out;
}

/// The line under a row: its SHA-256 and its category.
std::string UnderRow(FormBuilder& b, const std::string& sha256, const std::string& category) {
  std::string out = sha256.empty() ? std::string() : b.Joined("annex3.sha256") + ": " + sha256;
  std::string words = CategoryWords(b, category);
  if (!words.empty()) out += (out.empty() ? "" : " · ") + words;
  return out;
}

void AddSourceTables(FormBuilder& b, const AcceptanceAct& act) {
  const double w = b.content_width();
  // Annex 3 item 3(1): ten columns, the SHA-256 of each file under its row.
  Table files;
  const double widths[] = {22, 52, 80, 0, 36, 44, 38, 52, 40, 50};
  double used = 0;
  for (double x : widths) used += x;
  const char* keys[] = {"annex3.col_no",     "annex3.col_disc", "annex3.col_dir",      "annex3.col_file",
                        "annex3.col_size",   "annex3.col_lang", "annex3.col_lang_ver", "annex3.col_fw",
                        "annex3.col_fw_ver", "annex3.col_date"};
  std::vector<std::string> header, numbers;
  for (size_t c = 0; c < std::size(widths); ++c) {
    double cw = widths[c] == 0 ? w - used : widths[c];
    files.columns.push_back({cw, c == 0 || c == 4 ? Align::kRight : Align::kLeft});
    header.push_back(b.Header(keys[c]));
    numbers.push_back(Number(c + 1));
  }
  files.header_rows = {header, numbers};
  files.header_style = {6.5, true, false, false, true};
  files.rows.reserve(act.files.size());
  for (size_t i = 0; i < act.files.size(); ++i) {
    const SourceFileRow& f = act.files[i];
    files.rows.push_back({{Number(i + 1), f.disc_marking, f.directory, f.file_name,
                           f.size_known ? FormatMegabytes(f.size_bytes) : std::string(), f.language, f.language_version,
                           f.framework, f.framework_version, PrintedDate(f.modified)},
                          UnderRow(b, f.sha256, f.category)});
  }
  if (act.files.empty()) files.rows.push_back({{"", b.Joined("annex3.none")}, ""});
  b.Para("annex3.item3_1", {}, kBody, kBodyAlt, Align::kLeft, 12, 6);
  b.pdf().Add(std::move(files));

  Table libs;
  const double lib_widths[] = {22, 70, 95, 0, 50, 70, 84};
  used = 0;
  for (double x : lib_widths) used += x;
  const char* lib_keys[] = {"annex3.col_no",       "annex3.col_lib_disc", "annex3.col_dir",    "annex3.col_lib_name",
                            "annex3.col_lib_size", "annex3.col_lib_lang", "annex3.col_lib_ver"};
  header.clear();
  numbers.clear();
  for (size_t c = 0; c < std::size(lib_widths); ++c) {
    double cw = lib_widths[c] == 0 ? w - used : lib_widths[c];
    libs.columns.push_back({cw, c == 0 || c == 4 ? Align::kRight : Align::kLeft});
    header.push_back(b.Header(lib_keys[c]));
    numbers.push_back(Number(c + 1));
  }
  libs.header_rows = {header, numbers};
  libs.header_style = {6.5, true, false, false, true};
  for (size_t i = 0; i < act.libraries.size(); ++i) {
    const LibraryRow& l = act.libraries[i];
    libs.rows.push_back({{Number(i + 1), l.disc_marking, l.directory, l.name,
                          l.size_known ? FormatMegabytes(l.size_bytes) : std::string(), l.language, l.library_version},
                         UnderRow(b, l.sha256, l.category)});
  }
  if (act.libraries.empty()) libs.rows.push_back({{"", b.Joined("annex3.none")}, ""});
  b.Para("annex3.item3_2", {}, kBody, kBodyAlt, Align::kLeft, 12, 10);
  b.pdf().Add(std::move(libs));
  if (act.checksums_computed) b.Para("annex3.sha256_computed", {}, kSmall, kSmallAlt, Align::kLeft, 0, 4);

  uint64_t total = 0;
  for (const auto& f : act.files) total += f.size_bytes;
  for (const auto& l : act.libraries) total += l.size_bytes;
  b.Para("annex3.total",
         {{"files", std::to_string(act.files.size())},
          {"libs", std::to_string(act.libraries.size())},
          {"mb", FormatMegabytes(total)}},
         kSmall, kSmallAlt, Align::kLeft, 0, 4);
}

void AddContact(FormBuilder& b, std::string_view heading, const Contact& c) {
  b.Para(heading, {}, kBold, kBodyAlt, Align::kLeft, 0, 8);
  b.Plain(b.Joined("annex3.contact_name") + " " + Blank(c.person.Full()), kBody, Align::kLeft, 12, 2);
  b.Plain(b.Joined("annex3.contact_position") + " " + Blank(c.position), kBody, Align::kLeft, 12, 2);
  b.Plain(b.Joined("annex3.contact_phone") + " " + Blank(c.work_phone) + ", " + b.Joined("annex3.contact_mobile") +
              " " + Blank(c.mobile_phone),
          kBody, Align::kLeft, 12, 2);
  b.Plain(b.Joined("annex3.contact_email") + " " + Blank(c.email), kBody, Align::kLeft, 12, 2);
}

void AddFindings(FormBuilder& b, const Findings& findings);

/// Annex 3 body shared by the acceptance act and the return act.
void AddActBody(FormBuilder& b, const AcceptanceAct& act, std::string_view intro_key) {
  b.DateCity(act.date, act.city);
  b.Para(intro_key, {{"receiving", Blank(act.receiving_org)}, {"transferring", Blank(act.transferring_org)}}, kBody,
         kBodyAlt, Align::kLeft, 0, 6);
  b.Para("annex3.item1", {{"software", Blank(act.software_name)}}, kBody, kBodyAlt, Align::kLeft, 0, 6);
  b.Para("annex3.item2", {{"annotation", Blank(act.annotation)}}, kBody, kBodyAlt, Align::kLeft, 0, 6);
  b.Para("annex3.item3", {}, kBody, kBodyAlt, Align::kLeft, 0, 6);
  AddSourceTables(b, act);
  AddFindings(b, act.findings);
  b.Signatures("annex3.item4_receiving", act.receiving_signer, "annex3.item4_transferring", act.transferring_signer);
  AddContact(b, "annex3.item5_receiving", act.receiving_contact);
  AddContact(b, "annex3.item5_transferring", act.transferring_contact);
  b.Verification(act.verification);
  b.TranslationNote();
}

void AddOrganization(FormBuilder& b, std::string_view title_key, const Organization& o) {
  b.Para(title_key, {}, kBold, kBodyAlt, Align::kLeft, 0, 10);
  b.Field("annex1.org_full_name", o.full_name, 12);
  b.Field("annex1.subordination", o.subordination, 12);
  b.Field("annex1.short_name", o.short_name, 12);
  b.Field("annex1.address", o.postcode.empty() ? o.address : o.postcode + ", " + o.address, 12);
  b.Plain(b.Joined("annex1.phone") + ": " + Blank(o.phone) + "    " + b.Joined("annex1.fax") + ": " + Blank(o.fax),
          kBody, Align::kLeft, 12, 3);
  b.Plain(b.Joined("annex1.email") + ": " + Blank(o.email) + "    " + b.Joined("annex1.web") + " " + Blank(o.web),
          kBody, Align::kLeft, 12, 3);
  b.Plain(b.Joined("annex1.contact") + ": " + Blank(o.contact.Full()) + " (" + b.Joined("common.full_name") + ")",
          kBody, Align::kLeft, 12, 3);
}

/// A table with a header row of column names and a row of column numbers,
/// under an optional `top` header row (a heading spanning columns).
Table SimpleTable(FormBuilder& b, const std::vector<std::pair<const char*, double>>& columns,
                  std::vector<std::string> top = {}) {
  Table t;
  double used = 0;
  for (const auto& c : columns) used += c.second;
  std::vector<std::string> header, numbers;
  for (size_t i = 0; i < columns.size(); ++i) {
    double w = columns[i].second == 0 ? b.content_width() - used : columns[i].second;
    t.columns.push_back({w, i == 0 ? Align::kRight : Align::kLeft});
    header.push_back(b.Header(columns[i].first));
    numbers.push_back(Number(i + 1));
  }
  if (!top.empty()) t.header_rows.push_back(std::move(top));
  t.header_rows.push_back(std::move(header));
  t.header_rows.push_back(std::move(numbers));
  t.body_style = {8, false, false, false};
  return t;
}

/// The findings section: what the reader found on the media that did not
/// stop the read, each class, kind and limit in the template's words, the
/// name as found (the composer escapes hidden characters), the rest counted.
void AddFindings(FormBuilder& b, const Findings& findings) {
  if (findings.rows.empty() && findings.unlisted == 0) return;
  b.Para("findings.title", {}, kBold, kBodyAlt, Align::kLeft, 0, 10);
  b.Para("findings.intro", {}, kSmall, kSmallAlt, Align::kLeft, 0, 4);
  Table t = SimpleTable(b, {{"report.col_no", 24},
                            {"findings.col_medium", 80},
                            {"findings.col_what", 110},
                            {"findings.col_name", 0},
                            {"findings.col_detail", 150}});
  for (size_t i = 0; i < findings.rows.size(); ++i) {
    const FindingRow& f = findings.rows[i];
    const std::string what = b.Joined("findings.class." + f.cls + (f.kind.empty() ? "" : "." + f.kind));
    std::string detail;
    if (!f.limit.empty()) {
      const bool bytes = f.limit == "archive_bytes" || f.limit == "medium_archive_bytes";
      detail = b.Joined("findings.limit." + f.limit, " / ",
                        {{"n", std::to_string(bytes ? f.limit_value >> 20 : f.limit_value)}});
    } else if (f.kind == "hidden_characters" || f.kind == "control_characters") {
      detail = HiddenCodePoints(f.path);  // "U+202E": the same in every language
    } else {
      detail = b.Joined("findings.detail." + f.cls + (f.kind.empty() ? "" : "." + f.kind));
    }
    t.rows.push_back({{Number(i + 1), MediumWords(b, f.medium), what, f.path, detail}, ""});
  }
  b.pdf().Add(std::move(t));
  if (findings.unlisted > 0)
    b.Para("findings.unlisted", {{"n", std::to_string(findings.unlisted)}}, kSmall, kSmallAlt, Align::kLeft, 0, 4);
}

}  // namespace

std::string FormatMegabytes(uint64_t bytes) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

std::string PrintedDate(std::string_view text) {
  auto digits = [&](size_t at, size_t n) {
    if (text.size() < at + n) return false;
    for (size_t i = at; i < at + n; ++i)
      if (text[i] < '0' || text[i] > '9') return false;
    return true;
  };
  if (!(digits(0, 4) && text.size() >= 10 && text[4] == '-' && digits(5, 2) && text[7] == '-' && digits(8, 2)))
    return std::string(text);
  std::string day(text.substr(0, 10));
  // An instant in UTC ("2026-12-07T21:30:00Z") is read on the local date (UTC+5).
  if (text.size() == 20 && text[10] == 'T' && text[19] == 'Z' && digits(11, 2) && digits(14, 2) && digits(17, 2)) {
    auto d = appliance::ParseDay(day);
    if (d) {
      const int64_t secs = int64_t{d->day_number()} * 86400 + std::stoi(std::string(text.substr(11, 2))) * 3600 +
                           std::stoi(std::string(text.substr(14, 2))) * 60 + std::stoi(std::string(text.substr(17, 2)));
      day = appliance::LocalDateOf(secs).ToString();
    }
  } else if (text.size() != 10) {
    return std::string(text);
  }
  return day.substr(8, 2) + "." + day.substr(5, 2) + "." + day.substr(0, 4);
}

std::string PrintedDateTime(std::string_view utc) {
  auto digits = [&](size_t at, size_t n) {
    for (size_t i = at; i < at + n; ++i)
      if (i >= utc.size() || utc[i] < '0' || utc[i] > '9') return false;
    return true;
  };
  const bool instant = utc.size() == 20 && digits(0, 4) && utc[4] == '-' && digits(5, 2) && utc[7] == '-' &&
                       digits(8, 2) && utc[10] == 'T' && digits(11, 2) && utc[13] == ':' && digits(14, 2) &&
                       utc[16] == ':' && digits(17, 2) && utc[19] == 'Z';
  auto day = instant ? appliance::ParseDay(utc.substr(0, 10)) : std::nullopt;
  if (!day) return PrintedDate(utc);
  const int64_t secs = int64_t{day->day_number()} * 86400 + std::stoi(std::string(utc.substr(11, 2))) * 3600 +
                       std::stoi(std::string(utc.substr(14, 2))) * 60 + appliance::kActUtcOffsetSeconds;
  const int64_t minute_of_day = ((secs % 86400) + 86400) % 86400 / 60;
  char hhmm[8];
  std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", static_cast<int>(minute_of_day / 60),
                static_cast<int>(minute_of_day % 60));
  return PrintedDate(utc) + " " + hhmm;
}

DocumentRenderer::DocumentRenderer(TemplateSet templates, LanguageMode languages, OperatorInfo op)
    : templates_(std::move(templates)), languages_(std::move(languages)), op_(std::move(op)) {
  if (languages_.empty()) languages_ = Bilingual();
}

Result<std::string> DocumentRenderer::Render(const ApplicationForm& doc) const {
  FormBuilder b(templates_, languages_, op_);
  b.RulesRef("annex1.rules_ref");
  b.Letterhead();
  b.Title("annex1.title");
  b.Field("annex1.applicant", doc.applicant);
  b.Field("annex1.software", doc.software_name);
  b.Field("annex1.portal_code", doc.portal_code);
  b.Field("annex1.copies", std::to_string(doc.copies));
  b.Para("annex1.each_set", {}, kBody, kBodyAlt, Align::kLeft, 0, 6);
  Table items = SimpleTable(b, {{"annex1.col_no", 24},
                                {"annex1.col_name", 0},
                                {"annex1.col_sheets", 70},
                                {"annex1.col_serial", 90},
                                {"annex1.col_size", 60},
                                {"annex1.col_orig", 70}});
  const std::string orig = b.Joined("annex1.orig"), copy = b.Joined("annex1.copy");
  for (size_t i = 0; i < doc.items.size(); ++i) {
    const auto& it = doc.items[i];
    // A paper-only item has no size in MB: the cell stays empty, not "0.000".
    const std::string size =
        it.size_mb > 0 ? FormatMegabytes(static_cast<uint64_t>(it.size_mb * 1048576)) : std::string();
    items.rows.push_back(
        {{Number(i + 1), it.name, it.paper_sheets, it.cd_serial, size, it.original ? orig : copy}, ""});
  }
  b.pdf().Add(std::move(items));
  AddOrganization(b, "annex1.owner_title", doc.owner);
  AddOrganization(b, "annex1.developer_title", doc.developer);
  b.Para("annex1.authors_title", {}, kBold, kBodyAlt, Align::kLeft, 0, 10);
  b.Field("annex1.authors", doc.authors, 12);
  b.Field("annex1.certification", doc.certification, 12);
  b.Field("annex1.year", doc.release_year, 12);
  b.Field("annex1.version", doc.version, 12);
  b.Field("annex1.language", doc.programming_language, 12);
  b.Field("annex1.release_date", PrintedDate(doc.release_date), 12);
  b.Field("annex1.annotation", doc.annotation, 12);
  b.Para("annex1.req_title", {}, kBold, kBodyAlt, Align::kLeft, 0, 10);
  b.Field("annex1.req_cpu", doc.req_cpu, 12);
  b.Field("annex1.req_ram", doc.req_ram, 12);
  b.Field("annex1.req_disk", doc.req_disk, 12);
  b.Field("annex1.req_os", doc.req_os, 12);
  b.Field("annex1.req_video", doc.req_video, 12);
  b.Field("annex1.req_audio", doc.req_audio, 12);
  b.Field("annex1.req_extra_hw", doc.req_extra_hardware, 12);
  b.Field("annex1.req_extra_sw", doc.req_extra_software, 12);
  b.Field("annex1.req_other", doc.req_other, 12);
  b.Field("annex1.protection", doc.copy_protection);
  std::string funding;
  for (const std::string& key : doc.funding_sources) {
    if (!funding.empty()) funding += "; ";
    funding += b.Joined("funding." + key);
  }
  b.Field("annex1.funding", funding);
  ColumnGroup sign;
  ColumnGroup::Column left, right;
  left.width = b.content_width() / 2;
  right.width = b.content_width() / 2;
  left.paragraphs.push_back({b.Joined("annex1.seal_place", "\n"), kBody, Align::kLeft, 0, 0});
  left.paragraphs.push_back({b.Joined("common.date") + ": " + Blank(PrintedDate(doc.date)), kBody, Align::kLeft, 0, 8});
  right.paragraphs.push_back({Blank(doc.signer.person.Full()), kBody, Align::kLeft, 0, 0});
  right.paragraphs.push_back({"____________________", kBody, Align::kLeft, 0, 16});
  right.paragraphs.push_back({b.Joined("annex1.owner_signature"), kSmall, Align::kLeft, 0, 1});
  sign.columns = {std::move(left), std::move(right)};
  sign.space_before = 16;
  b.pdf().Add(std::move(sign));
  b.SetFooter(doc.software_name, "");
  b.TranslationNote();
  return b.Finish("Annex 1");
}

Result<std::string> DocumentRenderer::Render(const JournalPage& doc) const {
  FormBuilder b(templates_, languages_, op_);
  b.RulesRef("annex2.rules_ref");
  b.Letterhead();
  b.Title("annex2.title");
  Table t = SimpleTable(b,
                        {{"annex2.col_no", 24},
                         {"annex2.col_app_no", 60},
                         {"annex2.col_date", 60},
                         {"annex2.col_body", 0},
                         {"annex2.col_applicant", 100},
                         {"annex2.col_name", 90},
                         {"annex2.col_sign", 50}},
                        // The form's "Received" heading over the last two columns.
                        {"", "", "", "", "", b.Header("annex2.col_received"), ""});
  for (const JournalRow& r : doc.rows) {
    t.rows.push_back({{Number(static_cast<size_t>(r.number)), r.application_number, PrintedDate(r.received_date),
                       r.state_body, r.applicant, r.received_by.Full(), ""},
                      ""});
  }
  b.pdf().Add(std::move(t));
  b.SetFooter(b.Joined("annex2.title"), "");
  b.TranslationNote();
  return b.Finish("Annex 2");
}

Result<std::string> DocumentRenderer::Render(const AcceptanceAct& doc) const {
  FormBuilder b(templates_, languages_, op_);
  b.RulesRef("annex3.rules_ref");
  b.Letterhead();
  b.Title("annex3.title");
  AddActBody(b, doc, "annex3.intro");
  return b.Finish("Annex 3 " + doc.verification.act_id);
}

Result<std::string> DocumentRenderer::Render(const ReturnAct& doc) const {
  FormBuilder b(templates_, languages_, op_);
  b.Basis("return.basis");
  b.Letterhead();
  if (doc.draft) b.DraftBanner("return.draft");
  b.Title("return.title");
  if (!doc.reason.empty()) b.Para("return.reason", {{"reason", doc.reason}}, kBody, kBodyAlt, Align::kLeft, 0, 6);
  AddActBody(b, doc.act, "return.intro");
  return b.Finish("Return act " + doc.act.verification.act_id);
}

Result<std::string> DocumentRenderer::Render(const Nda& doc) const {
  FormBuilder b(templates_, languages_, op_);
  b.RulesRef("annex4.rules_ref");
  b.Letterhead();
  b.Title("annex4.title");
  b.DateCity(doc.date, doc.city);
  const Values values = {{"owner", Blank(doc.owner_name)},
                         {"owner_rep", Blank(doc.owner_representative)},
                         {"owner_authority", Blank(doc.owner_authority)},
                         {"operator_rep", Blank(doc.operator_representative)},
                         {"operator_authority", Blank(doc.operator_authority)}};
  // The whole text in each language in turn (Kazakh first), so each reads as
  // one agreement rather than interleaved sentences.
  bool first = true;
  for (Language lang : languages_) {
    if (!first) b.pdf().Add(PageBreak{});
    first = false;
    b.Plain(b.One("annex4.intro", lang, values), kBody, Align::kLeft, 0, 6);
    auto body = templates_.Paragraphs("annex4.body", lang);
    if (!body.ok()) return body.status();
    for (const std::string& p : *body) {
      // Chapter headings ("1-тарау. ...", "Глава 1. ...", "Chapter 1. ...") do not start with a clause number.
      const bool heading = !p.empty() && (!std::isdigit(static_cast<unsigned char>(p[0])) || p.find('-') == 1);
      b.Plain(p, heading ? kBold : kBody, Align::kLeft, heading ? 0 : 10, heading ? 8 : 3);
    }
  }
  b.Para("annex4.signatures", {}, kBold, kBodyAlt, Align::kCenter, 0, 14);
  b.Signatures("annex4.owner", doc.owner_signer, "annex4.operator", doc.operator_signer);
  b.SetFooter(b.Joined("annex4.title"), "");
  b.TranslationNote();
  return b.Finish("Annex 4");
}

Result<std::string> DocumentRenderer::Render(const Refusal& doc) const {
  FormBuilder b(templates_, languages_, op_);
  b.Basis("refusal.basis");
  b.Letterhead();
  b.Para("refusal.to", {{"depositor", Blank(doc.depositor)}}, kBody, kBodyAlt, Align::kRight, b.content_width() / 2, 6);
  b.Title("refusal.title");
  b.DateCity(doc.date, doc.city);
  b.Para("refusal.application",
         {{"number", Blank(doc.application_number)},
          {"date", Blank(PrintedDate(doc.application_date))},
          {"code", Blank(doc.portal_code)}},
         kBody, kBodyAlt, Align::kLeft, 0, 6);
  b.Para("refusal.intro", {{"depositor", Blank(doc.depositor)}, {"software", Blank(doc.software_name)}});
  if (doc.reasons.empty()) return Status::InvalidArgument("refusal " + doc.act_id + ": no reason given (clause 16)");
  for (Refusal::Reason r : doc.reasons) {
    b.Para("refusal.reason" + std::to_string(static_cast<int>(r)), {}, kBody, kBodyAlt, Align::kLeft, 12, 4);
  }
  if (!doc.reason_text.empty()) b.Plain(doc.reason_text, kBody, Align::kLeft, 12, 6);
  b.Para("refusal.evidence", {}, kBold, kBodyAlt, Align::kLeft, 0, 10);
  Table t = SimpleTable(b, {{"report.col_no", 24}, {"refusal.col_item", 180}, {"refusal.col_detail", 0}});
  for (size_t i = 0; i < doc.evidence.size(); ++i) {
    const Refusal::Evidence& e = doc.evidence[i];
    std::string detail = e.key.empty() ? std::string() : b.Joined(e.key, " / ", e.values);
    if (!e.detail.empty()) detail += (detail.empty() ? "" : "\n") + e.detail;
    t.rows.push_back({{Number(i + 1), MediumWords(b, e.item), detail}, ""});
  }
  b.pdf().Add(std::move(t));
  AddFindings(b, doc.findings);
  ColumnGroup sign;
  sign.columns.push_back(b.SignatureColumn("notice.basis", doc.operator_signer, b.content_width() / 2));
  sign.columns.back().paragraphs.erase(sign.columns.back().paragraphs.begin());
  b.pdf().Add(std::move(sign));
  b.Verification(doc.verification);
  b.TranslationNote();
  return b.Finish("Refusal " + doc.act_id);
}

Result<std::string> DocumentRenderer::Render(const DestructionAct& doc) const {
  FormBuilder b(templates_, languages_, op_);
  b.Basis("destruction.basis");
  b.Letterhead();
  b.Title("destruction.title");
  b.DateCity(doc.date, doc.city);
  b.Para("destruction.intro", {{"owner", Blank(doc.owner)},
                               {"software", Blank(doc.software_name)},
                               {"basis", Blank(doc.basis)},
                               {"return_act", Blank(doc.return_act)}});
  b.Para("destruction.method", {}, kBody, kBodyAlt, Align::kLeft, 0, 6);
  Table t = SimpleTable(b, {{"destruction.col_no", 28}, {"destruction.col_name", 0}, {"destruction.col_size", 50}});
  t.span_from = 1;
  for (size_t i = 0; i < doc.rows.size(); ++i) {
    t.rows.push_back({{Number(i + 1), doc.rows[i].name, FormatMegabytes(doc.rows[i].size_bytes)},
                      UnderRow(b, doc.rows[i].sha256, "")});
  }
  b.pdf().Add(std::move(t));
  b.Para("destruction.commission", {}, kBold, kBodyAlt, Align::kLeft, 0, 12);
  for (size_t i = 0; i < doc.commission.size(); i += 2) {
    ColumnGroup g;
    const double half = b.content_width() / 2;
    for (size_t j = i; j < i + 2 && j < doc.commission.size(); ++j) {
      auto col = b.SignatureColumn("destruction.role." + doc.commission[j].role, doc.commission[j].block, half);
      g.columns.push_back(std::move(col));
    }
    b.pdf().Add(std::move(g));
  }
  b.Verification(doc.verification);
  b.TranslationNote();
  return b.Finish("Destruction act " + doc.act_id);
}

Result<std::string> DocumentRenderer::Render(const HalfYearReport& doc) const {
  if (doc.half != 1 && doc.half != 2) {
    return Status::InvalidArgument("half-year report: half is " + std::to_string(doc.half) + ", expected 1 or 2");
  }
  FormBuilder b(templates_, languages_, op_);
  b.Basis("report.basis");
  b.Letterhead();
  b.Title("report.title", {{"year", std::to_string(doc.year)}, {"half", std::to_string(doc.half)}});
  b.Para("report.intro", {{"from", Blank(PrintedDate(doc.period_from))}, {"to", Blank(PrintedDate(doc.period_to))}});
  Table t = SimpleTable(b, {{"report.col_no", 26},
                            {"report.col_act", 70},
                            {"report.col_software", 0},
                            {"report.col_event", 70},
                            {"report.col_details", 130},
                            {"report.col_date", 58}});
  for (size_t i = 0; i < doc.rows.size(); ++i) {
    const auto& r = doc.rows[i];
    std::string event;
    if (r.event == "accepted" || r.event == "refused" || r.event == "returned" || r.event == "destroyed") {
      event = b.Joined("report.event." + r.event, "\n");
    } else if (!r.event.empty()) {
      event = b.Joined("report.section." + r.event, "\n");
    }
    Values values = r.detail_values;
    for (auto& [name, value] : values) value = PrintedDate(value);
    const std::string detail = r.detail_key.empty() ? std::string() : b.Joined(r.detail_key, "\n", values);
    std::string what = r.software_name;
    if (!r.owner.empty()) what = r.owner + (what.empty() ? "" : "\n" + what);
    t.rows.push_back({{Number(i + 1), r.act_id, what, event, detail, PrintedDate(r.date)}, ""});
  }
  b.pdf().Add(std::move(t));
  Values totals;
  for (const auto& [name, n] : doc.totals) totals.emplace_back(name, std::to_string(n));
  b.Para("report.totals", totals, kBody, kBodyAlt, Align::kLeft, 0, 8);
  ColumnGroup sign;
  sign.columns.push_back(b.SignatureColumn("report.basis", doc.signer, b.content_width() / 2));
  sign.columns.back().paragraphs.erase(sign.columns.back().paragraphs.begin());
  b.pdf().Add(std::move(sign));
  b.Verification(doc.verification);
  b.TranslationNote();
  return b.Finish("Half-year report " + std::to_string(doc.year) + "/" + std::to_string(doc.half));
}

Result<std::string> DocumentRenderer::Render(const Notice& doc) const {
  FormBuilder b(templates_, languages_, op_);
  std::string kind;
  switch (doc.kind) {
    case Notice::Kind::kAccepted: kind = "accepted"; break;
    case Notice::Kind::kReturned: kind = "returned"; break;
    case Notice::Kind::kDestroyed: kind = "destroyed"; break;
    case Notice::Kind::kRefused: kind = "refused"; break;
    case Notice::Kind::kIssued: kind = "issued"; break;
    case Notice::Kind::kHalfYearReport: kind = "half_year_report"; break;
    case Notice::Kind::kInformation: kind = "information"; break;
  }
  static constexpr std::pair<std::string_view, std::string_view> kBasis[] = {
      {"accepted", "notice.basis.acceptance"},    {"issued", "notice.basis.issue"},
      {"returned", "notice.basis.return"},        {"destroyed", "notice.basis.destruction"},
      {"refused", "notice.basis.acceptance"},     {"half_year_report", "notice.basis.half_year_report"},
      {"information", "notice.basis.information"}};
  for (const auto& [k, key] : kBasis)
    if (k == kind) b.Basis(key);
  b.Letterhead();
  b.DateCity(doc.date, "");
  const std::string addressee =
      doc.addressee == "authorized_body" ? b.Joined("addressee.authorized_body", "\n") : doc.addressee;
  b.Plain(b.Joined("notice.to", "\n", {{"addressee", Blank(addressee)}}), kBody, Align::kRight, b.content_width() / 2,
          6);
  if (doc.draft) b.DraftBanner();
  b.Title("notice.title", {{"number", Blank(doc.number)}});
  const bool has_draft_text =
      doc.kind == Notice::Kind::kIssued || doc.kind == Notice::Kind::kReturned || doc.kind == Notice::Kind::kDestroyed;
  std::string act = doc.act_id;
  if (doc.kind == Notice::Kind::kHalfYearReport && doc.report_year > 0)
    act = b.Joined("notice.report_period", " / ",
                   {{"year", std::to_string(doc.report_year)}, {"half", std::to_string(doc.report_half)}}) +
          (doc.act_id.empty() ? "" : ", " + doc.act_id);
  b.Para("notice." + kind + (doc.draft && has_draft_text ? ".draft" : ""),
         {{"owner", Blank(doc.owner)}, {"software", Blank(doc.software_name)}, {"act", Blank(act)}});
  if (!doc.reference.empty() || !doc.received_on.empty())
    b.Para("notice.received", {{"reference", Blank(doc.reference)}, {"received", Blank(PrintedDate(doc.received_on))}},
           kBody, kBodyAlt, Align::kLeft, 0, 4);
  if (!doc.due_on.empty())
    b.Para("notice.due", {{"due", PrintedDate(doc.due_on)}}, kBody, kBodyAlt, Align::kLeft, 0, 4);
  if (!doc.draft && !doc.done_on.empty())
    b.Para("notice.done", {{"done", PrintedDate(doc.done_on)}}, kBody, kBodyAlt, Align::kLeft, 0, 4);
  if (!doc.draft && !doc.bundles.empty())
    b.Para("notice.bundles", {{"bundles", doc.bundles}}, kSmall, kSmallAlt, Align::kLeft, 0, 4);
  ColumnGroup sign;
  sign.columns.push_back(b.SignatureColumn("notice.basis", doc.signer, b.content_width() / 2));
  sign.columns.back().paragraphs.erase(sign.columns.back().paragraphs.begin());
  b.pdf().Add(std::move(sign));
  b.Verification(doc.verification);
  b.TranslationNote();
  return b.Finish("Notice " + doc.number);
}

Result<std::string> DocumentRenderer::Render(const AccessRegisterDoc& doc) const {
  static constexpr std::string_view kKinds[] = {"read", "export", "render", "print", "issue", "return"};
  static constexpr std::string_view kRoles[] = {"clerk", "security_officer", "auditor", "admin", "system"};
  auto known = [](const auto& list, const std::string& v) {
    return std::find(std::begin(list), std::end(list), v) != std::end(list);
  };
  for (const auto& r : doc.rows) {
    // Enum names are never printed: an unknown one is the caller's error.
    if (!known(kKinds, r.kind)) return Status::InvalidArgument("access register: unknown kind '" + r.kind + "'");
    if (!known(kRoles, r.role)) return Status::InvalidArgument("access register: unknown role '" + r.role + "'");
  }
  FormBuilder b(templates_, languages_, op_);
  b.Basis("access.basis");
  b.Letterhead();
  b.DateCity(doc.date, "");
  b.Title("access.title");
  b.Para("access.intro", {{"object", Blank(doc.object_name)},
                          {"code", Blank(doc.portal_code)},
                          {"version", Blank(doc.version)},
                          {"deposit", Blank(doc.deposit)},
                          {"act", Blank(doc.act_number)}});
  if (doc.destroyed) b.Para("access.destroyed", {}, kBody, kBodyAlt, Align::kLeft, 0, 4);
  b.Para("access.source", {{"entries", std::to_string(doc.audit_entries)}}, kSmall, kSmallAlt, Align::kLeft, 0, 6);
  Table t = SimpleTable(b, {{"access.col_no", 24},
                            {"access.col_time", 72},
                            {"access.col_person", 0},
                            {"access.col_role", 92},
                            {"access.col_kind", 84},
                            {"access.col_item", 130}});
  for (size_t i = 0; i < doc.rows.size(); ++i) {
    const auto& r = doc.rows[i];
    const std::string role = b.Joined("access.role." + r.role, "\n");
    std::string person = r.person.empty() ? role : r.person;
    if (!r.position.empty()) person += "\n" + r.position;
    t.rows.push_back(
        {{Number(i + 1), PrintedDateTime(r.time), person, role, b.Joined("access.kind." + r.kind, "\n"), r.item}, ""});
  }
  if (doc.rows.empty()) t.rows.push_back({{"", "", b.Joined("access.none")}, ""});
  b.pdf().Add(std::move(t));
  b.Verification(doc.verification);
  b.TranslationNote();
  return b.Finish("Access register " + doc.deposit);
}

Result<std::string> DocumentRenderer::Render(const SecurityTestDoc& doc) const {
  for (const auto& f : doc.findings)
    if (f.risk != "high" && f.risk != "medium" && f.risk != "low")  // enum names are never printed
      return Status::InvalidArgument("security test: unknown risk '" + f.risk + "'");
  FormBuilder b(templates_, languages_, op_);
  b.Basis("sectest.basis");
  b.Letterhead();
  b.DateCity(doc.date, "");
  b.Title("sectest.title", {{"number", doc.test}});
  b.Para("sectest.intro", {{"object", Blank(doc.object_name)},
                           {"code", Blank(doc.portal_code)},
                           {"version", Blank(doc.version)},
                           {"reference", Blank(doc.reference)},
                           {"tested_on", Blank(PrintedDate(doc.tested_on))}});
  b.Para(doc.positive ? "sectest.outcome.positive" : "sectest.outcome.negative", {}, kBold, kBodyAlt, Align::kLeft, 0,
         6);
  b.Para("sectest.reports", {}, kBold, kBodyAlt, Align::kLeft, 0, 4);
  Table reports = SimpleTable(b, {{"sectest.col_no", 28}, {"sectest.col_file", 0}, {"sectest.col_size", 60}});
  reports.span_from = 1;
  for (size_t i = 0; i < doc.reports.size(); ++i)
    reports.rows.push_back(
        {{Number(i + 1), doc.reports[i].name, FormatMegabytes(static_cast<uint64_t>(doc.reports[i].size))},
         b.Joined("annex3.sha256") + ": " + doc.reports[i].sha256});
  if (doc.reports.empty()) reports.rows.push_back({{"", b.Joined("sectest.none")}, ""});
  b.pdf().Add(std::move(reports));
  b.Para("sectest.vulns", {}, kBold, kBodyAlt, Align::kLeft, 0, 4);
  Table vulns = SimpleTable(
      b, {{"sectest.col_no", 28}, {"sectest.col_desc", 0}, {"sectest.col_path", 150}, {"sectest.col_risk", 70}});
  for (const auto& f : doc.findings)
    vulns.rows.push_back(
        {{Number(static_cast<size_t>(f.number)), f.description, f.path, b.Joined("sectest.risk." + f.risk, "\n")}, ""});
  if (doc.findings.empty()) vulns.rows.push_back({{"", b.Joined("sectest.none")}, ""});
  b.pdf().Add(std::move(vulns));
  b.Para("sectest.fixes", {}, kBold, kBodyAlt, Align::kLeft, 0, 4);
  Table fixes = SimpleTable(
      b, {{"sectest.col_no", 28}, {"sectest.col_vuln", 60}, {"sectest.col_fix", 0}, {"sectest.col_fixed", 80}});
  for (const auto& r : doc.remediation)
    fixes.rows.push_back({{Number(static_cast<size_t>(r.number)), Number(static_cast<size_t>(r.finding)), r.correction,
                           b.Joined(r.fixed ? "sectest.fixed.yes" : "sectest.fixed.no", "\n")},
                          ""});
  if (doc.remediation.empty()) fixes.rows.push_back({{"", "", b.Joined("sectest.none")}, ""});
  b.pdf().Add(std::move(fixes));
  b.Para("sectest.recorded", {{"person", Blank(doc.recorded_by)}}, kBody, kBodyAlt, Align::kLeft, 0, 6);
  b.TranslationNote();
  return b.Finish("Security test " + doc.test);
}

Status SavePdf(std::string_view pdf, const std::string& path) {
  if (pdf.substr(0, 5) != "%PDF-") return Status::InvalidArgument("save " + path + ": data is not a PDF");
  const std::string tmp = path + ".part";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return Status::FromErrno(errno, "create " + tmp);
  size_t done = 0;
  while (done < pdf.size()) {
    ssize_t n = ::write(fd.get(), pdf.data() + done, pdf.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status st = Status::FromErrno(errno, "write " + tmp);
      ::unlink(tmp.c_str());
      return st;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    Status st = Status::FromErrno(errno, "fsync " + tmp);
    ::unlink(tmp.c_str());
    return st;
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = Status::FromErrno(errno, "rename " + tmp + " to " + path);
    ::unlink(tmp.c_str());
    return st;
  }
  return Status::Ok();
}

}  // namespace qoima::print

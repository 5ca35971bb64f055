#include "appliance/item_category.h"

#include <array>
#include <cctype>

namespace qoima::appliance {
namespace {

constexpr std::array<ItemCategory, 10> kCategories = {{
    {"source_code", "003 cl.10(1); 001 cl.5(1)", "бастапқы код", "исходный код", "source code (own and third-party)"},
    {"libraries", "003 cl.10(2)", "кітапханалар", "библиотеки", "libraries"},
    {"build_service_files", "003 cl.10(3); 001 cl.5(1)", "компиляциялау үшін қажетті қызметтік файлдар",
     "служебные файлы для компиляции", "service files for manual or automatic compilation"},
    {"build_description", "003 cl.10(4); 001 cl.5(1)",
     "компиляция процесінің сипаттамасы, әзірлеу ортасы және оның нұсқасы, есептік жазбалар",
     "описание процесса компиляции, среда разработки и её версия, учётные записи",
     "build description (environment and version, settings, build guide, accounts)"},
    {"artifacts", "003 cl.10(5)", "артефактілер", "артефакты",
     "artifacts (reference files, data files, models, other files used by the software)"},
    {"executables", "003 cl.10(6); 001 cl.5(2)", "орындалатын код және орнату пакеттері",
     "исполняемый код и установочные пакеты", "executable code and installation packages"},
    {"database_structure", "001 cl.5(4)", "дерекқор құрылымы бар файл", "файл структуры базы данных",
     "database structure file"},
    {"licensed_settings", "001 cl.5(5)", "лицензиялық бағдарламалық қамтамасыз етудің параметрлер кешені",
     "набор настроек лицензионного программного обеспечения", "licensed-software settings set"},
    {"additional_software", "001 cl.5(3)", "қосымша бағдарламалық қамтамасыз ету",
     "дополнительное программное обеспечение", "additional software"},
    {"technical_documentation", "002 cl.5", "техникалық құжаттама", "техническая документация",
     "technical documentation"},
}};

std::string Lower(std::string_view s) {
  std::string o(s);
  for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::span<const ItemCategory> ItemCategories() { return kCategories; }

const ItemCategory* FindItemCategory(std::string_view code) {
  for (const auto& c : kCategories)
    if (c.code == code) return &c;
  return nullptr;
}

std::string ItemCategoryCodeList() {
  std::string out;
  for (const auto& c : kCategories) {
    if (!out.empty()) out += ", ";
    out += c.code;
  }
  return out;
}

std::string_view GuessItemCategory(std::string_view path) {
  std::string p = Lower(path);
  size_t slash = p.rfind('/');
  std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
  for (auto ext : {".exe", ".msi", ".deb", ".rpm", ".apk", ".dll", ".so", ".war", ".ear", ".appimage"})
    if (EndsWith(name, ext)) return "executables";
  for (auto ext : {".jar", ".a", ".lib", ".nupkg", ".whl", ".gem"})
    if (EndsWith(name, ext)) return "libraries";
  for (auto ext : {".sql", ".ddl", ".dbml"})
    if (EndsWith(name, ext)) return "database_structure";
  for (auto n : {"makefile", "cmakelists.txt", "pom.xml", "build.gradle", "package.json", "build.xml", "meson.build",
                 "dockerfile", "go.mod", "cargo.toml", "requirements.txt"})
    if (name == n) return "build_service_files";
  for (auto ext : {".pdf", ".docx", ".doc", ".odt"})
    if (EndsWith(name, ext)) return "technical_documentation";
  if (name == "build.md" || name == "build.txt" || name == "install.md") return "build_description";
  return "source_code";
}

}  // namespace qoima::appliance

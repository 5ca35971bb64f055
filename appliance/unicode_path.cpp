#include "appliance/unicode_path.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>
#include <vector>

namespace qoima::appliance {
namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// The one place utf8proc's error codes become a Status.
Status Utf8procStatus(utf8proc_ssize_t rc, std::string_view what) {
  return Status::InvalidArgument(std::string(what) + ": " + utf8proc_errmsg(rc));
}

Result<std::string> MapUtf8(std::string_view text, int options) {
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()), static_cast<utf8proc_ssize_t>(text.size()),
                   &out, static_cast<utf8proc_option_t>(options));
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> owned(out);
  if (n < 0) return Utf8procStatus(n, "normalize text");
  return std::string(reinterpret_cast<const char*>(owned.get()), static_cast<size_t>(n));
}

}  // namespace

std::optional<size_t> FirstInvalidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  size_t off = 0;
  while (off < text.size()) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p + off, static_cast<utf8proc_ssize_t>(text.size() - off), &cp);
    if (n <= 0 || cp < 0) return off;
    off += static_cast<size_t>(n);
  }
  return std::nullopt;
}

Status ValidateUtf8(std::string_view text) {
  if (auto bad = FirstInvalidUtf8(text))
    return Status::InvalidArgument("not valid UTF-8 at byte " + std::to_string(*bad) +
                                   " (save the file as UTF-8; Windows-1251 and UTF-16 are not accepted)");
  return Status::Ok();
}

bool ContainsC1Control(std::string_view text) {
  // In valid UTF-8, U+0080-U+009F are exactly the pairs C2 80 .. C2 9F.
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    const auto lead = static_cast<unsigned char>(text[i]), next = static_cast<unsigned char>(text[i + 1]);
    if (lead == 0xC2 && next >= 0x80 && next < 0xA0) return true;
  }
  return false;
}

Result<std::string> ToNfc(std::string_view text) {
  QOIMA_RETURN_IF_ERROR(ValidateUtf8(text));
  return MapUtf8(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
}

Result<std::string> NormalizeManifestPath(std::string_view raw, const PathRules& rules) {
  if (raw.empty()) return Status::InvalidArgument("empty path");
  if (raw.size() > kMaxPathBytes)
    return Status::LimitExceeded("path is " + std::to_string(raw.size()) + " bytes, the limit is " +
                                 std::to_string(kMaxPathBytes));
  QOIMA_ASSIGN_OR_RETURN(std::string nfc, ToNfc(raw));
  for (unsigned char c : nfc) {
    if (c < 0x20 || c == 0x7f) return Status::InvalidArgument("path contains a control character");
  }
  if (ContainsC1Control(nfc)) return Status::InvalidArgument("path contains a control character");
  std::string s = nfc;
  if (rules.backslash_is_separator) {
    for (char& c : s)
      if (c == '\\') c = '/';
  } else if (s.find('\\') != std::string::npos) {
    return Status::InvalidArgument("path contains '\\' (use '/' between directories)");
  }
  if (!s.empty() && s[0] == '/') {
    if (!rules.allow_leading_slash) return Status::InvalidArgument("path is absolute (start it at the disc's root)");
    s.erase(0, s.find_first_not_of('/'));
  }
  std::vector<std::string_view> parts;
  std::string_view rest(s);
  while (true) {
    size_t slash = rest.find('/');
    std::string_view comp = rest.substr(0, slash);
    if (comp.empty()) return Status::InvalidArgument("path has an empty component ('//' or a trailing '/')");
    if (comp == "..") return Status::InvalidArgument("path contains '..'");
    if (comp == ".") {
      if (!parts.empty() || slash == std::string_view::npos)
        return Status::InvalidArgument("path contains a '.' component");
    } else {
      if (comp.size() > kMaxComponentBytes)
        return Status::LimitExceeded("a path component is " + std::to_string(comp.size()) + " bytes, the limit is " +
                                     std::to_string(kMaxComponentBytes));
      parts.push_back(comp);
    }
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  if (parts.size() > kMaxPathDepth)
    return Status::LimitExceeded("path is " + std::to_string(parts.size()) + " levels deep, the limit is " +
                                 std::to_string(kMaxPathDepth));
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}

std::string CaseFold(std::string_view nfc) {
  auto r = MapUtf8(nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
  return r.ok() ? *r : std::string(nfc);
}

}  // namespace qoima::appliance

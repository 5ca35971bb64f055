#include "hardware/display_name.h"

#include <utf8proc.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "common/visible_text.h"

namespace qoima::hardware {
namespace {

// NFC of a valid UTF-8 string without control characters.
std::string Nfc(const std::string& valid) {
  utf8proc_uint8_t* out = utf8proc_NFC(reinterpret_cast<const utf8proc_uint8_t*>(valid.c_str()));
  if (out == nullptr) return valid;  // cannot happen for validated input; show unnormalized
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  return reinterpret_cast<const char*>(owned.get());
}

}  // namespace

DisplayResult DisplayName(std::string_view raw) {
  DisplayResult r;
  bool truncated = raw.size() > kMaxDisplayInputBytes;
  if (truncated) raw = raw.substr(0, kMaxDisplayInputBytes);
  // Valid runs are collected and normalized together; escapes split runs so
  // normalization never merges across an invalid byte.
  std::string run;
  auto flush = [&] {
    if (!run.empty()) r.text += Nfc(run);
    run.clear();
  };
  size_t i = 0;
  while (i < raw.size()) {
    utf8proc_int32_t cp = 0;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(raw.data() + i),
                              static_cast<utf8proc_ssize_t>(raw.size() - i), &cp);
    if (n <= 0) {
      flush();
      r.non_utf8 = true;
      AppendByteEscape(r.text, static_cast<uint8_t>(raw[i]));
      ++i;
      continue;
    }
    const HiddenKind kind = ClassifyCodePoint(static_cast<char32_t>(cp));
    if (kind == HiddenKind::kControl) {
      flush();
      r.control = true;
      AppendCodePointEscape(r.text, static_cast<char32_t>(cp));
    } else if (cp == '\\') {
      flush();
      r.text += "\\\\";
    } else {
      if (kind != HiddenKind::kVisible) r.format = true;
      run.append(raw.substr(i, static_cast<size_t>(n)));
    }
    i += static_cast<size_t>(n);
  }
  flush();
  if (truncated) r.text += "...";
  return r;
}

std::string CheckPathSafety(std::string_view p) {
  if (p.empty()) return "empty path";
  if (p.front() == '/') return "absolute path";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    std::string_view c = p.substr(start, end - start);
    if (c.empty()) return "empty path component";
    if (c == "..") return "'..' component";
    if (c == ".") return "'.' component";
    start = end + 1;
  }
  return {};
}

}  // namespace qoima::hardware

#include "appliance/export/bag_names.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "common/visible_text.h"

namespace qoima::exporting {
namespace {

struct FreeDeleter {
  void operator()(utf8proc_uint8_t* p) const { std::free(p); }
};

// Controls, bidirectional controls, invisible characters and separators
// (common/visible_text.h) would make a bag name read differently in `tar -t`
// or a file manager; '\\' and '%' are ambiguous in manifests.
bool Unsafe(utf8proc_int32_t cp) { return IsHiddenCodePoint(static_cast<char32_t>(cp)) || cp == '\\' || cp == '%'; }

// Valid UTF-8 with unsafe code points and invalid bytes replaced by '_'.
std::string Sanitize(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    utf8proc_int32_t cp = -1;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(in.data() + i),
                              static_cast<utf8proc_ssize_t>(in.size() - i), &cp);
    if (n <= 0 || cp < 0) {
      out += '_';
      ++i;
      continue;
    }
    if (Unsafe(cp))
      out += '_';
    else
      out.append(in.substr(i, static_cast<size_t>(n)));
    i += static_cast<size_t>(n);
  }
  return out;
}

std::vector<std::string_view> Split(std::string_view p) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = p.find('/', start);
    parts.push_back(p.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string WithSuffix(const std::string& path, int n) {
  size_t slash = path.rfind('/');
  size_t base = slash == std::string::npos ? 0 : slash + 1;
  size_t dot = path.rfind('.');
  if (dot == std::string::npos || dot <= base) dot = path.size();
  return path.substr(0, dot) + "~" + std::to_string(n) + path.substr(dot);
}

}  // namespace

Result<std::string> BagNameMapper::Normalize(std::string_view raw) {
  auto shown = EncodeRaw(raw);
  if (raw.empty()) return Status::InvalidArgument("payload path is empty");
  if (raw.size() > kMaxRawPathBytes)
    return Status::LimitExceeded("payload path longer than " + std::to_string(kMaxRawPathBytes) +
                                 " bytes: " + shown.substr(0, 80) + "...");
  auto parts = Split(raw);
  if (parts.size() > kMaxPathComponents)
    return Status::LimitExceeded("payload path deeper than " + std::to_string(kMaxPathComponents) + ": " + shown);
  std::string out;
  for (auto part : parts) {
    if (part.empty() || part == "." || part == "..")
      return Status::InvalidArgument("payload path has an empty, '.' or '..' component: " + shown);
    std::string safe = Sanitize(part);
    utf8proc_uint8_t* nfc = utf8proc_NFC(reinterpret_cast<const utf8proc_uint8_t*>(safe.c_str()));
    if (!nfc) return Status::Internal("utf8proc_NFC failed on " + shown);
    std::unique_ptr<utf8proc_uint8_t, FreeDeleter> hold(nfc);
    if (!out.empty()) out += '/';
    out += reinterpret_cast<const char*>(nfc);
  }
  return out;
}

Result<std::string> BagNameMapper::Map(std::string_view raw) {
  QOIMA_ASSIGN_OR_RETURN(std::string base, Normalize(raw));
  std::string candidate = base;
  for (int n = 2; files_.count(candidate) || dirs_.count(candidate); ++n) candidate = WithSuffix(base, n);
  // Every parent must be (or become) a directory, never a file already mapped.
  std::vector<std::string> parents;
  for (size_t slash = candidate.find('/'); slash != std::string::npos; slash = candidate.find('/', slash + 1)) {
    std::string parent = candidate.substr(0, slash);
    if (files_.count(parent))
      return Status::InvalidArgument("payload path " + EncodeRaw(raw) + " needs directory '" + parent +
                                     "', which another file already uses as its name");
    parents.push_back(std::move(parent));
  }
  for (auto& p : parents) dirs_.insert(std::move(p));
  files_.insert(candidate);
  return candidate;
}

std::string BagNameMapper::EncodeRaw(std::string_view in) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  size_t i = 0;
  auto escape = [&](unsigned char b) {
    out += '%';
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  };
  while (i < in.size()) {
    utf8proc_int32_t cp = -1;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(in.data() + i),
                              static_cast<utf8proc_ssize_t>(in.size() - i), &cp);
    if (n <= 0 || cp < 0) {
      escape(static_cast<unsigned char>(in[i]));
      ++i;
      continue;
    }
    if (cp == '%' || IsHiddenCodePoint(static_cast<char32_t>(cp))) {
      for (utf8proc_ssize_t k = 0; k < n; ++k) escape(static_cast<unsigned char>(in[i + static_cast<size_t>(k)]));
    } else {
      out.append(in.substr(i, static_cast<size_t>(n)));
    }
    i += static_cast<size_t>(n);
  }
  return out;
}

Result<std::string> BagNameMapper::DecodeRaw(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    if (i + 2 >= in.size()) return Status::InvalidArgument("truncated %-escape at byte " + std::to_string(i));
    int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("bad %-escape at byte " + std::to_string(i));
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

}  // namespace qoima::exporting

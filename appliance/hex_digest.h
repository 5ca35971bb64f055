// HexDigest: a SHA-256 as 64 lowercase hex digits (or empty: not known),
// held inline instead of in a heap string. A medium's ObservedFiles carry one
// each: as std::string every one cost an 80-byte heap block besides the
// string, interleaved with the store's own per-file records, so a 100k-file
// intake's heap stayed fragmented after the list was freed.
// It converts to std::string_view and compares with strings, like the
// std::string it replaces.
//
// Thread-safety: a plain value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace qoima::appliance {

class HexDigest {
 public:
  /// Digits of a SHA-256 in hex.
  static constexpr size_t kDigits = 64;

  HexDigest() = default;
  /// REQUIRES: at most kDigits characters (a longer value is a programming
  /// error: the process aborts rather than keep a cut digest).
  HexDigest(std::string_view hex) { Assign(hex); }                          // NOLINT: implicit like std::string
  HexDigest(const std::string& hex) { Assign(hex); }                        // NOLINT
  HexDigest(const char* hex) { Assign(hex ? std::string_view(hex) : ""); }  // NOLINT

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  const char* c_str() const { return text_.data(); }
  std::string_view view() const { return {text_.data(), size_}; }
  operator std::string_view() const { return view(); }  // NOLINT: used where the string was
  std::string str() const { return std::string(view()); }

  friend bool operator==(const HexDigest& a, std::string_view b) { return a.view() == b; }

 private:
  void Assign(std::string_view hex) {
    if (hex.size() > kDigits) std::abort();
    text_.fill('\0');
    hex.copy(text_.data(), hex.size());
    size_ = static_cast<uint8_t>(hex.size());
  }

  std::array<char, kDigits + 1> text_{};
  uint8_t size_ = 0;
};

}  // namespace qoima::appliance

// QrCode: a QR symbol (libqrencode, byte mode, error correction level M) as a
// square matrix of dark/light modules, ready to draw with any backend.
//
// Thread-safety: a plain value once built. libqrencode itself is re-entrant.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace qoima::print {

/// Longest text we encode; a version-40 M symbol holds 2331 bytes.
inline constexpr size_t kMaxQrPayload = 2048;

class QrCode {
 public:
  /// Encodes `payload` as 8-bit data. Fails with kLimitExceeded when too long.
  static Result<QrCode> Encode(std::string_view payload);

  /// Modules per side (21 for version 1, +4 per version).
  int size() const { return size_; }
  bool dark(int x, int y) const { return modules_[static_cast<size_t>(y) * size_ + x]; }

 private:
  QrCode(int size, std::vector<bool> modules) : size_(size), modules_(std::move(modules)) {}
  int size_ = 0;
  std::vector<bool> modules_;
};

}  // namespace qoima::print

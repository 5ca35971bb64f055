// NameSet: which display paths a read has seen, for the name collision
// check (two names equal after NFC), in 8 to 16 bytes a name instead of the
// name.
//
// A std::set of display paths would cost ~200 bytes a file, the largest
// thing in the parent during a 500k-file read. Here each path is a 64-bit SipHash, keyed with random bytes
// drawn for each read, in an open-addressing table at most 3/4 full: 16 MiB
// for a million names (a 128-bit hash in a half-full table took 64 MiB, the
// peak of a million-file intake). Two different names are taken for the
// same only if their keyed hashes collide: by chance with a probability near
// 2^-25 for a read of a million names (a spurious, non-fatal
// name_collision report), and a depositor cannot aim at it without the key.
//
// Thread-safety: none.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace qoima::hardware {

class NameSet {
 public:
  NameSet();
  /// Adds `name`; false when it was there already.
  bool Insert(std::string_view name);
  size_t size() const { return size_; }

 private:
  uint64_t Hash(std::string_view name) const;
  void Grow();

  std::array<uint64_t, 2> seed_{};
  std::vector<uint64_t> slots_;  // 0 = empty
  size_t size_ = 0;
};

}  // namespace qoima::hardware

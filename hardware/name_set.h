// NameSet: which display paths a read has seen, for the name collision
// check (two names equal after NFC), in 16 bytes a name instead of the name.
//
// The frame decoder kept every display path of the medium in a std::set:
// ~200 bytes a file, the largest thing in the parent during a 500k-file read
// (issue #6). Here each path is a 128-bit hash, keyed with random bytes drawn
// for each read, in an open-addressing table. Two different names are taken
// for the same only if their 128-bit keyed hashes collide: by chance with a
// probability near 2^-89 for a read of a million names, and a depositor
// cannot aim at it without the key.
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
  using Key = std::array<uint64_t, 2>;
  Key Hash(std::string_view name) const;
  void Grow();

  std::array<uint64_t, 4> seed_{};
  std::vector<Key> slots_;  // {0, 0} = empty
  size_t size_ = 0;
};

}  // namespace qoima::hardware

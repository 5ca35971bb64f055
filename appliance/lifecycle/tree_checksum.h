// TreeChecksum: checksums of a version (003 cl.2(9), 21, 25): SHA-256 per file
// and one root hash over the whole tree, and the comparison that proves (or
// disproves) that deployed executables are what the repository issued.
//
// Root hash (docs/lifecycle.md, "Checksums"): the SHA-256 of the version's
// listing in `sha256sum` format ("<hex>  <path>\n", GNU escaping for '\\' and
// newline), one line per regular file, sorted by the raw path bytes. Anyone can
// recompute it with stock tools:
//   cd DIR && find . -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum
//
// ChecksumDirectory walks a directory without following symbolic links
// (openat + O_NOFOLLOW); a symlink, device node or FIFO inside it is reported
// as a difference, never followed or opened. Named limits bound the walk.
//
// Thread-safety: pure functions; ChecksumDirectory reads the filesystem only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/hash.h"

namespace qoima::appliance::lifecycle {

struct TreeWalkLimits {
  static constexpr uint64_t kMaxFiles = 1'000'000;
  static constexpr int kMaxDepth = 128;
  static constexpr size_t kMaxPathBytes = 4096;
  /// A sha256sum listing given as a reference.
  static constexpr size_t kMaxListingBytes = 256 * 1024 * 1024;
};

struct FileChecksum {
  std::string path;              // raw bytes, '/'-separated, relative, no leading '/'
  std::optional<uint64_t> size;  // unknown when the reference is a sha256sum listing
  crypto::Sha256Digest sha256{};
};

struct TreeChecksum {
  std::vector<FileChecksum> files;  // sorted by path bytes, unique
  crypto::Sha256Digest root{};
  uint64_t total_bytes = 0;
};

/// Sorts, rejects duplicate paths (InvalidArgument naming the path) and computes the root.
Result<TreeChecksum> MakeTreeChecksum(std::vector<FileChecksum> files);

/// The `sha256sum`-format listing whose SHA-256 is the root hash.
std::string Sha256sumListing(const std::vector<FileChecksum>& sorted_files);

/// Parses a `sha256sum` listing (text mode "  " or binary " *" separators,
/// GNU '\' escaping); errors name the line.
Result<TreeChecksum> ParseSha256sumListing(std::string_view text, std::string_view file_name);

enum class TreeDifferenceKind {
  kMissing,     // in the stored version, absent from what was checked
  kExtra,       // present in what was checked, not in the stored version
  kChanged,     // same path, different content
  kNotRegular,  // a symlink, device, FIFO or socket where a file was expected (or extra)
};
std::string_view TreeDifferenceKindName(TreeDifferenceKind kind);

struct TreeDifference {
  TreeDifferenceKind kind = TreeDifferenceKind::kChanged;
  std::string path;
  std::string detail;  // "size 1024 -> 1030, sha256 9f86...→ab12..." / "symbolic link to ../x"
};

/// What a directory walk found that is not a regular file.
struct NonRegularEntry {
  std::string path;
  std::string what;  // "symbolic link to X", "device node", "FIFO", "socket"
};

struct DirectoryChecksum {
  TreeChecksum tree;
  std::vector<NonRegularEntry> non_regular;
};

/// Hashes every regular file under `dir`. IoError naming the path on a read
/// failure; LimitExceeded naming the limit.
Result<DirectoryChecksum> ChecksumDirectory(const std::string& dir);

/// Every difference between the stored version and what was checked, sorted by path.
std::vector<TreeDifference> CompareTrees(const TreeChecksum& expected, const TreeChecksum& actual,
                                         const std::vector<NonRegularEntry>& non_regular = {});

}  // namespace qoima::appliance::lifecycle

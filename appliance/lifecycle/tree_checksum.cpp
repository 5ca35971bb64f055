#include "appliance/lifecycle/tree_checksum.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "common/unique_fd.h"

namespace qoima::appliance::lifecycle {

namespace {

std::string EscapeForSha256sum(std::string_view path, bool& escaped) {
  escaped = false;
  std::string out;
  for (char c : path) {
    if (c == '\\') {
      out += "\\\\";
      escaped = true;
    } else if (c == '\n') {
      out += "\\n";
      escaped = true;
    } else {
      out += c;
    }
  }
  return out;
}

std::string DescribeFile(const FileChecksum& f) {
  return (f.size ? "size " + std::to_string(*f.size) + ", " : std::string()) + "sha256 " + crypto::Hex(f.sha256);
}

}  // namespace

std::string_view TreeDifferenceKindName(TreeDifferenceKind kind) {
  switch (kind) {
    case TreeDifferenceKind::kMissing: return "missing";
    case TreeDifferenceKind::kExtra: return "extra";
    case TreeDifferenceKind::kChanged: return "changed";
    case TreeDifferenceKind::kNotRegular: return "not-a-file";
  }
  return "?";
}

std::string Sha256sumListing(const std::vector<FileChecksum>& files) {
  std::string out;
  for (const auto& f : files) {
    bool escaped = false;
    std::string p = EscapeForSha256sum(f.path, escaped);
    out += (escaped ? "\\" : "") + crypto::Hex(f.sha256) + "  " + p + "\n";
  }
  return out;
}

Result<TreeChecksum> MakeTreeChecksum(std::vector<FileChecksum> files) {
  std::sort(files.begin(), files.end(), [](const FileChecksum& a, const FileChecksum& b) { return a.path < b.path; });
  TreeChecksum t;
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i].path.empty()) return Status::InvalidArgument("a file with an empty path");
    if (i > 0 && files[i].path == files[i - 1].path)
      return Status::InvalidArgument("path '" + files[i].path + "' is listed twice");
    t.total_bytes += files[i].size.value_or(0);
  }
  t.root = crypto::Sha256::Digest(Sha256sumListing(files));
  t.files = std::move(files);
  return t;
}

Result<TreeChecksum> ParseSha256sumListing(std::string_view text, std::string_view file_name) {
  if (text.size() > TreeWalkLimits::kMaxListingBytes)
    return Status::LimitExceeded(std::string(file_name) + ": larger than " +
                                 std::to_string(TreeWalkLimits::kMaxListingBytes) + " bytes");
  std::vector<FileChecksum> files;
  int n = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++n;
    if (line.empty() || line.front() == '#') continue;  // `qoima checksum compute` ends with a "# root" comment
    auto err = [&](const std::string& m) {
      return Status::InvalidArgument(std::string(file_name) + ": line " + std::to_string(n) + ": " + m);
    };
    bool escaped = line.front() == '\\';
    if (escaped) line.remove_prefix(1);
    if (line.size() < 66 || (line.substr(64, 2) != "  " && line.substr(64, 2) != " *"))
      return err("not a sha256sum line ('<64 hex digits>  <path>')");
    std::string raw;
    if (!crypto::FromHex(line.substr(0, 64), raw) || raw.size() != 32)
      return err("'" + std::string(line.substr(0, 64)) + "' is not a SHA-256 in hex");
    FileChecksum f;
    std::copy(raw.begin(), raw.end(), f.sha256.begin());
    std::string_view p = line.substr(66);
    if (p.size() > TreeWalkLimits::kMaxPathBytes) return err("path longer than the limit");
    if (escaped) {
      for (size_t i = 0; i < p.size(); ++i) {
        if (p[i] == '\\' && i + 1 < p.size() && (p[i + 1] == '\\' || p[i + 1] == 'n')) {
          f.path += p[i + 1] == 'n' ? '\n' : '\\';
          ++i;
        } else if (p[i] == '\\') {
          return err("bad escape in the path");
        } else {
          f.path += p[i];
        }
      }
    } else {
      f.path = std::string(p);
    }
    if (f.path.rfind("./", 0) == 0) f.path.erase(0, 2);
    if (files.size() >= TreeWalkLimits::kMaxFiles) return err("more files than the limit");
    files.push_back(std::move(f));
  }
  auto t = MakeTreeChecksum(std::move(files));
  if (!t.ok()) return t.status().WithContext(file_name);
  return t;
}

namespace {

class Walker {
 public:
  Status Walk(int dir_fd, const std::string& prefix, int depth) {
    if (depth > TreeWalkLimits::kMaxDepth)
      return Status::LimitExceeded("directory nesting deeper than " + std::to_string(TreeWalkLimits::kMaxDepth) +
                                   " at " + prefix);
    int dup_fd = ::dup(dir_fd);
    if (dup_fd < 0) return Status::FromErrno(errno, "dup " + prefix);
    std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(dup_fd), &::closedir);
    if (!d) {
      int e = errno;
      ::close(dup_fd);
      return Status::FromErrno(e, "open directory " + Show(prefix));
    }
    std::vector<std::string> names;
    errno = 0;
    while (dirent* de = ::readdir(d.get())) {
      std::string name = de->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
      errno = 0;
    }
    if (errno != 0) return Status::FromErrno(errno, "read directory " + Show(prefix));
    for (const auto& name : names) {
      std::string rel = prefix.empty() ? name : prefix + "/" + name;
      if (rel.size() > TreeWalkLimits::kMaxPathBytes)
        return Status::LimitExceeded("path longer than " + std::to_string(TreeWalkLimits::kMaxPathBytes) + " bytes");
      struct stat st {};
      if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return Status::FromErrno(errno, "stat " + rel);
      if (S_ISDIR(st.st_mode)) {
        UniqueFd sub(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub.valid()) return Status::FromErrno(errno, "open directory " + rel);
        QOIMA_RETURN_IF_ERROR(Walk(sub.get(), rel, depth + 1));
      } else if (S_ISREG(st.st_mode)) {
        QOIMA_RETURN_IF_ERROR(HashFile(dir_fd, name, rel));
      } else if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t len = ::readlinkat(dir_fd, name.c_str(), target, sizeof target - 1);
        out.non_regular.push_back(
            {rel, "symbolic link" + (len >= 0 ? " to " + std::string(target, static_cast<size_t>(len)) : "")});
      } else {
        out.non_regular.push_back({rel, S_ISFIFO(st.st_mode)   ? "FIFO"
                                        : S_ISSOCK(st.st_mode) ? "socket"
                                                               : "device node"});
      }
    }
    return Status::Ok();
  }

  DirectoryChecksum out;
  std::vector<FileChecksum> files;

 private:
  static std::string Show(const std::string& rel) { return rel.empty() ? "." : rel; }

  Status HashFile(int dir_fd, const std::string& name, const std::string& rel) {
    if (files.size() >= TreeWalkLimits::kMaxFiles)
      return Status::LimitExceeded("more than " + std::to_string(TreeWalkLimits::kMaxFiles) + " files");
    UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid()) return Status::FromErrno(errno, "open " + rel);
    crypto::Sha256 h;
    std::vector<uint8_t> buf(1 << 20);
    uint64_t size = 0;
    for (;;) {
      ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::FromErrno(errno, "read " + rel);
      if (n == 0) break;
      h.Update(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
      size += static_cast<uint64_t>(n);
    }
    files.push_back({rel, size, h.Finish()});
    return Status::Ok();
  }
};

}  // namespace

Result<DirectoryChecksum> ChecksumDirectory(const std::string& dir) {
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return Status::FromErrno(errno, "open directory " + dir);
  Walker w;
  Status s = w.Walk(root.get(), "", 0);
  if (!s.ok()) return s.WithContext("checksum " + dir);
  auto tree = MakeTreeChecksum(std::move(w.files));
  if (!tree.ok()) return tree.status().WithContext("checksum " + dir);
  w.out.tree = std::move(*tree);
  std::sort(w.out.non_regular.begin(), w.out.non_regular.end(),
            [](const NonRegularEntry& a, const NonRegularEntry& b) { return a.path < b.path; });
  return std::move(w.out);
}

std::vector<TreeDifference> CompareTrees(const TreeChecksum& expected, const TreeChecksum& actual,
                                         const std::vector<NonRegularEntry>& non_regular) {
  std::vector<TreeDifference> out;
  std::map<std::string, const NonRegularEntry*> odd;
  for (const auto& e : non_regular) odd[e.path] = &e;
  size_t i = 0, j = 0;
  while (i < expected.files.size() || j < actual.files.size()) {
    const FileChecksum* e = i < expected.files.size() ? &expected.files[i] : nullptr;
    const FileChecksum* a = j < actual.files.size() ? &actual.files[j] : nullptr;
    if (e && (!a || e->path < a->path)) {
      auto it = odd.find(e->path);
      if (it != odd.end()) {
        out.push_back({TreeDifferenceKind::kNotRegular, e->path,
                       "expected a file (" + DescribeFile(*e) + "), found a " + it->second->what});
        odd.erase(it);
      } else {
        out.push_back({TreeDifferenceKind::kMissing, e->path, "expected " + DescribeFile(*e)});
      }
      ++i;
    } else if (a && (!e || a->path < e->path)) {
      out.push_back({TreeDifferenceKind::kExtra, a->path, "not in the stored version: " + DescribeFile(*a)});
      ++j;
    } else {
      if (e->sha256 != a->sha256 || (e->size && a->size && *e->size != *a->size))
        out.push_back(
            {TreeDifferenceKind::kChanged, e->path, "expected " + DescribeFile(*e) + ", found " + DescribeFile(*a)});
      ++i;
      ++j;
    }
  }
  for (const auto& [path, entry] : odd)
    out.push_back({TreeDifferenceKind::kNotRegular, path, "not in the stored version: " + entry->what});
  std::sort(out.begin(), out.end(), [](const TreeDifference& x, const TreeDifference& y) { return x.path < y.path; });
  return out;
}

}  // namespace qoima::appliance::lifecycle

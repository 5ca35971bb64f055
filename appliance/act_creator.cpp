#include "appliance/act_creator.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "appliance/application.h"
#include "appliance/item_category.h"
#include "appliance/manifest_parser.h"
#include "appliance/sha256_digest.h"
#include "appliance/unicode_path.h"

namespace qoima::appliance {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

Status Walk(const std::string& root, const std::string& rel, size_t depth, std::vector<ManifestEntry>& out,
            EntryProfiles& profiles, const ActCreateOptions& o) {
  if (depth > kMaxPathDepth) return Status::LimitExceeded(root + "/" + rel + ": nested deeper than the limit");
  std::string abs = rel.empty() ? root : root + "/" + rel;
  std::unique_ptr<DIR, DirCloser> d(::opendir(abs.c_str()));
  if (!d) return Status::FromErrno(errno, "open directory " + abs);
  std::vector<std::string> names;
  errno = 0;
  while (dirent* ent = ::readdir(d.get())) {
    std::string n = ent->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    std::string child_rel = rel.empty() ? n : rel + "/" + n;
    std::string child_abs = root + "/" + child_rel;
    struct stat st {};
    if (::lstat(child_abs.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + child_abs);
    if (S_ISDIR(st.st_mode)) {
      QOIMA_RETURN_IF_ERROR(Walk(root, child_rel, depth + 1, out, profiles, o));
      continue;
    }
    if (!S_ISREG(st.st_mode))
      return Status::InvalidArgument(child_abs + ": is not a regular file (links and devices cannot be deposited)");
    auto path = NormalizeManifestPath(child_rel);
    if (!path.ok()) return path.status().WithContext(child_abs);
    if (out.size() >= kMaxManifestEntries)
      return Status::LimitExceeded(root + ": more than " + std::to_string(kMaxManifestEntries) + " files");
    ManifestEntry e;
    e.path = *path;
    e.size = static_cast<uint64_t>(st.st_size);
    QOIMA_ASSIGN_OR_RETURN(e.sha256, Sha256FileHex(child_abs));
    e.modified = ManifestDate{static_cast<int64_t>(st.st_mtim.tv_sec), false};
    EntryProfile columns;  // files of one category share them
    columns.disc = o.disc;
    columns.category = GuessItemCategory(e.path);
    e.share_profile(profiles.Share(std::move(columns)));
    out.push_back(std::move(e));
  }
  return Status::Ok();
}

}  // namespace

Result<CreatedAct> CreateActFromDirectory(const std::string& dir, const ActCreateOptions& o) {
  QOIMA_RETURN_IF_ERROR(CheckPortalCode(o.application).WithContext("--application"));
  if (o.software_name.empty()) return Status::InvalidArgument("--software: the software name is required");
  CreatedAct out;
  ActManifest& m = out.manifest;
  m.application = o.application;
  m.software_name = o.software_name;
  m.software_version = o.software_version;
  m.annotation = o.annotation;
  m.depositor = o.depositor;
  m.discs.push_back({o.disc, o.volume_label});
  std::string root = dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  EntryProfiles profiles;
  QOIMA_RETURN_IF_ERROR(Walk(root, "", 0, m.entries, profiles, o));
  if (m.entries.empty()) return Status::InvalidArgument(dir + ": holds no files");
  for (auto& e : m.entries)
    if (e.modified && e.modified->unix_seconds > o.now_unix + kFutureDateToleranceSeconds)
      return Status::InvalidArgument(root + "/" + e.path + ": modification date " + e.modified->ToString() +
                                     " is in the future (check the computer's clock)");
  out.json = ManifestToJson(m);
  m.digest = Sha256Hex(out.json);
  // The bytes we write must parse back to the same manifest.
  ManifestParseOptions po;
  po.now_unix = o.now_unix;
  auto check = ParseManifest(out.json, "generated manifest", po);
  if (!check.ok()) return Status::Internal("generated manifest does not parse: " + check.status().message());
  // The act check's flags, with the lines of the file written.
  m.text_flags = std::move(check->text_flags);
  m.text_flags_unlisted = check->text_flags_unlisted;
  return out;
}

}  // namespace qoima::appliance

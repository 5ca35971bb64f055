#include "kiosk/finding_rows.h"

#include <cstdarg>
#include <cstdio>
#include <string>

#include "common/visible_text.h"
#include "kiosk/draw.h"
#include "kiosk/i18n.h"

namespace qoima::kiosk {
namespace {

using hardware::ArchiveLimit;
using hardware::ProblemClass;
using hardware::UnsafeNameKind;

unsigned long long Mib(uint64_t bytes) { return static_cast<unsigned long long>(bytes >> 20); }

std::string LimitDetail(const appliance::Finding& f) {
  const auto v = static_cast<unsigned long long>(f.limit_value);
  switch (f.limit) {
    case ArchiveLimit::kDepth:
      return Format(Tr("archives nested deeper than %llu levels: the deeper one is stored, not listed"), v);
    case ArchiveLimit::kMembers:
      return Format(Tr("more than %llu members in the archive: stored as is, listed in part"), v);
    case ArchiveLimit::kBytes:
      return Format(Tr("the archive expands to more than %llu MB: stored as is, listed in part"), Mib(f.limit_value));
    case ArchiveLimit::kRatio:
      return Format(Tr("the archive expands more than %llu times (a decompression bomb): stored as is, listed in part"),
                    v);
    case ArchiveLimit::kMediumMembers:
      return Format(Tr("the medium's archives hold more than %llu members: stored as is, not listed further"), v);
    case ArchiveLimit::kMediumBytes:
      return Format(Tr("the medium's archives expand to more than %llu MB: stored as is, not listed further"),
                    Mib(f.limit_value));
    case ArchiveLimit::kNone: break;
  }
  return Tr("a limit stopped the listing: stored as is, listed in part");
}

}  // namespace

void AppendFindingRows(const appliance::MediaFindings& findings, const std::string& device,
                       std::vector<DiffRow>& rows) {
  uint64_t left_out = 0;
  for (const appliance::Finding& f : findings.listed()) {
    DiffRow row;
    row.path = f.path;
    switch (f.cls) {
      case ProblemClass::kUnsafeName:
        if (f.unsafe == UnsafeNameKind::kTraversal) {
          row.kind = DiffKind::kUnsafePath;
          row.detail = Tr("the path leaves its folder (.. or /): stored as is, never extracted");
        } else if (std::string codes = HiddenCodePoints(f.path); !codes.empty()) {
          row.kind = DiffKind::kUnsafeName;
          row.detail = Format(Tr("%s in the name, shown escaped"), codes.c_str());
        } else {
          row.kind = DiffKind::kUnsafePath;
          row.detail = Tr("the name cannot be used as is: stored as is");
        }
        break;
      case ProblemClass::kNonUtf8Name:
        row.kind = DiffKind::kNonUtf8Name;
        row.detail = Tr("bytes that are not UTF-8 are shown as \\xNN");
        break;
      case ProblemClass::kNameCollision: ++left_out; continue;
      case ProblemClass::kEncryptedEntry:
        row.kind = DiffKind::kEncryptedMember;
        row.detail = Tr("the member is encrypted: its content cannot be checked");
        break;
      case ProblemClass::kArchiveUnreadable:
        row.kind = DiffKind::kArchiveUnreadable;
        row.detail = Tr("the archive could not be listed to the end: stored as is");
        break;
      case ProblemClass::kArchiveListingStopped:
        row.kind = DiffKind::kArchiveListingStopped;
        row.detail = LimitDetail(f);
        break;
      default:  // fatal classes are medium problems, never findings
        row.kind = DiffKind::kMediumProblem;
        row.detail = Tr("a problem of the medium");
        break;
    }
    rows.push_back(std::move(row));
  }
  // The unlisted ones, collisions excepted (each is a row of the comparison).
  uint64_t unlisted = findings.unlisted();
  uint64_t collisions_unlisted = findings.Count(ProblemClass::kNameCollision) - left_out;
  if (unlisted > collisions_unlisted)
    rows.push_back({DiffKind::kNotShown, device, 0, std::to_string(unlisted - collisions_unlisted)});
}

}  // namespace qoima::kiosk

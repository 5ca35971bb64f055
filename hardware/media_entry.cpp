#include "hardware/media_entry.h"

namespace qoima::hardware {

std::string_view EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kFile: return "file";
    case EntryType::kDirectory: return "dir";
    case EntryType::kSymlink: return "symlink";
    case EntryType::kDevice: return "device";
    case EntryType::kHardlink: return "hardlink";
    case EntryType::kOther: return "other";
  }
  return "invalid";
}

std::string_view ProblemClassName(ProblemClass cls) {
  switch (cls) {
    case ProblemClass::kUnreadableSector: return "unreadable_sector";
    case ProblemClass::kTruncatedImage: return "truncated_image";
    case ProblemClass::kUnsupportedFilesystem: return "unsupported_filesystem";
    case ProblemClass::kCorruptFilesystem: return "corrupt_filesystem";
    case ProblemClass::kDeviceRemoved: return "device_removed";
    case ProblemClass::kParserCrash: return "parser_crash";
    case ProblemClass::kParserTimeout: return "parser_timeout";
    case ProblemClass::kMalformedFrame: return "malformed_frame";
    case ProblemClass::kLimitExceeded: return "limit_exceeded";
    case ProblemClass::kNameCollision: return "name_collision";
    case ProblemClass::kNonUtf8Name: return "non_utf8_name";
    case ProblemClass::kUnsafeName: return "unsafe_name";
    case ProblemClass::kArchiveUnreadable: return "archive_unreadable";
    case ProblemClass::kEncryptedEntry: return "encrypted_entry";
    case ProblemClass::kArchiveListingStopped: return "archive_listing_stopped";
  }
  return "invalid";
}

std::string_view ArchiveLimitName(ArchiveLimit limit) {
  switch (limit) {
    case ArchiveLimit::kNone: return "";
    case ArchiveLimit::kDepth: return "archive_depth";
    case ArchiveLimit::kMembers: return "archive_members";
    case ArchiveLimit::kBytes: return "archive_bytes";
    case ArchiveLimit::kRatio: return "archive_ratio";
    case ArchiveLimit::kMediumMembers: return "medium_archive_members";
    case ArchiveLimit::kMediumBytes: return "medium_archive_bytes";
  }
  return "invalid";
}

std::string_view UnsafeNameKindName(UnsafeNameKind kind) {
  switch (kind) {
    case UnsafeNameKind::kNone: return "";
    case UnsafeNameKind::kTraversal: return "traversal";
    case UnsafeNameKind::kControlCharacters: return "control_characters";
    case UnsafeNameKind::kHiddenCharacters: return "hidden_characters";
  }
  return "invalid";
}

bool IsFatalProblem(ProblemClass cls) {
  switch (cls) {
    case ProblemClass::kNameCollision:
    case ProblemClass::kNonUtf8Name:
    case ProblemClass::kUnsafeName:
    case ProblemClass::kArchiveUnreadable:
    case ProblemClass::kEncryptedEntry:
    case ProblemClass::kArchiveListingStopped: return false;
    default: return true;
  }
}

}  // namespace qoima::hardware

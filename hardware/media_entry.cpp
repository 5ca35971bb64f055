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
  }
  return "invalid";
}

bool IsFatalProblem(ProblemClass cls) {
  switch (cls) {
    case ProblemClass::kNameCollision:
    case ProblemClass::kNonUtf8Name:
    case ProblemClass::kUnsafeName:
    case ProblemClass::kArchiveUnreadable:
    case ProblemClass::kEncryptedEntry: return false;
    default: return true;
  }
}

}  // namespace qoima::hardware

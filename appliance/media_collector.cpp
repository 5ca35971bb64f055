#include "appliance/media_collector.h"

namespace qoima::appliance {
namespace {

ObservedType TypeOf(hardware::EntryType t) {
  switch (t) {
    case hardware::EntryType::kFile: return ObservedType::kFile;
    case hardware::EntryType::kDirectory: return ObservedType::kDirectory;
    case hardware::EntryType::kSymlink:
    case hardware::EntryType::kHardlink: return ObservedType::kSymlink;
    default: return ObservedType::kOther;
  }
}

}  // namespace

Status MediaCollector::OnEntry(const hardware::EntryHeader& h) {
  if (in_file_) return Status::Internal("reader sent an entry before ending the previous file");
  Flush();
  ObservedFile f;
  if (h.raw_path != h.display_path) f.raw_path = h.raw_path;
  f.path = h.display_path;
  f.type = TypeOf(h.type);
  f.size = h.size;
  f.mtime = h.mtime_sec;
  f.has_mtime = true;
  if (h.flags & hardware::kEntryDamaged) {
    f.readable = false;
    f.problem = "the reader marked this entry damaged";
  }
  files_.push_back(std::move(f));
  if (h.type == hardware::EntryType::kFile) {
    in_file_ = true;
    received_ = 0;
    if (!content_.HashesContent()) hasher_.emplace();
    return content_.BeginFile(h).WithContext(h.display_path);
  }
  return Status::Ok();
}

Status MediaCollector::OnData(std::span<const uint8_t> chunk) {
  if (!in_file_) return Status::Internal("reader sent data outside a file");
  if (hasher_) hasher_->Update(chunk);
  received_ += chunk.size();
  bytes_ += chunk.size();
  return content_.Write(chunk).WithContext(files_.back().path);
}

Status MediaCollector::OnEntryEnd(bool complete) {
  if (!in_file_) return Status::Ok();
  in_file_ = false;
  ObservedFile& f = files_.back();
  std::optional<crypto::Sha256Digest> local;
  if (hasher_) local = hasher_->Finish();
  hasher_.reset();
  bool whole = complete && received_ == f.size && f.readable;
  auto sunk = content_.EndFile(whole);
  if (!sunk.ok()) return sunk.status().WithContext(f.path);
  if (whole) {
    if (!local) local = *sunk;
    if (!local) return Status::Internal("no SHA-256 for " + f.path);
    f.sha256 = crypto::Hex(*local);
  } else {
    f.readable = false;
    if (f.problem.empty())
      f.problem = "read stopped after " + std::to_string(received_) + " of " + std::to_string(f.size) + " bytes";
  }
  return Status::Ok();
}

void MediaCollector::Flush() {
  if (!observer_ || files_.empty()) return;
  if (in_file_) (void)OnEntryEnd(false);  // the read stopped inside it: unreadable
  observer_(files_.back());
  files_.clear();
}

Status MediaCollector::OnArchiveMember(const hardware::ArchiveMember&) {
  ++archive_members_;
  return Status::Ok();
}

Status MediaCollector::OnProblem(const hardware::MediaProblem& p) {
  if (!hardware::IsFatalProblem(p.cls)) {
    // Listed up to kMaxListedFindings, all counted: a medium of a million
    // odd names costs no more than that many entries.
    findings_.Add(p);
    return Status::Ok();
  }
  std::string sentence = std::string(hardware::ProblemClassName(p.cls)) + ": " + p.message;
  if (p.offset >= 0) sentence += " (offset " + std::to_string(p.offset) + ")";
  bool attached = false;
  if (!p.path.empty()) {
    for (auto it = files_.rbegin(); it != files_.rend(); ++it) {
      if (it->path != p.path) continue;
      if (p.cls == hardware::ProblemClass::kUnreadableSector || p.cls == hardware::ProblemClass::kCorruptFilesystem ||
          p.cls == hardware::ProblemClass::kTruncatedImage) {
        it->readable = false;
        it->problem = sentence;
      }
      attached = true;
      break;
    }
  }
  if (!attached) medium_problems_.push_back(sentence);
  return Status::Ok();
}

}  // namespace qoima::appliance

#include "hardware/entry_emitter.h"

#include <cctype>
#include <cstring>

#include "hardware/archive_lister.h"
#include "hardware/frame_protocol.h"

namespace qoima::hardware {
namespace {

bool At(std::span<const uint8_t> h, size_t off, std::string_view magic) {
  return h.size() >= off + magic.size() && std::memcmp(h.data() + off, magic.data(), magic.size()) == 0;
}

uint32_t Depth(const std::string& path) {
  uint32_t d = 1;
  for (char c : path) d += c == '/' ? 1 : 0;
  return d;
}

}  // namespace

bool LooksLikeArchive(std::span<const uint8_t> h) {
  using namespace std::string_view_literals;
  return At(h, 0, "PK\x03\x04"sv) || At(h, 0, "PK\x05\x06"sv) || At(h, 0, "\x1f\x8b"sv) ||
         At(h, 0,
            "\xfd"
            "7zXZ\x00"sv) ||
         At(h, 0, "\x28\xb5\x2f\xfd"sv) || At(h, 0, "BZh"sv) || At(h, 0, "7z\xbc\xaf\x27\x1c"sv) ||
         At(h, 0, "Rar!\x1a\x07"sv) || At(h, 0, "070701"sv) || At(h, 0, "070702"sv) || At(h, 0, "070707"sv) ||
         At(h, 257, "ustar"sv) || At(h, 32769, "CD001"sv);
}

Status EntryEmitter::WriteFrame(const std::vector<uint8_t>& frame) {
  return sink_.Write(std::span<const uint8_t>(frame.data(), kFrameHeaderBytes),
                     std::span<const uint8_t>(frame.data() + kFrameHeaderBytes, frame.size() - kFrameHeaderBytes));
}

Status EntryEmitter::Problem(ProblemClass cls, std::string message, std::string raw_path, int64_t offset) {
  return Problem(MediaProblem{cls, std::move(message), std::move(raw_path), offset});
}

Status EntryEmitter::Problem(MediaProblem problem) {
  if (IsFatalProblem(problem.cls)) fatal_ = true;
  return WriteFrame(FrameEncoder::Problem(problem));
}

Status EntryEmitter::FailWalk(const Status& status, ProblemClass fallback, const std::string& raw_path) {
  if (source_ && !source_->failure()) source_->CheckStillPresent();
  if (source_ && source_->failure()) {
    const auto& f = *source_->failure();
    QOIMA_RETURN_IF_ERROR(Problem(f.cls, f.message, raw_path, f.offset));
  } else if (source_ && source_->end_reached()) {
    int64_t at = static_cast<int64_t>(*source_->end_reached());
    QOIMA_RETURN_IF_ERROR(Problem(
        ProblemClass::kTruncatedImage,
        status.message() + " (the filesystem extends past the end of the medium at offset " + std::to_string(at) + ")",
        raw_path, at));
  } else {
    QOIMA_RETURN_IF_ERROR(Problem(fallback, status.message(), raw_path, -1));
  }
  return Status::MediaUnreadable(status.message());
}

Status EntryEmitter::Member(const ArchiveMember& m) {
  ++budget_.members;
  return WriteFrame(FrameEncoder::Member(m));
}

Status EntryEmitter::StreamData(const EntryHeader& h, FileContent& content, std::vector<uint8_t>& first,
                                bool& complete) {
  complete = false;
  uint64_t sent = 0;
  auto send = [&](std::span<const uint8_t> bytes) -> Status {
    if (bytes.empty()) return Status::Ok();
    auto hdr = FrameEncoder::Header(FrameType::kData, static_cast<uint32_t>(bytes.size()));
    sent += bytes.size();
    data_bytes_ += bytes.size();
    return sink_.Write(hdr, bytes);
  };
  QOIMA_RETURN_IF_ERROR(send(first));
  buf_.resize(limits_.chunk_bytes);
  bool zero_copy = true;
  while (sent < h.size) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf_.size(), h.size - sent));
    Result<size_t> n = size_t{0};
    std::span<const uint8_t> view;
    if (zero_copy) {
      auto v = content.View(want);
      if (v.ok()) {
        view = *v;
        n = view.size();
      } else if (v.status().code() == Code::kUnsupported) {
        zero_copy = false;
      } else {
        n = v.status();
      }
    }
    if (!zero_copy) {
      n = content.Read(std::span<uint8_t>(buf_.data(), want));
      if (n.ok()) view = std::span<const uint8_t>(buf_.data(), *n);
    }
    if (!n.ok()) {
      QOIMA_RETURN_IF_ERROR(FailWalk(n.status(), ProblemClass::kCorruptFilesystem, h.raw_path));
      return n.status();
    }
    if (*n == 0) {
      Status st =
          Status::Corrupt("file data ends after " + std::to_string(sent) + " of " + std::to_string(h.size) + " bytes");
      QOIMA_RETURN_IF_ERROR(FailWalk(st, ProblemClass::kTruncatedImage, h.raw_path));
      return st;
    }
    if (view.size() > h.size - sent) view = view.first(static_cast<size_t>(h.size - sent));
    QOIMA_RETURN_IF_ERROR(send(view));
  }
  complete = true;
  return Status::Ok();
}

Status EntryEmitter::Emit(EntryHeader h, FileContent* content) {
  if (fatal_) return Status::FailedPrecondition("read already failed");
  if (++entries_ > limits_.max_entries) {
    QOIMA_RETURN_IF_ERROR(Problem(ProblemClass::kLimitExceeded,
                                  "more than " + std::to_string(limits_.max_entries) + " entries on the medium",
                                  h.raw_path, -1));
    return Status::LimitExceeded("entry limit");
  }
  if (h.raw_path.size() > limits_.max_path_bytes) {
    QOIMA_RETURN_IF_ERROR(Problem(ProblemClass::kLimitExceeded,
                                  "path longer than " + std::to_string(limits_.max_path_bytes) + " bytes",
                                  h.raw_path.substr(0, 256), -1));
    return Status::LimitExceeded("path length limit");
  }
  if (Depth(h.raw_path) > limits_.max_depth) {
    QOIMA_RETURN_IF_ERROR(Problem(ProblemClass::kLimitExceeded,
                                  "directory nesting deeper than " + std::to_string(limits_.max_depth),
                                  h.raw_path.substr(0, 256), -1));
    return Status::LimitExceeded("depth limit");
  }
  if (h.type != EntryType::kFile && h.type != EntryType::kSymlink) h.size = 0;
  if (h.type == EntryType::kSymlink) h.size = 0;
  if (select_.mode != EntrySelection::Mode::kAll) {
    // Only the files asked for leave the sandbox; nothing else is read.
    if (!Selected(select_, h)) return Skip();
    if (select_.mode == EntrySelection::Mode::kCandidates) {
      if (selected_ >= select_.max_files) return Skip();
      ++selected_;
      ++files_;
      if (h.size == 0) {
        QOIMA_RETURN_IF_ERROR(WriteFrame(FrameEncoder::Entry(h)));
        return WriteFrame(FrameEncoder::EntryEnd(true));
      }
      if (content == nullptr) return Status::Internal("file entry without content: " + h.raw_path);
      return EmitHead(h, *content);
    }
  }
  std::vector<uint8_t> first;
  if (h.type == EntryType::kFile) ++files_;
  if (h.type == EntryType::kFile && h.size > 0) {
    if (content == nullptr) return Status::Internal("file entry without content: " + h.raw_path);
    // The first chunk is read before the header so the archive flag is known.
    first.resize(static_cast<size_t>(std::min<uint64_t>(limits_.chunk_bytes, h.size)));
    size_t got = 0;
    while (got < first.size()) {
      auto n = content->Read(std::span<uint8_t>(first.data() + got, first.size() - got));
      if (!n.ok()) {
        QOIMA_RETURN_IF_ERROR(WriteFrame(FrameEncoder::Entry(h)));
        QOIMA_RETURN_IF_ERROR(FailWalk(n.status(), ProblemClass::kCorruptFilesystem, h.raw_path));
        QOIMA_RETURN_IF_ERROR(WriteFrame(FrameEncoder::EntryEnd(false)));
        return n.status();
      }
      if (*n == 0) break;
      got += *n;
    }
    first.resize(got);
    if (limits_.list_archives && LooksLikeArchive(first)) h.flags |= kEntryIsArchive;
  }
  QOIMA_RETURN_IF_ERROR(WriteFrame(FrameEncoder::Entry(h)));
  if (h.type != EntryType::kFile || h.size == 0) return WriteFrame(FrameEncoder::EntryEnd(true));
  bool complete = false;
  Status st = StreamData(h, *content, first, complete);
  if (!complete) {
    QOIMA_RETURN_IF_ERROR(WriteFrame(FrameEncoder::EntryEnd(false)));
    return st.ok() ? Status::Internal("incomplete without error") : st;
  }
  if (h.flags & kEntryIsArchive) {
    auto again = content->Reopen();
    if (!again.ok()) {
      QOIMA_RETURN_IF_ERROR(
          Problem(ProblemClass::kArchiveUnreadable, "archive not listed: " + again.status().message(), h.raw_path, -1));
    } else {
      // A limit stops the listing of this archive only (a non-fatal problem);
      // a failure here is the frame sink's.
      QOIMA_RETURN_IF_ERROR(ListArchive(**again, h.raw_path, *this));
    }
  }
  return WriteFrame(FrameEncoder::EntryEnd(true));
}

// The first bytes of a candidate file: its entry, up to head_bytes of
// data, and an end that says the data stopped short (by design, not damage).
Status EntryEmitter::EmitHead(const EntryHeader& h, FileContent& content) {
  std::vector<uint8_t> head(static_cast<size_t>(std::min<uint64_t>(select_.head_bytes, h.size)));
  size_t got = 0;
  while (got < head.size()) {
    auto n = content.Read(std::span<uint8_t>(head.data() + got, head.size() - got));
    if (!n.ok()) {
      QOIMA_RETURN_IF_ERROR(WriteFrame(FrameEncoder::Entry(h)));
      QOIMA_RETURN_IF_ERROR(FailWalk(n.status(), ProblemClass::kCorruptFilesystem, h.raw_path));
      QOIMA_RETURN_IF_ERROR(WriteFrame(FrameEncoder::EntryEnd(false)));
      return n.status();
    }
    if (*n == 0) break;
    got += *n;
  }
  head.resize(got);
  QOIMA_RETURN_IF_ERROR(WriteFrame(FrameEncoder::Entry(h)));
  for (size_t at = 0; at < head.size(); at += limits_.chunk_bytes) {
    size_t len = std::min<size_t>(limits_.chunk_bytes, head.size() - at);
    data_bytes_ += len;
    QOIMA_RETURN_IF_ERROR(sink_.Write(FrameEncoder::Header(FrameType::kData, static_cast<uint32_t>(len)),
                                      std::span<const uint8_t>(head.data() + at, len)));
  }
  return WriteFrame(FrameEncoder::EntryEnd(got == h.size));
}

bool Selected(const EntrySelection& s, const EntryHeader& h) {
  switch (s.mode) {
    case EntrySelection::Mode::kAll: return true;
    case EntrySelection::Mode::kPath: return h.type == EntryType::kFile && h.raw_path == s.path;
    case EntrySelection::Mode::kCandidates: {
      if (h.type != EntryType::kFile || h.size > s.max_file_bytes) return false;
      std::string_view name(h.raw_path);
      if (auto slash = name.rfind('/'); slash != std::string_view::npos) name.remove_prefix(slash + 1);
      for (const auto& suffix : s.suffixes) {
        if (suffix.empty() || name.size() <= suffix.size()) continue;
        std::string_view tail = name.substr(name.size() - suffix.size());
        bool same = true;
        for (size_t i = 0; i < tail.size() && same; ++i)
          same =
              std::tolower(static_cast<unsigned char>(tail[i])) == std::tolower(static_cast<unsigned char>(suffix[i]));
        if (same) return true;
      }
      return false;
    }
  }
  return false;
}

Status EntryEmitter::Finish(const std::string& filesystem, const std::string& label) {
  ReadSummary s;
  s.filesystem = filesystem;
  s.volume_label = label;
  s.entries = entries_ - skipped_;  // what the parent received
  s.files = files_;
  s.data_bytes = data_bytes_;
  return WriteFrame(FrameEncoder::End(s));
}

}  // namespace qoima::hardware

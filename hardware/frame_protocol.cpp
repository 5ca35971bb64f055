#include "hardware/frame_protocol.h"

#include <algorithm>
#include <limits>

#include "common/visible_text.h"
#include "hardware/display_name.h"

namespace qoima::hardware {
namespace {

class PayloadWriter {
 public:
  explicit PayloadWriter(FrameType type) : type_(type) { out_.resize(kFrameHeaderBytes); }
  void U8(uint8_t v) { out_.push_back(v); }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void Raw(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void Str(std::string_view s, size_t max) {
    if (s.size() > max) s = s.substr(0, max);  // the decoder would reject longer strings
    U32(static_cast<uint32_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }
  std::vector<uint8_t> Finish() {
    auto h = FrameEncoder::Header(type_, static_cast<uint32_t>(out_.size() - kFrameHeaderBytes));
    std::copy(h.begin(), h.end(), out_.begin());
    return std::move(out_);
  }

 private:
  FrameType type_;
  std::vector<uint8_t> out_;
};

// Bounds-checked reader over one payload; every accessor fails cleanly.
class PayloadReader {
 public:
  explicit PayloadReader(std::span<const uint8_t> p) : p_(p) {}
  bool U8(uint8_t& v) {
    if (p_.size() - pos_ < 1) return false;
    v = p_[pos_++];
    return true;
  }
  bool U32(uint32_t& v) {
    if (p_.size() - pos_ < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return true;
  }
  bool U64(uint64_t& v) {
    if (p_.size() - pos_ < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p_[pos_ + i]) << (8 * i);
    pos_ += 8;
    return true;
  }
  bool Str(std::string& s, uint32_t max) {
    uint32_t n = 0;
    if (!U32(n) || n > max || p_.size() - pos_ < n) return false;
    s.assign(reinterpret_cast<const char*>(p_.data() + pos_), n);
    pos_ += n;
    return true;
  }
  bool AtEnd() const { return pos_ == p_.size(); }

 private:
  std::span<const uint8_t> p_;
  size_t pos_ = 0;
};

Status Malformed(const std::string& what) { return Status::Corrupt("malformed frame: " + what); }

bool ValidEntryType(uint8_t t) { return t >= 1 && t <= 6; }
bool ValidProblemClass(uint8_t c) { return c >= 1 && c <= 15; }

constexpr uint32_t kChildSettableFlags = kEntryIsArchive | kEntryEncrypted | kEntryCompressed | kEntryDamaged;

// "name contains characters shown escaped: U+202E (bidirectional control)".
std::string FormatCharsMessage(std::string_view what, std::string_view display) {
  return std::string(what) + " contains characters that are shown escaped: " + DescribeHiddenText(display);
}

}  // namespace

std::array<uint8_t, kFrameHeaderBytes> FrameEncoder::Header(FrameType type, uint32_t length) {
  std::array<uint8_t, kFrameHeaderBytes> h{};
  for (int i = 0; i < 4; ++i) h[i] = static_cast<uint8_t>(kFrameMagic >> (8 * i));
  h[4] = static_cast<uint8_t>(type);
  for (int i = 0; i < 4; ++i) h[8 + i] = static_cast<uint8_t>(length >> (8 * i));
  return h;
}

std::vector<uint8_t> FrameEncoder::Entry(const EntryHeader& e) {
  PayloadWriter w(FrameType::kEntry);
  w.Str(e.raw_path, kMaxFrameString);
  w.U64(e.size);
  w.U64(static_cast<uint64_t>(e.mtime_sec));
  w.U32(e.mtime_nsec);
  w.U32(e.mode);
  w.U8(static_cast<uint8_t>(e.type));
  w.Str(e.link_target, kMaxFrameString);
  w.U8(e.sparse ? 1 : 0);
  w.U32(e.flags);
  return w.Finish();
}

std::vector<uint8_t> FrameEncoder::Data(std::span<const uint8_t> bytes) {
  PayloadWriter w(FrameType::kData);
  w.Raw(bytes);
  return w.Finish();
}

std::vector<uint8_t> FrameEncoder::EntryEnd(bool complete) {
  PayloadWriter w(FrameType::kEntryEnd);
  w.U8(complete ? 1 : 0);
  return w.Finish();
}

std::vector<uint8_t> FrameEncoder::Member(const ArchiveMember& m) {
  PayloadWriter w(FrameType::kArchiveMember);
  w.Str(m.raw_name, kMaxFrameString);
  w.U64(m.size);
  w.U8(static_cast<uint8_t>(m.type));
  w.U32(m.depth);
  w.U8(m.encrypted ? 1 : 0);
  return w.Finish();
}

std::vector<uint8_t> FrameEncoder::Problem(const MediaProblem& p) {
  PayloadWriter w(FrameType::kProblem);
  w.U8(static_cast<uint8_t>(p.cls));
  w.Str(p.message, kMaxFrameMessage);
  w.Str(p.path, kMaxFrameString);
  w.U64(static_cast<uint64_t>(p.offset));
  w.U8(static_cast<uint8_t>(p.limit));
  w.U64(p.limit_value);
  return w.Finish();
}

std::vector<uint8_t> FrameEncoder::End(const ReadSummary& s) {
  PayloadWriter w(FrameType::kEnd);
  w.Str(s.filesystem, 64);
  w.Str(s.volume_label, 256);
  w.U64(s.entries);
  w.U64(s.files);
  w.U64(s.data_bytes);
  return w.Finish();
}

Status FrameDecoder::Feed(std::span<const uint8_t> bytes) {
  if (failed_) return Malformed("decoder already failed");
  // Complete the partial frame held from the last call, then decode the
  // rest in place (no copy of data payloads) and keep only a new partial tail.
  while (!bytes.empty()) {
    std::span<const uint8_t> view;
    bool from_buffer = !buf_.empty();
    if (from_buffer) {
      size_t need = kFrameHeaderBytes;
      if (buf_.size() >= kFrameHeaderBytes) {
        uint32_t length = 0;
        for (int i = 0; i < 4; ++i) length |= static_cast<uint32_t>(buf_[8 + i]) << (8 * i);
        need = kFrameHeaderBytes + std::min<uint32_t>(length, kMaxFramePayload + 1);
      }
      size_t take = std::min(bytes.size(), need - std::min(need, buf_.size()));
      if (buf_.size() < kFrameHeaderBytes) take = std::min(bytes.size(), kFrameHeaderBytes - buf_.size());
      buf_.insert(buf_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
      bytes = bytes.subspan(take);
      view = std::span<const uint8_t>(buf_.data(), buf_.size());
    } else {
      view = bytes;
    }
    size_t used = 0;
    Status st = DecodeFrames(view, used);
    if (!st.ok()) {
      failed_ = true;
      return st;
    }
    if (from_buffer) {
      if (used == buf_.size()) buf_.clear();
      // else: still incomplete; loop continues with more input (or ends).
      if (used == 0 && bytes.empty()) break;
    } else {
      buf_.assign(bytes.begin() + static_cast<std::ptrdiff_t>(used), bytes.end());
      bytes = {};
    }
  }
  return Status::Ok();
}

Status FrameDecoder::FeedFrame(std::span<const uint8_t> header, std::span<const uint8_t> payload) {
  if (failed_ || !buf_.empty() || header.size() != kFrameHeaderBytes) {
    QOIMA_RETURN_IF_ERROR(Feed(header));
    return payload.empty() ? Status::Ok() : Feed(payload);
  }
  uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length |= static_cast<uint32_t>(header[8 + i]) << (8 * i);
  if (length != payload.size()) {
    QOIMA_RETURN_IF_ERROR(Feed(header));
    return payload.empty() ? Status::Ok() : Feed(payload);
  }
  // Validate the header alone (DecodeFrames stops before the missing payload),
  // then hand the payload over in place.
  size_t used = 0;
  Status st = DecodeFrames(header, used);
  if (st.ok()) st = HandleFrame(static_cast<FrameType>(header[4]), payload);
  if (!st.ok()) failed_ = true;
  return st;
}

Status FrameDecoder::DecodeFrames(std::span<const uint8_t> in, size_t& used) {
  used = 0;
  while (in.size() - used >= kFrameHeaderBytes) {
    const uint8_t* h = in.data() + used;
    uint32_t magic = 0, length = 0;
    for (int i = 0; i < 4; ++i) magic |= static_cast<uint32_t>(h[i]) << (8 * i);
    for (int i = 0; i < 4; ++i) length |= static_cast<uint32_t>(h[8 + i]) << (8 * i);
    uint8_t type = h[4];
    if (magic != kFrameMagic) return Malformed("bad magic");
    if (type < 1 || type > 6) return Malformed("unknown frame type " + std::to_string(type));
    if (h[5] != 0 || h[6] != 0 || h[7] != 0) return Malformed("reserved header bytes not zero");
    if (length > kMaxFramePayload)
      return Malformed("payload length " + std::to_string(length) + " exceeds " + std::to_string(kMaxFramePayload));
    if (finished_) return Malformed("frame after end frame");
    if (in.size() - used - kFrameHeaderBytes < length) break;
    QOIMA_RETURN_IF_ERROR(
        HandleFrame(static_cast<FrameType>(type), std::span<const uint8_t>(h + kFrameHeaderBytes, length)));
    used += kFrameHeaderBytes + length;
  }
  return Status::Ok();
}

Status FrameDecoder::Report(ProblemClass cls, std::string message, std::string path, int64_t offset) {
  return Report(MediaProblem{cls, std::move(message), std::move(path), offset});
}

Status FrameDecoder::Unsafe(UnsafeNameKind kind, std::string message, std::string path) {
  MediaProblem p{ProblemClass::kUnsafeName, std::move(message), std::move(path), -1};
  p.unsafe = kind;
  return Report(std::move(p));
}

Status FrameDecoder::Report(MediaProblem p) {
  ++problems_;
  if (IsFatalProblem(p.cls) && !fatal_problem_) {
    fatal_problem_ = true;
    first_fatal_ = p;
  }
  return sink_.OnProblem(p);
}

Status FrameDecoder::ParentProblem(ProblemClass cls, std::string message, int64_t offset) {
  return Report(cls, std::move(message), {}, offset);
}

Status FrameDecoder::AbortOpenEntry() {
  if (!in_entry_) return Status::Ok();
  in_entry_ = false;
  return sink_.OnEntryEnd(false);
}

Status FrameDecoder::HandleFrame(FrameType type, std::span<const uint8_t> payload) {
  PayloadReader r(payload);
  switch (type) {
    case FrameType::kEntry: {
      EntryHeader e;
      uint64_t mtime = 0;
      uint8_t etype = 0, sparse = 0;
      if (!r.Str(e.raw_path, kMaxFrameString) || !r.U64(e.size) || !r.U64(mtime) || !r.U32(e.mtime_nsec) ||
          !r.U32(e.mode) || !r.U8(etype) || !r.Str(e.link_target, kMaxFrameString) || !r.U8(sparse) ||
          !r.U32(e.flags) || !r.AtEnd())
        return Malformed("entry payload does not parse");
      if (in_entry_) return Malformed("entry header inside an open entry");
      if (!ValidEntryType(etype)) return Malformed("invalid entry type " + std::to_string(etype));
      if (sparse > 1) return Malformed("invalid sparse flag");
      if (e.mtime_nsec >= 1'000'000'000u) return Malformed("mtime nanoseconds out of range");
      if (e.raw_path.empty()) return Malformed("empty entry path");
      if ((e.flags & ~kChildSettableFlags) != 0) return Malformed("entry flags outside the child's set");
      e.mtime_sec = static_cast<int64_t>(mtime);
      e.type = static_cast<EntryType>(etype);
      e.sparse = sparse == 1;
      if (e.type != EntryType::kFile && e.size != 0 && e.type != EntryType::kSymlink)
        return Malformed("non-file entry with a size");
      if (++entries_ > limits_.max_entries)
        return Malformed("more entries than the limit " + std::to_string(limits_.max_entries));
      if (e.raw_path.size() > limits_.max_path_bytes) return Malformed("path longer than the limit");
      auto d = DisplayName(e.raw_path);
      e.display_path = d.text;
      if (d.non_utf8) e.flags |= kEntryNonUtf8Name;
      if (d.control) e.flags |= kEntryControlChars;
      if (d.format) e.flags |= kEntryFormatChars;
      std::string unsafe = CheckPathSafety(e.raw_path);
      if (!unsafe.empty()) e.flags |= kEntryUnsafeName;
      bool collision = !seen_display_.Insert(e.display_path);
      if (collision) e.flags |= kEntryNameCollision;
      if (!e.link_target.empty()) {
        // Shown, never followed: the display form is what reaches screens.
        e.link_target = DisplayName(e.link_target).text;
      }
      in_entry_ = true;
      entry_is_file_ = e.type == EntryType::kFile;
      entry_size_ = e.size;
      entry_received_ = 0;
      entry_display_ = e.display_path;
      if (entry_is_file_) ++files_;
      QOIMA_RETURN_IF_ERROR(sink_.OnEntry(e));
      if (d.non_utf8)
        QOIMA_RETURN_IF_ERROR(Report(ProblemClass::kNonUtf8Name,
                                     "name is not valid UTF-8 (kept as bytes, shown escaped)", e.display_path, -1));
      if (d.control)
        QOIMA_RETURN_IF_ERROR(
            Unsafe(UnsafeNameKind::kControlCharacters, "name contains control characters", e.display_path));
      if (d.format)
        QOIMA_RETURN_IF_ERROR(
            Unsafe(UnsafeNameKind::kHiddenCharacters, FormatCharsMessage("name", e.display_path), e.display_path));
      if (!unsafe.empty())
        QOIMA_RETURN_IF_ERROR(Unsafe(UnsafeNameKind::kTraversal, "unsafe path: " + unsafe, e.display_path));
      if (collision)
        QOIMA_RETURN_IF_ERROR(Report(ProblemClass::kNameCollision,
                                     "another entry has the same name after Unicode NFC normalization", e.display_path,
                                     -1));
      return Status::Ok();
    }
    case FrameType::kData: {
      if (!in_entry_) return Malformed("data outside an entry");
      if (!entry_is_file_) return Malformed("data for a non-file entry");
      if (payload.empty()) return Malformed("empty data frame");
      if (payload.size() > entry_size_ - entry_received_)
        return Malformed("data exceeds the declared size of " + entry_display_);
      entry_received_ += payload.size();
      data_bytes_ += payload.size();
      return sink_.OnData(payload);
    }
    case FrameType::kEntryEnd: {
      uint8_t complete = 0;
      if (!r.U8(complete) || !r.AtEnd() || complete > 1) return Malformed("entry end payload does not parse");
      if (!in_entry_) return Malformed("entry end without an entry");
      if (complete == 1 && entry_is_file_ && entry_received_ != entry_size_)
        return Malformed("entry marked complete with " + std::to_string(entry_received_) + " of " +
                         std::to_string(entry_size_) + " bytes");
      in_entry_ = false;
      return sink_.OnEntryEnd(complete == 1);
    }
    case FrameType::kArchiveMember: {
      ArchiveMember m;
      uint8_t mtype = 0, enc = 0;
      if (!r.Str(m.raw_name, kMaxFrameString) || !r.U64(m.size) || !r.U8(mtype) || !r.U32(m.depth) || !r.U8(enc) ||
          !r.AtEnd())
        return Malformed("archive member payload does not parse");
      if (!in_entry_ || !entry_is_file_) return Malformed("archive member outside a file entry");
      if (!ValidEntryType(mtype) || enc > 1) return Malformed("archive member fields out of range");
      if (m.depth < 1 || m.depth > limits_.archive_max_depth) return Malformed("archive member depth out of range");
      if (++members_ > limits_.medium_archive_max_members) return Malformed("more archive members than the limit");
      m.type = static_cast<EntryType>(mtype);
      m.encrypted = enc == 1;
      m.archive_path = entry_display_;
      auto d = DisplayName(m.raw_name);
      m.name = d.text;
      QOIMA_RETURN_IF_ERROR(sink_.OnArchiveMember(m));
      std::string where = entry_display_ + " -> " + m.name;
      std::string unsafe = CheckPathSafety(m.raw_name);
      // Directory members may carry a trailing '/': not a traversal.
      if (unsafe == "empty path component" && !m.raw_name.empty() && m.raw_name.back() == '/' &&
          CheckPathSafety(m.raw_name.substr(0, m.raw_name.size() - 1)).empty())
        unsafe.clear();
      if (d.non_utf8)
        QOIMA_RETURN_IF_ERROR(Report(ProblemClass::kNonUtf8Name, "archive member name is not valid UTF-8", where, -1));
      if (d.control)
        QOIMA_RETURN_IF_ERROR(
            Unsafe(UnsafeNameKind::kControlCharacters, "archive member name contains control characters", where));
      if (d.format)
        QOIMA_RETURN_IF_ERROR(
            Unsafe(UnsafeNameKind::kHiddenCharacters, FormatCharsMessage("archive member name", m.name), where));
      if (!unsafe.empty())
        QOIMA_RETURN_IF_ERROR(Unsafe(UnsafeNameKind::kTraversal, "unsafe archive member path: " + unsafe, where));
      if (m.encrypted)
        QOIMA_RETURN_IF_ERROR(Report(ProblemClass::kEncryptedEntry, "archive member is encrypted", where, -1));
      return Status::Ok();
    }
    case FrameType::kProblem: {
      uint8_t cls = 0, limit = 0;
      uint64_t offset = 0, limit_value = 0;
      std::string message, raw_path;
      if (!r.U8(cls) || !r.Str(message, kMaxFrameMessage) || !r.Str(raw_path, kMaxFrameString) || !r.U64(offset) ||
          !r.U8(limit) || !r.U64(limit_value) || !r.AtEnd())
        return Malformed("problem payload does not parse");
      if (!ValidProblemClass(cls)) return Malformed("unknown problem class " + std::to_string(cls));
      if (limit > kMaxArchiveLimit) return Malformed("unknown archive limit " + std::to_string(limit));
      // A stopped listing names its limit; no other problem has one.
      if ((cls == static_cast<uint8_t>(ProblemClass::kArchiveListingStopped)) != (limit != 0))
        return Malformed("archive limit " + std::to_string(limit) + " with problem class " + std::to_string(cls));
      // The message is shown to people: escape it like a name.
      MediaProblem p{static_cast<ProblemClass>(cls), DisplayName(message).text,        DisplayName(raw_path).text,
                     static_cast<int64_t>(offset),   static_cast<ArchiveLimit>(limit), limit_value};
      return Report(std::move(p));
    }
    case FrameType::kEnd: {
      ReadSummary s;
      if (!r.Str(s.filesystem, 64) || !r.Str(s.volume_label, 256) || !r.U64(s.entries) || !r.U64(s.files) ||
          !r.U64(s.data_bytes) || !r.AtEnd())
        return Malformed("end payload does not parse");
      if (in_entry_) return Malformed("end frame inside an open entry");
      if (s.entries != entries_ || s.files != files_ || s.data_bytes != data_bytes_)
        return Malformed("end frame totals disagree with the frames received");
      s.filesystem = DisplayName(s.filesystem).text;
      s.volume_label = DisplayName(s.volume_label).text;
      s.archive_members = members_;
      s.problems = problems_;
      s.fatal = fatal_problem_;
      summary_ = s;
      finished_ = true;
      return Status::Ok();
    }
  }
  return Malformed("unknown frame type");
}

}  // namespace qoima::hardware

// Frame protocol between the sandboxed reader child and the parent.
//
// Every record is one frame: a fixed 12-byte header then the payload.
//   u32 magic  'QMF1' (0x31464d51, little-endian)
//   u8  type   FrameType
//   u8  flags  0 (reserved, must be 0)
//   u16 reserved 0
//   u32 length payload bytes, <= kMaxFramePayload
// Payloads are little-endian; strings are u32 length + bytes. See
// docs/hardware.md for each payload's layout. FrameEncoder builds frames in
// the child; FrameDecoder (parent) accepts bytes in arbitrary pieces, checks
// magic, type, length, payload layout and the sequence (OnEntry before data,
// data never exceeds the declared size, exactly one kEnd last) and feeds a
// MediaSink. Any violation is a kMalformedFrame status; the parent then kills
// the child.
//
// Thread-safety: none; one decoder per pipe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "hardware/media_entry.h"
#include "hardware/media_reader.h"
#include "hardware/name_set.h"

namespace qoima::hardware {

inline constexpr uint32_t kFrameMagic = 0x31464d51;  // "QMF1"
inline constexpr size_t kFrameHeaderBytes = 12;
inline constexpr uint32_t kMaxFramePayload = 1u << 20;  // 1 MiB: bounds parent memory
inline constexpr uint32_t kMaxFrameString = 64 * 1024;  // any single string in a payload
inline constexpr uint32_t kMaxFrameMessage = 4096;      // problem messages

enum class FrameType : uint8_t {
  kEntry = 1,          // EntryHeader
  kData = 2,           // raw bytes of the current entry
  kEntryEnd = 3,       // u8 complete
  kArchiveMember = 4,  // ArchiveMember
  kProblem = 5,        // MediaProblem
  kEnd = 6,            // ReadSummary (the child finished; last frame)
};

/// Builds frames into a byte vector (child side).
class FrameEncoder {
 public:
  /// The 12-byte header of a frame with `length` payload bytes.
  static std::array<uint8_t, kFrameHeaderBytes> Header(FrameType type, uint32_t length);
  static std::vector<uint8_t> Entry(const EntryHeader& h);
  static std::vector<uint8_t> Data(std::span<const uint8_t> bytes);
  static std::vector<uint8_t> EntryEnd(bool complete);
  static std::vector<uint8_t> Member(const ArchiveMember& m);
  static std::vector<uint8_t> Problem(const MediaProblem& p);
  static std::vector<uint8_t> End(const ReadSummary& s);
};

/// Validates frames and calls the sink (parent side).
class FrameDecoder {
 public:
  /// `limits` bound what the parent accepts even from a lying child
  /// (entries, path bytes, archive members).
  FrameDecoder(MediaSink& sink, const ReadLimits& limits) : sink_(sink), limits_(limits) {}

  /// Consumes `bytes` (any split). Returns a kCorrupt status starting
  /// "malformed frame" on the first protocol violation, or the sink's error.
  /// After an error the decoder refuses further input.
  Status Feed(std::span<const uint8_t> bytes);

  /// Feeds one frame given as header and payload (the in-process path): no
  /// copy of the payload when no partial frame is pending. Same checks as Feed.
  Status FeedFrame(std::span<const uint8_t> header, std::span<const uint8_t> payload);

  /// Reports a problem the parent itself found (child crash, timeout,
  /// malformed frame) to the sink and counts it.
  Status ParentProblem(ProblemClass cls, std::string message, int64_t offset = -1);
  /// Closes an entry the child left open (OnEntryEnd(false)) after a failure.
  Status AbortOpenEntry();

  /// True once a valid kEnd frame arrived.
  bool finished() const { return finished_; }
  /// True when an entry is open (OnEntry seen, OnEntryEnd not yet).
  bool in_entry() const { return in_entry_; }
  /// Bytes buffered for an incomplete frame (at most one frame).
  size_t pending() const { return buf_.size(); }
  const ReadSummary& summary() const { return summary_; }
  /// Problems the child reported, counted by the decoder.
  uint64_t problems() const { return problems_; }
  bool fatal_problem() const { return fatal_problem_; }
  /// The first fatal problem (when fatal_problem()).
  const MediaProblem& first_fatal() const { return first_fatal_; }

 private:
  Status HandleFrame(FrameType type, std::span<const uint8_t> payload);
  // Decodes whole frames from `in`; `used` receives the bytes consumed.
  Status DecodeFrames(std::span<const uint8_t> in, size_t& used);
  Status Report(ProblemClass cls, std::string message, std::string path, int64_t offset);
  Status Report(MediaProblem problem);
  Status Unsafe(UnsafeNameKind kind, std::string message, std::string path);
  MediaSink& sink_;
  ReadLimits limits_;
  std::vector<uint8_t> buf_;  // one partial frame carried between Feed calls
  NameSet seen_display_;      // for the NFC collision check
  std::string entry_display_;
  uint64_t entries_ = 0;
  uint64_t files_ = 0;
  uint64_t data_bytes_ = 0;
  uint64_t members_ = 0;
  bool failed_ = false;
  bool finished_ = false;
  bool in_entry_ = false;
  bool entry_is_file_ = false;
  uint64_t entry_size_ = 0;
  uint64_t entry_received_ = 0;
  uint64_t problems_ = 0;
  bool fatal_problem_ = false;
  MediaProblem first_fatal_;
  ReadSummary summary_;
};

}  // namespace qoima::hardware

#include "hardware/media_reader.h"

#include <optional>

#include "hardware/block_source.h"
#include "hardware/frame_protocol.h"
#include "hardware/reader_child.h"

namespace qoima::hardware {
namespace {

// The in-process path: the same frames, decoded and validated the same way.
class DecoderFrameSink : public FrameSink {
 public:
  explicit DecoderFrameSink(FrameDecoder& dec) : dec_(dec) {}
  Status Write(std::span<const uint8_t> header, std::span<const uint8_t> payload) override {
    if (!error_.ok()) return error_;
    error_ = dec_.FeedFrame(header, payload);
    return error_;
  }
  const Status& error() const { return error_; }

 private:
  FrameDecoder& dec_;
  Status error_;
};

Status StatusForProblem(const MediaProblem& p) {
  std::string msg = std::string(ProblemClassName(p.cls)) + ": " + p.message;
  if (!p.path.empty()) msg += " [" + p.path + "]";
  switch (p.cls) {
    case ProblemClass::kCorruptFilesystem:
    case ProblemClass::kTruncatedImage: return Status::Corrupt(msg);
    case ProblemClass::kUnsupportedFilesystem: return Status::Unsupported(msg);
    case ProblemClass::kLimitExceeded: return Status::LimitExceeded(msg);
    case ProblemClass::kParserTimeout: return Status::Timeout(msg);
    default: return Status::MediaUnreadable(msg);
  }
}

}  // namespace

Result<ReadSummary> FinishDecoding(FrameDecoder& dec, const std::string& device) {
  if (dec.fatal_problem()) return StatusForProblem(dec.first_fatal()).WithContext("read " + device);
  if (!dec.finished()) return Status::MediaUnreadable("read " + device + ": reader ended without an end frame");
  return dec.summary();
}

Result<ReadSummary> ReadMediaUnsandboxed(const std::string& device, const ReadOptions& options, MediaSink& sink) {
  std::optional<ReadOnlyGuard> ro;
  if (options.set_device_read_only) ro.emplace(device);
  FrameDecoder dec(sink, options.limits);
  DecoderFrameSink frames(dec);
  RunReader(device, options, frames);
  if (!frames.error().ok()) {
    (void)dec.AbortOpenEntry();
    return frames.error().WithContext("read " + device);
  }
  return FinishDecoding(dec, device);
}

Result<ReadSummary> ReadMedia(const std::string& device, const ReadOptions& options, MediaSink& sink) {
  return RunSandboxed(device, options, sink);
}

Result<MediaIdentity> SandboxedMediaReader::Probe(const std::string& device) { return hardware::Probe(device); }

Result<ReadSummary> SandboxedMediaReader::Read(const std::string& device, const ReadOptions& options, MediaSink& sink) {
  return ReadMedia(device, options, sink);
}

}  // namespace qoima::hardware

#include "hardware/media_reader.h"

#include <fcntl.h>

#include <clocale>
#include <optional>

#include "hardware/block_source.h"
#include "hardware/frame_protocol.h"
#include "hardware/read_only_guard.h"
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
  std::setlocale(LC_ALL, "C.UTF-8");  // as the sandboxed reader does: libarchive converts names to it
  FrameDecoder dec(sink, options.limits);
  DecoderFrameSink frames(dec);
  UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  std::optional<ReadOnlyGuard> ro;
  if (fd && options.set_device_read_only) ro.emplace(fd.get(), device);
  if (fd)
    RunReader(std::move(fd), device, options, frames);
  else
    RunReader(device, options, frames);  // reports why it cannot be opened
  if (!frames.error().ok()) {
    (void)dec.AbortOpenEntry();
    return frames.error().WithContext("read " + device);
  }
  return FinishDecoding(dec, device);
}

Result<ReadSummary> ReadMedia(const std::string& device, const ReadOptions& options, MediaSink& sink) {
  return RunSandboxed(device, options, sink);
}

bool IsMediumFault(const Status& s) {
  switch (s.code()) {
    case Code::kMediaUnreadable:
    case Code::kCorrupt:
    case Code::kUnsupported:
    case Code::kLimitExceeded:
    case Code::kTimeout: return true;
    default: return false;
  }
}

Status SandboxedMediaReader::Admit(const std::string& device) { return AdmitMedium(device, policy_); }

Result<MediaIdentity> SandboxedMediaReader::Probe(const std::string& device) { return hardware::Probe(device); }

Result<ReadSummary> SandboxedMediaReader::Read(const std::string& device, const ReadOptions& options, MediaSink& sink) {
  return ReadMedia(device, options, sink);
}

}  // namespace qoima::hardware

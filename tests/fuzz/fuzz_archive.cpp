// libFuzzer target: the archive lister (libarchive inside the reader child)
// on an arbitrary file found on the media, with the frames it produces
// validated by the parent's decoder.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hardware/archive_lister.h"
#include "hardware/frame_protocol.h"

namespace {

using namespace qoima;
using namespace qoima::hardware;

class NullSink : public MediaSink {
 public:
  Status OnEntry(const EntryHeader&) override { return {}; }
  Status OnData(std::span<const uint8_t>) override { return {}; }
  Status OnEntryEnd(bool) override { return {}; }
  Status OnArchiveMember(const ArchiveMember&) override { return {}; }
  Status OnProblem(const MediaProblem&) override { return {}; }
};

class MemoryContent : public FileContent {
 public:
  MemoryContent(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t k = std::min(buf.size(), n_ - pos_);
    std::memcpy(buf.data(), d_ + pos_, k);
    pos_ += k;
    return k;
  }
  Status Seek(uint64_t off) override {
    if (off > n_) return Status::InvalidArgument("seek");
    pos_ = static_cast<size_t>(off);
    return Status::Ok();
  }
  uint64_t Size() const override { return n_; }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t pos_ = 0;
};

class DecoderSink : public FrameSink {
 public:
  explicit DecoderSink(FrameDecoder& d) : d_(d) {}
  Status Write(std::span<const uint8_t> h, std::span<const uint8_t> p) override {
    QOIMA_RETURN_IF_ERROR(d_.Feed(h));
    return p.empty() ? Status::Ok() : d_.Feed(p);
  }

 private:
  FrameDecoder& d_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ReadLimits limits;
  limits.archive_max_bytes = 64 << 20;
  limits.archive_max_members = 10000;
  limits.medium_archive_max_members = 10000;
  NullSink sink;
  FrameDecoder dec(sink, limits);
  DecoderSink frames(dec);
  EntryEmitter em(frames, limits, nullptr);
  EntryHeader h;
  h.raw_path = "fuzz.bin";
  h.type = EntryType::kFile;
  h.size = size;
  MemoryContent content(data, size);
  // An entry must be open for members to be valid frames.
  (void)dec.Feed(FrameEncoder::Entry(h));
  (void)ListArchive(content, h.raw_path, em);
  return 0;
}

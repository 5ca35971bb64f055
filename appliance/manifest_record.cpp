#include "appliance/manifest_record.h"

#include "appliance/manifest_parser.h"

#include <zstd.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <memory>
#include <vector>

namespace qoima::appliance {
namespace {

struct ZstdCCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct ZstdDCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

/// The one place a zstd result code becomes a Status.
Status ZstdStatus(size_t rc, std::string_view what) {
  return Status::Corrupt(std::string(what) + ": " + ZSTD_getErrorName(rc));
}

// A stored record as a ManifestSource: the frame expanded a piece at a time
// (plain JSON text of older rows handed on in pieces as it is).
class RecordSource final : public ManifestSource {
 public:
  RecordSource(std::string_view stored, std::string_view what) : what_(what) {
    compressed_ = IsCompressedManifestRecord(stored);
    in_ = compressed_ ? stored.substr(kManifestRecordMagic.size()) : stored;
  }

  Result<std::string_view> Next() override {
    if (!compressed_) {
      std::string_view piece = in_.substr(pos_, std::min<size_t>(kPiece, in_.size() - pos_));
      pos_ += piece.size();
      return piece;
    }
    if (!d_) QOIMA_RETURN_IF_ERROR(Start());
    buf_.resize(kPiece);
    ZSTD_outBuffer ob{buf_.data(), buf_.size(), 0};
    while (ob.pos < ob.size && !ended_) {
      ZSTD_inBuffer ib{in_.data(), in_.size(), pos_};
      size_t rc = ZSTD_decompressStream(d_.get(), &ob, &ib);
      pos_ = ib.pos;
      if (ZSTD_isError(rc)) return ZstdStatus(rc, what_);
      if (rc == 0) {
        ended_ = true;
        if (pos_ != in_.size())
          return Status::Corrupt(what_ + ": " + std::to_string(in_.size() - pos_) +
                                 " bytes follow the stored manifest");
        break;
      }
      if (pos_ == in_.size() && ob.pos < ob.size) return Status::Corrupt(what_ + ": the stored manifest is truncated");
    }
    total_ += ob.pos;
    if (total_ > kMaxManifestRecordTextBytes)
      return Status::Corrupt(what_ + ": the stored manifest expands beyond " +
                             std::to_string(kMaxManifestRecordTextBytes) + " bytes");
    return std::string_view(buf_.data(), ob.pos);
  }

  Status Rewind() override {
    pos_ = 0;
    total_ = 0;
    ended_ = false;
    d_.reset();
    return Status::Ok();
  }

 private:
  static constexpr size_t kPiece = 1u << 20;
  Status Start() {
    d_.reset(ZSTD_createDCtx());
    if (!d_) return Status::Internal(what_ + ": no memory for the zstd decoder");
    size_t rc = ZSTD_DCtx_setParameter(d_.get(), ZSTD_d_windowLogMax, kMaxManifestRecordWindowLog);
    if (ZSTD_isError(rc)) return ZstdStatus(rc, what_);
    return Status::Ok();
  }

  std::string what_;
  bool compressed_ = false;
  std::string_view in_;
  size_t pos_ = 0;
  uint64_t total_ = 0;
  bool ended_ = false;
  std::unique_ptr<ZSTD_DCtx, ZstdDCtxFree> d_;
  std::string buf_;
};

}  // namespace

Result<ActManifest> ParseManifestRecord(std::string_view stored, std::string_view what,
                                        const ManifestParseOptions& options) {
  RecordSource source(stored, what);
  return ParseManifestFrom(source, std::string(what), options, kMaxManifestRecordTextBytes);
}

Result<std::string> EncodeManifestRecord(const ActManifest& manifest) {
  std::unique_ptr<ZSTD_CCtx, ZstdCCtxFree> c(ZSTD_createCCtx());
  if (!c) return Status::Internal("no memory for the zstd encoder");
  size_t rc = ZSTD_CCtx_setParameter(c.get(), ZSTD_c_compressionLevel, kManifestRecordLevel);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(c.get(), ZSTD_c_checksumFlag, 1);
  if (ZSTD_isError(rc)) return ZstdStatus(rc, "manifest record encoder");
  std::string out(kManifestRecordMagic);
  // Room for the record up front (an act compresses to ~45 bytes a file): it
  // then grows without copies, and the untouched rest of a large
  // reservation (mmap'd by malloc) never becomes resident.
  out.reserve(kManifestRecordMagic.size() + (64u << 10) + manifest.EntryCount() * 96);
  std::vector<char> buf(ZSTD_CStreamOutSize());
  Status failure;
  auto push = [&](std::string_view text, ZSTD_EndDirective mode) {
    ZSTD_inBuffer ib{text.data(), text.size(), 0};
    for (;;) {
      ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
      size_t left = ZSTD_compressStream2(c.get(), &ob, &ib, mode);
      if (ZSTD_isError(left)) {
        failure = ZstdStatus(left, "manifest record encoder");
        return;
      }
      out.append(buf.data(), ob.pos);
      if (mode == ZSTD_e_end ? left == 0 : ib.pos == ib.size) return;
    }
  };
  QOIMA_RETURN_IF_ERROR(WriteManifestJson(manifest, /*pretty=*/false, [&](std::string_view text) {
    if (failure.ok()) push(text, ZSTD_e_continue);
  }));
  if (failure.ok()) push({}, ZSTD_e_end);
  if (!failure.ok()) return failure;
  return out;  // no shrink_to_fit: that would copy it
}

std::string ManifestRecordReference(int64_t intake_id) {
  return std::string(kManifestReferencePrefix) + std::to_string(intake_id);
}

std::optional<int64_t> ParseManifestRecordReference(std::string_view stored) {
  if (!stored.starts_with(kManifestReferencePrefix)) return std::nullopt;
  std::string_view digits = stored.substr(kManifestReferencePrefix.size());
  int64_t id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || id <= 0) return std::nullopt;
  return id;
}

bool IsCompressedManifestRecord(std::string_view stored) { return stored.starts_with(kManifestRecordMagic); }

Result<std::string> DecodeManifestRecord(std::string stored, std::string_view what) {
  if (!IsCompressedManifestRecord(stored)) return stored;
  // Two passes: the first only measures, so the text is allocated once at its
  // exact size (a doubling string would hold up to twice a 20 MB act).
  RecordSource source(stored, what);
  auto expand = [&](const std::function<void(std::string_view)>& sink) -> Status {
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(std::string_view piece, source.Next());
      if (piece.empty()) return Status::Ok();
      sink(piece);
    }
  };
  size_t size = 0;
  QOIMA_RETURN_IF_ERROR(expand([&size](std::string_view piece) { size += piece.size(); }));
  QOIMA_RETURN_IF_ERROR(source.Rewind());
  std::string text;
  text.reserve(size);
  QOIMA_RETURN_IF_ERROR(expand([&text](std::string_view piece) { text += piece; }));
  return text;
}

}  // namespace qoima::appliance

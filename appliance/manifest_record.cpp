#include "appliance/manifest_record.h"

#include "appliance/manifest_parser.h"
#include "storage/database.h"

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

// A stored record's bytes in memory, handed on whole.
class BytesSource final : public ManifestSource {
 public:
  explicit BytesSource(std::string_view bytes) : bytes_(bytes) {}
  Result<std::string_view> Next() override {
    std::string_view piece = done_ ? std::string_view() : bytes_;
    done_ = true;
    return piece;
  }
  Status Rewind() override {
    done_ = false;
    return Status::Ok();
  }

 private:
  std::string_view bytes_;
  bool done_ = false;
};

// A stored record's bytes read from its row a piece at a time.
class BlobSource final : public ManifestSource {
 public:
  BlobSource(const storage::Blob& blob, std::string_view what) : blob_(blob), what_(what) {}
  Result<std::string_view> Next() override {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kPiece, blob_.size() - pos_));
    buf_.resize(n);
    QOIMA_RETURN_IF_ERROR(
        blob_.Read(pos_, std::span<uint8_t>(reinterpret_cast<uint8_t*>(buf_.data()), n)).WithContext(what_));
    pos_ += n;
    return std::string_view(buf_.data(), n);
  }
  Status Rewind() override {
    pos_ = 0;
    return Status::Ok();
  }

 private:
  static constexpr size_t kPiece = 1u << 20;
  const storage::Blob& blob_;
  std::string what_;
  uint64_t pos_ = 0;
  std::string buf_;
};

// A stored record as a ManifestSource of its JSON text: the frame expanded a
// piece at a time as the stored bytes arrive (plain JSON text of older rows
// handed on as it is).
class RecordSource final : public ManifestSource {
 public:
  RecordSource(ManifestSource& stored, std::string_view what) : stored_(stored), what_(what) {}

  Result<std::string_view> Next() override {
    if (!started_) {
      QOIMA_ASSIGN_OR_RETURN(in_, stored_.Next());
      pos_ = 0;
      started_ = true;
      compressed_ = IsCompressedManifestRecord(in_);
      if (compressed_) {
        pos_ = kManifestRecordMagic.size();
        QOIMA_RETURN_IF_ERROR(Start());
      }
    }
    if (!compressed_) {
      if (pos_ == in_.size()) {
        QOIMA_ASSIGN_OR_RETURN(in_, stored_.Next());
        pos_ = 0;
      }
      pos_ = in_.size();
      return in_;
    }
    buf_.resize(kPiece);
    ZSTD_outBuffer ob{buf_.data(), buf_.size(), 0};
    while (ob.pos < ob.size && !ended_) {
      if (pos_ == in_.size() && !input_ended_) {
        QOIMA_ASSIGN_OR_RETURN(in_, stored_.Next());
        pos_ = 0;
        input_ended_ = in_.empty();
      }
      ZSTD_inBuffer ib{in_.data(), in_.size(), pos_};
      size_t made = ob.pos;
      size_t rc = ZSTD_decompressStream(d_.get(), &ob, &ib);
      pos_ = ib.pos;
      if (ZSTD_isError(rc)) return ZstdStatus(rc, what_);
      // Out of input with nothing left to flush: the frame was cut short.
      if (rc != 0 && input_ended_ && ob.pos == made)
        return Status::Corrupt(what_ + ": the stored manifest is truncated");
      if (rc == 0) {
        ended_ = true;
        uint64_t after = in_.size() - pos_;
        for (;;) {
          QOIMA_ASSIGN_OR_RETURN(std::string_view more, stored_.Next());
          if (more.empty()) break;
          after += more.size();
        }
        if (after != 0)
          return Status::Corrupt(what_ + ": " + std::to_string(after) + " bytes follow the stored manifest");
      }
    }
    total_ += ob.pos;
    if (total_ > kMaxManifestRecordTextBytes)
      return Status::Corrupt(what_ + ": the stored manifest expands beyond " +
                             std::to_string(kMaxManifestRecordTextBytes) + " bytes");
    return std::string_view(buf_.data(), ob.pos);
  }

  Status Rewind() override {
    QOIMA_RETURN_IF_ERROR(stored_.Rewind());
    started_ = false;
    in_ = {};
    pos_ = 0;
    total_ = 0;
    ended_ = false;
    input_ended_ = false;
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

  ManifestSource& stored_;
  std::string what_;
  bool started_ = false;
  bool compressed_ = false;
  std::string_view in_;
  size_t pos_ = 0;
  uint64_t total_ = 0;
  bool ended_ = false;        // the zstd frame is complete
  bool input_ended_ = false;  // the stored bytes are all read
  std::unique_ptr<ZSTD_DCtx, ZstdDCtxFree> d_;
  std::string buf_;
};

// The positive id after `prefix` ("<prefix>17"); nullopt for anything else.
std::optional<int64_t> ParseIdAfter(std::string_view stored, std::string_view prefix) {
  if (!stored.starts_with(prefix)) return std::nullopt;
  std::string_view digits = stored.substr(prefix.size());
  int64_t id = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace

Result<ActManifest> ParseManifestRecord(const storage::Blob& stored, std::string_view what,
                                        const ManifestParseOptions& options) {
  BlobSource bytes(stored, what);
  RecordSource source(bytes, what);
  return ParseManifestFrom(source, std::string(what), options, kMaxManifestRecordTextBytes);
}

Status WriteManifestRecord(const ActManifest& manifest, const std::function<Status(std::string_view)>& sink) {
  std::unique_ptr<ZSTD_CCtx, ZstdCCtxFree> c(ZSTD_createCCtx());
  if (!c) return Status::Internal("no memory for the zstd encoder");
  size_t rc = ZSTD_CCtx_setParameter(c.get(), ZSTD_c_compressionLevel, kManifestRecordLevel);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(c.get(), ZSTD_c_checksumFlag, 1);
  if (ZSTD_isError(rc)) return ZstdStatus(rc, "manifest record encoder");
  QOIMA_RETURN_IF_ERROR(sink(kManifestRecordMagic));
  std::vector<char> buf(ZSTD_CStreamOutSize());
  Status failure;
  auto push = [&](std::string_view text, ZSTD_EndDirective mode) {
    ZSTD_inBuffer ib{text.data(), text.size(), 0};
    while (failure.ok()) {
      ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
      size_t left = ZSTD_compressStream2(c.get(), &ob, &ib, mode);
      if (ZSTD_isError(left)) {
        failure = ZstdStatus(left, "manifest record encoder");
        return;
      }
      if (ob.pos > 0) failure = sink(std::string_view(buf.data(), ob.pos));
      if (mode == ZSTD_e_end ? left == 0 : ib.pos == ib.size) return;
    }
  };
  QOIMA_RETURN_IF_ERROR(WriteManifestJson(manifest, /*pretty=*/false, [&](std::string_view text) {
    if (failure.ok()) push(text, ZSTD_e_continue);
  }));
  if (failure.ok()) push({}, ZSTD_e_end);
  return failure;
}

Result<std::string> EncodeManifestRecord(const ActManifest& manifest) {
  std::string out;
  QOIMA_RETURN_IF_ERROR(WriteManifestRecord(manifest, [&out](std::string_view piece) {
    out += piece;
    return Status::Ok();
  }));
  return out;
}

Result<uint64_t> ManifestRecordSize(const ActManifest& manifest) {
  uint64_t size = 0;
  QOIMA_RETURN_IF_ERROR(WriteManifestRecord(manifest, [&size](std::string_view piece) {
    size += piece.size();
    return Status::Ok();
  }));
  return size;
}

Result<PreparedManifestRecord> PrepareManifestRecord(const ActManifest& manifest, uint64_t max_held) {
  PreparedManifestRecord r;
  r.held = true;
  QOIMA_RETURN_IF_ERROR(WriteManifestRecord(manifest, [&r, max_held](std::string_view piece) {
    r.size += piece.size();
    if (r.held && r.size > max_held) {
      r.held = false;
      std::string().swap(r.bytes);
    }
    if (r.held) r.bytes += piece;
    return Status::Ok();
  }));
  if (r.held) r.bytes.shrink_to_fit();
  return r;
}

Status StoreManifestRecord(storage::Database& db, std::string_view table, std::string_view column, int64_t rowid,
                           const ActManifest& manifest, uint64_t size) {
  QOIMA_ASSIGN_OR_RETURN(storage::Blob blob, db.OpenBlob(table, column, rowid, /*writable=*/true));
  if (blob.size() != size)
    return Status::Internal("the manifest record's row holds " + std::to_string(blob.size()) + " bytes, not " +
                            std::to_string(size));
  uint64_t at = 0;
  auto write = [&](std::string_view piece) -> Status {
    if (piece.size() > size - at) return Status::Internal("the manifest record grew between its two passes");
    Status st = blob.Write(at, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(piece.data()), piece.size()));
    at += piece.size();
    return st;
  };
  QOIMA_RETURN_IF_ERROR(WriteManifestRecord(manifest, write));
  if (at != size) return Status::Internal("the manifest record shrank between its two passes");
  return Status::Ok();
}

Result<std::string> InsertManifestRecord(storage::Database& db, const ActManifest& manifest,
                                         const PreparedManifestRecord& record) {
  if (!record.held) return InsertManifestRecord(db, manifest, record.size);
  if (record.bytes.size() != record.size) return Status::Internal("the prepared manifest record is incomplete");
  QOIMA_ASSIGN_OR_RETURN(storage::Statement st, db.Prepare("INSERT INTO manifest_records(record) VALUES (?)"));
  st.BindZeroBlob(1, record.size);
  QOIMA_RETURN_IF_ERROR(st.Run());
  const int64_t id = db.LastInsertRowid();
  QOIMA_ASSIGN_OR_RETURN(storage::Blob blob, db.OpenBlob("manifest_records", "record", id, /*writable=*/true));
  QOIMA_RETURN_IF_ERROR(blob.Write(
      0, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(record.bytes.data()), record.bytes.size())));
  return ManifestRecordRowReference(id);
}

std::string ManifestRecordRowReference(int64_t record_id) {
  return std::string(kManifestRecordRowPrefix) + std::to_string(record_id);
}

Result<std::string> InsertManifestRecord(storage::Database& db, const ActManifest& manifest, uint64_t size) {
  QOIMA_ASSIGN_OR_RETURN(storage::Statement st, db.Prepare("INSERT INTO manifest_records(record) VALUES (?)"));
  st.BindZeroBlob(1, size);
  QOIMA_RETURN_IF_ERROR(st.Run());
  int64_t id = db.LastInsertRowid();
  QOIMA_RETURN_IF_ERROR(StoreManifestRecord(db, "manifest_records", "record", id, manifest, size));
  return ManifestRecordRowReference(id);
}

Result<ActManifest> LoadStoredManifest(storage::Database& db, std::string_view table, std::string_view column,
                                       int64_t rowid, std::string_view what, const ManifestParseOptions& options) {
  std::string t(table), c(column);
  int64_t row = rowid;
  // At most two hops: an act refers to its intake, whose column refers to its record.
  for (int hop = 0; hop < 3; ++hop) {
    QOIMA_ASSIGN_OR_RETURN(storage::Blob stored, db.OpenBlob(t, c, row, false));
    constexpr size_t kLongestReference = 64;
    if (stored.size() <= kLongestReference) {
      std::string head(static_cast<size_t>(stored.size()), '\0');
      QOIMA_RETURN_IF_ERROR(stored.Read(0, std::span<uint8_t>(reinterpret_cast<uint8_t*>(head.data()), head.size())));
      if (auto record = ParseManifestRecordRowReference(head)) {
        t = "manifest_records", c = "record", row = *record;
        continue;
      }
      if (auto intake = ParseManifestRecordReference(head)) {
        t = "intakes", c = "manifest_json", row = *intake;
        continue;
      }
    }
    return ParseManifestRecord(stored, what, options);
  }
  return Status::Corrupt(std::string(what) + ": references lead to references");
}

std::string ManifestRecordReference(int64_t intake_id) {
  return std::string(kManifestReferencePrefix) + std::to_string(intake_id);
}

std::optional<int64_t> ParseManifestRecordReference(std::string_view stored) {
  return ParseIdAfter(stored, kManifestReferencePrefix);
}

std::optional<int64_t> ParseManifestRecordRowReference(std::string_view stored) {
  return ParseIdAfter(stored, kManifestRecordRowPrefix);
}

bool IsCompressedManifestRecord(std::string_view stored) { return stored.starts_with(kManifestRecordMagic); }

Result<std::string> DecodeManifestRecord(std::string stored, std::string_view what) {
  if (!IsCompressedManifestRecord(stored)) return stored;
  // Two passes: the first only measures, so the text is allocated once at its
  // exact size (a doubling string would hold up to twice a 20 MB act).
  BytesSource bytes(stored);
  RecordSource source(bytes, what);
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

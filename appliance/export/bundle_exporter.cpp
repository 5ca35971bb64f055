#include "appliance/export/bundle_exporter.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "appliance/export/bag_layout.h"
#include "appliance/export/bundle_verifier.h"
#include "appliance/export/cms_envelope_sink.h"
#include "appliance/export/tar_writer.h"
#include "crypto/hash.h"
#include "storage/env.h"

namespace qoima::exporting {
namespace {

constexpr size_t kReadBackChunk = 1 << 20;

// Counts what passes to the file and, for encrypted bundles, hashes it so the
// read-back can compare (plain bundles are checked by full verification).
class DigestSink : public ByteSink {
 public:
  DigestSink(ByteSink* next, bool hash, const ExportProgressFn* progress, uint64_t payload_bytes)
      : next_(next), hash_(hash), progress_(progress), payload_bytes_(payload_bytes) {}
  Status Write(std::span<const uint8_t> data) override {
    if (hash_) d_.Update(data);
    bytes_ += data.size();
    QOIMA_RETURN_IF_ERROR(next_->Write(data));
    if (*progress_) (*progress_)(ExportProgress{bytes_, payload_bytes_, false});
    return Status::Ok();
  }
  Status Close() override { return Status::Ok(); }
  std::string Hex() { return crypto::Hex(d_.Finish()); }
  uint64_t bytes() const { return bytes_; }

 private:
  ByteSink* next_;
  bool hash_;
  const ExportProgressFn* progress_;
  uint64_t payload_bytes_;
  crypto::Sha256 d_;
  uint64_t bytes_ = 0;
};

// Tells a concurrent read-back how far the bundle has been written: each
// Write() is published after the target's sink took it (the bytes are then
// in the file), Finish() says no more will come.
class ProgressSink : public ByteSink {
 public:
  explicit ProgressSink(ByteSink* next) : next_(next) {}
  Status Write(std::span<const uint8_t> data) override {
    QOIMA_RETURN_IF_ERROR(next_->Write(data));
    {
      std::lock_guard<std::mutex> l(m_);
      written_ += data.size();
    }
    cv_.notify_all();
    return Status::Ok();
  }
  Status Close() override { return Status::Ok(); }
  void Finish() {
    {
      std::lock_guard<std::mutex> l(m_);
      done_ = true;
    }
    cv_.notify_all();
  }
  /// VerifyOptions::wait_for_more.
  bool WaitBeyond(uint64_t offset) {
    std::unique_lock<std::mutex> l(m_);
    cv_.wait(l, [&] { return written_ > offset || done_; });
    return written_ > offset;
  }

 private:
  ByteSink* next_;
  std::mutex m_;
  std::condition_variable cv_;
  uint64_t written_ = 0;
  bool done_ = false;
};

// The read-back verification of a plain bundle on its own thread, reading
// the target's file as it grows. Destroying it ends the wait and joins.
class ConcurrentReadBack {
 public:
  ConcurrentReadBack(UniqueFd fd, std::string name, VerifyOptions options, ProgressSink* progress)
      : progress_(progress), options_(std::move(options)) {
    options_.wait_for_more = [progress](uint64_t offset) { return progress->WaitBeyond(offset); };
    thread_ = std::thread([this, fd = std::move(fd), name = std::move(name)]() mutable {
      result_.emplace(VerifyBundleFd(std::move(fd), name, options_));
    });
  }
  ~ConcurrentReadBack() {
    progress_->Finish();
    if (thread_.joinable()) thread_.join();
  }
  /// The verification's result (after the writer finished: Finish() first).
  Result<VerifyReport> Join() {
    progress_->Finish();
    if (thread_.joinable()) thread_.join();
    if (!result_) return Status::Internal("the read-back thread produced no result");
    return std::move(*result_);
  }

 private:
  ProgressSink* progress_;
  VerifyOptions options_;
  std::optional<Result<VerifyReport>> result_;
  std::thread thread_;
};

Result<std::string> HashStream(UniqueFd fd, const std::string& name, uint64_t* bytes) {
  crypto::Sha256 d;
  std::vector<uint8_t> buf(kReadBackChunk);
  *bytes = 0;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, "read back " + name);
    if (n == 0) break;
    d.Update({buf.data(), static_cast<size_t>(n)});
    *bytes += static_cast<uint64_t>(n);
  }
  return crypto::Hex(d.Finish());
}

}  // namespace

Result<uint64_t> FileExportCounter::Next() {
  uint64_t last = 0;
  {
    UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd) {
      char buf[32] = {};
      ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
      if (n < 0) return Status::FromErrno(errno, "read export counter " + path_);
      char* end = nullptr;
      last = std::strtoull(buf, &end, 10);
      if (end == buf || (*end != '\n' && *end != '\0'))
        return Status::Corrupt("export counter " + path_ + " does not hold a number");
    } else if (errno != ENOENT) {
      return Status::FromErrno(errno, "open export counter " + path_);
    }
  }
  uint64_t next = last + 1;
  std::string tmp = path_ + ".tmp";
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) return Status::FromErrno(errno, "write export counter " + tmp);
    std::string s = std::to_string(next) + "\n";
    if (::write(fd.get(), s.data(), s.size()) != static_cast<ssize_t>(s.size()) || ::fsync(fd.get()) != 0)
      return Status::FromErrno(errno, "write export counter " + tmp);
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0) return Status::FromErrno(errno, "rename export counter " + path_);
  QOIMA_RETURN_IF_ERROR(storage::Env::Default().SyncDir(storage::ParentDir(path_)));
  return next;
}

Result<std::string> NewExportId() {
  uint8_t b[16];
  size_t got = 0;
  while (got < sizeof b) {
    ssize_t n = getrandom(b + got, sizeof b - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, "getrandom");
    got += static_cast<size_t>(n);
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  std::string h = crypto::Hex(std::span<const uint8_t>(b, sizeof b));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

BundleExporter::BundleExporter(crypto::Signer* signer, ExportAuditLog* audit, ExportCounter* counter, Clock clock)
    : signer_(signer), audit_(audit), counter_(counter), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return static_cast<int64_t>(::time(nullptr)); };
}

Result<ExportReceipt> BundleExporter::Export(PayloadSource& source, const ExportRequest& req) {
  QOIMA_RETURN_IF_ERROR(CheckApproval(req.approval));
  FileExportTarget file_target(req.output_path);
  ExportTarget* target = req.target ? req.target : &file_target;
  QOIMA_RETURN_IF_ERROR(target->Check());
  BundleIdentity id;
  QOIMA_ASSIGN_OR_RETURN(id.export_id, NewExportId());
  QOIMA_ASSIGN_OR_RETURN(id.sequence, counter_->Next());
  id.time = clock_();
  auto r = WriteAndVerify(source, req, id, target);
  if (!r.ok()) {
    target->Discard();
    return r.status().WithContext("export " + id.export_id + " (sequence " + std::to_string(id.sequence) + ") to " +
                                  target->Describe());
  }
  return r;
}

Result<ExportReceipt> BundleExporter::WriteAndVerify(PayloadSource& source, const ExportRequest& req,
                                                     const BundleIdentity& id, ExportTarget* target) {
  ExportReceipt rc;
  rc.export_id = id.export_id;
  rc.sequence = id.sequence;
  rc.encrypted = req.recipient_cert_pem.has_value();
  QOIMA_ASSIGN_OR_RETURN(ByteSink * target_sink,
                         target->Begin(BagDirName(id.sequence) + (rc.encrypted ? ".tar.p7m" : ".tar")));
  rc.output_path = target->Describe();
  // A plain bundle on a target that can be read while written is read back
  // and verified as it is written (the disk and the second core work while
  // the bag is still being hashed); otherwise after Commit().
  ProgressSink progress(target_sink);
  std::unique_ptr<ConcurrentReadBack> concurrent;
  VerifyOptions vo;
  vo.trusted_cert_pem = signer_->CertificatePem();
  vo.check_payload_sha512 = false;
  if (!rc.encrypted && target->ReadBackWhileWriting()) {
    QOIMA_ASSIGN_OR_RETURN(UniqueFd back, target->OpenReadBack());
    concurrent = std::make_unique<ConcurrentReadBack>(std::move(back), target->Describe(), vo, &progress);
  }
  uint64_t payload_bytes = 0;
  for (const PayloadEntry& e : source.entries()) payload_bytes += e.size;
  DigestSink digest(&progress, rc.encrypted, &req.progress, payload_bytes);
  std::unique_ptr<CmsEnvelopeSink> cms;
  ByteSink* tar_out = &digest;
  std::string encrypted_for;
  if (rc.encrypted) {
    QOIMA_ASSIGN_OR_RETURN(cms, CmsEnvelopeSink::Create(&digest, *req.recipient_cert_pem));
    encrypted_for = cms->recipient_fingerprint();
    tar_out = cms.get();
  }
  QOIMA_ASSIGN_OR_RETURN(auto tar, TarWriter::Open(tar_out));
  BagWriter bag(signer_, audit_);
  QOIMA_ASSIGN_OR_RETURN(rc.bag, bag.Write(source, req.approval, id, encrypted_for, tar.get()));
  QOIMA_RETURN_IF_ERROR(tar->Close());
  if (cms) QOIMA_RETURN_IF_ERROR(cms->Close());
  QOIMA_RETURN_IF_ERROR(target->Commit());
  const std::string written_sha = rc.encrypted ? digest.Hex() : "";
  rc.bundle_bytes = digest.bytes();
  if (req.progress) req.progress(ExportProgress{rc.bundle_bytes, payload_bytes, true});

  // Read back from the target and check before reporting success: a plain
  // bundle gets the full verification against the device certificate (which
  // also hashes the bytes); an encrypted one, which the appliance cannot
  // open, must read back bit-identical.
  if (!rc.encrypted) {
    auto read_back = [&]() -> Result<VerifyReport> {
      if (concurrent) return concurrent->Join();
      QOIMA_ASSIGN_OR_RETURN(UniqueFd back, target->OpenReadBack());
      return VerifyBundleFd(std::move(back), target->Describe(), vo);
    };
    QOIMA_ASSIGN_OR_RETURN(VerifyReport report, read_back());
    if (!report.ok())
      return Status::Corrupt("read-back verification of " + target->Describe() +
                             " failed: " + report.problems.front().message + " (" +
                             std::to_string(report.problems.size()) + " problems)");
    QOIMA_RETURN_IF_ERROR(target->FinishReadBack());
    rc.bundle_sha256 = report.bundle_sha256;
  } else {
    uint64_t bytes = 0;
    QOIMA_ASSIGN_OR_RETURN(UniqueFd back, target->OpenReadBack());
    QOIMA_ASSIGN_OR_RETURN(rc.bundle_sha256, HashStream(std::move(back), target->Describe(), &bytes));
    if (bytes != digest.bytes() || rc.bundle_sha256 != written_sha)
      return Status::Corrupt("read-back of " + target->Describe() + " differs from what was written (" +
                             std::to_string(bytes) + " of " + std::to_string(digest.bytes()) + " bytes, SHA-256 " +
                             rc.bundle_sha256.substr(0, 16) + "... vs " + written_sha.substr(0, 16) + "...)");
    QOIMA_RETURN_IF_ERROR(target->FinishReadBack());
  }
  return rc;
}

}  // namespace qoima::exporting

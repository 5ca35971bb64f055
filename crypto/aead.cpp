#include "crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "crypto/kdf.h"

namespace qoima::crypto {
namespace {

constexpr std::string_view kSubkeyInfo{"qoima object v1\0", 16};

void PutU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
uint32_t GetU32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

/// AES-256-GCM fetched from the provider once: EVP_aes_256_gcm() makes
/// every EVP_*Init_ex look the implementation up again (once per object).
const EVP_CIPHER* Aes256Gcm() {
  struct Free {
    void operator()(EVP_CIPHER* c) const { EVP_CIPHER_free(c); }
  };
  static const std::unique_ptr<EVP_CIPHER, Free> cipher(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  if (!cipher) throw std::runtime_error("OpenSSL has no AES-256-GCM");
  return cipher.get();
}

/// Cipher contexts kept for the next object: a fresh EVP_CIPHER_CTX and its
/// AES-GCM provider context per object were two allocations and a fetch.
/// A context is re-keyed (only the key: the cipher stays set up) for each
/// object, and re-keyed with an all-zero key when it is given back, so no
/// object's subkey schedule outlives its sealer or opener. Per thread.
thread_local bool cipher_ctx_pool_gone = false;  // trivially destroyed: readable to the end

class CipherCtxPool {
 public:
  ~CipherCtxPool() {
    for (EVP_CIPHER_CTX* c : free_) EVP_CIPHER_CTX_free(c);
    cipher_ctx_pool_gone = true;
  }
  EVP_CIPHER_CTX* Take() {
    if (!free_.empty()) {
      EVP_CIPHER_CTX* c = free_.back();
      free_.pop_back();
      return c;
    }
    EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
    if (c != nullptr && EVP_EncryptInit_ex(c, Aes256Gcm(), nullptr, nullptr, nullptr) != 1) {
      EVP_CIPHER_CTX_free(c);
      return nullptr;
    }
    return c;
  }
  void Give(EVP_CIPHER_CTX* c) {
    static const uint8_t kZeroKey[32] = {};
    if (free_.size() < kKept && EVP_EncryptInit_ex(c, nullptr, nullptr, kZeroKey, nullptr) == 1) {
      free_.push_back(c);
    } else {
      EVP_CIPHER_CTX_free(c);  // cleanses the key schedule
    }
  }

 private:
  static constexpr size_t kKept = 4;
  std::vector<EVP_CIPHER_CTX*> free_;
};
CipherCtxPool& ThreadCipherCtxPool() {
  thread_local CipherCtxPool pool;
  return pool;
}

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const {
    // A sealer destroyed after its thread's pool (a static one) frees its own.
    if (cipher_ctx_pool_gone) {
      EVP_CIPHER_CTX_free(c);
    } else {
      ThreadCipherCtxPool().Give(c);
    }
  }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

/// Salts and nonce prefixes come from OpenSSL's DRBG a kilobyte at a time:
/// each RAND_bytes call takes the DRBG's locks and a getpid() (its fork
/// check), ~2 us of the time a small file costs. The pool is per thread;
/// a forked child empties it (pthread_atfork) before it could hand out
/// bytes its parent hands out too. Its bytes are not secret (salts and
/// nonce prefixes are written into the headers), they are only never reused:
/// each is wiped from the pool as it is taken.
struct RandomPool {
  uint8_t bytes[1024];
  size_t used = sizeof bytes;
};
thread_local RandomPool random_pool;

void EmptyRandomPoolInChild() {
  OPENSSL_cleanse(random_pool.bytes, sizeof random_pool.bytes);
  random_pool.used = sizeof random_pool.bytes;
}

bool PooledRandom(uint8_t* out, size_t n) {
  static std::once_flag at_fork;
  std::call_once(at_fork, [] { pthread_atfork(nullptr, nullptr, EmptyRandomPoolInChild); });
  RandomPool& p = random_pool;
  if (n > sizeof p.bytes) return RAND_bytes(out, static_cast<int>(n)) == 1;
  if (sizeof p.bytes - p.used < n) {
    if (RAND_bytes(p.bytes, sizeof p.bytes) != 1) return false;
    p.used = 0;
  }
  std::memcpy(out, p.bytes + p.used, n);
  OPENSSL_cleanse(p.bytes + p.used, n);
  p.used += n;
  return true;
}

// State shared by sealer and opener: the per-object subkey in an initialised
// cipher context, the nonce prefix and the associated data.
struct ChunkCipher {
  CipherCtx ctx;
  uint8_t header[AeadFormat::kHeaderSize] = {};
  std::vector<uint8_t> aad;  // header || object id
  uint32_t chunk_size = 0;
  uint64_t index = 0;

  // Derives the subkey from the parsed/created header and sets up ctx.
  Status Init(const SecretBytes& data_key, std::string_view object_id, bool encrypt) {
    std::vector<uint8_t> info(kSubkeyInfo.begin(), kSubkeyInfo.end());
    info.insert(info.end(), object_id.begin(), object_id.end());
    aad.assign(header, header + AeadFormat::kHeaderSize);
    aad.insert(aad.end(), object_id.begin(), object_id.end());
    if (!ctx) ctx.reset(cipher_ctx_pool_gone ? nullptr : ThreadCipherCtxPool().Take());
    if (!ctx) return Status::Internal("out of memory for a cipher context");
    // The subkey lives on the stack only until the cipher context has taken
    // it (whose key schedule is in OpenSSL's own, unlocked, memory anyway):
    // a locked allocation per object cost two syscalls per stored file.
    uint8_t subkey[32];
    HkdfSha256Into(data_key.span(), {header + 16, AeadFormat::kSaltSize}, info, subkey);
    int ok = encrypt ? EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, subkey, nullptr)
                     : EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, subkey, nullptr);
    OPENSSL_cleanse(subkey, sizeof subkey);
    if (ok != 1) return Status::Internal("OpenSSL refused AES-256-GCM");
    return Status::Ok();
  }

  void Nonce(bool final, uint8_t nonce[12]) const {
    std::memcpy(nonce, header + 32, AeadFormat::kNoncePrefixSize);
    PutU32(nonce + 7, static_cast<uint32_t>(index));
    nonce[11] = final ? 1 : 0;
  }
};

Status CheckObjectId(std::string_view object_id) {
  if (object_id.size() > AeadFormat::kMaxObjectIdSize)
    return Status::InvalidArgument("object id of " + std::to_string(object_id.size()) + " bytes exceeds the limit of " +
                                   std::to_string(AeadFormat::kMaxObjectIdSize));
  return Status::Ok();
}

}  // namespace

uint64_t AeadFormat::CiphertextSize(uint64_t plaintext_size, uint32_t chunk_size) {
  uint64_t chunks = plaintext_size == 0 ? 1 : (plaintext_size + chunk_size - 1) / chunk_size;
  return kHeaderSize + plaintext_size + chunks * kTagSize;
}

DataKey DataKey::Generate() { return DataKey(SecretBytes::Random(kSize)); }

// ---------------------------------------------------------------- sealer

struct AeadSealer::Impl {
  ChunkCipher cipher;
  std::vector<uint8_t> plain;  // pending plaintext, < one chunk (or exactly one)
  std::vector<uint8_t> out;    // one record
};

AeadSealer::AeadSealer(std::unique_ptr<Impl> impl, ByteSink sink) : impl_(std::move(impl)), sink_(std::move(sink)) {}
AeadSealer::~AeadSealer() = default;

Result<std::unique_ptr<AeadSealer>> AeadSealer::Create(const DataKey& key, std::string_view object_id, ByteSink sink,
                                                       uint32_t chunk_size) {
  QOIMA_RETURN_IF_ERROR(CheckObjectId(object_id));
  if (chunk_size < AeadFormat::kMinChunkSize || chunk_size > AeadFormat::kMaxChunkSize)
    return Status::InvalidArgument("AEAD chunk size " + std::to_string(chunk_size) + " outside " +
                                   std::to_string(AeadFormat::kMinChunkSize) + ".." +
                                   std::to_string(AeadFormat::kMaxChunkSize));
  if (key.key_.size() != DataKey::kSize) return Status::InvalidArgument("data key is empty (moved from?)");
  auto impl = std::make_unique<Impl>();
  uint8_t* h = impl->cipher.header;
  std::memcpy(h, AeadFormat::kMagic, 8);
  h[8] = AeadFormat::kVersion;
  h[9] = AeadFormat::kAlgAes256GcmHkdfSha256;
  PutU32(h + 12, chunk_size);
  if (!PooledRandom(h + 16, AeadFormat::kSaltSize + AeadFormat::kNoncePrefixSize))
    return Status::Internal("the OpenSSL random generator failed");
  impl->cipher.chunk_size = chunk_size;
  QOIMA_RETURN_IF_ERROR(impl->cipher.Init(key.key_, object_id, /*encrypt=*/true));
  // plain and out grow with the object (up to one chunk): a small file
  // costs a small buffer, not 128 KiB of allocation and zeroing.
  std::unique_ptr<AeadSealer> sealer(new AeadSealer(std::move(impl), std::move(sink)));
  Status st = sealer->sink_({sealer->impl_->cipher.header, AeadFormat::kHeaderSize});
  if (!st.ok()) return st.WithContext("write object header");
  sealer->ciphertext_bytes_ = AeadFormat::kHeaderSize;
  return sealer;
}

Status AeadSealer::SealChunk(std::span<const uint8_t> plain, bool final) {
  ChunkCipher& c = impl_->cipher;
  if (c.index > AeadFormat::kMaxChunks) return Status::LimitExceeded("object exceeds 2^32 chunks");
  uint8_t nonce[12];
  c.Nonce(final, nonce);
  EVP_CIPHER_CTX* ctx = c.ctx.get();
  int len = 0;
  bool ok = EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) == 1 &&
            EVP_EncryptUpdate(ctx, nullptr, &len, c.aad.data(), static_cast<int>(c.aad.size())) == 1;
  size_t n = plain.size();
  if (impl_->out.size() < n + AeadFormat::kTagSize) impl_->out.resize(n + AeadFormat::kTagSize);
  uint8_t* out = impl_->out.data();
  if (ok && n) ok = EVP_EncryptUpdate(ctx, out, &len, plain.data(), static_cast<int>(n)) == 1;
  int fin = 0;
  ok = ok && EVP_EncryptFinal_ex(ctx, out + n, &fin) == 1 &&
       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, AeadFormat::kTagSize, out + n) == 1;
  if (!ok) return Status::Internal("AES-256-GCM encryption failed");
  Status st = sink_({out, n + AeadFormat::kTagSize});
  if (!st.ok()) return st.WithContext("write sealed chunk " + std::to_string(c.index));
  ciphertext_bytes_ += n + AeadFormat::kTagSize;
  ++c.index;
  return Status::Ok();
}

Status AeadSealer::Update(std::span<const uint8_t> plaintext) {
  if (finished_) return Status::Internal("AeadSealer::Update after Finish");
  if (failed_) return Status::FailedPrecondition("sealer failed earlier");
  const size_t chunk = impl_->cipher.chunk_size;
  while (!plaintext.empty()) {
    // A full pending chunk is sealed only once more data shows it is not the last.
    if (impl_->plain.size() == chunk) {
      Status st = SealChunk(impl_->plain, false);
      impl_->plain.clear();
      if (!st.ok()) {
        failed_ = true;
        return st;
      }
    }
    // Fast path: whole chunks straight from the caller's buffer, no copy.
    if (impl_->plain.empty() && plaintext.size() > chunk) {
      Status st = SealChunk(plaintext.first(chunk), false);
      if (!st.ok()) {
        failed_ = true;
        return st;
      }
      plaintext = plaintext.subspan(chunk);
      plaintext_bytes_ += chunk;
      continue;
    }
    size_t take = std::min(chunk - impl_->plain.size(), plaintext.size());
    impl_->plain.insert(impl_->plain.end(), plaintext.begin(), plaintext.begin() + static_cast<ptrdiff_t>(take));
    plaintext = plaintext.subspan(take);
    plaintext_bytes_ += take;
  }
  return Status::Ok();
}

Status AeadSealer::Finish() {
  if (finished_) return Status::Internal("AeadSealer::Finish called twice");
  if (failed_) return Status::FailedPrecondition("sealer failed earlier");
  finished_ = true;
  Status st = SealChunk(impl_->plain, true);
  impl_->plain.clear();
  return st;
}

// ---------------------------------------------------------------- opener

struct AeadOpener::Impl {
  ChunkCipher cipher;
  SecretBytes data_key;
  std::string object_id;
  size_t header_have = 0;
  bool header_done = false;
  std::vector<uint8_t> record;  // buffered ciphertext record (<= chunk + tag)
  std::vector<uint8_t> plain;
  uint64_t record_offset = AeadFormat::kHeaderSize;  // file offset of `record`
};

AeadOpener::AeadOpener(std::unique_ptr<Impl> impl, ByteSink sink) : impl_(std::move(impl)), sink_(std::move(sink)) {}
AeadOpener::~AeadOpener() = default;

Result<std::unique_ptr<AeadOpener>> AeadOpener::Create(const DataKey& key, std::string_view object_id, ByteSink sink) {
  QOIMA_RETURN_IF_ERROR(CheckObjectId(object_id));
  if (key.key_.size() != DataKey::kSize) return Status::InvalidArgument("data key is empty (moved from?)");
  auto impl = std::make_unique<Impl>();
  impl->data_key = key.key_.Clone();
  impl->object_id = std::string(object_id);
  return std::unique_ptr<AeadOpener>(new AeadOpener(std::move(impl), std::move(sink)));
}

namespace {
Status ParseHeader(const uint8_t* h) {
  if (std::memcmp(h, AeadFormat::kMagic, 8) != 0)
    return Status::Corrupt("object header at offset 0: magic is not QOIMAOBJ");
  if (h[8] != AeadFormat::kVersion)
    return Status::Unsupported("object header at offset 8: version " + std::to_string(h[8]) + " (expected 1)");
  if (h[9] != AeadFormat::kAlgAes256GcmHkdfSha256)
    return Status::Unsupported("object header at offset 9: algorithm " + std::to_string(h[9]) + " (expected 1)");
  if (h[10] != 0 || h[11] != 0 || h[39] != 0) return Status::Corrupt("object header: reserved bytes are not zero");
  uint32_t chunk = GetU32(h + 12);
  if (chunk < AeadFormat::kMinChunkSize || chunk > AeadFormat::kMaxChunkSize)
    return Status::Corrupt("object header at offset 12: chunk size " + std::to_string(chunk) + " outside " +
                           std::to_string(AeadFormat::kMinChunkSize) + ".." +
                           std::to_string(AeadFormat::kMaxChunkSize));
  return Status::Ok();
}
}  // namespace

Status AeadOpener::OpenChunk(std::span<const uint8_t> rec, bool final) {
  ChunkCipher& c = impl_->cipher;
  auto where = [&] {
    return "chunk " + std::to_string(c.index) + " at offset " + std::to_string(impl_->record_offset);
  };
  if (rec.size() < AeadFormat::kTagSize)
    return Status::Corrupt("object truncated: " + where() + " holds " + std::to_string(rec.size()) +
                           " bytes, less than a tag");
  if (c.index > AeadFormat::kMaxChunks) return Status::LimitExceeded("object exceeds 2^32 chunks");
  size_t n = rec.size() - AeadFormat::kTagSize;
  uint8_t nonce[12];
  c.Nonce(final, nonce);
  EVP_CIPHER_CTX* ctx = c.ctx.get();
  int len = 0;
  impl_->plain.resize(std::max<size_t>(n, 1));
  bool ok = EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) == 1 &&
            EVP_DecryptUpdate(ctx, nullptr, &len, c.aad.data(), static_cast<int>(c.aad.size())) == 1;
  if (ok && n) ok = EVP_DecryptUpdate(ctx, impl_->plain.data(), &len, rec.data(), static_cast<int>(n)) == 1;
  uint8_t tag[AeadFormat::kTagSize];
  std::memcpy(tag, rec.data() + n, sizeof tag);
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, sizeof tag, tag) == 1;
  int fin = 0;
  if (!ok) return Status::Internal("AES-256-GCM decryption setup failed");
  if (EVP_DecryptFinal_ex(ctx, impl_->plain.data() + n, &fin) != 1)
    return Status::Corrupt(where() + " does not authenticate" +
                           (final ? std::string(" as the final chunk") : std::string()) +
                           ": wrong key or object id, or the object was damaged, truncated, reordered or spliced");
  Status st = sink_({impl_->plain.data(), n});
  if (!st.ok()) return st.WithContext("write opened " + where());
  plaintext_bytes_ += n;
  impl_->record_offset += rec.size();
  ++c.index;
  return Status::Ok();
}

Status AeadOpener::Update(std::span<const uint8_t> ciphertext) {
  if (finished_) return Status::Internal("AeadOpener::Update after Finish");
  if (!error_.ok()) return error_;
  Impl& im = *impl_;
  while (!ciphertext.empty()) {
    if (!im.header_done) {
      size_t take = std::min(AeadFormat::kHeaderSize - im.header_have, ciphertext.size());
      std::memcpy(im.cipher.header + im.header_have, ciphertext.data(), take);
      im.header_have += take;
      ciphertext = ciphertext.subspan(take);
      if (im.header_have < AeadFormat::kHeaderSize) break;
      error_ = ParseHeader(im.cipher.header);
      if (error_.ok()) {
        im.cipher.chunk_size = GetU32(im.cipher.header + 12);
        error_ = im.cipher.Init(im.data_key, im.object_id, /*encrypt=*/false);
      }
      if (!error_.ok()) return error_;
      im.record.reserve(im.cipher.chunk_size + AeadFormat::kTagSize);
      im.header_done = true;
      continue;
    }
    const size_t record_size = im.cipher.chunk_size + AeadFormat::kTagSize;
    // A full record is opened as non-final only once more bytes follow it.
    if (im.record.size() == record_size) {
      error_ = OpenChunk(im.record, false);
      im.record.clear();
      if (!error_.ok()) return error_;
    }
    // Fast path: whole records straight from the caller's buffer, no copy.
    if (im.record.empty() && ciphertext.size() > record_size) {
      error_ = OpenChunk(ciphertext.first(record_size), false);
      if (!error_.ok()) return error_;
      ciphertext = ciphertext.subspan(record_size);
      continue;
    }
    size_t take = std::min(record_size - im.record.size(), ciphertext.size());
    im.record.insert(im.record.end(), ciphertext.begin(), ciphertext.begin() + static_cast<ptrdiff_t>(take));
    ciphertext = ciphertext.subspan(take);
  }
  return Status::Ok();
}

Status AeadOpener::Finish() {
  if (finished_) return Status::Internal("AeadOpener::Finish called twice");
  if (!error_.ok()) return error_;
  finished_ = true;
  if (!impl_->header_done)
    return Status::Corrupt("object truncated: header holds " + std::to_string(impl_->header_have) + " of " +
                           std::to_string(AeadFormat::kHeaderSize) + " bytes");
  Status st = OpenChunk(impl_->record, true);
  impl_->record.clear();
  return st;
}

// ---------------------------------------------------------------- one-shot

Result<std::vector<uint8_t>> SealBytes(const DataKey& key, std::string_view object_id,
                                       std::span<const uint8_t> plaintext, uint32_t chunk_size) {
  std::vector<uint8_t> out;
  out.reserve(AeadFormat::CiphertextSize(plaintext.size(), std::max(chunk_size, AeadFormat::kMinChunkSize)));
  auto sink = [&out](std::span<const uint8_t> b) {
    out.insert(out.end(), b.begin(), b.end());
    return Status::Ok();
  };
  QOIMA_ASSIGN_OR_RETURN(auto sealer, AeadSealer::Create(key, object_id, sink, chunk_size));
  QOIMA_RETURN_IF_ERROR(sealer->Update(plaintext));
  QOIMA_RETURN_IF_ERROR(sealer->Finish());
  return out;
}

Result<std::vector<uint8_t>> OpenBytes(const DataKey& key, std::string_view object_id,
                                       std::span<const uint8_t> ciphertext) {
  std::vector<uint8_t> out;
  auto sink = [&out](std::span<const uint8_t> b) {
    out.insert(out.end(), b.begin(), b.end());
    return Status::Ok();
  };
  QOIMA_ASSIGN_OR_RETURN(auto opener, AeadOpener::Create(key, object_id, sink));
  QOIMA_RETURN_IF_ERROR(opener->Update(ciphertext));
  QOIMA_RETURN_IF_ERROR(opener->Finish());
  return out;
}

}  // namespace qoima::crypto

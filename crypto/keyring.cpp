#include "crypto/keyring.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "crypto/kdf.h"
#include "crypto/keyring_internal.h"
#include "crypto/openssl_util.h"
#include "crypto/recovery.h"
#include "crypto/signed_pcr_policy.h"
#include "crypto/tpm_nv_counter.h"
#include "crypto/tpm_ops.h"
#include "crypto/tpm_signer.h"

namespace qoima::crypto {

namespace internal {

SecretBytes DeriveKey(const SecretBytes& master, std::string_view label) {
  return HkdfSha256(master.span(), AsBytes("qoima keyring v1"), AsBytes(label), 32);
}

std::string KeyCheck(const SecretBytes& master) {
  SecretBytes k = DeriveKey(master, "key-check");
  return Hex(std::span<const uint8_t>(k.data(), 4));
}

Result<KeyringMeta> InstallMasterKey(const std::string& tcti, const std::string& state_dir, const SecretBytes& master,
                                     KeyringMeta meta, std::string* cert_pem, const std::string& policy_key_pem) {
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<TpmContext> tpm, TpmContext::Open(tcti));
  QOIMA_ASSIGN_OR_RETURN(TpmObject srk, tpm::CreateSrk(*tpm));
  tpm::ObjectBlob sealed;
  if (meta.pcr_policy_key.empty()) {
    QOIMA_ASSIGN_OR_RETURN(sealed, tpm::Seal(*tpm, srk, master, tpm::PcrSelection(meta.pcrs)));
  } else {
    QOIMA_ASSIGN_OR_RETURN(std::string fp, PolicyKeyFingerprint(policy_key_pem));
    if (fp != meta.pcr_policy_key)
      return Status::Corrupt("the update-signing key " + fp + " is not the one in keyring.meta (" +
                             meta.pcr_policy_key + ")");
    QOIMA_ASSIGN_OR_RETURN(TPM2B_PUBLIC key, PolicyKeyPublic(policy_key_pem));
    QOIMA_ASSIGN_OR_RETURN(std::vector<uint8_t> key_name, PolicyKeyName(*tpm, key));
    QOIMA_ASSIGN_OR_RETURN(sealed, SealAuthorized(*tpm, srk, master, key_name, tpm::PcrSelection(meta.pcrs)));
  }
  SecretBytes auth = DeriveKey(master, "signing-key-auth");
  QOIMA_ASSIGN_OR_RETURN(tpm::ObjectBlob signing, tpm::CreateSigningKey(*tpm, srk, auth));
  QOIMA_ASSIGN_OR_RETURN(TpmObject key, tpm::Load(*tpm, srk, signing));
  srk.reset();
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<TpmSigner> signer,
                         TpmSigner::Create(*tpm, std::move(key), signing.pub, std::move(auth)));
  QOIMA_ASSIGN_OR_RETURN(std::string cert, signer->MakeCertificate(meta.device_name));
  meta.key_check = KeyCheck(master);
  meta.fingerprint = signer->Fingerprint();
  signer.reset();  // flush the key before the context goes

  auto as_view = [](const std::vector<uint8_t>& v) {
    return std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
  };
  const std::string dir = state_dir + "/";
  QOIMA_RETURN_IF_ERROR(WriteFileAtomic(dir + kSealedFile, as_view(EncodeKeyBlob(KeyBlobKind::kSealedMaster, sealed))));
  QOIMA_RETURN_IF_ERROR(WriteFileAtomic(dir + kSigningFile, as_view(EncodeKeyBlob(KeyBlobKind::kSigningKey, signing))));
  QOIMA_RETURN_IF_ERROR(WriteFileAtomic(dir + kCertFile, cert, 0644));
  if (!meta.pcr_policy_key.empty()) QOIMA_RETURN_IF_ERROR(WriteFileAtomic(dir + kPolicyKeyFile, policy_key_pem, 0644));
  QOIMA_RETURN_IF_ERROR(WriteFileAtomic(dir + kMetaFile, meta.Encode()));
  if (cert_pem) *cert_pem = std::move(cert);
  return meta;
}

}  // namespace internal

using internal::DeriveKey;

struct Keyring::Impl {
  std::unique_ptr<TpmContext> tpm;
  std::unique_ptr<TpmSigner> signer;      // after tpm: destroyed (flushed) first
  std::unique_ptr<TpmNvCounter> counter;  // after tpm: borrows it
  SecretBytes master;
  SecretBytes wrap_key;
  SecretBytes name_key;
  KeyringMeta meta;
  std::string dir;  // the state directory, with a trailing '/'
};

Keyring::Keyring(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Keyring::~Keyring() = default;

namespace {

Status ValidateOptions(const ProvisionOptions& o) {
  for (int p : o.pcrs)
    if (p < 0 || p > 23) return Status::InvalidArgument("PCR index " + std::to_string(p) + " is not in 0..23");
  std::vector<int> sorted = o.pcrs;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return Status::InvalidArgument("a PCR index is listed twice");
  if (o.threshold < 2 || o.threshold > o.shares || o.shares > 16)
    return Status::InvalidArgument("recovery shares " + std::to_string(o.threshold) + " of " +
                                   std::to_string(o.shares) + ": need 2 <= threshold <= shares <= 16");
  if (!o.pcr_policy_key_pem.empty() && o.pcrs.empty())
    return Status::InvalidArgument("a signed PCR policy (update-signing key) needs the PCRs it signs, e.g. 11");
  if (o.device_name.empty() || o.device_name.size() > KeyringMeta::kMaxDeviceName ||
      o.device_name.find('\n') != std::string::npos)
    return Status::InvalidArgument("device name must be 1.." + std::to_string(KeyringMeta::kMaxDeviceName) +
                                   " characters on one line");
  return Status::Ok();
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string PcrList(const std::vector<int>& pcrs) {
  std::string s;
  for (int p : pcrs) {
    if (!s.empty()) s.push_back(',');
    s.append(std::to_string(p));
  }
  return s;
}

}  // namespace

Result<ProvisionResult> Keyring::Provision(const std::string& tcti, const std::string& state_dir,
                                           const ProvisionOptions& options) {
  QOIMA_RETURN_IF_ERROR(ValidateOptions(options));
  const std::string meta_path = state_dir + "/" + internal::kMetaFile;
  if (Exists(meta_path))
    return Status::AlreadyExists("keyring already provisioned in " + state_dir + " (" + internal::kMetaFile +
                                 " exists); use recovery to move it to a new TPM");
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return Status::IoError("create keyring directory " + state_dir + ": " + ec.message());
  ::chmod(state_dir.c_str(), 0700);

  SecretBytes master = SecretBytes::Random(internal::kMasterKeySize);
  KeyringMeta meta;
  meta.device_name = options.device_name;
  meta.pcrs = options.pcrs;
  std::sort(meta.pcrs.begin(), meta.pcrs.end());
  meta.threshold = options.threshold;
  meta.shares = options.shares;
  if (!options.pcr_policy_key_pem.empty()) {
    QOIMA_RETURN_IF_ERROR(PolicyKeyPublic(options.pcr_policy_key_pem).status());
    QOIMA_ASSIGN_OR_RETURN(meta.pcr_policy_key, PolicyKeyFingerprint(options.pcr_policy_key_pem));
  }

  ProvisionResult result;
  // Shares first: if splitting fails nothing has touched the TPM or the disk.
  QOIMA_ASSIGN_OR_RETURN(result.recovery_shares, SplitSecret(master, options.threshold, options.shares));
  auto installed =
      internal::InstallMasterKey(tcti, state_dir, master, meta, &result.certificate_pem, options.pcr_policy_key_pem);
  if (!installed.ok()) {
    for (const char* f : {internal::kMetaFile, internal::kSealedFile, internal::kSigningFile, internal::kCertFile,
                          internal::kPolicyKeyFile}) {
      ::unlink((state_dir + "/" + f).c_str());
      ::unlink((state_dir + "/" + f + ".tmp").c_str());
    }
    return installed.status().WithContext("provision keyring in " + state_dir);
  }
  result.signing_key_fingerprint = installed->fingerprint;
  for (const auto& s : result.recovery_shares) result.recovery_qr_payloads.push_back(ShareQrPayload(s));
  if (meta.pcrs.empty() && meta.pcr_policy_key.empty())
    result.warning =
        "the master key is NOT bound to PCRs: it unseals on any boot of this TPM (acceptable for a demo, not for "
        "production)";
  return result;
}

Result<std::unique_ptr<Keyring>> Keyring::Open(const std::string& tcti, const std::string& state_dir) {
  return Open(tcti, state_dir, OpenOptions{});
}

namespace {

// Unseals a master key sealed under the update key's signed PCR policy, with
// the signature file of the running boot image.
Result<SecretBytes> UnsealWithSignedPolicy(TpmContext& tpm, const TpmObject& srk, const tpm::ObjectBlob& sealed,
                                           const KeyringMeta& meta, const std::string& dir,
                                           const std::string& signature_path) {
  QOIMA_ASSIGN_OR_RETURN(std::string pem, ReadSmallFile(dir + internal::kPolicyKeyFile, internal::kMaxPolicyKeySize));
  auto fp = PolicyKeyFingerprint(pem);
  if (!fp.ok() || *fp != meta.pcr_policy_key)
    return Status::Corrupt(dir + internal::kPolicyKeyFile + ": not the update-signing key named in " +
                           internal::kMetaFile);
  QOIMA_ASSIGN_OR_RETURN(TPM2B_PUBLIC key, PolicyKeyPublic(pem));
  auto text = ReadSmallFile(signature_path, SignedPcrPolicyFormat::kMaxFileSize);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound)
      return Status::PolicyMismatch("no signed PCR policy at " + signature_path +
                                    ": this system was not started from a signed qoima boot image");
    return text.status();
  }
  QOIMA_ASSIGN_OR_RETURN(std::vector<PcrPolicySignature> signatures, ParsePcrSignatures(*text, signature_path));
  return UnsealAuthorized(tpm, srk, sealed, key, meta.pcr_policy_key, signatures);
}

}  // namespace

Result<std::unique_ptr<Keyring>> Keyring::Open(const std::string& tcti, const std::string& state_dir,
                                               const OpenOptions& options) {
  const std::string dir = state_dir + "/";
  auto meta_text = ReadSmallFile(dir + internal::kMetaFile, KeyringMeta::kMaxFileSize);
  if (!meta_text.ok()) {
    if (meta_text.status().code() == Code::kNotFound)
      return Status::NotFound("no keyring in " + state_dir + " (" + internal::kMetaFile +
                              " missing): provision the appliance first");
    return meta_text.status();
  }
  QOIMA_ASSIGN_OR_RETURN(KeyringMeta meta, KeyringMeta::Decode(*meta_text, dir + internal::kMetaFile));

  auto read_blob = [&dir](const char* name, KeyBlobKind kind) -> Result<tpm::ObjectBlob> {
    QOIMA_ASSIGN_OR_RETURN(std::string bytes, ReadSmallFile(dir + name, KeyBlobFormat::kMaxFileSize));
    return DecodeKeyBlob(kind, {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, dir + name);
  };
  QOIMA_ASSIGN_OR_RETURN(tpm::ObjectBlob sealed, read_blob(internal::kSealedFile, KeyBlobKind::kSealedMaster));
  QOIMA_ASSIGN_OR_RETURN(tpm::ObjectBlob signing, read_blob(internal::kSigningFile, KeyBlobKind::kSigningKey));
  QOIMA_ASSIGN_OR_RETURN(std::string cert, ReadSmallFile(dir + internal::kCertFile, internal::kMaxCertSize));
  const TPML_PCR_SELECTION expected = tpm::PcrSelection(meta.pcrs);
  if (expected.count != sealed.pcrs.count ||
      (expected.count == 1 &&
       (sealed.pcrs.pcrSelections[0].hash != TPM2_ALG_SHA256 || sealed.pcrs.pcrSelections[0].sizeofSelect != 3 ||
        std::memcmp(expected.pcrSelections[0].pcrSelect, sealed.pcrs.pcrSelections[0].pcrSelect, 3) != 0)))
    return Status::Corrupt(dir + internal::kSealedFile + ": PCR selection disagrees with pcrs= in " +
                           internal::kMetaFile);

  auto impl = std::make_unique<Impl>();
  impl->meta = meta;
  impl->dir = dir;
  QOIMA_ASSIGN_OR_RETURN(impl->tpm, TpmContext::Open(tcti));
  QOIMA_ASSIGN_OR_RETURN(TpmObject srk, tpm::CreateSrk(*impl->tpm));
  auto master = meta.pcr_policy_key.empty()
                    ? tpm::Unseal(*impl->tpm, srk, sealed)
                    : UnsealWithSignedPolicy(*impl->tpm, srk, sealed, meta, dir, options.pcr_signature_path);
  if (!master.ok()) {
    Status st = master.status();
    if (st.code() == Code::kPolicyMismatch && !meta.pcr_policy_key.empty())
      return Status::PolicyMismatch("the system state changed since provisioning: " + st.message() +
                                    "; the TPM refuses to unseal the master key");
    if (st.code() == Code::kPolicyMismatch)
      return Status::PolicyMismatch("the system state changed since provisioning: PCRs " + PcrList(meta.pcrs) +
                                    " differ, so the TPM refuses to unseal the master key (" + st.message() + ")");
    if (st.code() == Code::kCorrupt)
      return Status::Corrupt("the TPM cannot load " + dir + internal::kSealedFile +
                             ": it was sealed by another TPM, the TPM was cleared, or the file is damaged; "
                             "recover with the recovery shares (" +
                             st.message() + ")");
    return st.WithContext("open keyring " + state_dir);
  }
  impl->master = std::move(*master);
  if (impl->master.size() != internal::kMasterKeySize || internal::KeyCheck(impl->master) != meta.key_check)
    return Status::Corrupt("the unsealed master key does not match key_check in " + dir + internal::kMetaFile);
  impl->wrap_key = DeriveKey(impl->master, "data-key-wrap");
  impl->name_key = DeriveKey(impl->master, "object-name");

  auto key = tpm::Load(*impl->tpm, srk, signing);
  if (!key.ok()) return key.status().WithContext("load signing key " + dir + internal::kSigningFile);
  srk.reset();
  QOIMA_ASSIGN_OR_RETURN(impl->signer, TpmSigner::Create(*impl->tpm, std::move(*key), signing.pub,
                                                         DeriveKey(impl->master, "signing-key-auth")));
  if (impl->signer->Fingerprint() != meta.fingerprint)
    return Status::Corrupt(dir + internal::kSigningFile + ": signing key fingerprint " + impl->signer->Fingerprint() +
                           " differs from " + meta.fingerprint + " in " + internal::kMetaFile);
  auto cert_fp = PublicKeyFingerprint(cert);
  if (!cert_fp.ok() || *cert_fp != meta.fingerprint)
    return Status::Corrupt(dir + internal::kCertFile + ": certificate does not hold the device signing key");
  impl->signer->set_certificate_pem(std::move(cert));
  impl->counter = std::make_unique<TpmNvCounter>(*impl->tpm, TpmNvCounter::HandleFor(meta.key_check),
                                                 DeriveKey(impl->master, "rollback-counter-auth"));
  return std::unique_ptr<Keyring>(new Keyring(std::move(impl)));
}

SecretBytes Keyring::SqlcipherKey() const { return DeriveKey(impl_->master, "sqlcipher"); }

namespace {
constexpr uint8_t kWrapVersion = 1;
constexpr size_t kWrapNonce = 12, kWrapTag = 16;
constexpr size_t kWrappedSize = 1 + kWrapNonce + DataKey::kSize + kWrapTag;
constexpr size_t kMaxLabel = 256;

std::vector<uint8_t> WrapAad(std::string_view label) {
  std::string aad("qoima data key v1\0", 18);
  aad.append(label);
  return std::vector<uint8_t>(aad.begin(), aad.end());
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
}  // namespace

Result<Keyring::NewKey> Keyring::NewDataKey(std::string_view label) {
  if (label.size() > kMaxLabel) return Status::InvalidArgument("data key label longer than 256 bytes");
  SecretBytes key = SecretBytes::Random(DataKey::kSize);
  std::vector<uint8_t> out(kWrappedSize);
  out[0] = kWrapVersion;
  if (RAND_bytes(out.data() + 1, kWrapNonce) != 1) return OpenSslStatus(Code::kInternal, "random nonce");
  auto aad = WrapAad(label);
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  uint8_t* ct = out.data() + 1 + kWrapNonce;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, impl_->wrap_key.data(), out.data() + 1) &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) &&
            EVP_EncryptUpdate(ctx.get(), ct, &len, key.data(), static_cast<int>(key.size())) &&
            EVP_EncryptFinal_ex(ctx.get(), ct + DataKey::kSize, &len) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kWrapTag, ct + DataKey::kSize);
  if (!ok) return OpenSslStatus(Code::kInternal, "wrap data key");
  return NewKey{DataKey(std::move(key)), std::move(out)};
}

Result<DataKey> Keyring::UnwrapDataKey(std::span<const uint8_t> wrapped, std::string_view label) const {
  if (wrapped.size() != kWrappedSize)
    return Status::Corrupt("wrapped data key is " + std::to_string(wrapped.size()) + " bytes, expected " +
                           std::to_string(kWrappedSize));
  if (wrapped[0] != kWrapVersion)
    return Status::Unsupported("wrapped data key version " + std::to_string(wrapped[0]) + " (expected 1)");
  auto aad = WrapAad(label);
  SecretBytes key(DataKey::kSize);
  uint8_t tag[kWrapTag];
  std::memcpy(tag, wrapped.data() + 1 + kWrapNonce + DataKey::kSize, kWrapTag);
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx &&
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, impl_->wrap_key.data(), wrapped.data() + 1) &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) &&
            EVP_DecryptUpdate(ctx.get(), key.data(), &len, wrapped.data() + 1 + kWrapNonce, DataKey::kSize) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kWrapTag, tag);
  if (!ok) return OpenSslStatus(Code::kInternal, "unwrap data key");
  uint8_t fin[16];
  if (EVP_DecryptFinal_ex(ctx.get(), fin, &len) != 1)
    return Status::Corrupt(
        "wrapped data key does not authenticate: damaged, wrapped by another keyring, or for "
        "another label than '" +
        std::string(label) + "'");
  return DataKey(std::move(key));
}

std::string Keyring::ObjectName(std::span<const uint8_t> bytes) const {
  return Hex(HmacSha256(impl_->name_key.span(), bytes));
}

Signer& Keyring::signer() { return *impl_->signer; }

MonotonicCounter& Keyring::rollback_counter() { return *impl_->counter; }

int Keyring::stale_tpm_handles_flushed() const { return impl_->tpm->stale_handles_flushed(); }

const std::vector<int>& Keyring::pcrs() const { return impl_->meta.pcrs; }

const std::string& Keyring::pcr_policy_key() const { return impl_->meta.pcr_policy_key; }

RecoveryPolicy Keyring::recovery_policy() const { return {impl_->meta.threshold, impl_->meta.shares}; }

Status Keyring::CheckRecoveryShares(const std::vector<std::string>& shares) const {
  QOIMA_ASSIGN_OR_RETURN(SecretBytes rebuilt, CombineShares(shares));
  if (!rebuilt.Equals(impl_->master))
    return Status::AuthFailed("the recovery shares do not rebuild this appliance's master key");
  return Status::Ok();
}

Result<std::vector<std::string>> Keyring::PreviousCertificates() const {
  const std::string old_dir = impl_->dir + internal::kOldCertsDir;
  std::vector<std::string> pems;
  std::error_code ec;
  if (!std::filesystem::exists(old_dir, ec)) return pems;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(old_dir, ec)) {
    if (entry.path().extension() == ".crt") names.push_back(entry.path().string());
    if (names.size() > kMaxPreviousCertificates)
      return Status::LimitExceeded(old_dir + ": more than " + std::to_string(kMaxPreviousCertificates) +
                                   " certificates");
  }
  if (ec) return Status::IoError("list " + old_dir + ": " + ec.message());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    QOIMA_ASSIGN_OR_RETURN(std::string pem, ReadSmallFile(name, internal::kMaxCertSize));
    pems.push_back(std::move(pem));
  }
  return pems;
}

}  // namespace qoima::crypto

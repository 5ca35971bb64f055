#include "crypto/openssl_util.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

namespace qoima::crypto {

Status OpenSslStatus(Code code, std::string_view what) {
  std::string msg(what);
  unsigned long e;
  bool first = true;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += first ? ": " : "; ";
    msg += buf;
    first = false;
  }
  return Status(code, msg);
}

namespace {
OsslPtr<BIO> MemBio(std::string_view s) { return OsslPtr<BIO>(BIO_new_mem_buf(s.data(), static_cast<int>(s.size()))); }
std::string BioToString(BIO* bio) {
  char* p = nullptr;
  long n = BIO_get_mem_data(bio, &p);
  return std::string(p, static_cast<size_t>(n));
}
}  // namespace

Result<OsslPtr<EVP_PKEY>> LoadPublicKeyPem(std::string_view pem) {
  if (pem.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    auto bio = MemBio(pem);
    OsslPtr<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) return OpenSslStatus(Code::kInvalidArgument, "parse certificate PEM");
    OsslPtr<EVP_PKEY> key(X509_get_pubkey(cert.get()));
    if (!key) return OpenSslStatus(Code::kInvalidArgument, "certificate holds no usable public key");
    return key;
  }
  auto bio = MemBio(pem);
  OsslPtr<EVP_PKEY> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return OpenSslStatus(Code::kInvalidArgument, "parse public key PEM (expected PUBLIC KEY or CERTIFICATE)");
  return key;
}

Result<OsslPtr<EVP_PKEY>> EcP256PublicKey(std::span<const uint8_t> x, std::span<const uint8_t> y) {
  if (x.size() > 32 || y.size() > 32) return Status::Corrupt("EC point coordinate longer than 32 bytes");
  uint8_t point[65] = {0x04};
  std::copy(x.begin(), x.end(), point + 1 + (32 - x.size()));
  std::copy(y.begin(), y.end(), point + 33 + (32 - y.size()));
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                         OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
                         OSSL_PARAM_construct_end()};
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1)
    return OpenSslStatus(Code::kCorrupt, "TPM public key is not a valid P-256 point");
  return OsslPtr<EVP_PKEY>(raw);
}

std::string PublicKeyToPem(EVP_PKEY* key) {
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key);
  return BioToString(bio.get());
}

std::string SpkiFingerprint(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return {};
  std::string fp = Hex(Sha256::Digest(std::span<const uint8_t>(der, static_cast<size_t>(n))));
  OPENSSL_free(der);
  return fp;
}

Result<std::vector<uint8_t>> EcdsaSigToDer(std::span<const uint8_t> r, std::span<const uint8_t> s) {
  OsslPtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  BIGNUM* br = BN_bin2bn(r.data(), static_cast<int>(r.size()), nullptr);
  BIGNUM* bs = BN_bin2bn(s.data(), static_cast<int>(s.size()), nullptr);
  if (!sig || !br || !bs || ECDSA_SIG_set0(sig.get(), br, bs) != 1) {
    BN_free(br);
    BN_free(bs);
    return OpenSslStatus(Code::kInternal, "build ECDSA signature");
  }
  unsigned char* der = nullptr;
  int n = i2d_ECDSA_SIG(sig.get(), &der);
  if (n <= 0) return OpenSslStatus(Code::kInternal, "encode ECDSA signature");
  std::vector<uint8_t> out(der, der + n);
  OPENSSL_free(der);
  return out;
}

namespace {
// DER TLV with a definite length.
void DerAppend(std::vector<uint8_t>& out, uint8_t tag, std::span<const uint8_t> body) {
  out.push_back(tag);
  size_t n = body.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else {
    uint8_t len[8];
    int k = 0;
    for (size_t v = n; v; v >>= 8) len[k++] = static_cast<uint8_t>(v);
    out.push_back(static_cast<uint8_t>(0x80 | k));
    while (k) out.push_back(len[--k]);
  }
  out.insert(out.end(), body.begin(), body.end());
}
}  // namespace

Result<std::string> MakeSelfSignedCertificate(
    EVP_PKEY* key, std::string_view common_name,
    const std::function<Result<std::vector<uint8_t>>(const Sha256Digest&)>& sign) {
  OsslPtr<X509> cert(X509_new());
  if (!cert) return OpenSslStatus(Code::kInternal, "allocate certificate");
  uint8_t serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return OpenSslStatus(Code::kInternal, "random serial");
  serial[0] &= 0x7f;  // positive INTEGER
  OsslPtr<BIGNUM> bn(BN_bin2bn(serial, sizeof serial, nullptr));
  X509_NAME* name = X509_get_subject_name(cert.get());
  std::string cn(common_name);
  bool ok =
      X509_set_version(cert.get(), 2) == 1 && bn && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) &&
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("qoima"), -1, -1,
                                 0) == 1 &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) == 1 &&
      X509_set_issuer_name(cert.get(), name) == 1 && X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) &&
      X509_time_adj_ex(X509_getm_notAfter(cert.get()), 365 * 30, 0, nullptr) && X509_set_pubkey(cert.get(), key) == 1;
  if (!ok) return OpenSslStatus(Code::kInternal, "fill certificate fields");
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            std::pair{NID_key_usage, "critical,digitalSignature,nonRepudiation"},
                            std::pair{NID_subject_key_identifier, "hash"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    if (!ext || X509_add_ext(cert.get(), ext, -1) != 1) {
      X509_EXTENSION_free(ext);
      return OpenSslStatus(Code::kInternal, "add certificate extension");
    }
    X509_EXTENSION_free(ext);
  }
  // Put ecdsa-with-SHA256 into the TBS signature field: sign once with a
  // throwaway key, then replace the signature with the real one below.
  OsslPtr<EVP_PKEY> scratch(EVP_EC_gen("P-256"));
  if (!scratch || X509_sign(cert.get(), scratch.get(), EVP_sha256()) <= 0)
    return OpenSslStatus(Code::kInternal, "prepare certificate signature algorithm");
  unsigned char* tbs = nullptr;
  int tbs_len = i2d_re_X509_tbs(cert.get(), &tbs);
  if (tbs_len <= 0) return OpenSslStatus(Code::kInternal, "encode TBSCertificate");
  std::vector<uint8_t> tbs_der(tbs, tbs + tbs_len);
  OPENSSL_free(tbs);
  QOIMA_ASSIGN_OR_RETURN(std::vector<uint8_t> sig, sign(Sha256::Digest(tbs_der)));
  static constexpr uint8_t kEcdsaWithSha256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                                 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
  std::vector<uint8_t> body = tbs_der;
  body.insert(body.end(), std::begin(kEcdsaWithSha256), std::end(kEcdsaWithSha256));
  std::vector<uint8_t> bits{0x00};  // no unused bits
  bits.insert(bits.end(), sig.begin(), sig.end());
  DerAppend(body, 0x03, bits);
  std::vector<uint8_t> der;
  DerAppend(der, 0x30, body);
  const unsigned char* p = der.data();
  OsslPtr<X509> final_cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!final_cert) return OpenSslStatus(Code::kInternal, "re-parse assembled certificate");
  if (X509_verify(final_cert.get(), key) != 1)
    return OpenSslStatus(Code::kInternal, "assembled certificate does not verify with its own key");
  OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), final_cert.get());
  return BioToString(bio.get());
}

}  // namespace qoima::crypto

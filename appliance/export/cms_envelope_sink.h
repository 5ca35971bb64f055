// CmsEnvelopeSink: encrypts the bundle stream to one recipient certificate as
// CMS EnvelopedData (RFC 5652; AES-256-CBC content key, key transport or key
// agreement chosen by OpenSSL from the recipient's key type), streamed with
// indefinite-length BER so nothing is buffered whole. `openssl cms -decrypt
// -inform DER -binary` opens it.
//
// The plaintext inside is the signed tar, so the recipient checks the device
// signature after decrypting; the envelope itself only gives confidentiality.
// Ownership: borrows `downstream`; Close() does not close it.
// Thread-safety: none.
#pragma once

#include <openssl/bio.h>
#include <openssl/cms.h>

#include <memory>
#include <string>

#include "appliance/export/byte_stream.h"
#include "common/result.h"

namespace qoima::exporting {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free_all(b); }
};
struct CmsDeleter {
  void operator()(CMS_ContentInfo* c) const { CMS_ContentInfo_free(c); }
};

class CmsEnvelopeSink : public ByteSink {
 public:
  /// Fails when the PEM is not a certificate with a usable public key.
  static Result<std::unique_ptr<CmsEnvelopeSink>> Create(ByteSink* downstream, const std::string& recipient_cert_pem);
  ~CmsEnvelopeSink() override;
  Status Write(std::span<const uint8_t> data) override;
  /// Finishes the envelope (final padding block, end-of-contents octets).
  Status Close() override;

  /// Fingerprint (SHA-256 of the public key's SPKI) of the recipient, for bag-info
  /// and the audit log.
  const std::string& recipient_fingerprint() const { return recipient_fp_; }

 private:
  CmsEnvelopeSink() = default;
  ByteSink* downstream_ = nullptr;
  Status downstream_status_;
  std::unique_ptr<CMS_ContentInfo, CmsDeleter> cms_;
  BIO* out_ = nullptr;                      // owned by chain_ (bottom of the chain)
  std::unique_ptr<BIO, BioDeleter> chain_;  // NDEF encoder -> out_
  std::string recipient_fp_;
  bool closed_ = false;
  friend int CmsSinkBioWrite(BIO*, const char*, size_t, size_t*);
};

}  // namespace qoima::exporting

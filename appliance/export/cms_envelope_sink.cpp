#include "appliance/export/cms_envelope_sink.h"

#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/openssl_util.h"
#include "crypto/signer.h"

namespace qoima::exporting {
namespace {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};

Result<std::unique_ptr<X509, X509Deleter>> ParseCert(const std::string& pem) {
  std::unique_ptr<BIO, BioDeleter> in(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::unique_ptr<X509, X509Deleter> x(PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr));
  if (!x) return crypto::OpenSslStatus(Code::kInvalidArgument, "recipient certificate is not a PEM X.509 certificate");
  return x;
}

// A source/sink BIO that forwards to the sink's downstream ByteSink.
int SinkWrite(BIO* b, const char* data, size_t len, size_t* written);
long SinkCtrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

BIO_METHOD* SinkMethod() {
  static BIO_METHOD* m = [] {
    BIO_METHOD* meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "qoima export sink");
    BIO_meth_set_write_ex(meth, SinkWrite);
    BIO_meth_set_ctrl(meth, SinkCtrl);
    BIO_meth_set_create(meth, [](BIO* b) {
      BIO_set_init(b, 1);
      return 1;
    });
    return meth;
  }();
  return m;
}

}  // namespace

int CmsSinkBioWrite(BIO* b, const char* data, size_t len, size_t* written) {
  auto* self = static_cast<CmsEnvelopeSink*>(BIO_get_data(b));
  Status s = self->downstream_->Write({reinterpret_cast<const uint8_t*>(data), len});
  if (!s.ok()) {
    self->downstream_status_ = s;
    *written = 0;
    return 0;
  }
  *written = len;
  return 1;
}

namespace {
int SinkWrite(BIO* b, const char* data, size_t len, size_t* written) { return CmsSinkBioWrite(b, data, len, written); }
}  // namespace

Result<std::unique_ptr<CmsEnvelopeSink>> CmsEnvelopeSink::Create(ByteSink* downstream, const std::string& cert_pem) {
  std::unique_ptr<CmsEnvelopeSink> s(new CmsEnvelopeSink());
  s->downstream_ = downstream;
  QOIMA_ASSIGN_OR_RETURN(auto cert, ParseCert(cert_pem));
  QOIMA_ASSIGN_OR_RETURN(s->recipient_fp_, crypto::PublicKeyFingerprint(cert_pem));
  std::unique_ptr<STACK_OF(X509), X509StackDeleter> certs(sk_X509_new_null());
  if (!certs || !sk_X509_push(certs.get(), cert.get())) return Status::Internal("out of memory");
  cert.release();  // owned by the stack now
  s->cms_.reset(CMS_encrypt(certs.get(), nullptr, EVP_aes_256_cbc(), CMS_BINARY | CMS_STREAM));
  if (!s->cms_) return crypto::OpenSslStatus(Code::kInvalidArgument, "CMS envelope for the recipient certificate");
  BIO* out = BIO_new(SinkMethod());
  if (!out) return crypto::OpenSslStatus(Code::kInternal, "CMS output BIO");
  BIO_set_data(out, s.get());
  BIO* ndef = BIO_new_NDEF(out, reinterpret_cast<ASN1_VALUE*>(s->cms_.get()), ASN1_ITEM_rptr(CMS_ContentInfo));
  if (!ndef) {
    BIO_free(out);
    return crypto::OpenSslStatus(Code::kInternal, "CMS streaming encoder");
  }
  s->out_ = out;
  s->chain_.reset(ndef);
  return s;
}

CmsEnvelopeSink::~CmsEnvelopeSink() = default;

Status CmsEnvelopeSink::Write(std::span<const uint8_t> data) {
  if (closed_) return Status::FailedPrecondition("CMS envelope already closed");
  while (!data.empty()) {
    size_t chunk = std::min<size_t>(data.size(), 1 << 30);
    size_t written = 0;
    if (BIO_write_ex(chain_.get(), data.data(), chunk, &written) != 1 || written != chunk) {
      if (!downstream_status_.ok()) return downstream_status_.WithContext("CMS envelope");
      return crypto::OpenSslStatus(Code::kInternal, "CMS envelope: encrypt");
    }
    data = data.subspan(chunk);
  }
  return Status::Ok();
}

Status CmsEnvelopeSink::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  if (BIO_flush(chain_.get()) != 1) {
    if (!downstream_status_.ok()) return downstream_status_.WithContext("CMS envelope: finish");
    return crypto::OpenSslStatus(Code::kInternal, "CMS envelope: finish");
  }
  return Status::Ok();
}

}  // namespace qoima::exporting

#include "appliance/print/qr_code.h"

#include <cerrno>
#include <string>

#include "appliance/print/cairo_handles.h"

namespace qoima::print {

Result<QrCode> QrCode::Encode(std::string_view payload) {
  if (payload.empty()) return Status::InvalidArgument("QR payload is empty");
  if (payload.size() > kMaxQrPayload) {
    return Status::LimitExceeded("QR payload is " + std::to_string(payload.size()) + " bytes, limit " +
                                 std::to_string(kMaxQrPayload));
  }
  const std::string data(payload);
  errno = 0;
  QrCodePtr code(QRcode_encodeData(static_cast<int>(data.size()), reinterpret_cast<const unsigned char*>(data.data()),
                                   0, QR_ECLEVEL_M));
  if (!code) return Status::FromErrno(errno, "encode QR code");
  const int n = code->width;
  std::vector<bool> modules(static_cast<size_t>(n) * n);
  for (size_t i = 0; i < modules.size(); ++i) modules[i] = (code->data[i] & 1) != 0;
  return QrCode(n, std::move(modules));
}

}  // namespace qoima::print

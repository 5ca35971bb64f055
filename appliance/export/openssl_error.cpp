#include "appliance/export/openssl_error.h"

#include <openssl/err.h>

namespace qoima::exporting {

Status OpenSslStatus(Code code, const std::string& what) {
  std::string msg = what;
  bool first = true;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += first ? ": " : "; ";
    msg += buf;
    first = false;
  }
  if (first) msg += ": OpenSSL reported no detail";
  return Status(code, msg);
}

}  // namespace qoima::exporting

// ScopedUtf8Ctype: switches the calling thread's LC_CTYPE to C.UTF-8 for its
// lifetime (uselocale; the process locale is untouched).
//
// Why: libarchive converts path names through the current locale's charset.
// Under the C locale (our CLI and tests) it cannot express a UTF-8 name in a
// pax header: it falls back to hdrcharset=BINARY, and its *_utf8 setters even
// crash (libarchive 3.6.2). Within this scope names go into pax `path`
// records as UTF-8 and come back out as UTF-8.
// Thread-safety: affects only the calling thread.
#pragma once

#include <locale.h>
#include <clocale>

#include "common/status.h"

namespace qoima::exporting {

class ScopedUtf8Ctype {
 public:
  ScopedUtf8Ctype() {
    loc_ = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
    if (loc_) old_ = uselocale(loc_);
  }
  ~ScopedUtf8Ctype() {
    if (loc_) {
      uselocale(old_);
      freelocale(loc_);
    }
  }
  ScopedUtf8Ctype(const ScopedUtf8Ctype&) = delete;
  ScopedUtf8Ctype& operator=(const ScopedUtf8Ctype&) = delete;

  /// Fails when the C.UTF-8 locale is missing (glibc >= 2.35 builds it in).
  Status status() const {
    return loc_ ? Status::Ok() : Status::Unsupported("the C.UTF-8 locale is not available for tar path names");
  }

 private:
  locale_t loc_ = static_cast<locale_t>(0);
  locale_t old_ = static_cast<locale_t>(0);
};

}  // namespace qoima::exporting

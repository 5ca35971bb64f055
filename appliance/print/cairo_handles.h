// RAII owners for the cairo, pango, GLib and libqrencode handles the print
// renderer uses (one wrapper per C handle), and the one function that maps a
// cairo status to a qoima Status.
//
// Thread-safety: the handles are not shared; each renderer call owns its own.
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include <memory>
#include <string_view>

#include "common/status.h"

namespace qoima::print {

struct CairoSurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
struct GObjectDeleter {
  void operator()(void* o) const { g_object_unref(o); }
};
struct FontDescriptionDeleter {
  void operator()(PangoFontDescription* d) const { pango_font_description_free(d); }
};
struct QrCodeDeleter {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

using CairoSurfacePtr = std::unique_ptr<cairo_surface_t, CairoSurfaceDeleter>;
using CairoPtr = std::unique_ptr<cairo_t, CairoDeleter>;
using PangoLayoutPtr = std::unique_ptr<PangoLayout, GObjectDeleter>;
using FontDescriptionPtr = std::unique_ptr<PangoFontDescription, FontDescriptionDeleter>;
using QrCodePtr = std::unique_ptr<QRcode, QrCodeDeleter>;

/// The one place a cairo_status_t becomes a Status; `what` names the step.
inline Status CairoStatusToStatus(cairo_status_t status, std::string_view what) {
  if (status == CAIRO_STATUS_SUCCESS) return Status::Ok();
  std::string message = std::string(what) + ": cairo: " + cairo_status_to_string(status);
  switch (status) {
    case CAIRO_STATUS_NO_MEMORY: return Status::Internal(message);
    case CAIRO_STATUS_WRITE_ERROR:
    case CAIRO_STATUS_READ_ERROR: return Status::IoError(message);
    case CAIRO_STATUS_INVALID_STRING: return Status::InvalidArgument(message);
    default: return Status::Internal(message);
  }
}

}  // namespace qoima::print

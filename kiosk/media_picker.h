// MediaPicker: the detected media as a list to choose from, with the device
// field beside it. Shared by the clerk's "insert media" screen (the
// depositor's disc or stick, to read) and the officer's export screen (the
// export stick, to write).
//
// The list is the backend's cached view of what the device monitor sees
// (refreshed on every tick; reading it costs nothing). A medium that arrives
// is chosen and announced, a refused one is announced with the hardware's
// reason, and a chosen one that is taken out is cleared from the field.
// PgUp/PgDn choose. A path can be typed only where the backend allows typed
// devices (the test environment's loop devices and image files); otherwise
// only a detected medium is ever chosen. Thread-safety: UI thread only.
#pragma once

#include <ncursesw/curses.h>

#include <cstddef>
#include <string>
#include <vector>

#include "kiosk/backend.h"
#include "kiosk/form_widget.h"
#include "kiosk/screen.h"

namespace qoima::kiosk {

class MediaPicker {
 public:
  /// What the chosen medium is for (the words of a refusal follow it).
  enum class Use { kRead, kWrite };
  struct Words {
    const char* field_msgid;       // "Media device:"
    const char* typed_hint_msgid;  // why a path may be typed here
    const char* list_msgid;        // "Media detected (PgUp/PgDn chooses, F7 reads):"
    Use use;
  };

  MediaPicker(AppContext& app, Words words);

  /// Re-reads the backend's list; announces arrivals, refusals and removals.
  void Refresh();
  /// PgUp/PgDn, and typing where typed devices are allowed; true when used.
  bool HandleKey(const Key& key);
  /// The chosen medium (the detected one with that path, or a bare path
  /// typed in the test environment); an empty device when there is none.
  MediaInfo Chosen() const;
  /// Says why `m` cannot be used and returns false when it is refused.
  bool Usable(const MediaInfo& m) const;

  bool typed_allowed() const { return typed_; }
  /// The "type its path" hint (when typing is allowed) at `y`; returns the next line.
  int DrawHint(WINDOW* win, int y, int width) const;
  /// The device field at `y`.
  void DrawField(WINDOW* win, int y, int width, int label_width) const;
  /// Detection problems and the list from `y` down to `bottom`.
  void DrawList(WINDOW* win, int y, int bottom, int width) const;

 private:
  std::string Refused(const std::string& reason) const;

  AppContext& app_;
  Words words_;
  FormWidget form_;
  std::vector<MediaInfo> media_;
  std::size_t cursor_ = 0;
  bool first_refresh_ = true;
  bool typed_ = false;
};

/// One detected medium as a line: device, vendor/model, size, filesystem, label.
std::string MediumLine(const MediaInfo& m);

}  // namespace qoima::kiosk

#include "kiosk/media_picker.h"

#include <algorithm>

#include "kiosk/draw.h"
#include "kiosk/i18n.h"
#include "kiosk/terminal_session.h"
#include "kiosk/text_layout.h"

namespace qoima::kiosk {

std::string MediumLine(const MediaInfo& m) {
  std::string line = m.device;
  std::string who = m.vendor + (m.vendor.empty() || m.model.empty() ? "" : " ") + m.model;
  if (!who.empty()) line += "  " + who;
  if (m.size_bytes) line += "  " + FormatBytes(m.size_bytes);
  if (!m.fs_type.empty()) line += "  " + m.fs_type;
  if (!m.label.empty()) line += "  \"" + m.label + "\"";
  return line;
}

MediaPicker::MediaPicker(AppContext& app, Words words)
    : app_(app),
      words_(words),
      form_({{words.field_msgid, false, 400, {}}}),
      typed_(app.backend().TypedDevicesAllowed()) {
  Refresh();
}

void MediaPicker::Refresh() {
  auto r = app_.backend().ListMedia();
  if (!r.ok()) {
    app_.ShowError(r.status());
    return;
  }
  std::vector<std::string> before;
  for (const MediaInfo& m : media_) before.push_back(m.device);
  media_ = std::move(*r);
  if (cursor_ >= media_.size()) cursor_ = 0;
  // A medium that just arrived: choose it, and say so (or why it is refused).
  for (std::size_t i = 0; i < media_.size(); ++i) {
    const MediaInfo& m = media_[i];
    if (std::find(before.begin(), before.end(), m.device) != before.end()) continue;
    if (m.refused) {
      app_.ShowInfo(Refused(m.device + ": " + m.refusal));
      continue;
    }
    cursor_ = i;
    form_.SetValue(0, m.device);
    if (!first_refresh_) app_.ShowInfo(Format(Tr("Media inserted: %s"), MediumLine(m).c_str()));
  }
  // The chosen medium was taken out: do not leave its path behind.
  if (!first_refresh_ && !form_.Value(0).empty()) {
    bool was_detected = std::find(before.begin(), before.end(), form_.Value(0)) != before.end();
    bool still = false;
    for (const MediaInfo& m : media_) still = still || m.device == form_.Value(0);
    if (was_detected && !still) {
      form_.SetValue(0, "");
      app_.ShowInfoMsgid(N_("The media was removed."));
    }
  }
  first_refresh_ = false;
}

bool MediaPicker::HandleKey(const Key& key) {
  if (!media_.empty() && (key.Is(KEY_PPAGE) || key.Is(KEY_NPAGE))) {
    cursor_ = key.Is(KEY_PPAGE) ? (cursor_ > 0 ? cursor_ - 1 : 0) : std::min(cursor_ + 1, media_.size() - 1);
    form_.SetValue(0, media_[cursor_].device);
    return true;
  }
  if (!typed_) return false;
  return form_.HandleKey(key);
}

MediaInfo MediaPicker::Chosen() const {
  MediaInfo m;
  m.device = typed_ ? form_.Value(0) : (media_.empty() ? "" : media_[cursor_].device);
  for (const MediaInfo& found : media_)
    if (found.device == m.device) m = found;
  return m;
}

std::string MediaPicker::Refused(const std::string& reason) const {
  return words_.use == Use::kRead ? Format(Tr("This device is refused and will not be read: %s"), reason.c_str())
                                  : Format(Tr("This device is refused and will not be written: %s"), reason.c_str());
}

bool MediaPicker::Usable(const MediaInfo& m) const {
  if (!m.refused) return true;
  app_.ShowInfo(Refused(m.refusal));
  return false;
}

int MediaPicker::DrawHint(WINDOW* win, int y, int width) const {
  if (!typed_) return y;
  DrawText(win, y, 1, width - 2, Tr(words_.typed_hint_msgid), A_DIM);
  return y + 1;
}

void MediaPicker::DrawField(WINDOW* win, int y, int width, int label_width) const {
  form_.Draw(win, y, 1, width - 2, label_width);
}

void MediaPicker::DrawList(WINDOW* win, int y, int bottom, int width) const {
  std::string problem = app_.backend().MediaDetectionProblem();
  if (!problem.empty())
    DrawText(win, y++, 1, width - 2, std::string(Tr("Media detection is not available:")) + " " + problem,
             COLOR_PAIR(kPairWarn));
  if (media_.empty()) {
    DrawText(win, y, 1, width - 2, Tr("No media detected yet."), A_DIM);
    return;
  }
  DrawText(win, y++, 1, width - 2, Tr(words_.list_msgid), A_BOLD);
  for (std::size_t i = 0; i < media_.size() && y < bottom; ++i) {
    const MediaInfo& m = media_[i];
    attr_t attr = i == cursor_ ? A_REVERSE : A_NORMAL;
    if (m.refused) {
      DrawText(win, y++, 3, width - 6, MediumLine(m) + "  " + Tr("REFUSED"), attr | COLOR_PAIR(kPairError));
      for (const std::string& line : WrapText(m.refusal, width - 8, 3))
        if (y < bottom) DrawText(win, y++, 5, width - 8, line, COLOR_PAIR(kPairError));
    } else {
      DrawText(win, y++, 3, width - 6, MediumLine(m), attr);
      if (!m.probe_error.empty() && y < bottom)
        DrawText(win, y++, 5, width - 8, std::string(Tr("Not identified:")) + " " + m.probe_error, A_DIM);
    }
  }
}

}  // namespace qoima::kiosk

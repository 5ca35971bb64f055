#include "kiosk/store_locked_screen.h"

#include <sys/stat.h>

#include "kiosk/draw.h"
#include "kiosk/i18n.h"
#include "kiosk/terminal_session.h"

namespace qoima::kiosk {
namespace {

class StoreLockedScreen : public Screen {
 public:
  std::string Title() const override { return Tr("The store is locked"); }

  void Draw(WINDOW* win, int top, int height, int width) override {
    int y = top + 1;
    const int left = 2, text_width = width - 4;
    auto paragraph = [&](const char* msgid, attr_t attr, int max_lines) {
      for (const std::string& line : WrapText(Tr(msgid), text_width, max_lines))
        DrawText(win, y++, left, text_width, line, attr);
      ++y;
    };
    paragraph(N_("The appliance's measurements do not match: the store is locked."), COLOR_PAIR(kPairError) | A_BOLD,
              2);
    paragraph(N_("The encrypted store opens only on the boot it was sealed to, with this appliance's security chip "
                 "(TPM). This boot (its kernel, command line or system image) or the security chip is not that "
                 "one, so the store stayed closed. Nothing in it was read or changed."),
              A_NORMAL, 5);
    paragraph(N_("Nothing can be done at this counter: no login, no intake, no printing."), A_BOLD, 2);
    paragraph(
        N_("Call the security officer. If the appliance's image was changed, the officer installs a signed "
           "image of the appliance again, and the store opens by itself. If the security chip was replaced or "
           "cleared, the store is restored from its last backup with the recovery shares (their custodians, as at "
           "provisioning)."),
        A_NORMAL, 6);
    DrawText(win, top + height - 1, left, text_width, Tr("F2 switches the language: қазақша / русский / English"),
             A_DIM);
  }

  // Every key but the App's F2 is ignored: there is nothing to do here.
  void HandleKey(const Key& key) override { (void)key; }
};

}  // namespace

std::unique_ptr<Screen> MakeStoreLockedScreen() { return std::make_unique<StoreLockedScreen>(); }

bool IsOwnFileSystem(const std::string& dir) {
  struct stat self {};
  struct stat parent {};
  if (::stat(dir.c_str(), &self) != 0 || ::stat((dir + "/..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev;
}

}  // namespace qoima::kiosk

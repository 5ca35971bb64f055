// QemuMachine: the appliance image booted for real in a test.
//
// qemu-system-x86_64 in TCG mode (no KVM here) on the q35 machine with OVMF
// (UEFI, its own copy of the variable store), a TPM 2.0 from swtpm (its state
// directory survives power cycles of one test, as a real TPM does), the disk on
// virtio, optional USB sticks on an xHCI controller, no network card, the
// serial console captured to a file and QMP on a private socket.
//
// ImageDisk is a private, sparse copy of the built image (build/image/qoima.img
// or $QOIMA_IMAGE_DIR), grown to leave room for the data partition the first
// boot creates. Tests change it (a byte of the root partition, the UKI on the
// ESP) through the helpers here, with real tools (dd, mtools, objcopy).
//
// Waits are on the thing (a console line through inotify, a QMP answer, the
// process) with a timeout; a timeout throws naming what was awaited and the
// console's last lines. Everything started is killed with the object (and with
// the test process: PR_SET_PDEATHSIG).
//
// Thread-safety: one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "tests/fixtures/temp_dir.h"

namespace qoima::testing {

/// Where scripts/image put its artifacts ($QOIMA_IMAGE_DIR or <build>/../image).
std::string ImageDir();

class ImageDisk {
 public:
  /// Copies `image` (sparse) into `dir` and grows it to `size_mib`.
  ImageDisk(const TempDir& dir, const std::string& image, long size_mib = 4096);
  const std::string& path() const { return path_; }

  /// Byte offset and size of the partition labelled `label` (first match), from sfdisk.
  std::pair<long long, long long> Partition(const std::string& label) const;
  /// Overwrites one byte at `offset` with its complement; returns the old byte.
  unsigned char FlipByte(long long offset) const;
  /// Copies `file` onto the ESP as `esp_path` (mtools), replacing what was there.
  void PutOnEsp(const std::string& file, const std::string& esp_path) const;
  /// Reads `esp_path` from the ESP into `file`.
  void GetFromEsp(const std::string& esp_path, const std::string& file) const;
  /// Lists a directory of the ESP (mdir -b).
  std::string ListEsp(const std::string& esp_dir) const;

 private:
  std::string path_;
};

struct MachineOptions {
  std::string disk;       // raw disk image (ImageDisk::path())
  std::string tpm_state;  // swtpm state directory (created if missing)
  std::string work;       // console log, QMP socket, OVMF variables live here
  /// systemd credentials handed in through SMBIOS type 11 ("name=value").
  std::vector<std::string> credentials;
  /// Raw images attached as USB mass storage.
  std::vector<std::string> usb_sticks;
};

class QemuMachine {
 public:
  /// Starts swtpm and qemu (power on).
  explicit QemuMachine(const MachineOptions& options);
  ~QemuMachine();
  QemuMachine(const QemuMachine&) = delete;
  QemuMachine& operator=(const QemuMachine&) = delete;

  /// Everything the serial console printed so far.
  std::string Console() const;
  /// Waits until the console holds `needle` (from `from` on); returns the
  /// position after it. Throws on timeout or when qemu exits first.
  size_t WaitForConsole(const std::string& needle, std::chrono::seconds timeout, size_t from = 0);
  /// True when the console holds `needle` within `timeout`; false when the
  /// timeout passes or the machine stops first (for "does not boot" checks).
  bool ConsoleShowsWithin(const std::string& needle, std::chrono::seconds timeout);

  /// A QMP command; returns the raw JSON answer. Throws on an error answer.
  std::string Qmp(const std::string& command_json);
  /// QMP screendump of the display (PNG or PPM, by extension).
  void Screendump(const std::string& path);
  /// The text on the screen, read from a PPM screendump with the console
  /// font `psf` (the image's, exported by scripts/image as console.psf).
  std::string ScreenText(const std::string& psf);
  /// Waits until the screen holds `needle` (CanonicalForFont); returns the screen text.
  std::string WaitForScreen(const std::string& needle, const std::string& psf, std::chrono::seconds timeout);
  /// Types `text` (ASCII) with QMP send-key; "\n" is Enter.
  void Type(const std::string& text);
  /// Presses one key by QMP qcode ("f10", "esc", "ret").
  void Key(const std::string& qcode);

  /// Powers off (QMP quit) and waits for qemu and swtpm to exit.
  void PowerOff();
  /// Waits for qemu to exit by itself (a poweroff or a halt); false on timeout.
  bool WaitForExit(std::chrono::seconds timeout);
  bool running() const { return qemu_ > 0; }
  /// Seconds since power-on.
  double Uptime() const;
  const std::string& console_path() const { return console_; }

 private:
  void StartSwtpm();
  void StartQemu();
  void Reap();

  MachineOptions options_;
  std::string console_;
  std::string qmp_path_;
  UniqueFd qmp_;
  pid_t swtpm_ = -1;
  pid_t qemu_ = -1;
  std::chrono::steady_clock::time_point started_;
};

/// Text of a framebuffer console screenshot (binary PPM, P6) with the PSF2
/// font `psf`: each character cell is matched against every glyph (either
/// colour as foreground); unknown cells become '?', blank ones ' '. Lines are
/// joined with '\n', trailing blanks dropped.
std::string ReadConsoleScreen(const std::string& ppm, const std::string& psf);

/// `text` as ReadConsoleScreen reads it back: letters that share a glyph in
/// the font (Cyrillic а and Latin a in Terminus) become the one it reports.
/// Compare screens with needles passed through this.
std::string CanonicalForFont(const std::string& text, const std::string& psf);

}  // namespace qoima::testing

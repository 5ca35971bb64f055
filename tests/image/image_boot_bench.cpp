// Benchmark driver for scripts/bench.d/image.sh: power-on to the first screen
// under TCG, for the appliance image (first boot, which provisions, and a
// second boot, which unseals) and for the stock Debian 12 image that
// `scripts/image --stock` builds from the same packages and boots the same way
// (systemd-boot, UKI, erofs root; a getty on tty1 instead of the kiosk).
//
//   image_boot_bench APPLIANCE_DIR STOCK_DIR
//
// Prints one line per figure; the ratio is appliance second boot / stock.
#include <cstdio>
#include <exception>
#include <string>

#include "tests/fixtures/temp_dir.h"
#include "tests/image/qemu_machine.h"

using namespace qoima::testing;
using namespace std::chrono_literals;

namespace {

double BootToScreen(const std::string& image_dir, const std::string& needle, const TempDir& dir, ImageDisk& disk,
                    bool credentials) {
  MachineOptions o;
  o.disk = disk.path();
  o.tpm_state = dir.Sub("tpm");
  o.work = dir.path();
  if (credentials) o.credentials = {"qoima.admin=admin:Abenova:Aigul", "qoima.admin-password=Qoima-Bench-2026!"};
  QemuMachine m(o);
  m.WaitForScreen(needle, image_dir + "/console.psf", 1800s);
  double t = m.Uptime();
  m.PowerOff();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: image_boot_bench APPLIANCE_DIR STOCK_DIR\n");
    return 2;
  }
  try {
    const std::string appliance = argv[1], stock = argv[2];
    TempDir a_dir("qoima-bench-image"), s_dir("qoima-bench-stock");
    ImageDisk a_disk(a_dir, appliance + "/qoima.img"), s_disk(s_dir, stock + "/qoima.img");
    double first = BootToScreen(appliance, "Логин", a_dir, a_disk, true);
    std::printf("appliance first boot (repart + LUKS2 + provisioning) to the kiosk's login screen: %.1f s\n", first);
    double second = BootToScreen(appliance, "Логин", a_dir, a_disk, true);
    std::printf("appliance second boot (unseal) to the kiosk's login screen: %.1f s\n", second);
    double base = BootToScreen(stock, "login:", s_dir, s_disk, false);
    std::printf("stock Debian 12 (same packages, kernel, UKI boot) to the tty1 login prompt: %.1f s\n", base);
    std::printf("ratio appliance second boot / stock: %.2f\n", second / base);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "image_boot_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}

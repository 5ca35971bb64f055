#include "tests/image/qemu_machine.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/subprocess.h"
#include "tests/fixtures/child_process.h"

namespace qoima::testing {
namespace {

constexpr char kOvmfCode[] = "/usr/share/OVMF/OVMF_CODE_4M.fd";
constexpr char kOvmfVars[] = "/usr/share/OVMF/OVMF_VARS_4M.fd";

std::string ReadWhole(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void Check(const Result<SubprocessResult>& r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + ": " + r.status().ToString());
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

bool Exited(pid_t pid) {
  int st;
  return ::waitpid(pid, &st, WNOHANG) == pid;
}

UniqueFd ConnectUnix(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return UniqueFd();
  return fd;
}

// Waits for `path` to be a socket that accepts, while `pid` lives.
UniqueFd WaitForSocket(const std::string& path, pid_t pid, const char* what) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    UniqueFd fd = ConnectUnix(path);
    if (fd) return fd;
    if (Exited(pid)) throw std::runtime_error(std::string(what) + " exited at start-up");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval, not a wait-for
  }
  throw std::runtime_error(std::string(what) + ": socket " + path + " did not accept within 60 s");
}

std::string Tail(const std::string& text, size_t lines) {
  size_t pos = text.size();
  while (lines-- > 0 && pos > 0) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos);
}

}  // namespace

std::string ImageDir() {
  if (const char* env = std::getenv("QOIMA_IMAGE_DIR"); env && *env) return env;
  return std::string(QOIMA_SOURCE_DIR) + "/build/image";
}

// ---- ImageDisk ---------------------------------------------------------------

ImageDisk::ImageDisk(const TempDir& dir, const std::string& image, long size_mib) : path_(dir.Sub("disk.img")) {
  if (!std::filesystem::exists(image))
    throw std::runtime_error(image + " missing: build the appliance image with scripts/image first");
  Check(RunChecked({"cp", "--sparse=always", image, path_}), "copy " + image);
  Check(RunChecked({"truncate", "-s", std::to_string(size_mib) + "M", path_}), "grow " + path_);
  // Move the backup GPT to the new end, as a larger real disk would have it.
  Check(RunChecked({"sfdisk", "--relocate", "gpt-bak-std", path_}), "relocate the backup GPT");
}

std::pair<long long, long long> ImageDisk::Partition(const std::string& label) const {
  auto r = RunChecked({"sfdisk", "--json", path_});
  Check(r, "sfdisk --json");
  // Small, fixed JSON: scan for the partition object with this name.
  const std::string& j = r->out;
  size_t name = j.find("\"name\":\"" + label + "\"");
  if (name == std::string::npos) name = j.find("\"name\": \"" + label + "\"");
  if (name == std::string::npos) throw std::runtime_error("no partition labelled " + label);
  size_t obj = j.rfind('{', name);
  auto field = [&](const char* key) {
    size_t k = j.find(std::string("\"") + key + "\":", obj);
    if (k == std::string::npos || k > j.find('}', obj)) throw std::runtime_error(std::string("no ") + key);
    return std::stoll(j.substr(j.find(':', k) + 1));
  };
  return {field("start") * 512, field("size") * 512};
}

unsigned char ImageDisk::FlipByte(long long offset) const {
  std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c = 0;
  f.read(&c, 1);
  char flipped = static_cast<char>(~c);
  f.seekp(offset);
  f.write(&flipped, 1);
  if (!f) throw std::runtime_error("flip a byte of " + path_);
  return static_cast<unsigned char>(c);
}

void ImageDisk::PutOnEsp(const std::string& file, const std::string& esp_path) const {
  SubprocessOptions o;
  o.extra_env = {"MTOOLS_SKIP_CHECK=1"};
  Check(RunChecked({"mcopy", "-o", "-i", path_ + "@@1M", file, "::" + esp_path}, o), "mcopy to the ESP");
}

void ImageDisk::GetFromEsp(const std::string& esp_path, const std::string& file) const {
  SubprocessOptions o;
  o.extra_env = {"MTOOLS_SKIP_CHECK=1"};
  Check(RunChecked({"mcopy", "-o", "-i", path_ + "@@1M", "::" + esp_path, file}, o), "mcopy from the ESP");
}

std::string ImageDisk::ListEsp(const std::string& esp_dir) const {
  SubprocessOptions o;
  o.extra_env = {"MTOOLS_SKIP_CHECK=1"};
  auto r = RunChecked({"mdir", "-b", "-i", path_ + "@@1M", "::" + esp_dir}, o);
  Check(r, "mdir on the ESP");
  return r->out;
}

// ---- QemuMachine --------------------------------------------------------------

QemuMachine::QemuMachine(const MachineOptions& options) : options_(options) {
  console_ = options_.work + "/console.log";
  qmp_path_ = options_.work + "/qmp.sock";
  std::filesystem::create_directories(options_.tpm_state);
  if (!std::filesystem::exists(options_.work + "/OVMF_VARS.fd"))
    std::filesystem::copy_file(kOvmfVars, options_.work + "/OVMF_VARS.fd");
  std::ofstream(console_, std::ios::trunc).close();
  StartSwtpm();
  StartQemu();
}

QemuMachine::~QemuMachine() { Reap(); }

void QemuMachine::StartSwtpm() {
  std::string sock = options_.work + "/swtpm.sock";
  std::filesystem::remove(sock);
  // qemu's tpm-emulator drives the control channel (init, startup by the firmware).
  swtpm_ = Spawn({"swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + options_.tpm_state, "--ctrl",
                  "type=unixio,path=" + sock, "--log", "file=" + options_.work + "/swtpm.log,level=1"},
                 options_.work + "/swtpm.out");
  WaitForSocket(sock, swtpm_, "swtpm");
}

void QemuMachine::StartQemu() {
  std::filesystem::remove(qmp_path_);
  std::vector<std::string> args = {"qemu-system-x86_64",
                                   "-machine",
                                   "q35",
                                   "-accel",
                                   "tcg",
                                   "-m",
                                   "2048",
                                   "-smp",
                                   "2",
                                   "-no-reboot",
                                   "-nic",
                                   "none",
                                   "-display",
                                   "none",
                                   "-vga",
                                   "std",
                                   "-drive",
                                   std::string("if=pflash,format=raw,unit=0,readonly=on,file=") + kOvmfCode,
                                   "-drive",
                                   "if=pflash,format=raw,unit=1,file=" + options_.work + "/OVMF_VARS.fd",
                                   "-drive",
                                   "if=none,id=disk,format=raw,file=" + options_.disk,
                                   "-device",
                                   "virtio-blk-pci,drive=disk",
                                   "-chardev",
                                   "socket,id=chrtpm,path=" + options_.work + "/swtpm.sock",
                                   "-tpmdev",
                                   "emulator,id=tpm0,chardev=chrtpm",
                                   "-device",
                                   "tpm-crb,tpmdev=tpm0",
                                   "-chardev",
                                   "file,id=serial0,path=" + console_,
                                   "-serial",
                                   "chardev:serial0",
                                   "-qmp",
                                   "unix:" + qmp_path_ + ",server=on,wait=off"};
  for (const auto& c : options_.credentials) {
    args.push_back("-smbios");
    args.push_back("type=11,value=io.systemd.credential:" + c);
  }
  if (!options_.usb_sticks.empty()) {
    args.push_back("-device");
    args.push_back("qemu-xhci,id=xhci");
  }
  for (size_t i = 0; i < options_.usb_sticks.size(); ++i) {
    std::string id = "stick" + std::to_string(i);
    args.insert(args.end(), {"-drive", "if=none,id=" + id + ",format=raw,file=" + options_.usb_sticks[i], "-device",
                             "usb-storage,bus=xhci.0,drive=" + id + ",removable=on"});
  }
  started_ = std::chrono::steady_clock::now();
  qemu_ = Spawn(args, options_.work + "/qemu.log");
  qmp_ = WaitForSocket(qmp_path_, qemu_, "qemu (see qemu.log)");
  // Greeting, then capabilities negotiation.
  char buf[4096];
  pollfd p{qmp_.get(), POLLIN, 0};
  if (::poll(&p, 1, 30000) <= 0 || ::read(qmp_.get(), buf, sizeof buf) <= 0)
    throw std::runtime_error("qemu sent no QMP greeting");
  Qmp(R"({"execute":"qmp_capabilities"})");
}

std::string QemuMachine::Qmp(const std::string& command_json) {
  std::string line = command_json + "\n";
  if (::write(qmp_.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    throw std::runtime_error("QMP write failed");
  std::string answer;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{qmp_.get(), POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(qmp_.get(), buf, sizeof buf);
    if (n <= 0) throw std::runtime_error("QMP connection closed during " + command_json);
    answer.append(buf, static_cast<size_t>(n));
    // Answers are one line each; events ({"event": ...}) are skipped.
    size_t start = 0, nl;
    while ((nl = answer.find('\n', start)) != std::string::npos) {
      std::string one = answer.substr(start, nl - start);
      start = nl + 1;
      if (one.find("\"return\"") != std::string::npos) return one;
      if (one.find("\"error\"") != std::string::npos) throw std::runtime_error("QMP " + command_json + ": " + one);
    }
    answer.erase(0, start);
  }
  throw std::runtime_error("no QMP answer to " + command_json);
}

std::string QemuMachine::Console() const { return ReadWhole(console_); }

size_t QemuMachine::WaitForConsole(const std::string& needle, std::chrono::seconds timeout, size_t from) {
  UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!in || ::inotify_add_watch(in.get(), console_.c_str(), IN_MODIFY) < 0)
    throw std::runtime_error("inotify on " + console_);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string text = Console();
    size_t pos = text.find(needle, from);
    if (pos != std::string::npos) return pos + needle.size();
    if (qemu_ <= 0 || Exited(qemu_)) {
      qemu_ = -1;
      throw std::runtime_error("the machine stopped before the console showed '" + needle +
                               "'; last lines:" + Tail(text, 15));
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw std::runtime_error("the console did not show '" + needle + "' within " + std::to_string(timeout.count()) +
                               " s; last lines:" + Tail(text, 15));
    pollfd p{in.get(), POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));  // wakes on writes; 1 s to see qemu exit
    char drain[4096];
    while (::read(in.get(), drain, sizeof drain) > 0) {}
  }
}

bool QemuMachine::ConsoleShowsWithin(const std::string& needle, std::chrono::seconds timeout) {
  try {
    WaitForConsole(needle, timeout);
    return true;
  } catch (const std::runtime_error&) { return false; }
}

void QemuMachine::Screendump(const std::string& path) {
  bool png = path.size() > 4 && path.substr(path.size() - 4) == ".png";
  Qmp(std::string(R"({"execute":"screendump","arguments":{"filename":")") + path + "\"" +
      (png ? R"(,"format":"png")" : "") + "}}");
}

std::string QemuMachine::ScreenText(const std::string& psf) {
  std::string ppm = options_.work + "/screen.ppm";
  Screendump(ppm);
  return ReadConsoleScreen(ppm, psf);
}

std::string QemuMachine::WaitForScreen(const std::string& needle, const std::string& psf,
                                       std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string seen_as = CanonicalForFont(needle, psf);
  std::string text;
  while (std::chrono::steady_clock::now() < deadline) {
    text = ScreenText(psf);
    if (text.find(seen_as) != std::string::npos) return text;
    if (Exited(qemu_)) {
      qemu_ = -1;
      break;
    }
    // The screen has no change notification: look again after a console
    // write or a second, whichever comes first.
    try {
      WaitForConsole(std::string(1, '\x01'), std::chrono::seconds(1), Console().size());
    } catch (const std::runtime_error&) {}
  }
  throw std::runtime_error("the screen did not show '" + needle + "' within " + std::to_string(timeout.count()) +
                           " s; it shows:\n" + text);
}

namespace {
std::string Qcode(char c, bool& shift) {
  shift = false;
  if (c >= 'a' && c <= 'z') return std::string(1, c);
  if (c >= 'A' && c <= 'Z') {
    shift = true;
    return std::string(1, static_cast<char>(c - 'A' + 'a'));
  }
  if (c >= '0' && c <= '9') return std::string(1, c);
  static const std::map<char, std::pair<const char*, bool>> kMap = {
      {' ', {"spc", false}},      {'\n', {"ret", false}},      {'\t', {"tab", false}},  {'-', {"minus", false}},
      {'_', {"minus", true}},     {'.', {"dot", false}},       {',', {"comma", false}}, {'/', {"slash", false}},
      {':', {"semicolon", true}}, {';', {"semicolon", false}}, {'!', {"1", true}},      {'@', {"2", true}},
      {'#', {"3", true}},         {'=', {"equal", false}},     {'+', {"equal", true}}};
  auto it = kMap.find(c);
  if (it == kMap.end()) throw std::runtime_error(std::string("no key for '") + c + "'");
  shift = it->second.second;
  return it->second.first;
}
}  // namespace

void QemuMachine::Type(const std::string& text) {
  for (char c : text) {
    bool shift = false;
    std::string code = Qcode(c, shift);
    std::string keys =
        std::string(shift ? R"({"type":"qcode","data":"shift"},)" : "") + R"({"type":"qcode","data":")" + code + "\"}";
    Qmp(R"({"execute":"send-key","arguments":{"keys":[)" + keys + "]}}");
  }
}

void QemuMachine::Key(const std::string& qcode) {
  Qmp(R"({"execute":"send-key","arguments":{"keys":[{"type":"qcode","data":")" + qcode + "\"}]}}");
}

double QemuMachine::Uptime() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

bool QemuMachine::WaitForExit(std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (qemu_ > 0 && std::chrono::steady_clock::now() < deadline) {
    if (Exited(qemu_)) {
      qemu_ = -1;
      break;
    }
    // qemu closes QMP when it exits: wait on the socket rather than sleep.
    pollfd p{qmp_.get(), POLLIN, 0};
    if (::poll(&p, 1, 500) > 0) {
      char buf[4096];
      if (::read(qmp_.get(), buf, sizeof buf) <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (qemu_ > 0) return false;
  Reap();
  return true;
}

void QemuMachine::PowerOff() {
  if (qemu_ > 0) {
    try {
      Qmp(R"({"execute":"quit"})");
    } catch (const std::runtime_error&) {}
    TerminateChild(qemu_, std::chrono::seconds(20));
    qemu_ = -1;
  }
  Reap();
}

void QemuMachine::Reap() {
  if (qemu_ > 0) {
    TerminateChild(qemu_, std::chrono::seconds(10));
    qemu_ = -1;
  }
  if (swtpm_ > 0) {
    TerminateChild(swtpm_, std::chrono::seconds(10));
    swtpm_ = -1;
  }
  qmp_ = UniqueFd();
}

// ---- the screen's text ---------------------------------------------------------

namespace {

struct Font {
  int width = 8, height = 16;
  std::map<std::string, std::string> glyphs;  // bitmap (1 byte per pixel) -> UTF-8 (first glyph wins)
  std::map<uint32_t, std::string> bitmaps;    // code point -> bitmap
};

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string Expand(const unsigned char* rows, int width, int height) {
  int stride = (width + 7) / 8;
  std::string bits(static_cast<size_t>(width * height), '\0');
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      bits[static_cast<size_t>(y * width + x)] = (rows[y * stride + x / 8] >> (7 - x % 8)) & 1;
  return bits;
}

Font LoadPsf(const std::string& path) {
  std::string d = ReadWhole(path);
  Font f;
  auto u8 = [&](size_t i) { return static_cast<unsigned char>(d.at(i)); };
  auto u32 = [&](size_t i) {
    return u8(i) | u8(i + 1) << 8 | u8(i + 2) << 16 | static_cast<uint32_t>(u8(i + 3)) << 24;
  };
  std::vector<std::string> bitmaps;
  std::vector<std::string> chars;
  if (d.size() > 32 && u32(0) == 0x864ab572) {  // PSF2
    uint32_t header = u32(8), flags = u32(12), count = u32(16), size = u32(20);
    f.height = static_cast<int>(u32(24));
    f.width = static_cast<int>(u32(28));
    for (uint32_t g = 0; g < count; ++g)
      bitmaps.push_back(
          Expand(reinterpret_cast<const unsigned char*>(d.data()) + header + g * size, f.width, f.height));
    chars.assign(count, "");
    if (flags & 1) {
      size_t i = header + count * size;
      for (uint32_t g = 0; g < count && i < d.size(); ++g) {
        // UTF-8 code points until 0xFE (a sequence follows) or 0xFF (next glyph).
        size_t start = i;
        while (i < d.size() && u8(i) != 0xFF) ++i;
        std::string entry = d.substr(start, i - start);
        ++i;
        size_t end = entry.find('\xFE');
        if (end != std::string::npos) entry.resize(end);
        for (size_t k = 0; k < entry.size();) {
          unsigned char c0 = static_cast<unsigned char>(entry[k]);
          size_t n = c0 >= 0xF0 ? 4 : c0 >= 0xE0 ? 3 : c0 >= 0xC0 ? 2 : 1;
          uint32_t cp = n == 1 ? c0 : c0 & (0xFF >> (n + 1));
          for (size_t m = 1; m < n && k + m < entry.size(); ++m)
            cp = cp << 6 | (static_cast<unsigned char>(entry[k + m]) & 0x3F);
          f.bitmaps.emplace(cp, bitmaps[g]);
          k += n;
        }
        if (!entry.empty()) {
          size_t len = 1;
          unsigned char c = static_cast<unsigned char>(entry[0]);
          if (c >= 0xF0)
            len = 4;
          else if (c >= 0xE0)
            len = 3;
          else if (c >= 0xC0)
            len = 2;
          chars[g] = entry.substr(0, len);
        }
      }
    }
  } else if (d.size() > 4 && u8(0) == 0x36 && u8(1) == 0x04) {  // PSF1
    uint32_t count = (u8(2) & 1) ? 512 : 256;
    f.width = 8;
    f.height = u8(3);
    for (uint32_t g = 0; g < count; ++g)
      bitmaps.push_back(Expand(reinterpret_cast<const unsigned char*>(d.data()) + 4 + g * f.height, 8, f.height));
    chars.assign(count, "");
    if (u8(2) & 2) {
      size_t i = 4 + count * static_cast<size_t>(f.height);
      for (uint32_t g = 0; g < count && i + 1 < d.size(); ++g) {
        bool first = true;
        for (;;) {
          uint32_t v = u8(i) | u8(i + 1) << 8;
          i += 2;
          if (v == 0xFFFF) break;
          if (v == 0xFFFE) first = false;
          if (first && v != 0xFFFE) f.bitmaps.emplace(v, bitmaps[g]);
          if (first && v != 0xFFFE && chars[g].empty()) AppendUtf8(chars[g], v);
        }
      }
    }
  } else {
    throw std::runtime_error(path + ": not a PSF font");
  }
  for (size_t g = 0; g < bitmaps.size(); ++g) {
    std::string ch = chars[g].empty() ? "?" : chars[g];
    // The first glyph for a bitmap wins; a space glyph is the blank cell.
    f.glyphs.emplace(bitmaps[g], ch);
  }
  return f;
}

}  // namespace

std::string CanonicalForFont(const std::string& text, const std::string& psf) {
  Font font = LoadPsf(psf);
  std::string out;
  for (size_t k = 0; k < text.size();) {
    unsigned char c0 = static_cast<unsigned char>(text[k]);
    size_t n = c0 >= 0xF0 ? 4 : c0 >= 0xE0 ? 3 : c0 >= 0xC0 ? 2 : 1;
    uint32_t cp = n == 1 ? c0 : c0 & (0xFF >> (n + 1));
    for (size_t m = 1; m < n && k + m < text.size(); ++m)
      cp = cp << 6 | (static_cast<unsigned char>(text[k + m]) & 0x3F);
    auto bm = font.bitmaps.find(cp);
    auto glyph = bm == font.bitmaps.end() ? font.glyphs.end() : font.glyphs.find(bm->second);
    out += glyph == font.glyphs.end() ? text.substr(k, n) : glyph->second;
    k += n;
  }
  return out;
}

std::string ReadConsoleScreen(const std::string& ppm, const std::string& psf) {
  Font font = LoadPsf(psf);
  std::string d = ReadWhole(ppm);
  std::istringstream in(d);
  std::string magic;
  int w = 0, h = 0, maxv = 0;
  in >> magic >> w >> h >> maxv;
  if (magic != "P6" || w <= 0 || h <= 0 || maxv != 255) throw std::runtime_error(ppm + ": not a binary PPM");
  size_t data = static_cast<size_t>(in.tellg()) + 1;
  if (d.size() < data + static_cast<size_t>(w) * h * 3) throw std::runtime_error(ppm + ": short");
  auto pixel = [&](int x, int y) {
    size_t o = data + (static_cast<size_t>(y) * w + x) * 3;
    return static_cast<uint32_t>(static_cast<unsigned char>(d[o])) << 16 |
           static_cast<uint32_t>(static_cast<unsigned char>(d[o + 1])) << 8 | static_cast<unsigned char>(d[o + 2]);
  };
  std::string text;
  const int cols = w / font.width, rows = h / font.height;
  for (int r = 0; r < rows; ++r) {
    std::string line;
    for (int c = 0; c < cols; ++c) {
      std::map<uint32_t, int> colours;
      for (int y = 0; y < font.height; ++y)
        for (int x = 0; x < font.width; ++x) ++colours[pixel(c * font.width + x, r * font.height + y)];
      if (colours.size() == 1) {
        line += ' ';
        continue;
      }
      std::string found = "?";
      if (colours.size() == 2) {
        for (const auto& [fg, count] : colours) {
          std::string bits(static_cast<size_t>(font.width * font.height), '\0');
          for (int y = 0; y < font.height; ++y)
            for (int x = 0; x < font.width; ++x)
              bits[static_cast<size_t>(y * font.width + x)] =
                  pixel(c * font.width + x, r * font.height + y) == fg ? 1 : 0;
          auto it = font.glyphs.find(bits);
          if (it != font.glyphs.end()) {
            found = it->second;
            break;
          }
        }
      }
      line += found;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    text += line + "\n";
  }
  while (text.size() > 1 && text[text.size() - 1] == '\n' && text[text.size() - 2] == '\n') text.pop_back();
  return text;
}

}  // namespace qoima::testing

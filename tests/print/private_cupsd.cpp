#include "tests/print/private_cupsd.h"

#include "tests/fixtures/child_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "common/unique_fd.h"
#include "tests/print/sample_documents.h"

namespace qoima::print::testing {
namespace {

bool SocketAccepts(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

}  // namespace

PrivateCupsd::PrivateCupsd() : dir_("qoima-cups") {
  namespace fs = std::filesystem;
  const std::string& r = dir_.path();
  if (r.size() > 80) throw std::runtime_error("temp dir path too long for a UNIX socket: " + r);
  for (const char* d : {"etc/ppd", "spool/tmp", "cache", "state", "log", "out", "pdfspool"}) {
    fs::create_directories(dir_.Sub(d));
  }
  // Filters run as user lp: they must reach the spool; cups-pdf writes out/.
  ::chmod(r.c_str(), 0755);
  ::chmod(dir_.Sub("out").c_str(), 01777);
  ::chmod(dir_.Sub("pdfspool").c_str(), 01777);
  qoima::testing::WriteFile(dir_.Sub("etc/cupsd.conf"),
                            "Listen " + socket_path() +
                                "\n"
                                "LogLevel info\n"
                                "ErrorPolicy abort-job\n"
                                "JobRetryLimit 0\n"
                                "Browsing No\n"
                                "WebInterface No\n"
                                "DefaultAuthType None\n"
                                "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
                                "<Location /admin>\n  Order allow,deny\n  Allow all\n"
                                "</Location>\n"
                                "<Policy default>\n  <Limit All>\n    Order deny,allow\n"
                                "  </Limit>\n</Policy>\n");
  qoima::testing::WriteFile(dir_.Sub("etc/cups-files.conf"),
                            "ServerRoot " + dir_.Sub("etc") + "\nRequestRoot " + dir_.Sub("spool") + "\nTempDir " +
                                dir_.Sub("spool/tmp") + "\nCacheDir " + dir_.Sub("cache") + "\nStateDir " +
                                dir_.Sub("state") + "\nErrorLog " + error_log() + "\nAccessLog " +
                                dir_.Sub("log/access_log") + "\nPageLog " + dir_.Sub("log/page_log") +
                                "\nUser lp\nGroup lp\nSystemGroup root\n");
  qoima::testing::WriteFile(dir_.Sub("etc/cups-pdf.conf"), "Out " + output_dir() + "\nAnonDirName " + output_dir() +
                                                               "\nSpool " + dir_.Sub("pdfspool") + "\nLog " +
                                                               dir_.Sub("log") + "\nGrp root\n");
  const std::string script = "mount --bind " + dir_.Sub("etc") + " /etc/cups && exec cupsd -f -c " +
                             dir_.Sub("etc/cupsd.conf") + " -s " + dir_.Sub("etc/cups-files.conf");
  std::vector<std::string> args = {"unshare", "--mount", "--propagation", "private", "sh", "-c", script};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = dir_.Sub("log/cupsd.out");
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork for cupsd failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    if (out) ::dup2(STDOUT_FILENO, STDERR_FILENO);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (SocketAccepts(socket_path())) return;
    int st;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("cupsd exited at start-up: " + qoima::testing::ReadFile(log) + " see " + error_log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll interval, not a wait-for
  }
  throw std::runtime_error("cupsd socket " + socket_path() + " did not accept within 30 s");
}

PrivateCupsd::~PrivateCupsd() { qoima::testing::TerminateChild(pid_, std::chrono::seconds(10)); }

void PrivateCupsd::AddCupsPdfQueue(const std::string& name) {
  RunTool({"lpadmin", "-h", socket_path(), "-p", name, "-E", "-v", "cups-pdf:/", "-P",
           "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"});
}

void PrivateCupsd::DisableQueue(const std::string& name, const std::string& reason) {
  RunTool({"cupsdisable", "-h", socket_path(), "-r", reason, name});
}

std::vector<std::string> PrivateCupsd::OutputFiles() const {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(output_dir())) {
    if (e.path().extension() == ".pdf") files.push_back(e.path().string());
  }
  return files;
}

}  // namespace qoima::print::testing

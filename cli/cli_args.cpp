#include "cli/cli_args.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace qoima::appliance {

Result<CliArgs> CliArgs::Parse(const std::vector<std::string>& argv, const std::set<std::string>& flags) {
  CliArgs a;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& s = argv[i];
    if (s.size() > 2 && s.rfind("--", 0) == 0) {
      std::string name = s.substr(2);
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        a.values_.emplace(name.substr(0, eq), name.substr(eq + 1));
      } else if (flags.count(name)) {
        a.values_.emplace(name, "");
      } else {
        if (i + 1 >= argv.size()) return Status::InvalidArgument("option --" + name + " needs a value");
        a.values_.emplace(name, argv[++i]);
      }
    } else {
      a.positional_.push_back(s);
    }
  }
  return a;
}

std::optional<std::string> CliArgs::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string CliArgs::GetOr(const std::string& name, const std::string& fallback) const {
  return Get(name).value_or(fallback);
}

std::vector<std::string> CliArgs::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  auto [b, e] = values_.equal_range(name);
  for (auto it = b; it != e; ++it) out.push_back(it->second);
  return out;
}

std::vector<std::string> CliArgs::Names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : values_) out.push_back(k);
  return out;
}

Result<std::string> ReadSecret(const std::optional<std::string>& fd_option, const char* env, std::string_view what) {
  if (fd_option) {
    char* end = nullptr;
    long fd = std::strtol(fd_option->c_str(), &end, 10);
    if (!end || *end || fd < 0 || fd > 1023) return Status::InvalidArgument(std::string(what) + ": bad descriptor");
    std::string s;
    char buf[256];
    while (s.size() <= 1024) {
      ssize_t n = ::read(static_cast<int>(fd), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::FromErrno(errno, std::string("read ") + std::string(what) + " from fd " + *fd_option);
      if (n == 0) break;
      s.append(buf, static_cast<size_t>(n));
      if (s.find('\n') != std::string::npos) break;
    }
    size_t nl = s.find('\n');
    if (nl != std::string::npos) s.resize(nl);
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  }
  const char* v = std::getenv(env);
  if (v) return std::string(v);
  return Status::NotFound(std::string(what) + ": give it on a descriptor (--" +
                          (std::string(what) == "password" ? "password-fd" : "new-password-fd") + " N) or in $" + env);
}

namespace {

Result<std::string> ReadShareFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + what);
  std::string text;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxShareFileSize)
      return Status::LimitExceeded(what + ": larger than " + std::to_string(kMaxShareFileSize) + " bytes");
  }
  return text;
}

}  // namespace

Result<std::vector<std::string>> ReadRecoveryShares(const CliArgs& a) {
  std::vector<std::string> shares;
  auto add_lines = [&shares](const std::string& text) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.find_first_not_of(" \t\r") != std::string::npos) shares.push_back(line);
  };
  for (const std::string& path : a.GetAll("share-file")) {
    QOIMA_ASSIGN_OR_RETURN(std::string text, ReadShareFile(path, path));
    add_lines(text);
  }
  if (auto fd = a.Get("shares-fd")) {
    char* end = nullptr;
    long n = std::strtol(fd->c_str(), &end, 10);
    if (*end != '\0' || n < 0) return Status::InvalidArgument("--shares-fd: not a file descriptor: " + *fd);
    QOIMA_ASSIGN_OR_RETURN(std::string text, ReadShareFile("/proc/self/fd/" + std::to_string(n), "--shares-fd"));
    add_lines(text);
  }
  if (shares.empty())
    return Status::InvalidArgument("no recovery shares: give --share-file FILE (repeat) or --shares-fd N");
  return shares;
}

}  // namespace qoima::appliance

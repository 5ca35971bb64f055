#include "appliance/export/replay_ledger.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

namespace qoima::exporting {
namespace {
constexpr std::string_view kHeader = "qoima-export-ledger/1";
}

Result<ReplayLedger> ReplayLedger::Open(const std::string& path) {
  ReplayLedger l;
  l.path_ = path;
  l.fd_ = UniqueFd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_APPEND, 0600));
  if (!l.fd_) return Status::FromErrno(errno, "open ledger " + path);
  if (::flock(l.fd_.get(), LOCK_EX) != 0) return Status::FromErrno(errno, "lock ledger " + path);
  struct stat st {};
  if (::fstat(l.fd_.get(), &st) != 0) return Status::FromErrno(errno, "stat ledger " + path);
  if (static_cast<size_t>(st.st_size) > kMaxLedgerBytes)
    return Status::LimitExceeded("ledger " + path + " larger than " + std::to_string(kMaxLedgerBytes) + " bytes");
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::pread(l.fd_.get(), text.data() + off, text.size() - off, static_cast<off_t>(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::FromErrno(n < 0 ? errno : EIO, "read ledger " + path);
    off += static_cast<size_t>(n);
  }
  if (text.empty()) {
    std::string h = std::string(kHeader) + "\n";
    if (::write(l.fd_.get(), h.data(), h.size()) != static_cast<ssize_t>(h.size()) || ::fsync(l.fd_.get()) != 0)
      return Status::FromErrno(errno, "write ledger " + path);
    return l;
  }
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (lineno == 1) {
      if (line != kHeader) return Status::Corrupt("ledger " + path + " line 1: not a qoima export ledger");
      continue;
    }
    std::istringstream ls(line);
    std::string fp, id, at;
    uint64_t seq = 0;
    if (!(ls >> fp >> seq >> id >> at))
      return Status::Corrupt("ledger " + path + " line " + std::to_string(lineno) + ": malformed");
    auto& h = l.highest_[fp];
    if (seq > h) h = seq;
    l.ids_[id] = {seq, at};
  }
  return l;
}

std::optional<std::string> ReplayLedger::Check(const std::string& fp, uint64_t seq, const std::string& id) const {
  if (auto it = ids_.find(id); it != ids_.end())
    return "replay: export " + id + " (sequence " + std::to_string(it->second.sequence) + ") was already accepted at " +
           it->second.accepted_at + "; this bundle is not a new export";
  if (auto it = highest_.find(fp); it != highest_.end() && seq <= it->second)
    return "replay: sequence " + std::to_string(seq) + " is not newer than sequence " + std::to_string(it->second) +
           " already accepted from device " + fp.substr(0, 16) + "...; an older export is presented as new";
  return std::nullopt;
}

Status ReplayLedger::Record(const std::string& fp, uint64_t seq, const std::string& id, const std::string& at) {
  std::string line = fp + " " + std::to_string(seq) + " " + id + " " + at + "\n";
  if (::write(fd_.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return Status::FromErrno(errno, "append to ledger " + path_);
  if (::fsync(fd_.get()) != 0) return Status::FromErrno(errno, "fsync ledger " + path_);
  auto& h = highest_[fp];
  if (seq > h) h = seq;
  ids_[id] = {seq, at};
  return Status::Ok();
}

}  // namespace qoima::exporting

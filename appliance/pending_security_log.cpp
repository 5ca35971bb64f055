#include "appliance/pending_security_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/unique_fd.h"

namespace qoima::appliance {
namespace {

using nlohmann::json;

constexpr char kDroppedAction[] = "pending-log.dropped";

std::string Clip(const std::string& s, size_t n) { return s.size() <= n ? s : s.substr(0, n); }

std::string Field(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Status PendingSecurityLog::Append(const PendingSecurityEvent& e) {
  // Past the limit one marker line says that later failures were dropped, so
  // a flood of failed attempts cannot fill the disk.
  bool over = false;
  if (auto events = ReadAll(); events.ok() && events->size() >= max_events_) {
    if (events->back().action == kDroppedAction) return Status::Ok();
    over = true;
  }
  json j = over ? json{{"time", e.time},
                       {"action", kDroppedAction},
                       {"code", "limit_exceeded"},
                       {"message", "more than " + std::to_string(max_events_) +
                                       " failures before the store could be opened: later ones were not recorded"}}
                : json{{"time", e.time},
                       {"action", Clip(e.action, 100)},
                       {"code", Clip(e.code, 100)},
                       {"message", Clip(e.message, kMaxLineBytes / 2)}};
  std::string line = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd) return Status::FromErrno(errno, "open " + path_);
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return Status::FromErrno(errno, "append to " + path_);
  if (::fsync(fd.get()) != 0) return Status::FromErrno(errno, "fsync " + path_);
  return Status::Ok();
}

Result<std::vector<PendingSecurityEvent>> PendingSecurityLog::ReadAll() const {
  std::vector<PendingSecurityEvent> events;
  std::ifstream in(path_, std::ios::binary);
  if (!in) return events;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line) && events.size() <= max_events_) {
    ++number;
    if (line.empty()) continue;
    json j = json::parse(Clip(line, kMaxLineBytes * 2), nullptr, false);
    if (j.is_discarded() || !j.is_object() || Field(j, "action").empty()) {
      events.push_back({"", "pending-log.unreadable", "corrupt", path_ + ": line " + std::to_string(number)});
      continue;
    }
    PendingSecurityEvent e;
    e.time = Field(j, "time");
    e.action = Field(j, "action");
    e.code = Field(j, "code");
    e.message = Field(j, "message");
    events.push_back(std::move(e));
  }
  return events;
}

Status PendingSecurityLog::Clear() {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) return Status::FromErrno(errno, "remove " + path_);
  return Status::Ok();
}

}  // namespace qoima::appliance

#include "hardware/printer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <regex>
#include <thread>

#include "common/subprocess.h"
#include "common/unique_fd.h"

namespace qoima::hardware {
namespace {

constexpr std::chrono::seconds kClientTimeout{30};

SubprocessOptions ClientOptions() {
  SubprocessOptions o;
  o.timeout = kClientTimeout;
  o.extra_env = {"LC_ALL=C", "LANG=C"};  // parse untranslated messages
  return o;
}

std::string FirstLine(const std::string& s) {
  std::string line = s.substr(0, s.find('\n'));
  return line.empty() ? std::string("(no message)") : line;
}

/// The one place a CUPS client's failure becomes a Status.
Status ClientError(const std::string& what, const SubprocessResult& r, const std::string& queue,
                   const std::string& server) {
  const std::string msg = FirstLine(r.err.empty() ? r.out : r.err);
  if (r.timed_out) return Status::Timeout(what + ": print server " + server + " did not answer");
  if (msg.find("Unable to connect") != std::string::npos || msg.find("No such file") != std::string::npos ||
      msg.find("Connection refused") != std::string::npos ||
      msg.find("scheduler is not running") != std::string::npos) {
    return Status::FailedPrecondition(what + ": print server " + server + " is not running: " + msg);
  }
  if (msg.find("Invalid destination") != std::string::npos || msg.find("does not exist") != std::string::npos ||
      msg.find("Unknown destination") != std::string::npos || msg.find("not found") != std::string::npos) {
    return Status::NotFound(what + ": printer queue '" + queue + "' does not exist on " + server + ": " + msg);
  }
  return Status::IoError(what + ": " + r.Describe());
}

/// "attribute (type) = value" lines of `ipptool -v`.
std::string IppValue(const std::string& out, const std::string& name) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex("\\n\\s*" + name + " \\([^)]*\\) = ([^\\n]*)"))) return m[1];
  return std::string();
}

std::string PercentEncodePath(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '/') {
      out += "%2F";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

CupsPrinter::CupsPrinter(CupsConfig config) : config_(std::move(config)) {}

std::string CupsPrinter::Server() const {
  if (!config_.server.empty()) return config_.server;
  if (const char* env = std::getenv("CUPS_SERVER"); env && *env) return env;
  return "/run/cups/cups.sock";
}

std::string CupsPrinter::JobUri(const std::string& job_number) const {
  const std::string server = Server();
  const std::string host = server.front() == '/' ? PercentEncodePath(server) : server;
  return "ipp://" + host + "/jobs/" + job_number;
}

Status CupsPrinter::CheckQueue() const {
  if (config_.queue.empty()) {
    return Status::FailedPrecondition(
        "no printer is configured: set the printer queue in the appliance settings, or save the PDF to export media");
  }
  const std::string server = Server();
  QOIMA_ASSIGN_OR_RETURN(SubprocessResult running, RunSubprocess({"lpstat", "-h", server, "-r"}, ClientOptions()));
  if (running.out.find("scheduler is running") == std::string::npos) {
    if (running.err.empty()) running.err = "scheduler is not running";
    return ClientError("check printer " + config_.queue, running, config_.queue, server);
  }
  QOIMA_ASSIGN_OR_RETURN(SubprocessResult r,
                         RunSubprocess({"lpstat", "-h", server, "-p", config_.queue}, ClientOptions()));
  if (!r.success() || r.out.find("printer " + config_.queue + " ") == std::string::npos) {
    if (r.success()) r.err = "Invalid destination name: " + config_.queue;
    return ClientError("check printer " + config_.queue, r, config_.queue, server);
  }
  if (r.out.find(" disabled") != std::string::npos) {
    std::string reason = r.out.substr(r.out.find('\n') + 1);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ' || reason.back() == '\t')) {
      reason.pop_back();
    }
    size_t start = reason.find_first_not_of(" \t");
    reason = start == std::string::npos ? std::string("no reason given") : reason.substr(start);
    return Status::FailedPrecondition("printer " + config_.queue + " on " + server + " is stopped: " + reason);
  }
  return Status::Ok();
}

Result<PrintedJob> CupsPrinter::Print(const PrintRequest& request) {
  QOIMA_RETURN_IF_ERROR(CheckQueue());
  if (request.copies < 1 || request.copies > kMaxCopies) {
    return Status::InvalidArgument("print: " + std::to_string(request.copies) + " copies requested, allowed 1.." +
                                   std::to_string(kMaxCopies));
  }
  {
    UniqueFd fd(::open(request.pdf_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return Status::FromErrno(errno, "print: open " + request.pdf_path);
    char magic[5] = {};
    if (::read(fd.get(), magic, sizeof magic) != 5 || std::string(magic, 5) != "%PDF-") {
      return Status::InvalidArgument("print: " + request.pdf_path + " is not a PDF");
    }
  }
  const std::string server = Server();
  std::vector<std::string> argv = {"lp", "-h", server, "-d", config_.queue, "-n", std::to_string(request.copies)};
  if (!request.title.empty()) {
    argv.push_back("-t");
    argv.push_back(request.title);
  }
  argv.push_back("--");
  argv.push_back(request.pdf_path);
  QOIMA_ASSIGN_OR_RETURN(SubprocessResult submitted, RunSubprocess(argv, ClientOptions()));
  if (!submitted.success()) return ClientError("print to " + config_.queue, submitted, config_.queue, server);
  std::smatch m;
  if (!std::regex_search(submitted.out, m, std::regex("request id is (\\S+)-(\\d+)"))) {
    return Status::IoError("print to " + config_.queue + ": lp did not report a job id: " + FirstLine(submitted.out));
  }
  PrintedJob job{m[1].str() + "-" + m[2].str(), config_.queue};
  const std::string number = m[2];

  const auto deadline = std::chrono::steady_clock::now() + config_.timeout;
  while (true) {
    QOIMA_ASSIGN_OR_RETURN(
        SubprocessResult q,
        RunSubprocess({"ipptool", "-tv", JobUri(number), "get-job-attributes.test"}, ClientOptions()));
    if (!q.success()) return ClientError("query job " + job.job_id, q, config_.queue, server);
    const std::string state = IppValue(q.out, "job-state");
    if (state == "completed") return job;
    if (state == "aborted" || state == "canceled" || state == "processing-stopped") {
      std::string why = IppValue(q.out, "job-printer-state-message");
      if (why.empty()) why = IppValue(q.out, "job-state-reasons");
      std::string what = state;
      if (state == "processing-stopped") {
        // Stopped on an error (e.g. a filter failed): take the job back so it
        // does not print later, unexpectedly.
        (void)RunSubprocess({"cancel", "-h", server, job.job_id}, ClientOptions());
        what = "stopped (and is now cancelled)";
      }
      return Status::IoError("print job " + job.job_id + " was " + what +
                             " by the print server: " + (why.empty() ? std::string("no reason given") : why) +
                             "; the PDF is saved and can be printed again");
    }
    if (state.empty()) { return Status::IoError("query job " + job.job_id + ": no job-state in the server's answer"); }
    if (Status queue = CheckQueue(); !queue.ok()) {
      // The printer stopped on this job (error policy stop-printer): take the
      // job back so it does not print later, unexpectedly.
      (void)RunSubprocess({"cancel", "-h", server, job.job_id}, ClientOptions());
      return queue.WithContext("print job " + job.job_id + " cancelled");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Timeout("print job " + job.job_id + " is still " + state + " after " +
                             std::to_string(config_.timeout.count() / 1000) + " s; it stays queued on " +
                             config_.queue);
    }
    std::this_thread::sleep_for(config_.poll_interval);
  }
}

}  // namespace qoima::hardware

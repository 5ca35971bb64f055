#include "appliance/export/export_medium.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/subprocess.h"

namespace qoima::exporting {
namespace {

constexpr size_t kMaxStderrBytes = 4096;
// mtools refuses devices whose geometry it cannot derive unless told not to check.
const std::vector<std::string> kMtoolsEnv = {"MTOOLS_SKIP_CHECK=1"};

// Writes into the mcopy child's stdin; refuses to cross FAT32's file size limit.
class PipeSink : public ByteSink {
 public:
  PipeSink(PipedChild* child, std::string name) : child_(child), name_(std::move(name)) {}
  Status Write(std::span<const uint8_t> data) override {
    if (bytes_ + data.size() > kMaxFatFileBytes)
      return Status::LimitExceeded("bundle larger than the FAT32 file limit (4 GiB - 1) of the export medium " + name_);
    // A child that died (medium full) must not kill us with SIGPIPE: block it
    // on this thread while writing and swallow the one a failed write raised.
    sigset_t pipe_set, old_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    Status result;
    while (!data.empty()) {
      ssize_t n = ::write(child_->pipe_fd(), data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int err = errno;
        if (err == EPIPE) {
          const timespec zero{0, 0};
          sigtimedwait(&pipe_set, nullptr, &zero);
          // The child's own message says why (e.g. "Disk full").
          child_->ClosePipe();
          result = child_->Wait().WithContext("mcopy to " + name_ + " stopped reading");
          if (result.ok()) result = Status::IoError("mcopy to " + name_ + " stopped reading early");
        } else {
          result = Status::FromErrno(err, "write to mcopy for " + name_);
        }
        break;
      }
      data = data.subspan(static_cast<size_t>(n));
      bytes_ += static_cast<uint64_t>(n);
    }
    pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
    return result;
  }
  Status Close() override {
    child_->ClosePipe();
    return child_->Wait().WithContext("mcopy to " + name_);
  }

 private:
  PipedChild* child_;
  std::string name_;
  uint64_t bytes_ = 0;
};

bool ValidLabel(const std::string& l) {
  if (l.empty() || l.size() > 11) return false;
  for (char c : l)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace

Result<std::unique_ptr<PipedChild>> PipedChild::Start(const std::vector<std::string>& argv, Direction dir,
                                                      const std::vector<std::string>& extra_env) {
  std::unique_ptr<PipedChild> c(new PipedChild());
  c->name_ = argv.at(0);
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe for " + c->name_);
  UniqueFd rd(p[0]), wr(p[1]);
  c->err_ = UniqueFd(::memfd_create("qoima-child-stderr", MFD_CLOEXEC));
  if (!c->err_) return Status::FromErrno(errno, "memfd for " + c->name_);
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  for (const auto& e : extra_env) env_store.push_back(e);
  std::vector<char*> envp, args;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_store = argv;
  for (auto& a : argv_store) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return Status::FromErrno(errno, "fork for " + c->name_);
  if (pid == 0) {
    if (dir == Direction::kWriteStdin)
      ::dup2(rd.get(), 0);
    else
      ::dup2(wr.get(), 1);
    ::dup2(c->err_.get(), 2);
    ::execvpe(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  c->pid_ = pid;
  c->pipe_ = dir == Direction::kWriteStdin ? std::move(wr) : std::move(rd);
  return c;
}

PipedChild::~PipedChild() {
  if (pid_ > 0) {
    pipe_.reset();
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

Status PipedChild::Wait() {
  if (pid_ <= 0) return Status::Ok();
  int st = 0;
  while (::waitpid(pid_, &st, 0) < 0) {
    if (errno != EINTR) return Status::FromErrno(errno, "wait for " + name_);
  }
  pid_ = -1;
  std::string err(kMaxStderrBytes, '\0');
  ssize_t n = ::pread(err_.get(), err.data(), err.size(), 0);
  err.resize(n > 0 ? static_cast<size_t>(n) : 0);
  while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) err.pop_back();
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return Status::Ok();
  std::string why = WIFEXITED(st) ? "exit " + std::to_string(WEXITSTATUS(st)) : "killed by signal";
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127) why = "could not be started (not installed?)";
  return Status::IoError(name_ + " " + why + (err.empty() ? "" : ": " + err));
}

Status FatMediumTarget::Check() {
  if (!ValidLabel(label_))
    return Status::InvalidArgument("export medium label '" + label_ + "': 1-11 characters A-Z, 0-9, _");
  struct stat st {};
  if (::stat(device_.c_str(), &st) != 0) return Status::FromErrno(errno, "export medium " + device_);
  if (!S_ISBLK(st.st_mode)) return Status::InvalidArgument("export medium " + device_ + " is not a block device");
  return Status::Ok();
}

Result<ByteSink*> FatMediumTarget::Begin(const std::string& bundle_name) {
  name_ = bundle_name;
  auto mk = RunChecked({"mkfs.vfat", "-F", "32", "-I", "-n", label_, device_});
  if (!mk.ok()) return mk.status().WithContext("format export medium " + device_);
  QOIMA_ASSIGN_OR_RETURN(writer_, PipedChild::Start({"mcopy", "-i", device_, "-", "::" + name_},
                                                    PipedChild::Direction::kWriteStdin, kMtoolsEnv));
  sink_ = std::make_unique<PipeSink>(writer_.get(), Describe());
  return sink_.get();
}

Status FatMediumTarget::FlushDevice() {
  UniqueFd fd(::open(device_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Status::FromErrno(errno, "open " + device_);
  if (::fsync(fd.get()) != 0) return Status::FromErrno(errno, "fsync " + device_);
  // Drop the device's buffer cache so the read-back reads the medium.
  if (::ioctl(fd.get(), BLKFLSBUF, 0) != 0) return Status::FromErrno(errno, "flush buffers of " + device_);
  return Status::Ok();
}

Status FatMediumTarget::Commit() {
  QOIMA_RETURN_IF_ERROR(sink_->Close());
  return FlushDevice();
}

Result<UniqueFd> FatMediumTarget::OpenReadBack() {
  QOIMA_ASSIGN_OR_RETURN(reader_, PipedChild::Start({"mcopy", "-i", device_, "::" + name_, "-"},
                                                    PipedChild::Direction::kReadStdout, kMtoolsEnv));
  return reader_->ReleasePipe();
}

Status FatMediumTarget::FinishReadBack() {
  if (!reader_) return Status::Ok();
  return reader_->Wait().WithContext("read back " + Describe());
}

void FatMediumTarget::Discard() {
  sink_.reset();
  writer_.reset();
  reader_.reset();
  if (!name_.empty()) {
    SubprocessOptions o;
    o.extra_env = kMtoolsEnv;
    (void)RunSubprocess({"mdel", "-i", device_, "::" + name_}, o);
  }
}

}  // namespace qoima::exporting

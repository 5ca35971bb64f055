#include "appliance/act_on_medium.h"

#include <algorithm>

#include "appliance/manifest_parser.h"
#include "crypto/hash.h"

namespace qoima::appliance {
namespace {

using hardware::EntryHeader;
using hardware::EntrySelection;

std::string FileName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// Takes the candidates' heads. Whatever the child sends is checked against
// what was asked: a reader that sends more is refused.
class CandidateSink final : public hardware::MediaSink {
 public:
  explicit CandidateSink(const EntrySelection& selection) : selection_(selection) {}

  Status OnEntry(const EntryHeader& h) override {
    if (!hardware::Selected(selection_, h) || files_.size() >= selection_.max_files)
      return Status::Corrupt("the reader sent " + h.display_path + ", which was not asked for");
    current_ = h;
    head_.clear();
    return Status::Ok();
  }
  Status OnData(std::span<const uint8_t> chunk) override {
    if (head_.size() + chunk.size() > selection_.head_bytes)
      return Status::Corrupt("the reader sent more of " + current_.display_path + " than asked for");
    head_.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    return Status::Ok();
  }
  Status OnEntryEnd(bool complete) override {
    ActCandidate c;
    c.raw_path = current_.raw_path;
    c.path = current_.display_path;
    c.size = current_.size;
    c.mtime = current_.mtime_sec;
    const bool whole = complete && head_.size() == current_.size;
    std::string why;
    auto form = RecognizeManifestStart(head_, whole, FileName(c.raw_path), &why);
    if (form)
      c.form = ManifestFormatName(*form);
    else
      c.note = why;
    files_.push_back(std::move(c));
    return Status::Ok();
  }
  Status OnArchiveMember(const hardware::ArchiveMember&) override {
    return Status::Corrupt("the reader listed an archive it was not asked to");
  }
  Status OnProblem(const hardware::MediaProblem&) override { return Status::Ok(); }

  std::vector<ActCandidate> Take() { return std::move(files_); }

 private:
  const EntrySelection& selection_;
  EntryHeader current_;
  std::string head_;
  std::vector<ActCandidate> files_;
};

// Takes the one file asked for, whole.
class ActFileSink final : public hardware::MediaSink {
 public:
  ActFileSink(const EntrySelection& selection, ActFileOnMedium& out) : selection_(selection), out_(out) {}

  Status OnEntry(const EntryHeader& h) override {
    if (!hardware::Selected(selection_, h) || seen_)
      return Status::Corrupt("the reader sent " + h.display_path + ", which was not asked for");
    seen_ = true;
    if (h.size > kMaxManifestBytes)
      return Status::LimitExceeded(h.display_path + " is " + std::to_string(h.size) +
                                   " bytes, more than an act may be (" + std::to_string(kMaxManifestBytes) + ")");
    out_.raw_path = h.raw_path;
    out_.path = h.display_path;
    out_.size = h.size;
    out_.mtime = h.mtime_sec;
    out_.bytes.reserve(static_cast<size_t>(h.size));
    return Status::Ok();
  }
  Status OnData(std::span<const uint8_t> chunk) override {
    if (out_.bytes.size() + chunk.size() > out_.size)
      return Status::Corrupt("the reader sent more than the file holds");
    out_.bytes.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    return Status::Ok();
  }
  Status OnEntryEnd(bool complete) override {
    complete_ = complete && out_.bytes.size() == out_.size;
    return Status::Ok();
  }
  Status OnArchiveMember(const hardware::ArchiveMember&) override {
    return Status::Corrupt("the reader listed an archive it was not asked to");
  }
  Status OnProblem(const hardware::MediaProblem& p) override {
    if (!problem_.empty()) return Status::Ok();
    problem_ = std::string(hardware::ProblemClassName(p.cls)) + ": " + p.message;
    return Status::Ok();
  }

  bool seen() const { return seen_; }
  bool complete() const { return complete_; }
  const std::string& problem() const { return problem_; }

 private:
  const EntrySelection& selection_;
  ActFileOnMedium& out_;
  bool seen_ = false;
  bool complete_ = false;
  std::string problem_;
};

}  // namespace

const std::vector<std::string>& ActFileSuffixes() {
  // The forms' usual file names: JSON, a table as CSV or text, Word and
  // Excel, and the names hash tools give their lists.
  static const std::vector<std::string> suffixes = {
      ".json", ".csv",  ".tsv",       ".txt",        ".tab",       ".docx",     ".xlsx",     ".sha256",
      ".sha",  ".hash", ".sha256sum", ".sha256sums", "SHA256SUMS", "sha256sum", "checksums", "hashes"};
  return suffixes;
}

Result<ActCandidates> FindActCandidates(hardware::MediaReader& reader, const std::string& device,
                                        const hardware::ReadOptions& base) {
  hardware::ReadOptions options = base;
  options.select.mode = EntrySelection::Mode::kCandidates;
  options.select.suffixes = ActFileSuffixes();
  options.select.max_file_bytes = kMaxManifestBytes;
  options.select.head_bytes = kActCandidateHeadBytes;
  options.select.max_files = kMaxActCandidates;
  CandidateSink sink(options.select);
  auto read = reader.Read(device, options, sink);
  if (!read.ok()) return read.status().WithContext("look for act files on " + device);
  ActCandidates out;
  out.device = device;
  out.volume_label = read->volume_label;
  out.files = sink.Take();
  out.more = out.files.size() >= kMaxActCandidates;
  std::stable_partition(out.files.begin(), out.files.end(), [](const ActCandidate& c) { return !c.form.empty(); });
  return out;
}

Result<ActFileOnMedium> ReadActFromMedium(hardware::MediaReader& reader, const std::string& device,
                                          const std::string& path, const hardware::ReadOptions& base) {
  if (path.empty()) return Status::InvalidArgument("no act file named on " + device);
  std::string raw = path;
  for (int attempt = 0; attempt < 2; ++attempt) {
    hardware::ReadOptions options = base;
    options.select.mode = EntrySelection::Mode::kPath;
    options.select.path = raw;
    ActFileOnMedium out;
    ActFileSink sink(options.select, out);
    auto read = reader.Read(device, options, sink);
    if (!read.ok()) return read.status().WithContext("read the act " + path + " from " + device);
    if (sink.seen()) {
      if (!sink.complete())
        return Status::MediaUnreadable("the act " + path + " on " + device + " could not be read whole" +
                                       (sink.problem().empty() ? "" : ": " + sink.problem()));
      out.device = device;
      out.volume_label = read->volume_label;
      out.sha256 = crypto::Hex(crypto::Sha256::Digest(std::string_view(out.bytes)));
      return out;
    }
    if (attempt > 0) break;
    // Not a raw path: the display form of a listed candidate, which
    // differs from its bytes only for names shown escaped or normalized.
    QOIMA_ASSIGN_OR_RETURN(ActCandidates listed, FindActCandidates(reader, device, base));
    auto it = std::find_if(listed.files.begin(), listed.files.end(),
                           [&](const ActCandidate& c) { return c.path == path && c.raw_path != path; });
    if (it == listed.files.end()) break;
    raw = it->raw_path;
  }
  return Status::NotFound("no file " + path + " on " + device + " (qoima scan --acts " + device +
                          " lists the act files it holds)");
}

}  // namespace qoima::appliance

// qoima-read: reads a medium or image with the sandboxed reader and prints
// what it found. A diagnostic and benchmark driver, not the intake path.
// Names are printed through VisibleText (hidden characters escaped).
//   qoima-read [--list] [--no-sandbox] [--fs=NAME] DEVICE   (NAME: a row of fs_readers.h's table)
// Exit 0 when the read was accepted, 1 when it failed, 2 on usage errors.
#include <cstdio>
#include <cstring>
#include <string>

#include "common/visible_text.h"
#include "hardware/fs_readers.h"
#include "hardware/media_reader.h"

namespace {

using namespace qoima;
using namespace qoima::hardware;

// The --fs values, from the filesystem table: "iso9660, udf, ...".
std::string FilesystemNames() {
  std::string out;
  for (const auto& fs : Filesystems()) out += (out.empty() ? "" : ", ") + std::string(fs.name);
  return out;
}

class PrintSink : public MediaSink {
 public:
  explicit PrintSink(bool list) : list_(list) {}
  Status OnEntry(const EntryHeader& h) override {
    if (list_)
      std::printf("%-8s %12llu %s%s%s\n", std::string(EntryTypeName(h.type)).c_str(),
                  static_cast<unsigned long long>(h.size), VisibleText(h.display_path).c_str(),
                  h.link_target.empty() ? "" : " -> ", VisibleText(h.link_target).c_str());
    return Status::Ok();
  }
  Status OnData(std::span<const uint8_t> chunk) override {
    bytes_ += chunk.size();
    return Status::Ok();
  }
  Status OnEntryEnd(bool) override { return Status::Ok(); }
  Status OnArchiveMember(const ArchiveMember& m) override {
    if (list_)
      std::printf("  member %12llu %s%s\n", static_cast<unsigned long long>(m.size), VisibleText(m.name).c_str(),
                  m.encrypted ? " [encrypted]" : "");
    return Status::Ok();
  }
  Status OnProblem(const MediaProblem& p) override {
    std::fprintf(stderr, "problem %s: %s%s%s (offset %lld)\n", std::string(ProblemClassName(p.cls)).c_str(),
                 VisibleText(p.message).c_str(), p.path.empty() ? "" : " at ", VisibleText(p.path).c_str(),
                 static_cast<long long>(p.offset));
    return Status::Ok();
  }
  uint64_t bytes() const { return bytes_; }

 private:
  bool list_;
  uint64_t bytes_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  bool list = false, sandbox = true;
  ReadOptions opt;
  std::string device;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--list") {
      list = true;
    } else if (a == "--no-sandbox") {
      sandbox = false;
    } else if (a.rfind("--fs=", 0) == 0) {
      std::string fs = a.substr(5);
      const Filesystem* row = FindFilesystemByName(fs);
      if (row == nullptr) {
        std::fprintf(stderr, "unknown filesystem %s (one of: %s)\n", fs.c_str(), FilesystemNames().c_str());
        return 2;
      }
      opt.fs_hint = row->hint;
    } else if (!a.empty() && a[0] != '-' && device.empty()) {
      device = a;
    } else {
      std::fprintf(stderr, "usage: qoima-read [--list] [--no-sandbox] [--fs=TYPE] DEVICE\n");
      return 2;
    }
  }
  if (device.empty()) {
    std::fprintf(stderr, "usage: qoima-read [--list] [--no-sandbox] [--fs=TYPE] DEVICE\n");
    return 2;
  }
  PrintSink sink(list);
  auto r = sandbox ? ReadMedia(device, opt, sink) : ReadMediaUnsandboxed(device, opt, sink);
  if (!r.ok()) {
    std::fprintf(stderr, "qoima-read: %s\n", r.status().ToString().c_str());
    return 1;
  }
  std::printf("filesystem=%s label=%s entries=%llu files=%llu bytes=%llu members=%llu problems=%llu\n",
              r->filesystem.c_str(), r->volume_label.c_str(), static_cast<unsigned long long>(r->entries),
              static_cast<unsigned long long>(r->files), static_cast<unsigned long long>(sink.bytes()),
              static_cast<unsigned long long>(r->archive_members), static_cast<unsigned long long>(r->problems));
  return 0;
}

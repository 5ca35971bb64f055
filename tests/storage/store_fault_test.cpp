// I/O faults: injected ENOSPC / EIO on object writes, closes, creates,
// directory fsyncs and the deposit's syncfs barrier (FaultEnv), and a real
// ext4 on a loop device that fills up (SQLite's own writes hit ENOSPC too). Each intake fails cleanly: nothing
// half-stored, earlier deposits intact, the store and the log verify.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

#include "common/subprocess.h"
#include "common/unique_fd.h"
#include "storage/store.h"
#include "tests/fixtures/loop_device.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/storage/fake_store_keys.h"
#include "tests/storage/fault_env.h"
#include "tests/storage/store_test_util.h"

using namespace qoima::storage;
using namespace qoima::testing;
using qoima::Code;
namespace fs = std::filesystem;

namespace {

const Actor kClerk{"clerk1", "clerk"};

size_t CountObjectFiles(const std::string& state_dir) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(state_dir + "/objects"))
    n += e.is_regular_file() && e.path().parent_path().filename() != "tmp" ? 1 : 0;  // not pending rows
  return n;
}

std::vector<TestFile> Files() {
  return {{"a.c", std::string(150000, 'a')}, {"b.c", "bbb"}, {"c/d.c", std::string(70000, 'd')}};
}

/// Runs one intake; returns its status (the pending deposit is dropped on failure).
qoima::Status Intake(Store& store, int64_t obj, const std::vector<TestFile>& files) {
  DepositSpec spec;
  spec.object_id = obj;
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<PendingDeposit> pending, store.BeginDeposit(spec));
  for (const TestFile& f : files) {
    QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<ObjectWriter> w,
                           pending->AddFile({Bytes(f.path), f.path, std::nullopt, f.category, std::nullopt}));
    for (size_t off = 0; off < f.content.size(); off += 8192) {
      QOIMA_RETURN_IF_ERROR(w->Write(Bytes(std::string_view(f.content).substr(off, 8192))));
    }
    QOIMA_RETURN_IF_ERROR(w->Finish().status());
  }
  return store.CommitDeposit(std::move(pending), kClerk).status();
}

}  // namespace

TEST_CASE("store intake fails cleanly on every injected write, close, create, dir-fsync and barrier fault") {
  struct Case {
    FaultEnv::Op op;
    int err;
    Code code;
    const char* name;
  };
  const Case cases[] = {
      {FaultEnv::Op::kAppend, ENOSPC, Code::kNoSpace, "write ENOSPC"},
      {FaultEnv::Op::kAppend, EIO, Code::kIoError, "write EIO"},
      {FaultEnv::Op::kSyncFs, EIO, Code::kIoError, "syncfs barrier EIO"},
      {FaultEnv::Op::kSyncFs, ENOSPC, Code::kNoSpace, "syncfs barrier ENOSPC"},
      {FaultEnv::Op::kClose, EIO, Code::kIoError, "close EIO"},
      {FaultEnv::Op::kSyncDir, EIO, Code::kIoError, "dir fsync EIO"},
      {FaultEnv::Op::kCreate, ENOSPC, Code::kNoSpace, "create ENOSPC"},
  };
  TempDir dir;
  FakeStoreKeys keys;
  FaultEnv env(Env::Default());
  StoreOptions options;
  options.env = &env;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys, options);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  REQUIRE(Intake(**store, obj, {{"first.c", "committed before the faults"}}).ok());
  int64_t deposits_before = 1;
  for (const Case& c : cases) {
    // Every occurrence of the call during one intake, first to last.
    for (int nth = 1;; ++nth) {
      INFO(c.name << " at call " << nth);
      uint64_t audit_before = *(*store)->audit().Size();
      env.Arm(c.op, nth, c.err);
      qoima::Status s = Intake(**store, obj, Files());
      bool fired = env.fired();
      env.Disarm();
      if (!fired) {
        // The intake ran past the last such call: it must have succeeded.
        REQUIRE(s.ok());
        ++deposits_before;
        break;
      }
      REQUIRE_FALSE(s.ok());
      CHECK(s.code() == c.code);
      CHECK(s.message().find("injected fault") != std::string::npos);
      CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM deposits") == deposits_before);
      CHECK(*(*store)->audit().Size() == audit_before);
      CHECK(CountObjectFiles(dir.Sub("state")) == static_cast<size_t>(deposits_before));  // one pack each
      CHECK(fs::is_empty(dir.Sub("state/objects/tmp")));
    }
  }
  auto scrub = (*store)->VerifyStore();
  REQUIRE(scrub.ok());
  CHECK(scrub->ok());
  CHECK((*store)->VerifyAudit()->ok());
}

namespace {

/// Counts per-object fsyncs and barrier syncs, and what the database held
/// when the barrier ran.
class CountingEnv : public EnvWrapper {
 public:
  explicit CountingEnv(Env& target) : EnvWrapper(target) {}
  qoima::Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f, target().NewWritableFile(path));
    return std::unique_ptr<WritableFile>(new File(*this, std::move(f)));
  }
  qoima::Result<std::unique_ptr<FilesystemSync>> NewFilesystemSync(const std::string& dir) override {
    QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<FilesystemSync> s, target().NewFilesystemSync(dir));
    return std::unique_ptr<FilesystemSync>(new Barrier(*this, std::move(s)));
  }
  int file_syncs = 0;
  int barriers = 0;
  std::function<void()> on_barrier;

 private:
  class File : public WritableFile {
   public:
    File(CountingEnv& env, std::unique_ptr<WritableFile> f) : env_(env), f_(std::move(f)) {}
    qoima::Status Append(std::span<const uint8_t> d) override { return f_->Append(d); }
    qoima::Status Sync() override {
      ++env_.file_syncs;
      return f_->Sync();
    }
    qoima::Status Close() override { return f_->Close(); }

   private:
    CountingEnv& env_;
    std::unique_ptr<WritableFile> f_;
  };
  class Barrier : public FilesystemSync {
   public:
    Barrier(CountingEnv& env, std::unique_ptr<FilesystemSync> s) : env_(env), s_(std::move(s)) {}
    qoima::Status Sync() override {
      ++env_.barriers;
      if (env_.on_barrier) env_.on_barrier();
      return s_->Sync();
    }

   private:
    CountingEnv& env_;
    std::unique_ptr<FilesystemSync> s_;
  };
};

}  // namespace

TEST_CASE("store makes a deposit's objects durable with one barrier before its rows commit") {
  TempDir dir;
  FakeStoreKeys keys;
  CountingEnv env(Env::Default());
  StoreOptions options;
  options.env = &env;
  auto store = OpenOrCreateStore(dir.Sub("state"), keys, options);
  REQUIRE(store.ok());
  int64_t obj = AddInformatizationObject(**store);
  std::vector<TestFile> many;
  for (int i = 0; i < 300; ++i) many.push_back({"src/f" + std::to_string(i) + ".c", std::string(100 + i, 'x')});
  int64_t deposits_at_barrier = -1;
  size_t files_at_barrier = 0;
  uintmax_t bytes_at_barrier = 0;
  env.on_barrier = [&] {
    deposits_at_barrier = *(*store)->db().QueryInt("SELECT count(*) FROM deposits");
    files_at_barrier = CountObjectFiles(dir.Sub("state"));
    for (const auto& e : fs::recursive_directory_iterator(dir.Sub("state/objects")))
      if (e.is_regular_file() && e.path().parent_path().filename() != "tmp") bytes_at_barrier += e.file_size();
  };
  REQUIRE(Intake(**store, obj, many).ok());
  CHECK(env.file_syncs == 1);  // the deposit's journal, once per pack; none per object (that was 2 per file)
  CHECK(env.barriers == 1);
  // The barrier ran with every object written to the deposit's one pack and
  // before the deposit row existed.
  CHECK(deposits_at_barrier == 0);
  CHECK(files_at_barrier == 1);
  CHECK(static_cast<int64_t>(bytes_at_barrier) == *(*store)->db().QueryInt("SELECT sum(sealed_size) FROM objects"));
  CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM objects") == static_cast<int64_t>(many.size()));
  CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM deposits") == 1);
  auto scrub = (*store)->VerifyStore();
  REQUIRE(scrub.ok());
  CHECK(scrub->ok());
}

namespace {

/// A tiny ext4 on a loop device, mounted for the test and unmounted after.
class TinyExt4 {
 public:
  explicit TinyExt4(const TempDir& dir, const std::string& size) : image_(dir.Sub("fs.img")), mnt_(dir.Sub("mnt")) {
    REQUIRE(qoima::RunChecked({"truncate", "-s", size, image_}).ok());
    REQUIRE(qoima::RunChecked({"mkfs.ext4", "-q", "-F", "-m", "0", "-b", "1024", "-O", "^has_journal", image_}).ok());
    fs::create_directories(mnt_);
    loop_ = std::make_unique<LoopDevice>(image_, false);
    {
      // Another test may have left BLKROSET on this (reused) loop device: clear it.
      qoima::UniqueFd dev(::open(loop_->path().c_str(), O_RDONLY | O_CLOEXEC));
      REQUIRE(dev.valid());
      int ro = 0;
      REQUIRE(::ioctl(dev.get(), BLKROSET, &ro) == 0);
    }
    int rc = ::mount(loop_->path().c_str(), mnt_.c_str(), "ext4", 0, nullptr);
    INFO("mount " << loop_->path() << " on " << mnt_ << ": " << std::strerror(errno));
    REQUIRE(rc == 0);
    mounted_ = true;
  }
  ~TinyExt4() {
    if (mounted_) ::umount2(mnt_.c_str(), 0);
  }
  const std::string& mnt() const { return mnt_; }

 private:
  std::string image_;
  std::string mnt_;
  std::unique_ptr<LoopDevice> loop_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE("store on a real ext4 that fills up fails intakes cleanly and keeps what was committed") {
  TempDir dir;
  TinyExt4 disk(dir, "6M");
  FakeStoreKeys keys;
  std::string state = disk.mnt() + "/state";
  std::vector<int64_t> committed;
  qoima::Status failure;
  // Space held back for the second phase, and every fan-out directory made
  // up front so that phase two needs blocks only for objects and the database.
  WriteFile(disk.mnt() + "/reserve", std::string(192 * 1024, 'r'));
  fs::create_directories(state + "/objects");
  for (int i = 0; i < 256; ++i) {
    char name[3];
    std::snprintf(name, sizeof name, "%02x", i);
    fs::create_directories(state + "/objects/" + name);
  }
  {
    auto store = OpenOrCreateStore(state, keys);
    REQUIRE(store.ok());
    int64_t obj = AddInformatizationObject(**store);
    for (int i = 0; i < 100 && failure.ok(); ++i) {
      uint64_t audit_before = *(*store)->audit().Size();
      failure = Intake(**store, obj, {{"part" + std::to_string(i), std::string(400000, char('a' + i % 26))}});
      if (failure.ok()) {
        committed.push_back(*(*store)->db().QueryInt("SELECT max(id) FROM deposits"));
      } else {
        CHECK(*(*store)->audit().Size() == audit_before);
      }
    }
  }
  REQUIRE_FALSE(failure.ok());
  INFO(failure.ToString());
  CHECK(failure.code() == Code::kNoSpace);
  REQUIRE(committed.size() >= 3);
  // Phase two: a little space again, an intake whose objects fit but whose
  // database rows do not (long paths): SQLite itself meets ENOSPC.
  {
    // Take whatever the failed intake gave back, then release the reserve.
    FILE* filler = std::fopen((disk.mnt() + "/filler").c_str(), "wb");
    REQUIRE(filler != nullptr);
    std::string block(1024, 'f');
    while (std::fwrite(block.data(), 1, block.size(), filler) == block.size() && std::fflush(filler) == 0) {}
    std::fclose(filler);
  }
  fs::remove(disk.mnt() + "/reserve");
  {
    auto store = OpenOrCreateStore(state, keys);
    REQUIRE(store.ok());
    uint64_t audit_before = *(*store)->audit().Size();
    int64_t obj = *(*store)->db().QueryInt("SELECT id FROM informatization_objects");
    std::vector<TestFile> long_paths;
    for (int i = 0; i < 60; ++i) long_paths.push_back({std::to_string(i) + "/" + std::string(3500, 'p'), "x"});
    qoima::Status s = Intake(**store, obj, long_paths);
    REQUIRE_FALSE(s.ok());
    INFO(s.ToString());
    CHECK(s.code() == Code::kNoSpace);
    CHECK(s.message().find("full") != std::string::npos);
    CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM deposits") == static_cast<int64_t>(committed.size()));
    CHECK(*(*store)->audit().Size() == audit_before);
  }
  // After a restart every committed deposit is whole and nothing else remains.
  auto store = OpenOrCreateStore(state, keys);
  REQUIRE(store.ok());
  CHECK(*(*store)->db().QueryInt("SELECT count(*) FROM deposits") == static_cast<int64_t>(committed.size()));
  auto scrub = (*store)->VerifyStore();
  REQUIRE(scrub.ok());
  CHECK(scrub->ok());
  CHECK(scrub->objects == committed.size());
  CHECK((*store)->VerifyAudit()->ok());
}

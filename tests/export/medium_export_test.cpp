// Export onto a dedicated medium: a real loop device formatted FAT32 by the
// appliance and written through mtools, read back from the device, then
// checked independently (fsck.fat, mcopy out of the image, the verifier).
#include <catch2/catch.hpp>

#include <filesystem>

#include "appliance/export/export_medium.h"
#include "common/subprocess.h"
#include "tests/export/export_fixture.h"
#include "tests/fixtures/loop_device.h"

using namespace qoima;
using namespace qoima::testing;

namespace {
void MakeImage(const std::string& path, uint64_t mb) {
  auto r = RunChecked({"truncate", "-s", std::to_string(mb) + "M", path});
  REQUIRE(r.ok());
}
}  // namespace

TEST_CASE("export to a FAT32 stick on a loop device: formatted, streamed with mtools, read back and verified") {
  ExportFixture f;
  const std::string image = f.dir.Sub("stick.img");
  MakeImage(image, 64);
  LoopDevice stick(image, /*read_only=*/false);
  exporting::FatMediumTarget target(stick.path(), "QOIMA_EXP");
  exporting::DepositMetadata md{"17", "obj", "1", "act-1", "00"};
  auto src = exporting::DirectoryPayloadSource::Create(f.payload_dir, md);
  REQUIRE(src.ok());
  exporting::ExportRequest req;
  req.approval = f.Approval();
  req.target = &target;
  auto rc = f.exporter->Export(**src, req);
  INFO(rc.status().ToString());
  REQUIRE(rc.ok());
  CHECK(rc->output_path == stick.path() + ":qoima-export-000001.tar");
  stick.Detach();

  // Independently: the filesystem is clean, labelled, and holds the bundle, which verifies.
  auto fsck = RunSubprocess({"fsck.fat", "-n", image});
  REQUIRE(fsck.ok());
  INFO(fsck->out << fsck->err);
  CHECK(fsck->exit_code == 0);
  SubprocessOptions o;
  o.extra_env = {"MTOOLS_SKIP_CHECK=1"};
  auto dir = RunChecked({"mdir", "-i", image, "::"}, o);
  REQUIRE(dir.ok());
  CHECK(dir->out.find("QOIMA_EXP") != std::string::npos);
  CHECK(dir->out.find("qoima-export-000001.tar") != std::string::npos);
  REQUIRE(RunChecked({"mcopy", "-i", image, "::qoima-export-000001.tar", f.dir.Sub("copy.tar")}, o).ok());
  auto r = f.Verify(f.dir.Sub("copy.tar"));
  INFO(Describe(r));
  CHECK(r.ok());
  CHECK(r.bundle_sha256 == rc->bundle_sha256);
}

TEST_CASE("export to a medium too small for the bundle fails and leaves no bundle on it") {
  ExportFixture f(40 * 1024 * 1024);
  const std::string image = f.dir.Sub("small.img");
  MakeImage(image, 36);
  LoopDevice stick(image, /*read_only=*/false);
  exporting::FatMediumTarget target(stick.path(), "QOIMA_EXP");
  exporting::DepositMetadata md{"17", "obj", "1", "act-1", "00"};
  auto src = exporting::DirectoryPayloadSource::Create(f.payload_dir, md);
  REQUIRE(src.ok());
  exporting::ExportRequest req;
  req.approval = f.Approval();
  req.target = &target;
  auto rc = f.exporter->Export(**src, req);
  REQUIRE_FALSE(rc.ok());
  INFO(rc.status().ToString());
  CHECK(rc.status().message().find(stick.path()) != std::string::npos);
  CHECK(rc.status().message().find("mcopy") != std::string::npos);
  stick.Detach();
  SubprocessOptions o;
  o.extra_env = {"MTOOLS_SKIP_CHECK=1"};
  auto dir = RunSubprocess({"mdir", "-i", image, "::"}, o);
  REQUIRE(dir.ok());
  CHECK(dir->out.find("qoima-export-000001.tar") == std::string::npos);
}

TEST_CASE("export medium: a regular file or a bad label is refused before anything is written") {
  ExportFixture f;
  WriteFile(f.dir.Sub("not-a-device"), "x");
  exporting::FatMediumTarget file_target(f.dir.Sub("not-a-device"), "QOIMA_EXP");
  CHECK(file_target.Check().message().find("is not a block device") != std::string::npos);
  exporting::FatMediumTarget bad_label("/dev/null", "qoima export!");
  CHECK(bad_label.Check().code() == Code::kInvalidArgument);
  CHECK(bad_label.Check().message().find("label 'qoima export!'") != std::string::npos);
}

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "appliance/lifecycle/tree_checksum.h"
#include "common/subprocess.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using namespace qoima::appliance;
using namespace qoima::appliance::lifecycle;

TEST_CASE("root hash equals the stock sha256sum pipeline over a tree with Kazakh names") {
  testing::TempDir dir;
  auto sample = testing::MakeSampleTree(dir.path(), 256 * 1024);
  auto sum = ChecksumDirectory(dir.path());
  INFO(sum.status().ToString());
  REQUIRE(sum.ok());
  CHECK(sum->tree.files.size() == sample.size());
  CHECK(sum->non_regular.empty());

  auto stock = RunChecked({"bash", "-c",
                           "cd \"$1\" && find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 sha256sum | "
                           "sha256sum | cut -c1-64",
                           "root", dir.path()});
  REQUIRE(stock.ok());
  CHECK(stock->out == crypto::Hex(sum->tree.root) + "\n");

  // The listing parses back to the same tree and root.
  auto listing = ParseSha256sumListing(Sha256sumListing(sum->tree.files), "list");
  REQUIRE(listing.ok());
  CHECK(listing->root == sum->tree.root);
  CHECK(CompareTrees(sum->tree, *listing).empty());
}

TEST_CASE("checksum verify reports every difference and never follows links") {
  testing::TempDir dir;
  testing::WriteFile(dir.Sub("bin/қойма"), "v1 executable");
  testing::WriteFile(dir.Sub("bin/lib.so"), "library");
  testing::WriteFile(dir.Sub("conf/app.conf"), "x=1");
  auto stored = ChecksumDirectory(dir.path());
  REQUIRE(stored.ok());

  testing::WriteFile(dir.Sub("bin/қойма"), "v1 executable, patched");  // changed
  REQUIRE(::unlink(dir.Sub("conf/app.conf").c_str()) == 0);            // missing
  testing::WriteFile(dir.Sub("bin/backdoor"), "extra");                // extra
  REQUIRE(::unlink(dir.Sub("bin/lib.so").c_str()) == 0);
  REQUIRE(::symlink("/etc/passwd", dir.Sub("bin/lib.so").c_str()) == 0);  // a link where a file was
  REQUIRE(::mkfifo(dir.Sub("bin/pipe").c_str(), 0600) == 0);              // never opened (would block)

  auto now = ChecksumDirectory(dir.path());
  REQUIRE(now.ok());
  auto diff = CompareTrees(stored->tree, now->tree, now->non_regular);
  REQUIRE(diff.size() == 5);
  CHECK(diff[0].path == "bin/backdoor");
  CHECK(diff[0].kind == TreeDifferenceKind::kExtra);
  CHECK(diff[1].path == "bin/lib.so");
  CHECK(diff[1].kind == TreeDifferenceKind::kNotRegular);
  CHECK(diff[1].detail.find("symbolic link to /etc/passwd") != std::string::npos);
  CHECK(diff[2].path == "bin/pipe");
  CHECK(diff[2].kind == TreeDifferenceKind::kNotRegular);
  CHECK(diff[3].path == "bin/қойма");
  CHECK(diff[3].kind == TreeDifferenceKind::kChanged);
  CHECK(diff[3].detail.find("size 13") != std::string::npos);
  CHECK(diff[4].path == "conf/app.conf");
  CHECK(diff[4].kind == TreeDifferenceKind::kMissing);
  CHECK(now->tree.root != stored->tree.root);
}

TEST_CASE("sha256sum listings: escapes, errors name the line") {
  FileChecksum odd{"dir/a\\b\nc", 3, crypto::Sha256::Digest("abc")};
  auto t = MakeTreeChecksum({odd});
  REQUIRE(t.ok());
  std::string listing = Sha256sumListing(t->files);
  CHECK(listing.front() == '\\');
  auto back = ParseSha256sumListing(listing, "l");
  REQUIRE(back.ok());
  CHECK(back->files[0].path == odd.path);

  auto bad = ParseSha256sumListing(std::string(64, 'a') + "  x\nnot a line\n", "ref.sha256");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "ref.sha256: line 2: not a sha256sum line ('<64 hex digits>  <path>')");
  auto dup = ParseSha256sumListing(std::string(64, 'a') + "  x\n" + std::string(64, 'b') + "  ./x\n", "ref");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().message().find("'x' is listed twice") != std::string::npos);
  auto hex = ParseSha256sumListing(std::string(63, 'a') + "g  x\n", "ref");
  CHECK(hex.status().message().find("line 1: '") != std::string::npos);
}

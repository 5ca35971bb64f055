#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "appliance/act_creator.h"
#include "appliance/act_document.h"
#include "appliance/manifest_parser.h"
#include "appliance/sha256_digest.h"
#include "common/subprocess.h"
#include "tests/fixtures/media_factory.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using namespace qoima::appliance;

TEST_CASE("act create hashes a Kazakh tree like sha256sum and the manifest parses back") {
  testing::TempDir dir;
  auto files = testing::MakeSampleTree(dir.Sub("tree"), 256 * 1024);
  ActCreateOptions o;
  o.application = "IS-0042";
  o.software_name = "Е-Қойма";
  o.disc = "Е-Қойма 1.0 диск 1";
  o.now_unix = static_cast<int64_t>(::time(nullptr));
  auto act = CreateActFromDirectory(dir.Sub("tree"), o);
  REQUIRE(act.ok());
  CHECK(act->manifest.entries.size() == files.size());
  CHECK(act->manifest.digest == Sha256Hex(act->json));
  for (const auto& e : act->manifest.entries) {
    auto ref = RunChecked({"sha256sum", dir.Sub("tree") + "/" + e.path});
    REQUIRE(ref.ok());
    CHECK(ref->out.substr(0, 64) == e.sha256);
  }
  testing::WriteFile(dir.Sub("act.json"), act->json);
  ManifestParseOptions po;
  po.now_unix = o.now_unix;
  po.expected_application = "IS-0042";
  auto back = LoadManifestFile(dir.Sub("act.json"), po);
  REQUIRE(back.ok());
  CHECK(back->digest == act->manifest.digest);
  CHECK(back->entries.size() == files.size());

  std::string text = RenderActText(ActFromManifest(*back));
  CHECK(text.find("ҚАБЫЛДАУ-БЕРУ АКТІСІ") != std::string::npos);
  CHECK(text.find(act->manifest.digest) != std::string::npos);
}

TEST_CASE("act create refuses symlinks and empty directories") {
  testing::TempDir dir;
  ActCreateOptions o{"IS-1", "X", "", "", "", "", "", static_cast<int64_t>(::time(nullptr))};
  ::mkdir(dir.Sub("empty").c_str(), 0755);
  CHECK(CreateActFromDirectory(dir.Sub("empty"), o).status().code() == Code::kInvalidArgument);
  testing::WriteFile(dir.Sub("t/a.c"), "x");
  REQUIRE(::symlink("/etc/passwd", dir.Sub("t/link").c_str()) == 0);
  auto r = CreateActFromDirectory(dir.Sub("t"), o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("link") != std::string::npos);
}

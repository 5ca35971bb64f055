// JSON from outside (act manifests, Annex 1 forms, a bundle's audit proof) is
// refused when it nests deeper than its format needs, at the bracket that
// crosses the limit and before any parser allocates for the nesting. The
// memory is measured exactly (every allocation and free, tests/fixtures/
// heap_limit.h), never timed.
#include <catch2/catch.hpp>

#include <string>

#include "appliance/application.h"
#include "appliance/export/audit_proof.h"
#include "appliance/manifest_parser.h"
#include "tests/fixtures/heap_limit.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using namespace qoima::appliance;

namespace {

ManifestParseOptions Opts() {
  ManifestParseOptions o;
  o.now_unix = 1767225600;
  return o;
}

// An act whose "files" array opens `depth` more arrays: the attack that made
// the parser hold hundreds of MiB before it refused.
std::string DeepAct(size_t depth) {
  return "{\"format\": \"qoima-act-manifest\", \"version\": 1,\n \"files\": " + std::string(depth, '[') +
         std::string(depth, ']') + "}\n";
}

// The heap an act's refusal may cost: the 1 MiB pieces the file is read in,
// their digest and the parser's own state, with room to spare.
constexpr size_t kRefusalBudget = 8u << 20;

}  // namespace

TEST_CASE("a deeply nested JSON act file is refused at its bracket before memory grows") {
  qoima::testing::TempDir dir;
  const std::string path = dir.Sub("deep.json");
  // 24 MiB of '[' and ']': the old structural scan held a frame for every
  // '[' of the file (~100 bytes each, over 1 GiB here) before refusing.
  qoima::testing::WriteFile(path, DeepAct(12u << 20));
  Status refusal;
  auto run = qoima::testing::RunWithinHeap(kRefusalBudget, [&] {
    auto m = LoadManifestFile(path, Opts());
    refusal = m.status();
    return !m.ok();
  });
  INFO("peak heap " << run.peak_bytes << " bytes; " << refusal.ToString());
  CHECK(run.ok);
  CHECK(run.within);
  CHECK(refusal.code() == Code::kLimitExceeded);
  // Line 2, column 14: the fifth bracket (object, files array, three more).
  CHECK(refusal.message() == path + ":2:14: JSON nested deeper than 4 levels (an act needs 3)");
}

TEST_CASE("a deeply nested JSON act text is refused the same way") {
  const std::string text = DeepAct(4u << 20);
  Status refusal;
  auto run = qoima::testing::RunWithinHeap(kRefusalBudget, [&] {
    auto m = ParseManifest(text, "deep.json", Opts());
    refusal = m.status();
    return !m.ok();
  });
  INFO("peak heap " << run.peak_bytes << " bytes; " << refusal.ToString());
  CHECK(run.ok);
  CHECK(run.within);
  CHECK(refusal.message() == "deep.json:2:14: JSON nested deeper than 4 levels (an act needs 3)");
  // The act's own nesting (object, files array, file object) passes the scan.
  auto ok = ParseManifest(
      "{\"format\": \"qoima-act-manifest\", \"version\": 1, \"application\": \"IS-1\", \"software\": "
      "{\"name\": \"S\"}, \"files\": [{\"path\": \"a\", \"size\": 1, \"sha256\": \"" +
          std::string(64, 'a') + "\", \"category\": \"source_code\"}]}",
      "flat.json", Opts());
  CHECK(ok.ok());
}

TEST_CASE("Annex 1 forms and a bundle's audit proof refuse deep nesting naming line and column") {
  const std::string deep_form = "{\"portal_code\": \"IS-1\",\n \"owner\": {\"contact\": {\"x\": [[1]]}}}";
  auto form = ParseApplicationForm(deep_form, "form.json");
  REQUIRE_FALSE(form.ok());
  CHECK(form.status().code() == Code::kLimitExceeded);
  CHECK(form.status().message() == "form.json: line 2, column 30: JSON nested deeper than 4 levels");
  auto plain =
      ParseApplicationForm("{\"portal_code\": \"IS-1\", \"owner\": {\"contact\": {\"surname\": \"Ә\"}}}", "form.json");
  CHECK(plain.ok());
  std::string big(kMaxApplicationFormBytes + 1, ' ');
  CHECK(ParseApplicationForm(big, "form.json").status().code() == Code::kLimitExceeded);

  auto proof = exporting::ParseProof("{\"audit_path\": [[\"00\"]]}");
  REQUIRE_FALSE(proof.ok());
  CHECK(proof.status().code() == Code::kLimitExceeded);
  CHECK(proof.status().message().find("line 1, column 17: JSON nested deeper than 2 levels") != std::string::npos);
}

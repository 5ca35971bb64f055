#include <catch2/catch.hpp>

#include "appliance/print/verification_line.h"

namespace qoima::print {
namespace {

VerificationLine Sample() {
  VerificationLine v;
  v.act_id = "QA-2026-000117";
  v.deposit_root = std::string(64, 'a');
  v.manifest_digest = std::string(32, '0') + std::string(32, 'f');
  v.checkpoint_size = 48213;
  v.checkpoint_root = std::string(64, '7');
  v.key_fingerprint = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  return v;
}

TEST_CASE("verification payload round-trips") {
  const VerificationLine v = Sample();
  const std::string payload = EncodeVerificationPayload(v);
  CHECK(payload.rfind("QOIMA-ACT1;act=QA-2026-000117;root=", 0) == 0);
  CHECK(payload.find(";cp=48213:") != std::string::npos);
  auto parsed = ParseVerificationPayload(payload);
  REQUIRE(parsed.ok());
  CHECK(*parsed == v);
  CHECK(VerifyPayload(payload, v).ok());
}

TEST_CASE("a typed payload with line breaks and upper-case hex verifies") {
  const VerificationLine v = Sample();
  std::string typed = EncodeVerificationPayload(v);
  for (const char* field : {"root=", "manifest=", "key="}) {
    const size_t at = typed.find(field) + std::string(field).size();
    for (size_t i = at; i < at + kSha256HexLength; ++i) {
      if (typed[i] >= 'a' && typed[i] <= 'f') typed[i] = static_cast<char>(typed[i] - 'a' + 'A');
    }
  }
  typed = typed.substr(0, 60) + "\n  " + typed.substr(60, 90) + " " + typed.substr(150);
  auto parsed = ParseVerificationPayload(typed);
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  CHECK(*parsed == v);
}

TEST_CASE("verification rejects a changed hash and names the field") {
  const VerificationLine v = Sample();
  VerificationLine store = v;
  store.deposit_root[63] = 'b';
  Status st = VerifyPayload(EncodeVerificationPayload(v), store);
  CHECK(st.code() == Code::kCorrupt);
  CHECK(st.message().find("deposit root") != std::string::npos);
  CHECK(st.message().find("manifest") == std::string::npos);

  store = v;
  store.checkpoint_size += 1;
  store.key_fingerprint[0] = 'f';
  st = VerifyPayload(EncodeVerificationPayload(v), store);
  CHECK(st.code() == Code::kCorrupt);
  CHECK(st.message().find("checkpoint size") != std::string::npos);
  CHECK(st.message().find("key fingerprint") != std::string::npos);
}

TEST_CASE("malformed payloads are rejected with the field named") {
  const std::string good = EncodeVerificationPayload(Sample());
  struct Case {
    std::string text;
    const char* expect;
  };
  std::string short_root = good;
  short_root.erase(short_root.find("root=") + 5, 1);
  std::string bad_size = good;
  bad_size.replace(bad_size.find("cp=") + 3, 5, "4x213");
  std::string bad_id = good;
  bad_id.replace(bad_id.find("act=") + 4, 2, "Q!");
  const Case cases[] = {
      {"", "does not start with"},
      {"QOIMA-ACT2;act=x", "does not start with"},
      {good.substr(0, good.find(";key=")), "fields"},
      {short_root, "deposit root"},
      {bad_size, "checkpoint size"},
      {bad_id, "act id"},
      {std::string(kMaxVerificationPayload + 1, 'a'), "limit"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseVerificationPayload(c.text);
    INFO(c.text.substr(0, 80) << " -> " << parsed.status().ToString());
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().message().find(c.expect) != std::string::npos);
  }
  CHECK(ParseVerificationPayload(std::string(kMaxVerificationPayload + 1, 'a')).status().code() ==
        Code::kLimitExceeded);
}

}  // namespace
}  // namespace qoima::print

namespace qoima::print {
namespace {

// The payload comes from a scanner or a keyboard: every single-byte change of
// a valid payload must either be rejected or parse to values that no longer
// verify against the original (never crash, never silently match).
TEST_CASE("every byte change of a payload is rejected or fails verification") {
  const VerificationLine v = Sample();
  const std::string good = EncodeVerificationPayload(v);
  const char replacements[] = {'0', '9', 'a', 'f', 'A', 'z', ';', '=', ':', '-', '\0', '\xff'};
  int rejected = 0, mismatched = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    for (char r : replacements) {
      if (good[i] == r) continue;
      std::string bad = good;
      bad[i] = r;
      auto parsed = ParseVerificationPayload(bad);
      if (!parsed.ok()) {
        ++rejected;
        continue;
      }
      // Upper-casing a hex digit is the one change that keeps the meaning.
      const bool same_meaning = r >= 'A' && r <= 'F' && good[i] == r - 'A' + 'a';
      INFO("offset " << i << " -> '" << r << "'");
      if (same_meaning) {
        CHECK(VerifyPayload(bad, v).ok());
      } else {
        CHECK(CompareVerification(*parsed, v).code() == Code::kCorrupt);
        ++mismatched;
      }
    }
  }
  CHECK(rejected > 0);
  CHECK(mismatched > 0);
}

}  // namespace
}  // namespace qoima::print

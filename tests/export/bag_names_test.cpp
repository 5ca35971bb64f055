#include <catch2/catch.hpp>

#include "appliance/export/bag_names.h"

using namespace qoima;
using exporting::BagNameMapper;

TEST_CASE("bag names: NFD becomes NFC, Kazakh letters and spaces are kept") {
  BagNameMapper m;
  auto a = m.Map("Қаза\xd0\xb8\xcc\x86/файл ә.txt");  // и + combining breve
  REQUIRE(a.ok());
  CHECK(*a == "Қазай/файл ә.txt");
}

TEST_CASE("bag names: controls, backslash, percent and invalid UTF-8 become '_'") {
  auto n = BagNameMapper::Normalize(
      "a\nb\\c%d\xff"
      "e\x7f.txt");
  REQUIRE(n.ok());
  CHECK(*n == "a_b_c_d_e_.txt");
}

TEST_CASE("bag names: collisions after normalization get ~2, ~3 before the extension") {
  BagNameMapper m;
  CHECK(*m.Map("dir/й.txt") == "dir/й.txt");
  CHECK(*m.Map("dir/\xd0\xb8\xcc\x86.txt") == "dir/й~2.txt");
  CHECK(*m.Map("dir/\xd0\xb8\xcc\x86.txt") == "dir/й~3.txt");
  CHECK(*m.Map("x\x01") == "x_");
  CHECK(*m.Map("x\x02") == "x_~2");
}

TEST_CASE("bag names: a file name that a later path needs as a directory is refused") {
  BagNameMapper m;
  REQUIRE(m.Map("a").ok());
  auto r = m.Map("a/b");
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(r.status().message().find("needs directory 'a'") != std::string::npos);
}

TEST_CASE("bag names: empty, absolute, '.' and '..' components are refused with the path") {
  BagNameMapper m;
  for (const char* bad : {"", "/etc/passwd", "a/../b", "./a", "a//b", "a/"}) {
    INFO(bad);
    CHECK_FALSE(m.Map(bad).ok());
  }
  CHECK(m.Map("a/../b").status().message().find("a/../b") != std::string::npos);
}

TEST_CASE("bag names: over-long and over-deep paths hit the named limits") {
  CHECK(BagNameMapper::Normalize(std::string(exporting::kMaxRawPathBytes + 1, 'a')).status().code() ==
        Code::kLimitExceeded);
  std::string deep;
  for (size_t i = 0; i <= exporting::kMaxPathComponents; ++i) deep += "d/";
  deep += "f";
  CHECK(BagNameMapper::Normalize(deep).status().code() == Code::kLimitExceeded);
}

TEST_CASE("bag names: raw name encoding round-trips every byte value") {
  std::string all;
  for (int i = 1; i < 256; ++i) all.push_back(static_cast<char>(i));
  all += "Қазақ";
  std::string enc = BagNameMapper::EncodeRaw(all);
  CHECK(enc.find('\n') == std::string::npos);
  CHECK(enc.find('\t') == std::string::npos);
  auto dec = BagNameMapper::DecodeRaw(enc);
  REQUIRE(dec.ok());
  CHECK(*dec == all);
  CHECK(BagNameMapper::EncodeRaw("100%") == "100%25");
  CHECK_FALSE(BagNameMapper::DecodeRaw("bad%4").ok());
  CHECK_FALSE(BagNameMapper::DecodeRaw("bad%zz").ok());
}

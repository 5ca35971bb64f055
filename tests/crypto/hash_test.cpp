#include <algorithm>
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "common/subprocess.h"
#include "crypto/hash.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;

TEST_CASE("sha256 and sha512 of known vectors") {
  CHECK(crypto::Hex(crypto::Sha256::Digest("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(crypto::Hex(crypto::Sha256::Digest("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(crypto::Hex(crypto::Sha512::Digest("abc")) ==
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST_CASE("streaming hashes match sha256sum and sha512sum of the same bytes") {
  testing::TempDir dir;
  std::string path = dir.Sub("data.bin");
  std::vector<uint8_t> bytes(1 << 20 | 12345);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>((i * 2654435761u) >> 13);
  {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  crypto::Sha256 h256;
  crypto::Sha512 h512;
  // Uneven pieces exercise the streaming path.
  size_t off = 0, piece = 1;
  while (off < bytes.size()) {
    size_t n = std::min(piece, bytes.size() - off);
    std::span<const uint8_t> s(bytes.data() + off, n);
    h256.Update(s);
    h512.Update(s);
    off += n;
    piece = piece * 3 + 7;
  }
  std::string hex256 = crypto::Hex(h256.Finish());
  std::string hex512 = crypto::Hex(h512.Finish());
  auto out256 = RunChecked({"sha256sum", path});
  auto out512 = RunChecked({"sha512sum", path});
  REQUIRE(out256.ok());
  REQUIRE(out512.ok());
  CHECK(out256->out.substr(0, 64) == hex256);
  CHECK(out512->out.substr(0, 128) == hex512);
}

TEST_CASE("hasher refuses reuse after Finish") {
  crypto::Sha256 h;
  h.Update("x");
  (void)h.Finish();
  CHECK_THROWS_AS(h.Update("y"), std::logic_error);
  CHECK_THROWS_AS(h.Finish(), std::logic_error);
}

TEST_CASE("hex round trip and rejection of bad hex") {
  std::string out;
  REQUIRE(crypto::FromHex("00ffA0", out));
  CHECK(out == std::string("\x00\xff\xa0", 3));
  CHECK_FALSE(crypto::FromHex("abc", out));
  CHECK_FALSE(crypto::FromHex("zz", out));
}

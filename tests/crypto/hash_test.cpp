#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>

#include <fstream>
#include <string>
#include <vector>

#include "common/subprocess.h"
#include "crypto/hash.h"
#include "crypto/kdf.h"
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

namespace {
std::vector<uint8_t> Unhex(const std::string& hex) {
  std::vector<uint8_t> v;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    v.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return v;
}
std::string Derive(const std::string& ikm, const std::string& salt, const std::string& info, size_t length) {
  std::vector<uint8_t> out(length);
  crypto::HkdfSha256Into(Unhex(ikm), Unhex(salt), Unhex(info), out);
  return crypto::Hex(out);
}
}  // namespace

TEST_CASE("hkdf-sha256 gives RFC 5869's vectors and what openssl kdf derives") {
  // RFC 5869 A.1 (basic) and A.3 (zero-length salt and info).
  CHECK(Derive("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
               42) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  // RFC 5869 A.2: salt, key and info longer than SHA-256's 64-byte block
  // (HMAC hashes such a key first).
  CHECK(
      Derive("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
             "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
             "404142434445464748494a4b4c4d4e4f",
             "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
             "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
             "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
             "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
             "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
             "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
             82) ==
      "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8"
      "367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
  CHECK(Derive("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42) ==
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  // The shapes the store uses (32-byte key, 32-byte salt, an object id as
  // info) and lengths around the block size, against OpenSSL's own HKDF.
  const std::string key = "4f1c2a7e9b0d3f6a8c5e7b1d2f4a6c8e0b3d5f7a9c1e3b5d7f9a2c4e6b8d0f1a";
  const std::string salt = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
  const std::string info = crypto::Hex(crypto::AsBytes("qoima-object-subkey-v1 0123abcd.00000042"));
  for (size_t length : {1u, 31u, 32u, 33u, 64u, 100u, 255u * 32u}) {
    auto cli = RunChecked({"openssl", "kdf", "-keylen", std::to_string(length), "-kdfopt", "digest:SHA256", "-kdfopt",
                           "hexkey:" + key, "-kdfopt", "hexsalt:" + salt, "-kdfopt", "hexinfo:" + info, "HKDF"});
    REQUIRE(cli.ok());
    std::string expected;
    for (char c : cli->out)
      if (std::isxdigit(static_cast<unsigned char>(c))) expected += static_cast<char>(std::tolower(c));
    CHECK(Derive(key, salt, info, length) == expected);
  }
}

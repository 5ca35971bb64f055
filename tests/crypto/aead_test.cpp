#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "crypto/aead.h"

using namespace qoima;
using crypto::AeadFormat;
using crypto::DataKey;

namespace {

std::vector<uint8_t> Pattern(size_t n, uint8_t seed = 1) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 31 + seed + (i >> 8));
  return v;
}

constexpr uint32_t kSmallChunk = 1024;
constexpr size_t kRecord = kSmallChunk + AeadFormat::kTagSize;

// Opens `ct` by feeding it in `piece`-sized parts.
Result<std::vector<uint8_t>> OpenInPieces(const DataKey& key, std::string_view id, const std::vector<uint8_t>& ct,
                                          size_t piece) {
  std::vector<uint8_t> out;
  auto opener = crypto::AeadOpener::Create(key, id, [&](std::span<const uint8_t> b) {
    out.insert(out.end(), b.begin(), b.end());
    return Status::Ok();
  });
  if (!opener.ok()) return opener.status();
  for (size_t off = 0; off < ct.size(); off += piece) {
    Status st = (*opener)->Update({ct.data() + off, std::min(piece, ct.size() - off)});
    if (!st.ok()) return st;
  }
  Status st = (*opener)->Finish();
  if (!st.ok()) return st;
  return out;
}

}  // namespace

TEST_CASE("aead round trip across sizes, piece sizes and chunk boundaries") {
  DataKey key = DataKey::Generate();
  for (size_t size : {size_t{0}, size_t{1}, size_t{kSmallChunk - 1}, size_t{kSmallChunk}, size_t{kSmallChunk + 1},
                      size_t{3 * kSmallChunk}, size_t{5 * kSmallChunk + 77}}) {
    CAPTURE(size);
    auto plain = Pattern(size);
    // Seal in uneven pieces too.
    std::vector<uint8_t> ct;
    auto sealer = crypto::AeadSealer::Create(
        key, "obj",
        [&](std::span<const uint8_t> b) {
          ct.insert(ct.end(), b.begin(), b.end());
          return Status::Ok();
        },
        kSmallChunk);
    REQUIRE(sealer.ok());
    for (size_t off = 0; off < size; off += 333)
      REQUIRE((*sealer)->Update({plain.data() + off, std::min<size_t>(333, size - off)}).ok());
    REQUIRE((*sealer)->Finish().ok());
    CHECK(ct.size() == AeadFormat::CiphertextSize(size, kSmallChunk));
    CHECK((*sealer)->ciphertext_bytes() == ct.size());
    for (size_t piece : {size_t{1}, size_t{17}, kRecord, size_t{1} << 20}) {
      CAPTURE(piece);
      auto back = OpenInPieces(key, "obj", ct, piece);
      REQUIRE(back.ok());
      CHECK(*back == plain);
    }
  }
}

TEST_CASE("aead with the default 64 KiB chunk: exact multiple and large object") {
  DataKey key = DataKey::Generate();
  for (size_t size : {size_t{2} * AeadFormat::kChunkSize, size_t{3} * AeadFormat::kChunkSize + 5}) {
    auto plain = Pattern(size, 7);
    auto ct = crypto::SealBytes(key, "big", plain);
    REQUIRE(ct.ok());
    CHECK(ct->size() == AeadFormat::CiphertextSize(size));
    auto back = crypto::OpenBytes(key, "big", *ct);
    REQUIRE(back.ok());
    CHECK(*back == plain);
  }
}

TEST_CASE("aead empty object is a single authenticated final chunk") {
  DataKey key = DataKey::Generate();
  auto ct = crypto::SealBytes(key, "empty", {});
  REQUIRE(ct.ok());
  CHECK(ct->size() == AeadFormat::kHeaderSize + AeadFormat::kTagSize);
  auto back = crypto::OpenBytes(key, "empty", *ct);
  REQUIRE(back.ok());
  CHECK(back->empty());
  // Header alone (final chunk dropped) must not open as an empty object.
  std::vector<uint8_t> header_only(ct->begin(), ct->begin() + AeadFormat::kHeaderSize);
  auto r = crypto::OpenBytes(key, "empty", header_only);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCorrupt);
}

TEST_CASE("aead tamper: every flipped byte is detected") {
  DataKey key = DataKey::Generate();
  auto plain = Pattern(2 * kSmallChunk + 100);
  auto ct = crypto::SealBytes(key, "obj", plain, kSmallChunk);
  REQUIRE(ct.ok());
  // Every byte of the header, the first record's edges and the last record.
  std::vector<size_t> positions;
  for (size_t i = 0; i < AeadFormat::kHeaderSize; ++i) positions.push_back(i);
  for (size_t i : {size_t{40}, size_t{41}, size_t{40 + kSmallChunk - 1}, size_t{40 + kSmallChunk},
                   size_t{40 + kRecord - 1}, size_t{40 + kRecord}, ct->size() - 17, ct->size() - 1})
    positions.push_back(i);
  for (size_t pos : positions) {
    CAPTURE(pos);
    auto bad = *ct;
    bad[pos] ^= 0x01;
    auto r = crypto::OpenBytes(key, "obj", bad);
    REQUIRE_FALSE(r.ok());
    CHECK((r.status().code() == Code::kCorrupt || r.status().code() == Code::kUnsupported));
  }
}

TEST_CASE("aead tamper: truncation at and between chunk boundaries") {
  DataKey key = DataKey::Generate();
  auto plain = Pattern(3 * kSmallChunk);  // exact multiple: final chunk is full
  auto ct = crypto::SealBytes(key, "obj", plain, kSmallChunk);
  REQUIRE(ct.ok());
  for (size_t cut : {size_t{0}, size_t{10}, AeadFormat::kHeaderSize, AeadFormat::kHeaderSize + kRecord,
                     AeadFormat::kHeaderSize + 2 * kRecord, ct->size() - 1, ct->size() - 16}) {
    CAPTURE(cut);
    std::vector<uint8_t> bad(ct->begin(), ct->begin() + static_cast<ptrdiff_t>(cut));
    auto r = crypto::OpenBytes(key, "obj", bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kCorrupt);
  }
  // Appending a byte or a duplicated record is detected too.
  auto longer = *ct;
  longer.push_back(0);
  CHECK(crypto::OpenBytes(key, "obj", longer).status().code() == Code::kCorrupt);
  auto dup = *ct;
  dup.insert(dup.end(), ct->begin() + AeadFormat::kHeaderSize,
             ct->begin() + static_cast<ptrdiff_t>(AeadFormat::kHeaderSize + kRecord));
  CHECK(crypto::OpenBytes(key, "obj", dup).status().code() == Code::kCorrupt);
}

TEST_CASE("aead tamper: reordered chunks are detected") {
  DataKey key = DataKey::Generate();
  auto plain = Pattern(3 * kSmallChunk + 10);
  auto ct = crypto::SealBytes(key, "obj", plain, kSmallChunk);
  REQUIRE(ct.ok());
  auto bad = *ct;
  std::swap_ranges(bad.begin() + AeadFormat::kHeaderSize, bad.begin() + AeadFormat::kHeaderSize + kRecord,
                   bad.begin() + AeadFormat::kHeaderSize + kRecord);
  auto r = crypto::OpenBytes(key, "obj", bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK(r.status().message().find("chunk 0 at offset 40") != std::string::npos);
}

TEST_CASE("aead tamper: splicing between objects and swapped object ids fail") {
  DataKey key = DataKey::Generate();
  auto a = crypto::SealBytes(key, "object-a", Pattern(2 * kSmallChunk + 3, 1), kSmallChunk);
  auto b = crypto::SealBytes(key, "object-b", Pattern(2 * kSmallChunk + 3, 2), kSmallChunk);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  // Chunk 1 of b placed into a.
  auto spliced = *a;
  std::copy(b->begin() + AeadFormat::kHeaderSize + kRecord, b->begin() + AeadFormat::kHeaderSize + 2 * kRecord,
            spliced.begin() + AeadFormat::kHeaderSize + kRecord);
  auto r = crypto::OpenBytes(key, "object-a", spliced);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("chunk 1 ") != std::string::npos);
  // Whole object b presented as object-a.
  CHECK(crypto::OpenBytes(key, "object-a", *b).status().code() == Code::kCorrupt);
  // Same bytes under another id, even with identical plaintext, fail.
  auto same = crypto::SealBytes(key, "x", Pattern(10), kSmallChunk);
  REQUIRE(same.ok());
  CHECK(crypto::OpenBytes(key, "y", *same).status().code() == Code::kCorrupt);
}

TEST_CASE("aead wrong key fails on the first chunk") {
  DataKey key = DataKey::Generate();
  DataKey other = DataKey::Generate();
  auto ct = crypto::SealBytes(key, "obj", Pattern(5000), kSmallChunk);
  REQUIRE(ct.ok());
  auto r = crypto::OpenBytes(other, "obj", *ct);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCorrupt);
  CHECK(r.status().message().find("wrong key") != std::string::npos);
}

TEST_CASE("aead sealing twice gives different ciphertexts (random salt and nonce prefix)") {
  DataKey key = DataKey::Generate();
  auto plain = Pattern(100);
  auto a = crypto::SealBytes(key, "obj", plain);
  auto b = crypto::SealBytes(key, "obj", plain);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a != *b);
}

TEST_CASE("aead header limits: absurd chunk size and bad magic are refused") {
  DataKey key = DataKey::Generate();
  auto ct = crypto::SealBytes(key, "obj", Pattern(10));
  REQUIRE(ct.ok());
  auto bad = *ct;
  bad[12] = 0xff;  // chunk size 4 GiB
  auto r = crypto::OpenBytes(key, "obj", bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("chunk size") != std::string::npos);
  bad = *ct;
  bad[0] = 'X';
  CHECK(crypto::OpenBytes(key, "obj", bad).status().message().find("magic") != std::string::npos);
}

TEST_CASE("aead sink errors propagate and stop the sealer") {
  DataKey key = DataKey::Generate();
  int calls = 0;
  auto sealer = crypto::AeadSealer::Create(
      key, "obj", [&](std::span<const uint8_t>) { return ++calls > 1 ? Status::NoSpace("disk full") : Status::Ok(); },
      kSmallChunk);
  REQUIRE(sealer.ok());
  auto plain = Pattern(3 * kSmallChunk);
  Status st = (*sealer)->Update(plain);
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == Code::kNoSpace);
  CHECK_FALSE((*sealer)->Finish().ok());
}

TEST_CASE("aead sealers and openers alive at once keep their own keys (cipher contexts are reused)") {
  // More live objects than the per-thread pool keeps, under different keys,
  // written and read interleaved: a context handed to the wrong object, or
  // one still holding an earlier object's key, fails to authenticate.
  constexpr size_t kLive = 7;
  std::vector<DataKey> keys;
  std::vector<std::vector<uint8_t>> outs(kLive);
  std::vector<std::unique_ptr<crypto::AeadSealer>> sealers;
  for (size_t i = 0; i < kLive; ++i) {
    keys.push_back(DataKey::Generate());
    auto s = crypto::AeadSealer::Create(
        keys[i], "obj" + std::to_string(i),
        [&outs, i](std::span<const uint8_t> b) {
          outs[i].insert(outs[i].end(), b.begin(), b.end());
          return Status::Ok();
        },
        kSmallChunk);
    REQUIRE(s.ok());
    sealers.push_back(std::move(*s));
  }
  for (size_t round = 0; round < 3; ++round)
    for (size_t i = 0; i < kLive; ++i) REQUIRE((*sealers[i]).Update(Pattern(700, static_cast<uint8_t>(i))).ok());
  for (size_t i = 0; i < kLive; ++i) REQUIRE(sealers[i]->Finish().ok());
  sealers.clear();  // the contexts go back to the pool (re-keyed with zeros)
  for (size_t i = 0; i < kLive; ++i) {
    std::vector<uint8_t> plain;
    for (int round = 0; round < 3; ++round) {
      auto p = Pattern(700, static_cast<uint8_t>(i));
      plain.insert(plain.end(), p.begin(), p.end());
    }
    auto opened = crypto::OpenBytes(keys[i], "obj" + std::to_string(i), outs[i]);
    REQUIRE(opened.ok());
    CHECK(*opened == plain);
    // A wrong key right after (the same pooled context) still fails, and the
    // right key right after the failure still opens.
    auto wrong = crypto::OpenBytes(keys[(i + 1) % kLive], "obj" + std::to_string(i), outs[i]);
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.status().code() == Code::kCorrupt);
    auto again = crypto::OpenBytes(keys[i], "obj" + std::to_string(i), outs[i]);
    REQUIRE(again.ok());
    CHECK(*again == plain);
  }
}

TEST_CASE("aead a forked child does not repeat its parent's salts and nonce prefixes") {
  // Salts and nonce prefixes are drawn from a per-thread pool: a child that
  // inherited the pool would hand out the very bytes the parent hands out next.
  DataKey key = DataKey::Generate();
  auto first = crypto::SealBytes(key, "obj", Pattern(10));  // fills the pool
  REQUIRE(first.ok());
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    auto ct = crypto::SealBytes(key, "obj", Pattern(10));
    if (ct.ok()) (void)!write(fds[1], ct->data() + 16, AeadFormat::kSaltSize + AeadFormat::kNoncePrefixSize);
    _exit(ct.ok() ? 0 : 1);
  }
  close(fds[1]);
  auto ours = crypto::SealBytes(key, "obj", Pattern(10));
  REQUIRE(ours.ok());
  uint8_t child[AeadFormat::kSaltSize + AeadFormat::kNoncePrefixSize] = {};
  ssize_t got = read(fds[0], child, sizeof child);
  close(fds[0]);
  int wstatus = 0;
  REQUIRE(waitpid(pid, &wstatus, 0) == pid);
  REQUIRE(WIFEXITED(wstatus));
  REQUIRE(WEXITSTATUS(wstatus) == 0);
  REQUIRE(got == static_cast<ssize_t>(sizeof child));
  CHECK(std::memcmp(child, ours->data() + 16, sizeof child) != 0);
  CHECK(std::memcmp(first->data() + 16, ours->data() + 16, sizeof child) != 0);
}

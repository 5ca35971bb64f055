// crypto_bench: release-build measurements for scripts/bench.d/crypto.sh (not
// a ctest).
//   crypto_bench aead SECONDS   streaming seal and open throughput, 1 MiB
//                               blocks, one core; prints "seal_MBps N" and
//                               "open_MBps N" (MB = 10^6 bytes per second of
//                               thread CPU time, like openssl speed's default)
//   crypto_bench tpm COUNT      starts a swtpm, provisions a keyring bound to
//                               PCR 7, then prints median "open_ms" (unseal +
//                               load signing key) and "sign_ms" over COUNT runs
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "crypto/aead.h"
#include "crypto/keyring.h"
#include "tests/fixtures/swtpm.h"
#include "tests/fixtures/temp_dir.h"

using namespace qoima;
using Clock = std::chrono::steady_clock;

namespace {

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU time of this thread: `openssl speed` divides by user CPU time by
// default, so on a shared, loaded machine both sides are measured alike.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int BenchAead(double seconds) {
  crypto::DataKey key = crypto::DataKey::Generate();
  std::vector<uint8_t> block(1 << 20);
  for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<uint8_t>(i * 7);
  // Seal: one long object fed in 1 MiB blocks; the sink keeps the last
  // ciphertext block so the open pass has real input.
  std::vector<uint8_t> sample;
  uint64_t out_bytes = 0;
  auto sealer = crypto::AeadSealer::Create(key, "bench", [&](std::span<const uint8_t> b) {
    out_bytes += b.size();
    return Status::Ok();
  });
  if (!sealer.ok()) return std::fprintf(stderr, "%s\n", sealer.status().ToString().c_str()), 1;
  uint64_t in_bytes = 0;
  double cpu0 = CpuSeconds();
  while (CpuSeconds() - cpu0 < seconds) {
    for (int i = 0; i < 16; ++i) {
      if (!(*sealer)->Update(block).ok()) return 1;
      in_bytes += block.size();
    }
  }
  if (!(*sealer)->Finish().ok()) return 1;
  double seal_s = CpuSeconds() - cpu0;
  std::printf("seal_MBps %.1f\n", static_cast<double>(in_bytes) / seal_s / 1e6);

  // Open: a 64 MiB object sealed once, opened repeatedly in 1 MiB pieces.
  std::vector<uint8_t> object;
  {
    std::vector<uint8_t> plain(64u << 20, 0x5a);
    auto ct = crypto::SealBytes(key, "bench-open", plain);
    if (!ct.ok()) return 1;
    object = std::move(*ct);
  }
  uint64_t plain_bytes = 0;
  cpu0 = CpuSeconds();
  while (CpuSeconds() - cpu0 < seconds) {
    auto opener = crypto::AeadOpener::Create(key, "bench-open", [&](std::span<const uint8_t> b) {
      plain_bytes += b.size();
      return Status::Ok();
    });
    if (!opener.ok()) return 1;
    for (size_t off = 0; off < object.size(); off += block.size())
      if (!(*opener)->Update({object.data() + off, std::min(block.size(), object.size() - off)}).ok()) return 1;
    if (!(*opener)->Finish().ok()) return 1;
  }
  double open_s = CpuSeconds() - cpu0;
  std::printf("open_MBps %.1f\n", static_cast<double>(plain_bytes) / open_s / 1e6);
  return 0;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int BenchTpm(int count) {
  testing::Swtpm tpm;
  testing::TempDir dir;
  crypto::ProvisionOptions options;
  options.pcrs = {7};
  auto prov = crypto::Keyring::Provision(tpm.tcti(), dir.Sub("keys"), options);
  if (!prov.ok()) return std::fprintf(stderr, "%s\n", prov.status().ToString().c_str()), 1;
  std::vector<double> open_ms, sign_ms;
  for (int i = 0; i < count; ++i) {
    auto t0 = Clock::now();
    auto kr = crypto::Keyring::Open(tpm.tcti(), dir.Sub("keys"));
    auto t1 = Clock::now();
    if (!kr.ok()) return std::fprintf(stderr, "%s\n", kr.status().ToString().c_str()), 1;
    open_ms.push_back(Seconds(t1 - t0) * 1e3);
    auto digest = crypto::Sha256::Digest(std::to_string(i));
    auto t2 = Clock::now();
    auto sig = (*kr)->signer().SignDigest(digest);
    auto t3 = Clock::now();
    if (!sig.ok()) return std::fprintf(stderr, "%s\n", sig.status().ToString().c_str()), 1;
    sign_ms.push_back(Seconds(t3 - t2) * 1e3);
  }
  std::printf("open_ms %.2f\nsign_ms %.2f\n", Median(open_ms), Median(sign_ms));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "aead") return BenchAead(std::atof(argv[2]));
  if (argc == 3 && std::string(argv[1]) == "tpm") return BenchTpm(std::max(1, std::atoi(argv[2])));
  std::fprintf(stderr, "usage: crypto_bench aead SECONDS | tpm COUNT\n");
  return 2;
}

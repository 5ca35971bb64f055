// Replays tests/lifecycle/corpus through the lifecycle fuzz target, plus
// deterministic byte flips, truncations and insertions of every corpus file,
// so the parsers' robustness is checked in every default test run.
#include <dirent.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/fixtures/temp_dir.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
std::vector<std::string> CorpusFiles() {
  std::string dir = std::string(QOIMA_SOURCE_DIR) + "/tests/lifecycle/corpus";
  std::vector<std::string> out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  REQUIRE(d);
  while (dirent* e = ::readdir(d.get()))
    if (e->d_name[0] != '.') out.push_back(dir + "/" + e->d_name);
  return out;
}
void Run(const std::string& s) { LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }
}  // namespace

TEST_CASE("lifecycle parser corpus and its mutations parse without crashing") {
  auto files = CorpusFiles();
  REQUIRE(files.size() >= 4);
  uint32_t rng = 12345;
  auto next = [&] { return rng = rng * 1103515245u + 12345u; };
  size_t runs = 0;
  for (const auto& f : files) {
    std::string seed = qoima::testing::ReadFile(f);
    REQUIRE(seed.size() > 1);
    Run(seed);
    for (int i = 0; i < 300; ++i) {
      std::string m = seed;
      size_t pos = 1 + next() % (m.size() - 1);
      switch (next() % 4) {
        case 0: m[pos] = static_cast<char>(next()); break;
        case 1: m.resize(pos); break;
        case 2: m.insert(pos, 1, "|\n-0#\\"[next() % 6]); break;
        default: m.erase(pos, 1 + next() % 8); break;
      }
      Run(m);
      ++runs;
    }
  }
  CHECK(runs == files.size() * 300);
}

// qoima-print-bench N OUT.pdf: renders an Annex 3 act with N synthetic file
// rows (Kazakh names, hashes) and prints the render time in seconds. Used by
// scripts/bench.d/print.sh with the release build. Prints "<wall s> <cpu s>":
// on a shared build machine the CPU time is the stable figure.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "appliance/print/document_renderer.h"
#include "tests/print/sample_documents.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s FILES OUT.pdf\n", argv[0]);
    return 2;
  }
  using namespace qoima::print;
  const AcceptanceAct act = testing::SampleAct(std::stoul(argv[1]));
  auto set = TemplateSet::Builtin(TemplateSet::kDefaultId);
  if (!set.ok()) {
    std::fprintf(stderr, "%s\n", set.status().ToString().c_str());
    return 1;
  }
  const DocumentRenderer renderer(*set, Bilingual());
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  auto pdf = renderer.Render(act);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  if (!pdf.ok()) {
    std::fprintf(stderr, "%s\n", pdf.status().ToString().c_str());
    return 1;
  }
  if (qoima::Status st = SavePdf(*pdf, argv[2]); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  std::printf("%.3f %.3f\n", seconds, cpu);
  return 0;
}

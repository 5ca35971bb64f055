// libFuzzer target: an act manifest of any form (text in any encoding, a
// .docx or .xlsx zip) through the parser the intake uses. The first byte
// chooses --table (0: none) so the document paths are reached too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "appliance/manifest_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  qoima::appliance::ManifestParseOptions options;
  options.now_unix = 1767225600;  // 2026-01-01
  options.table = data[0] % 4 == 3 ? 2 : 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  // Every input: parsed, or refused with a message; never a crash or a leak.
  (void)qoima::appliance::ParseManifest(bytes, "fuzz", options);
  options.table = 0;
  (void)qoima::appliance::ParseManifest(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz", options);
  return 0;
}

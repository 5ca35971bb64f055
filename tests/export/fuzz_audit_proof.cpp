// Fuzz target: the inclusion-proof parser and checker, and the names-map
// decoding, over arbitrary bytes.
#include <cstdint>
#include <string_view>

#include "appliance/export/audit_proof.h"
#include "appliance/export/bag_names.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto proof = qoima::exporting::ParseProof(text);
  if (proof.ok())
    (void)qoima::exporting::VerifyInclusion(proof->leaf_index, proof->tree_size,
                                            qoima::exporting::LeafHash(proof->leaf), proof->audit_path,
                                            proof->root_hash);
  (void)qoima::exporting::BagNameMapper::DecodeRaw(text);
  (void)qoima::exporting::BagNameMapper::Normalize(text);
  return 0;
}

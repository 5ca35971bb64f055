#include "appliance/export/audit_proof.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "common/json_nesting.h"
#include "crypto/hash.h"

namespace qoima::exporting {
namespace {

constexpr std::string_view kFormat = "qoima-audit-inclusion-proof/1";

std::string Sha256Raw(std::string_view a, std::string_view b, std::string_view c) {
  crypto::Sha256 d;
  d.Update(a);
  d.Update(b);
  d.Update(c);
  auto v = d.Finish();
  return std::string(v.begin(), v.end());
}

std::string HexS(std::string_view raw) {
  return crypto::Hex({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
}

std::string Base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> UnBase64(const std::string& b64, const char* field) {
  if (b64.size() % 4)
    return Status::Corrupt(std::string("proof field ") + field + ": base64 length not a multiple of 4");
  std::string out(b64.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return Status::Corrupt(std::string("proof field ") + field + ": not base64");
  size_t pad = 0;
  if (!b64.empty() && b64.back() == '=') ++pad;
  if (b64.size() > 1 && b64[b64.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

Result<std::string> Hash32(const std::string& hex, const std::string& field) {
  std::string raw;
  if (!crypto::FromHex(hex, raw) || raw.size() != 32)
    return Status::Corrupt("proof field " + field + ": not a 64-digit hex SHA-256");
  return raw;
}

}  // namespace

std::string ExportEvent::Detail() const {
  return "export-id=" + export_id + ";sequence=" + std::to_string(sequence) + ";deposit=" + deposit_id +
         ";manifest-sha256=" + manifest_sha256;
}

std::string LeafHash(std::string_view leaf) { return Sha256Raw(std::string_view("\x00", 1), leaf, {}); }

std::string NodeHash(std::string_view left, std::string_view right) {
  return Sha256Raw(std::string_view("\x01", 1), left, right);
}

bool VerifyInclusion(uint64_t index, uint64_t tree_size, std::string_view leaf_hash,
                     const std::vector<std::string>& path, std::string_view root) {
  if (index >= tree_size) return false;
  uint64_t fn = index, sn = tree_size - 1;
  std::string r(leaf_hash);
  for (const auto& p : path) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

std::string SerializeProof(const AuditInclusion& p) {
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["hash"] = "RFC6962-SHA256";
  j["leaf_index"] = p.leaf_index;
  j["tree_size"] = p.tree_size;
  j["leaf_base64"] = Base64(p.leaf);
  j["leaf_hash"] = HexS(LeafHash(p.leaf));
  auto path = nlohmann::json::array();
  for (const auto& h : p.audit_path) path.push_back(HexS(h));
  j["audit_path"] = path;
  j["root_hash"] = HexS(p.root_hash);
  j["checkpoint_base64"] = Base64(p.checkpoint_body);
  j["checkpoint_signature_base64"] =
      Base64({reinterpret_cast<const char*>(p.checkpoint_signature.data()), p.checkpoint_signature.size()});
  return j.dump(2) + "\n";
}

Result<AuditInclusion> ParseProof(std::string_view text) {
  if (text.size() > kMaxProofFileBytes)
    return Status::LimitExceeded("proof file larger than " + std::to_string(kMaxProofFileBytes) + " bytes");
  QOIMA_RETURN_IF_ERROR(CheckJsonNesting(text, kMaxProofJsonDepth, "proof file"));
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corrupt("proof file is not a JSON object");
  auto str = [&](const char* k) -> Result<std::string> {
    if (!j.contains(k) || !j[k].is_string())
      return Status::Corrupt(std::string("proof field ") + k + " missing or not a string");
    return j[k].get<std::string>();
  };
  auto num = [&](const char* k) -> Result<uint64_t> {
    if (!j.contains(k) || !j[k].is_number_unsigned())
      return Status::Corrupt(std::string("proof field ") + k + " missing or not a number");
    return j[k].get<uint64_t>();
  };
  QOIMA_ASSIGN_OR_RETURN(std::string format, str("format"));
  if (format != kFormat)
    return Status::Unsupported("proof format '" + format + "' (expected " + std::string(kFormat) + ")");
  AuditInclusion p;
  QOIMA_ASSIGN_OR_RETURN(p.leaf_index, num("leaf_index"));
  QOIMA_ASSIGN_OR_RETURN(p.tree_size, num("tree_size"));
  QOIMA_ASSIGN_OR_RETURN(std::string leaf64, str("leaf_base64"));
  QOIMA_ASSIGN_OR_RETURN(p.leaf, UnBase64(leaf64, "leaf_base64"));
  if (p.leaf.size() > kMaxLeafBytes)
    return Status::LimitExceeded("proof leaf larger than " + std::to_string(kMaxLeafBytes) + " bytes");
  if (!j.contains("audit_path") || !j["audit_path"].is_array())
    return Status::Corrupt("proof field audit_path missing or not an array");
  if (j["audit_path"].size() > kMaxAuditPathLength)
    return Status::LimitExceeded("proof audit_path longer than " + std::to_string(kMaxAuditPathLength));
  for (size_t i = 0; i < j["audit_path"].size(); ++i) {
    const auto& h = j["audit_path"][i];
    if (!h.is_string()) return Status::Corrupt("proof audit_path[" + std::to_string(i) + "] is not a string");
    QOIMA_ASSIGN_OR_RETURN(std::string raw, Hash32(h.get<std::string>(), "audit_path[" + std::to_string(i) + "]"));
    p.audit_path.push_back(std::move(raw));
  }
  QOIMA_ASSIGN_OR_RETURN(std::string root, str("root_hash"));
  QOIMA_ASSIGN_OR_RETURN(p.root_hash, Hash32(root, "root_hash"));
  QOIMA_ASSIGN_OR_RETURN(std::string cp64, str("checkpoint_base64"));
  QOIMA_ASSIGN_OR_RETURN(p.checkpoint_body, UnBase64(cp64, "checkpoint_base64"));
  QOIMA_ASSIGN_OR_RETURN(std::string sig64, str("checkpoint_signature_base64"));
  QOIMA_ASSIGN_OR_RETURN(std::string sig, UnBase64(sig64, "checkpoint_signature_base64"));
  p.checkpoint_signature.assign(sig.begin(), sig.end());
  return p;
}

}  // namespace qoima::exporting

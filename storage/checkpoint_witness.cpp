#include "storage/checkpoint_witness.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace qoima::storage {
namespace {

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  if (s.size() > 1 && s[0] == '0') return false;
  uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
  *out = v;
  return true;
}

bool LooksLikeTime(std::string_view t) {
  if (t.size() != 20) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    char want = i == 4 || i == 7 ? '-' : i == 10 ? 'T' : i == 13 || i == 16 ? ':' : i == 19 ? 'Z' : '0';
    if (want == '0' ? (c < '0' || c > '9') : c != want) return false;
  }
  return true;
}

}  // namespace

Result<std::string> FormatCheckpointWitness(const AuditCheckpoint& c) {
  if (!c.counter) {
    return Status::FailedPrecondition("checkpoint at size " + std::to_string(c.tree_size) +
                                      " carries no counter value (signed before the store was bound to the TPM "
                                      "counter): sign a new one to export");
  }
  return CheckpointText(c) + "signature " + crypto::Hex(c.signature) + "\n";
}

Result<AuditCheckpoint> ParseCheckpointWitness(std::string_view text, std::string_view where) {
  if (text.size() > kMaxWitnessBytes) {
    return Status::InvalidArgument(std::string(where) + ": " + std::to_string(text.size()) +
                                   " bytes, more than a checkpoint witness can be (" +
                                   std::to_string(kMaxWitnessBytes) + ")");
  }
  // Line ends may have become CRLF on the way (a witness typed on Windows).
  std::vector<std::string> lines;
  std::string line;
  for (char ch : text) {
    if (ch == '\n') {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(std::move(line));
      line.clear();
    } else {
      line += ch;
    }
  }
  if (!line.empty()) lines.push_back(std::move(line));
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  auto bad = [&](size_t n, const std::string& why) {
    return Status::InvalidArgument(std::string(where) + " line " + std::to_string(n) + ": " + why);
  };
  if (lines.empty() || lines[0] != "qoima-audit-checkpoint-v2") {
    return bad(1, "not a qoima checkpoint witness (expected 'qoima-audit-checkpoint-v2')");
  }
  const char* fields[] = {"size", "root", "time", "counter", "key", "signature"};
  if (lines.size() > 1 + std::size(fields)) {
    return bad(1 + std::size(fields) + 1, "a witness ends after its signature line");
  }
  AuditCheckpoint c;
  for (size_t i = 0; i < std::size(fields); ++i) {
    const size_t n = i + 2;
    if (n > lines.size()) return bad(n, std::string("missing (expected '") + fields[i] + " ...')");
    const std::string& l = lines[i + 1];
    const std::string prefix = std::string(fields[i]) + " ";
    if (l.compare(0, prefix.size(), prefix) != 0) return bad(n, "expected '" + prefix + "...'");
    std::string_view v = std::string_view(l).substr(prefix.size());
    switch (i) {
      case 0:
        if (!ParseDecimal(v, &c.tree_size) || c.tree_size == 0) return bad(n, "size is not a positive number");
        break;
      case 1: {
        std::string raw;
        if (v.size() != 64 || !IsLowerHex(v) || !crypto::FromHex(v, raw)) return bad(n, "root is not 64 hex digits");
        std::memcpy(c.root.data(), raw.data(), c.root.size());
        break;
      }
      case 2:
        if (!LooksLikeTime(v)) return bad(n, "time is not YYYY-MM-DDTHH:MM:SSZ");
        c.time = std::string(v);
        break;
      case 3: {
        uint64_t counter = 0;
        if (!ParseDecimal(v, &counter)) return bad(n, "counter is not a number");
        c.counter = counter;
        break;
      }
      case 4:
        if (v.size() != 64 || !IsLowerHex(v)) return bad(n, "key is not a 64-hex-digit fingerprint");
        c.key_fingerprint = std::string(v);
        break;
      case 5: {
        std::string raw;
        if (v.empty() || v.size() > 2 * kMaxWitnessSignatureBytes || !IsLowerHex(v) || !crypto::FromHex(v, raw))
          return bad(n, "signature is not hex (at most " + std::to_string(kMaxWitnessSignatureBytes) + " bytes)");
        c.signature.assign(raw.begin(), raw.end());
        break;
      }
    }
  }
  return c;
}

}  // namespace qoima::storage

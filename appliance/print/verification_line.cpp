#include "appliance/print/verification_line.h"

#include <charconv>
#include <vector>

namespace qoima::print {
namespace {

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool IsActIdChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' ||
         c == '-' || c == '/';
}

Status CheckActId(std::string_view id) {
  if (id.empty()) return Status::InvalidArgument("act id is empty");
  if (id.size() > kMaxActIdLength) {
    return Status::LimitExceeded("act id is " + std::to_string(id.size()) + " characters, limit " +
                                 std::to_string(kMaxActIdLength));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (!IsActIdChar(id[i])) {
      return Status::InvalidArgument("act id: character " + std::to_string(i + 1) +
                                     " is not one of A-Z a-z 0-9 . _ / -");
    }
  }
  return Status::Ok();
}

Status CheckHex(std::string_view field, std::string_view value) {
  if (value.size() != kSha256HexLength) {
    return Status::InvalidArgument(std::string(field) + ": " + std::to_string(value.size()) + " hex digits, expected " +
                                   std::to_string(kSha256HexLength));
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (!IsHex(value[i]) || (value[i] >= 'A' && value[i] <= 'F')) {
      return Status::InvalidArgument(std::string(field) + ": character " + std::to_string(i + 1) +
                                     " is not a lowercase hex digit");
    }
  }
  return Status::Ok();
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

Status ValidateVerificationLine(const VerificationLine& line) {
  QOIMA_RETURN_IF_ERROR(CheckActId(line.act_id));
  QOIMA_RETURN_IF_ERROR(CheckHex("deposit root", line.deposit_root));
  QOIMA_RETURN_IF_ERROR(CheckHex("manifest digest", line.manifest_digest));
  QOIMA_RETURN_IF_ERROR(CheckHex("checkpoint root", line.checkpoint_root));
  QOIMA_RETURN_IF_ERROR(CheckHex("key fingerprint", line.key_fingerprint));
  return Status::Ok();
}

std::string EncodeVerificationPayload(const VerificationLine& line) {
  std::string out(kVerificationMagic);
  out += ";act=" + line.act_id;
  out += ";root=" + line.deposit_root;
  out += ";manifest=" + line.manifest_digest;
  out += ";cp=" + std::to_string(line.checkpoint_size) + ":" + line.checkpoint_root;
  out += ";key=" + line.key_fingerprint;
  return out;
}

Result<VerificationLine> ParseVerificationPayload(std::string_view text) {
  if (text.size() > kMaxVerificationPayload) {
    return Status::LimitExceeded("verification payload is " + std::to_string(text.size()) + " bytes, limit " +
                                 std::to_string(kMaxVerificationPayload));
  }
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') compact.push_back(c);
  }
  std::vector<std::string_view> parts;
  std::string_view rest(compact);
  while (true) {
    size_t semi = rest.find(';');
    parts.push_back(rest.substr(0, semi));
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  if (parts.empty() || parts[0] != kVerificationMagic) {
    return Status::InvalidArgument("verification payload: does not start with " + std::string(kVerificationMagic));
  }
  static constexpr std::string_view kKeys[] = {"act", "root", "manifest", "cp", "key"};
  if (parts.size() != 1 + std::size(kKeys)) {
    return Status::InvalidArgument("verification payload: " + std::to_string(parts.size() - 1) + " fields, expected " +
                                   std::to_string(std::size(kKeys)));
  }
  std::string_view values[std::size(kKeys)];
  for (size_t i = 0; i < std::size(kKeys); ++i) {
    std::string_view p = parts[i + 1];
    size_t eq = p.find('=');
    if (eq == std::string_view::npos || p.substr(0, eq) != kKeys[i]) {
      return Status::InvalidArgument("verification payload: field " + std::to_string(i + 1) + " should be '" +
                                     std::string(kKeys[i]) + "=...'");
    }
    values[i] = p.substr(eq + 1);
  }
  VerificationLine line;
  line.act_id = std::string(values[0]);
  line.deposit_root = Lower(values[1]);
  line.manifest_digest = Lower(values[2]);
  std::string_view cp = values[3];
  size_t colon = cp.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 20) {
    return Status::InvalidArgument("verification payload: checkpoint must be '<size>:<root>'");
  }
  auto [ptr, ec] = std::from_chars(cp.data(), cp.data() + colon, line.checkpoint_size);
  if (ec != std::errc() || ptr != cp.data() + colon) {
    return Status::InvalidArgument("verification payload: checkpoint size '" + std::string(cp.substr(0, colon)) +
                                   "' is not a decimal number");
  }
  line.checkpoint_root = Lower(cp.substr(colon + 1));
  line.key_fingerprint = Lower(values[4]);
  Status valid = ValidateVerificationLine(line);
  if (!valid.ok()) return valid.WithContext("verification payload");
  return line;
}

Status CompareVerification(const VerificationLine& paper, const VerificationLine& expected) {
  std::string diffs;
  auto check = [&diffs](std::string_view field, const std::string& p, const std::string& e) {
    if (p == e) return;
    if (!diffs.empty()) diffs += "; ";
    diffs += std::string(field) + ": paper " + p + ", store " + e;
  };
  check("act id", paper.act_id, expected.act_id);
  check("deposit root", paper.deposit_root, expected.deposit_root);
  check("manifest digest", paper.manifest_digest, expected.manifest_digest);
  check("checkpoint size", std::to_string(paper.checkpoint_size), std::to_string(expected.checkpoint_size));
  check("checkpoint root", paper.checkpoint_root, expected.checkpoint_root);
  check("key fingerprint", paper.key_fingerprint, expected.key_fingerprint);
  if (diffs.empty()) return Status::Ok();
  return Status::Corrupt("act " + paper.act_id + " does not match the store: " + diffs);
}

Status VerifyPayload(std::string_view text, const VerificationLine& expected) {
  QOIMA_ASSIGN_OR_RETURN(VerificationLine paper, ParseVerificationPayload(text));
  return CompareVerification(paper, expected);
}

}  // namespace qoima::print

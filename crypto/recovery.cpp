#include "crypto/recovery.h"

// libgfshare.h has no extern "C" guard of its own.
extern "C" {
#include <libgfshare.h>
}
#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>

#include "crypto/hash.h"
#include "crypto/keyring_internal.h"

namespace qoima::crypto {
namespace {

constexpr size_t kSecretSize = 32;
constexpr size_t kMaxShareText = 512;
constexpr int kMaxShares = 16;

struct GfshareDeleter {
  void operator()(gfshare_ctx* c) const { gfshare_ctx_free(c); }
};
using GfshareCtx = std::unique_ptr<gfshare_ctx, GfshareDeleter>;

// libgfshare draws the polynomial coefficients through this global hook; point
// it at the OpenSSL CSPRNG (its fallback may be random()). The hook cannot
// report failure and an exception must not cross the C library, so a failed
// CSPRNG (never expected on Linux) aborts rather than produce weak shares.
void FillRandom(unsigned char* buf, unsigned int n) {
  if (RAND_bytes(buf, static_cast<int>(n)) != 1) {
    std::fputs("qoima: the OpenSSL random generator failed while splitting recovery shares\n", stderr);
    std::abort();
  }
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Checksum(const std::string& canonical) {
  auto d = Sha256::Digest(canonical);
  return Upper(Hex(std::span<const uint8_t>(d.data(), 4)));
}

// "QOIMA-RS1-2OF3-1-KCV" + payload: the part the checksum covers, without dashes.
std::string Canonical(int threshold, int shares, int index, const std::string& kcv, const std::string& payload_hex) {
  return "QOIMARS1" + std::to_string(threshold) + "OF" + std::to_string(shares) + "I" + std::to_string(index) + "K" +
         Upper(kcv) + "P" + Upper(payload_hex);
}

std::string FormatShare(int threshold, int shares, int index, const std::string& kcv,
                        std::span<const uint8_t> payload) {
  std::string hex = Upper(Hex(payload));
  std::string s = "QOIMA-RS1-";
  s.append(std::to_string(threshold)).append("OF").append(std::to_string(shares));
  s.push_back('-');
  s.append(std::to_string(index));
  s.push_back('-');
  s.append(Upper(kcv));
  for (size_t i = 0; i < hex.size(); i += 8) {
    s.push_back('-');
    s.append(hex, i, 8);
  }
  s.push_back('-');
  s.append(Checksum(Canonical(threshold, shares, index, kcv, hex)));
  return s;
}

bool ParseSmallInt(const std::string& s, int& out) {
  if (s.empty() || s.size() > 3 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoi(s);
  return true;
}

}  // namespace

Result<ParsedShare> ParseShare(std::string_view text) {
  if (text.size() > kMaxShareText)
    return Status::InvalidArgument("recovery share longer than " + std::to_string(kMaxShareText) + " characters");
  std::string s;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c)))
      s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '-') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  auto bad = [](const std::string& why) { return Status::InvalidArgument("recovery share: " + why); };
  if (parts.size() < 7 || parts[0] != "QOIMA" || parts[1] != "RS1")
    return bad("does not start with QOIMA-RS1 (not a qoima recovery share)");
  ParsedShare p;
  auto of = parts[2].find("OF");
  if (of == std::string::npos || !ParseSmallInt(parts[2].substr(0, of), p.threshold) ||
      !ParseSmallInt(parts[2].substr(of + 2), p.shares) || p.threshold < 2 || p.threshold > p.shares ||
      p.shares > kMaxShares)
    return bad("field 3 '" + parts[2] + "' is not <threshold>OF<shares>");
  if (!ParseSmallInt(parts[3], p.index) || p.index < 1 || p.index > p.shares)
    return bad("field 4 '" + parts[3] + "' is not a share number 1.." + std::to_string(p.shares));
  std::string kcv = parts[4];
  std::string payload_hex;
  for (size_t i = 5; i + 1 < parts.size(); ++i) payload_hex += parts[i];
  std::string payload;
  if (kcv.size() != 8 || !FromHex(kcv, payload))
    return bad("share " + std::to_string(p.index) + ": key check '" + kcv + "' is not 8 hex digits");
  if (payload_hex.size() != 2 * kSecretSize || !FromHex(payload_hex, payload))
    return bad("share " + std::to_string(p.index) + ": body is not " + std::to_string(2 * kSecretSize) +
               " hex digits (mistyped or missing group?)");
  if (parts.back() != Checksum(Canonical(p.threshold, p.shares, p.index, kcv, payload_hex)))
    return bad("share " + std::to_string(p.index) + ": checksum " + parts.back() +
               " does not match (a group was mistyped or the share is damaged)");
  p.key_check = Upper(kcv);
  p.payload.assign(payload.begin(), payload.end());
  std::fill(payload.begin(), payload.end(), '\0');
  return p;
}

Result<std::vector<std::string>> SplitSecret(const SecretBytes& secret, int threshold, int shares) {
  if (secret.size() != kSecretSize) return Status::InvalidArgument("recovery: secret must be 32 bytes");
  if (threshold < 2 || threshold > shares || shares > kMaxShares)
    return Status::InvalidArgument("recovery: need 2 <= threshold <= shares <= 16");
  gfshare_fill_rand = FillRandom;
  std::vector<unsigned char> xs(static_cast<size_t>(shares));
  for (int i = 0; i < shares; ++i) xs[static_cast<size_t>(i)] = static_cast<unsigned char>(i + 1);
  GfshareCtx ctx(gfshare_ctx_init_enc(xs.data(), static_cast<unsigned>(shares), static_cast<unsigned char>(threshold),
                                      kSecretSize));
  if (!ctx) return Status::Internal("libgfshare refused the share parameters");
  SecretBytes copy = secret.Clone();  // libgfshare takes a non-const pointer
  gfshare_ctx_enc_setsecret(ctx.get(), copy.data());
  std::string kcv = internal::KeyCheck(secret);
  std::vector<std::string> out;
  SecretBytes share(kSecretSize);
  for (int i = 0; i < shares; ++i) {
    gfshare_ctx_enc_getshare(ctx.get(), static_cast<unsigned char>(i), share.data());
    out.push_back(FormatShare(threshold, shares, i + 1, kcv, share.span()));
  }
  return out;
}

std::string ShareQrPayload(std::string_view share_text) {
  // The text form already uses only QR alphanumeric-mode characters (0-9, A-Z, '-').
  std::string s;
  for (char c : share_text)
    if (!std::isspace(static_cast<unsigned char>(c)))
      s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return s;
}

Result<SecretBytes> CombineShares(const std::vector<std::string>& shares) {
  if (shares.empty()) return Status::AuthFailed("no recovery shares given");
  std::vector<ParsedShare> parsed;
  std::set<int> indices;
  for (size_t i = 0; i < shares.size(); ++i) {
    auto p = ParseShare(shares[i]);
    if (!p.ok()) return p.status().WithContext("share #" + std::to_string(i + 1) + " entered");
    if (!parsed.empty() &&
        (p->threshold != parsed[0].threshold || p->shares != parsed[0].shares || p->key_check != parsed[0].key_check))
      return Status::AuthFailed("recovery shares come from different provisionings (share #" + std::to_string(i + 1) +
                                " entered does not match share #1)");
    if (!indices.insert(p->index).second) continue;  // the same share twice counts once
    parsed.push_back(std::move(*p));
  }
  if (parsed.empty()) return Status::AuthFailed("no recovery shares given");
  const int threshold = parsed.front().threshold;
  if (static_cast<int>(parsed.size()) < threshold)
    return Status::AuthFailed("need " + std::to_string(threshold) + " different recovery shares, got " +
                              std::to_string(parsed.size()));
  std::vector<unsigned char> xs;
  for (const auto& p : parsed) xs.push_back(static_cast<unsigned char>(p.index));
  // gfshare_ctx_free() wipes its buffers through this hook: it is NULL in a
  // process that never split a secret (the `qoima recover` process).
  gfshare_fill_rand = FillRandom;
  GfshareCtx ctx(gfshare_ctx_init_dec(xs.data(), static_cast<unsigned>(xs.size()), kSecretSize));
  if (!ctx) return Status::Internal("libgfshare refused the share set");
  for (size_t i = 0; i < parsed.size(); ++i)
    gfshare_ctx_dec_giveshare(ctx.get(), static_cast<unsigned char>(i), parsed[i].payload.data());
  SecretBytes secret(kSecretSize);
  gfshare_ctx_dec_extract(ctx.get(), secret.data());
  for (auto& p : parsed) std::fill(p.payload.begin(), p.payload.end(), 0);
  if (Upper(internal::KeyCheck(secret)) != parsed[0].key_check)
    return Status::AuthFailed("the recovery shares do not rebuild the master key (a share was altered)");
  return secret;
}

Result<RecoveryResult> Recover(const std::string& tcti, const std::string& state_dir,
                               const std::vector<std::string>& shares) {
  const std::string dir = state_dir + "/";
  auto meta_text = ReadSmallFile(dir + internal::kMetaFile, KeyringMeta::kMaxFileSize);
  if (!meta_text.ok())
    return meta_text.status().WithContext("recovery needs the keyring metadata of the store (" + dir +
                                          internal::kMetaFile + ")");
  QOIMA_ASSIGN_OR_RETURN(KeyringMeta meta, KeyringMeta::Decode(*meta_text, dir + internal::kMetaFile));
  QOIMA_ASSIGN_OR_RETURN(SecretBytes master, CombineShares(shares));
  if (internal::KeyCheck(master) != meta.key_check)
    return Status::AuthFailed("the recovery shares belong to another keyring than the one in " + state_dir);

  RecoveryResult result;
  result.old_fingerprint = meta.fingerprint;
  // Keep the old certificate so signatures made before the recovery stay verifiable.
  auto old_cert = ReadSmallFile(dir + internal::kCertFile, internal::kMaxCertSize);
  if (old_cert.ok()) {
    std::error_code ec;
    std::filesystem::create_directories(dir + internal::kOldCertsDir, ec);
    if (ec) return Status::IoError("create " + dir + internal::kOldCertsDir + ": " + ec.message());
    QOIMA_RETURN_IF_ERROR(
        WriteFileAtomic(dir + internal::kOldCertsDir + "/" + meta.fingerprint + ".crt", *old_cert, 0644));
  }
  std::string policy_key_pem;
  if (!meta.pcr_policy_key.empty()) {
    QOIMA_ASSIGN_OR_RETURN(policy_key_pem, ReadSmallFile(dir + internal::kPolicyKeyFile, internal::kMaxPolicyKeySize));
  }
  QOIMA_ASSIGN_OR_RETURN(KeyringMeta installed, internal::InstallMasterKey(tcti, state_dir, master, meta,
                                                                           &result.certificate_pem, policy_key_pem));
  result.new_fingerprint = installed.fingerprint;
  return result;
}

}  // namespace qoima::crypto

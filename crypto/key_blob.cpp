#include "crypto/key_blob.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <tss2/tss2_mu.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/unique_fd.h"
#include "crypto/hash.h"

namespace qoima::crypto {
namespace {
void PutU32(std::vector<uint8_t>& v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<uint8_t>(x >> s));
}
uint32_t GetU32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}
}  // namespace

std::vector<uint8_t> EncodeKeyBlob(KeyBlobKind kind, const tpm::ObjectBlob& blob) {
  uint8_t body[KeyBlobFormat::kMaxFileSize];
  size_t off = 0;
  // Marshalling into a buffer of kMaxFileSize cannot fail for TPM-sized structures.
  Tss2_MU_TPML_PCR_SELECTION_Marshal(&blob.pcrs, body, sizeof body, &off);
  Tss2_MU_TPM2B_PUBLIC_Marshal(&blob.pub, body, sizeof body, &off);
  Tss2_MU_TPM2B_PRIVATE_Marshal(&blob.priv, body, sizeof body, &off);
  std::vector<uint8_t> out(KeyBlobFormat::kMagic, KeyBlobFormat::kMagic + 8);
  out.push_back(static_cast<uint8_t>(kind));
  out.push_back(KeyBlobFormat::kVersion);
  out.push_back(0);
  out.push_back(0);
  PutU32(out, static_cast<uint32_t>(off));
  out.insert(out.end(), body, body + off);
  auto sum = Sha256::Digest(out);
  out.insert(out.end(), sum.begin(), sum.end());
  return out;
}

Result<tpm::ObjectBlob> DecodeKeyBlob(KeyBlobKind kind, std::span<const uint8_t> b, const std::string& name) {
  auto corrupt = [&name](const std::string& m) { return Status::Corrupt(name + ": " + m + " (file damaged)"); };
  if (b.size() > KeyBlobFormat::kMaxFileSize)
    return Status::LimitExceeded(name + ": " + std::to_string(b.size()) + " bytes exceeds the limit of " +
                                 std::to_string(KeyBlobFormat::kMaxFileSize));
  if (b.size() < KeyBlobFormat::kHeaderSize + KeyBlobFormat::kChecksumSize)
    return corrupt("truncated: " + std::to_string(b.size()) + " bytes");
  if (std::memcmp(b.data(), KeyBlobFormat::kMagic, 8) != 0) return corrupt("magic at offset 0 is not QOIMAKB1");
  if (b[8] != static_cast<uint8_t>(kind))
    return corrupt("kind at offset 8 is " + std::to_string(b[8]) + ", expected " +
                   std::to_string(static_cast<int>(kind)));
  if (b[9] != KeyBlobFormat::kVersion)
    return Status::Unsupported(name + ": version " + std::to_string(b[9]) + " at offset 9 (expected 1)");
  uint32_t len = GetU32(b.data() + 12);
  if (len != b.size() - KeyBlobFormat::kHeaderSize - KeyBlobFormat::kChecksumSize)
    return corrupt("body length " + std::to_string(len) + " at offset 12 does not match the file size " +
                   std::to_string(b.size()));
  auto sum = Sha256::Digest(b.first(KeyBlobFormat::kHeaderSize + len));
  if (std::memcmp(sum.data(), b.data() + KeyBlobFormat::kHeaderSize + len, sum.size()) != 0)
    return corrupt("SHA-256 checksum at offset " + std::to_string(KeyBlobFormat::kHeaderSize + len) +
                   " does not match");
  tpm::ObjectBlob blob;
  const uint8_t* body = b.data() + KeyBlobFormat::kHeaderSize;
  size_t off = 0;
  if (Tss2_MU_TPML_PCR_SELECTION_Unmarshal(body, len, &off, &blob.pcrs) != TSS2_RC_SUCCESS)
    return corrupt("PCR selection does not parse");
  if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(body, len, &off, &blob.pub) != TSS2_RC_SUCCESS)
    return corrupt("TPM2B_PUBLIC at body offset " + std::to_string(off) + " does not parse");
  if (Tss2_MU_TPM2B_PRIVATE_Unmarshal(body, len, &off, &blob.priv) != TSS2_RC_SUCCESS)
    return corrupt("TPM2B_PRIVATE at body offset " + std::to_string(off) + " does not parse");
  if (off != len) return corrupt(std::to_string(len - off) + " trailing bytes in the body");
  return blob;
}

std::string KeyringMeta::Encode() const {
  std::ostringstream o;
  o << "qoima-keyring 1\n";
  o << "device_name=" << device_name << "\n";
  o << "pcrs=";
  if (pcrs.empty()) o << "none";
  for (size_t i = 0; i < pcrs.size(); ++i) o << (i ? "," : "") << pcrs[i];
  o << "\nthreshold=" << threshold << "\nshares=" << shares << "\nkey_check=" << key_check
    << "\nfingerprint=" << fingerprint << "\n";
  if (!pcr_policy_key.empty()) o << "pcr_policy_key=" << pcr_policy_key << "\n";
  return o.str();
}

namespace {
bool IsHex(const std::string& s, size_t n) {
  return s.size() == n && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}
bool ParseInt(const std::string& s, int lo, int hi, int& out) {
  if (s.empty() || s.size() > 3 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  int v = std::stoi(s);
  if (v < lo || v > hi) return false;
  out = v;
  return true;
}
}  // namespace

Result<KeyringMeta> KeyringMeta::Decode(const std::string& text, const std::string& name) {
  if (text.size() > kMaxFileSize) return Status::LimitExceeded(name + ": larger than " + std::to_string(kMaxFileSize));
  KeyringMeta m;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  bool seen[6] = {};
  while (std::getline(in, line)) {
    ++lineno;
    auto bad = [&](const std::string& why) {
      return Status::Corrupt(name + " line " + std::to_string(lineno) + ": " + why);
    };
    if (lineno == 1) {
      if (line != "qoima-keyring 1") return bad("expected 'qoima-keyring 1'");
      continue;
    }
    if (line.empty()) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) return bad("expected key=value");
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "device_name") {
      if (value.size() > kMaxDeviceName) return bad("device_name too long");
      m.device_name = value;
      seen[0] = true;
    } else if (key == "pcrs") {
      if (value != "none") {
        std::stringstream ps(value);
        std::string item;
        while (std::getline(ps, item, ',')) {
          int p;
          if (!ParseInt(item, 0, 23, p)) return bad("PCR index '" + item + "' not in 0..23");
          m.pcrs.push_back(p);
        }
      }
      seen[1] = true;
    } else if (key == "threshold") {
      if (!ParseInt(value, 1, 255, m.threshold)) return bad("threshold not in 1..255");
      seen[2] = true;
    } else if (key == "shares") {
      if (!ParseInt(value, 1, 255, m.shares)) return bad("shares not in 1..255");
      seen[3] = true;
    } else if (key == "key_check") {
      if (!IsHex(value, 8)) return bad("key_check is not 8 hex digits");
      m.key_check = value;
      seen[4] = true;
    } else if (key == "fingerprint") {
      if (!IsHex(value, 64)) return bad("fingerprint is not 64 hex digits");
      m.fingerprint = value;
      seen[5] = true;
    } else if (key == "pcr_policy_key") {
      if (!IsHex(value, 64)) return bad("pcr_policy_key is not 64 hex digits");
      m.pcr_policy_key = value;
    } else {
      return bad("unknown key '" + key + "'");
    }
  }
  if (lineno == 0) return Status::Corrupt(name + ": empty file");
  static const char* kNames[] = {"device_name", "pcrs", "threshold", "shares", "key_check", "fingerprint"};
  for (int i = 0; i < 6; ++i)
    if (!seen[i]) return Status::Corrupt(name + ": missing " + kNames[i]);
  return m;
}

Result<std::string> ReadSmallFile(const std::string& path, size_t max_size) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Status::FromErrno(errno, "open " + path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Status::FromErrno(errno, "stat " + path);
  if (static_cast<uint64_t>(st.st_size) > max_size)
    return Status::LimitExceeded(path + ": " + std::to_string(st.st_size) + " bytes exceeds the limit of " +
                                 std::to_string(max_size));
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t have = 0;
  while (have < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + have, out.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno(errno, "read " + path);
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  out.resize(have);
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view bytes, mode_t mode) {
  std::string tmp = path + ".tmp";
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (!fd) return Status::FromErrno(errno, "create " + tmp);
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Status st = Status::FromErrno(errno, "write " + tmp);
        ::unlink(tmp.c_str());
        return st;
      }
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      Status st = Status::FromErrno(errno, "fsync " + tmp);
      ::unlink(tmp.c_str());
      return st;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = Status::FromErrno(errno, "rename " + tmp + " to " + path);
    ::unlink(tmp.c_str());
    return st;
  }
  std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  UniqueFd dfd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd) ::fsync(dfd.get());
  return Status::Ok();
}

}  // namespace qoima::crypto

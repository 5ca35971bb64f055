#include "appliance/export/bundle_verifier.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <sstream>

#include "appliance/export/audit_proof.h"
#include "appliance/export/bag_layout.h"
#include "appliance/export/bag_names.h"
#include "appliance/export/bag_writer.h"
#include "appliance/export/hash_worker.h"
#include "appliance/export/replay_ledger.h"
#include "appliance/export/utf8_locale.h"
#include "crypto/hash.h"
#include "crypto/signer.h"

namespace qoima::exporting {
namespace {

struct ArchiveReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

constexpr size_t kReadBlock = 1 << 20;
// A tar ends with two zero 512-byte blocks (then, from some writers, more zero padding).
constexpr size_t kTarEndBytes = 1024;

// The bundle's bytes (a file or a pipe from the export medium). The first
// bytes are peeked (CMS or tar?) and served again to libarchive.
struct RawFileReader {
  UniqueFd fd;
  std::function<bool(uint64_t)> wait_for_more;  // VerifyOptions::wait_for_more
  uint64_t offset = 0;                          // bytes read so far
  std::vector<uint8_t> buf;
  std::vector<uint8_t> head;  // peeked bytes not yet handed to libarchive
  crypto::Sha256 sha;
  std::string tail;  // the last kTarEndBytes bytes seen
  // Hashes each block on a second core while libarchive parses it. Last
  // member: joined before the buffer and digest it works on are destroyed.
  HashWorker worker;

  void Track(std::span<const uint8_t> d) {
    sha.Update(d);
    const size_t keep = std::min(d.size(), kTarEndBytes);
    tail.append(reinterpret_cast<const char*>(d.data() + d.size() - keep), keep);
    if (tail.size() > kTarEndBytes) tail.erase(0, tail.size() - kTarEndBytes);
  }

  // read(2) that, for a bundle still being written, waits at the end of
  // the file until the writer added bytes or finished.
  ssize_t ReadSome(uint8_t* p, size_t n) {
    for (;;) {
      ssize_t k = ::read(fd.get(), p, n);
      if (k < 0 && errno == EINTR) continue;
      if (k == 0 && wait_for_more && wait_for_more(offset)) continue;
      if (k > 0) offset += static_cast<uint64_t>(k);
      return k;
    }
  }

  Status Peek(size_t n) {
    head.resize(n);
    size_t got = 0;
    while (got < n) {
      ssize_t k = ReadSome(head.data() + got, n - got);
      if (k < 0) return Status::FromErrno(errno, "read bundle");
      if (k == 0) break;
      got += static_cast<size_t>(k);
    }
    head.resize(got);
    Track(head);
    return Status::Ok();
  }

  static la_ssize_t Read(archive* a, void* self, const void** out) {
    auto* r = static_cast<RawFileReader*>(self);
    // libarchive is done with the previous block (it asks for the next one);
    // the worker must be too before the buffer is reused.
    r->worker.Wait();
    if (!r->head.empty()) {
      r->buf.assign(r->head.begin(), r->head.end());
      r->head.clear();
      *out = r->buf.data();
      return static_cast<la_ssize_t>(r->buf.size());
    }
    r->buf.resize(kReadBlock);
    for (;;) {
      ssize_t n = r->ReadSome(r->buf.data(), r->buf.size());
      if (n < 0) {
        archive_set_error(a, errno, "read: %s", std::strerror(errno));
        return -1;
      }
      r->worker.Start([r, n] { r->Track({r->buf.data(), static_cast<size_t>(n)}); });
      *out = r->buf.data();
      return n;
    }
  }
};

struct FileSeen {
  uint64_t size = 0;
  std::string sha256, sha512;
  std::string content;  // tag files only
};

class Checker {
 public:
  explicit Checker(const VerifyOptions& o) : opt_(o) {}
  VerifyReport Run(UniqueFd fd, const std::string& name);

 private:
  void Problem(const std::string& kind, const std::string& msg) { r_.problems.push_back({kind, msg}); }
  bool ReadTar(RawFileReader& raw, const std::string& path);
  void CheckBagit();
  void CheckTagManifests();
  void CheckSignature();
  void CheckPayloadManifest(std::string_view name, bool sha512);
  void CheckBagInfo();
  void CheckNames();
  void CheckProof();
  void CheckReplay();
  const FileSeen* Tag(std::string_view name) const {
    auto it = tags_.find(std::string(name));
    return it == tags_.end() ? nullptr : &it->second;
  }
  void LoadKey();

  const VerifyOptions& opt_;
  VerifyReport r_;
  std::map<std::string, FileSeen> payload_;  // "data/..." -> digests
  std::map<std::string, FileSeen> tags_;     // relative tag file path -> content
  std::string key_pem_;                      // certificate the signatures are checked with; empty: none usable
};

std::string Shown(const std::string& p) { return BagNameMapper::EncodeRaw(p); }

// Manifest line: "<hex> SP+ <path>" (also "<hex> *<path>" from sha256sum -b).
bool ParseManifestLine(std::string line, std::string* hash, std::string* path) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  size_t sp = line.find_first_of(" \t");
  if (sp == std::string::npos || sp == 0) return false;
  *hash = line.substr(0, sp);
  size_t start = line.find_first_not_of(" \t", sp);
  if (start == std::string::npos) return false;
  if (start == sp + 1 && line[start] == '*') ++start;
  std::string p = line.substr(start);
  // BagIt percent-encoding of CR, LF and '%'.
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '%' && p.compare(i, 3, "%0A") == 0) {
      out += '\n';
      i += 2;
    } else if (p[i] == '%' && p.compare(i, 3, "%0D") == 0) {
      out += '\r';
      i += 2;
    } else if (p[i] == '%' && p.compare(i, 3, "%25") == 0) {
      out += '%';
      i += 2;
    } else {
      out += p[i];
    }
  }
  *path = out;
  std::transform(hash->begin(), hash->end(), hash->begin(), [](unsigned char c) { return std::tolower(c); });
  return true;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

bool IsHexOf(const std::string& s, size_t len) {
  return s.size() == len &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

bool IsUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool LooksLikeCms(const std::vector<uint8_t>& head) {
  if (head.size() < 2 || head[0] != 0x30) return false;
  // A tar header has "ustar" at offset 257; CMS starts with a DER SEQUENCE.
  return !(head.size() >= 262 && std::string_view(reinterpret_cast<const char*>(head.data() + 257), 5) == "ustar");
}

bool Checker::ReadTar(RawFileReader& raw, const std::string& path) {
  ScopedUtf8Ctype utf8;  // pax UTF-8 path names come back as UTF-8
  if (!utf8.status().ok()) {
    Problem("tar", utf8.status().message());
    return false;
  }
  // Raw file bytes pass through our callback, which hashes them: the bundle's
  // SHA-256 comes out of the same single read.
  std::unique_ptr<archive, ArchiveReadDeleter> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  if (archive_read_open(a.get(), &raw, nullptr, &RawFileReader::Read, nullptr) != ARCHIVE_OK) {
    Problem("tar",
            "tar: cannot read " + path + ": " + (archive_error_string(a.get()) ? archive_error_string(a.get()) : "?"));
    return false;
  }
  struct Finish {
    RawFileReader& r;
    std::string& out;
    ~Finish() {
      r.worker.Wait();
      // Hash whatever libarchive did not need (padding after the end blocks).
      for (;;) {
        r.buf.resize(kReadBlock);
        ssize_t n = r.ReadSome(r.buf.data(), r.buf.size());
        if (n <= 0) break;
        r.Track({r.buf.data(), static_cast<size_t>(n)});
      }
      out = crypto::Hex(r.sha.Finish());
    }
  } finish{raw, r_.bundle_sha256};
  size_t entries = 0;
  std::set<std::string> seen;
  HashWorker sha512_worker;
  for (;;) {
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      Problem("tar", "tar: archive damaged or truncated after entry " + std::to_string(entries) + ": " +
                         (archive_error_string(a.get()) ? archive_error_string(a.get()) : "read error"));
      return false;
    }
    if (++entries > kMaxTarEntries) {
      Problem("tar", "tar: more than " + std::to_string(kMaxTarEntries) + " entries; stopped reading");
      return false;
    }
    const char* pn = archive_entry_pathname_utf8(e);
    if (!pn) pn = archive_entry_pathname(e);
    std::string name = pn ? pn : "";
    while (name.rfind("./", 0) == 0) name.erase(0, 2);
    size_t slash = name.find('/');
    std::string first = name.substr(0, slash);
    if (r_.bag_dir.empty()) r_.bag_dir = first;
    auto type = archive_entry_filetype(e);
    if (name.empty() || name[0] == '/' || name.find("/../") != std::string::npos || name.rfind("../", 0) == 0 ||
        first != r_.bag_dir) {
      Problem("structure", "tar entry '" + Shown(name) + "' lies outside the bag directory '" + r_.bag_dir + "'");
      continue;
    }
    if (type == AE_IFDIR) continue;
    if (type != AE_IFREG) {
      Problem("structure", "tar entry '" + Shown(name) + "' is not a regular file (links and devices are not allowed)");
      continue;
    }
    std::string rel = slash == std::string::npos ? "" : name.substr(slash + 1);
    if (rel.empty()) {
      Problem("structure", "tar entry '" + Shown(name) + "' is a file where the bag directory should be");
      continue;
    }
    if (!seen.insert(rel).second) Problem("structure", "tar holds '" + Shown(rel) + "' twice");
    bool is_payload = rel.rfind(kDataPrefix, 0) == 0;
    FileSeen f;
    crypto::Sha256 h256;
    crypto::Sha512 h512;
    // SHA-512 of each block runs on the second worker while SHA-256 runs
    // here; the block is valid until the next libarchive call, so every
    // path to that call (and out of this scope) waits for the worker first.
    const bool want512 = !is_payload || opt_.check_payload_sha512;
    struct Settle {
      HashWorker& w;
      ~Settle() { w.Wait(); }
    } settle{sha512_worker};
    const void* block = nullptr;
    size_t len = 0;
    la_int64_t off = 0;
    bool too_big = false;
    for (;;) {
      sha512_worker.Wait();
      int d = archive_read_data_block(a.get(), &block, &len, &off);
      if (d == ARCHIVE_EOF) break;
      if (d < ARCHIVE_WARN) {
        Problem("tar", "tar: '" + Shown(rel) + "' is cut short (the bundle is truncated or damaged): " +
                           (archive_error_string(a.get()) ? archive_error_string(a.get()) : "read error"));
        return false;
      }
      std::span<const uint8_t> chunk(static_cast<const uint8_t*>(block), len);
      if (want512) sha512_worker.Start([&h512, chunk] { h512.Update(chunk); });
      h256.Update(chunk);
      f.size += len;
      if (!is_payload) {
        if (f.content.size() + len > kMaxTagFileBytes) {
          too_big = true;
        } else {
          f.content.append(static_cast<const char*>(block), len);
        }
      }
    }
    sha512_worker.Wait();
    f.sha256 = crypto::Hex(h256.Finish());
    f.sha512 = crypto::Hex(h512.Finish());
    if (too_big) {
      Problem("structure", "tag file '" + Shown(rel) + "' larger than " + std::to_string(kMaxTagFileBytes) + " bytes");
      f.content.clear();
    }
    if (is_payload) {
      r_.payload_files++;
      r_.payload_bytes += f.size;
      payload_[rel] = std::move(f);
    } else {
      tags_[rel] = std::move(f);
    }
  }
  return true;
}

void Checker::CheckBagit() {
  const FileSeen* b = Tag(kBagitTxt);
  if (!b) return Problem("bagit", "bagit.txt is missing: not a BagIt bag");
  if (b->content.rfind("BagIt-Version: 1.", 0) != 0) Problem("bagit", "bagit.txt does not declare BagIt-Version 1.x");
}

void Checker::CheckTagManifests() {
  for (auto [name, sha512] : {std::pair{kTagManifest256, false}, std::pair{kTagManifest512, true}}) {
    const FileSeen* tm = Tag(name);
    if (!tm) {
      Problem("tagmanifest", std::string(name) + " is missing");
      continue;
    }
    std::set<std::string> listed;
    auto lines = Lines(tm->content);
    for (size_t i = 0; i < lines.size(); ++i) {
      std::string where = std::string(name) + " line " + std::to_string(i + 1);
      if (lines[i].size() > kMaxManifestLineBytes) {
        Problem("tagmanifest", where + ": longer than " + std::to_string(kMaxManifestLineBytes) + " bytes");
        continue;
      }
      std::string hash, p;
      if (!ParseManifestLine(lines[i], &hash, &p) || !IsHexOf(hash, sha512 ? 128 : 64)) {
        Problem("tagmanifest", where + ": not '<checksum>  <file>'");
        continue;
      }
      listed.insert(p);
      const FileSeen* f = Tag(p);
      if (!f) {
        Problem("tagmanifest", where + ": " + Shown(p) + " is listed but missing from the bag");
        continue;
      }
      const std::string& have = sha512 ? f->sha512 : f->sha256;
      if (have != hash)
        Problem("tagmanifest", Shown(p) + ": " + (sha512 ? "SHA-512" : "SHA-256") + " does not match " +
                                   std::string(name) + " (listed " + hash.substr(0, 16) + "..., file has " +
                                   have.substr(0, 16) + "...): the tag file was changed or swapped");
    }
    for (const auto& [p, f] : tags_) {
      if (p.rfind("tagmanifest-", 0) == 0) continue;  // tag manifests and the signature are not listed
      if (!listed.count(p))
        Problem("tagmanifest", "tag file " + Shown(p) + " is in the bag but not listed in " + std::string(name));
    }
  }
  for (const auto& [p, f] : tags_) {
    if (p.rfind("tagmanifest-", 0) == 0 && p != kTagManifest256 && p != kTagManifest512 && p != kSignatureFile)
      Problem("structure", "unexpected file " + Shown(p) + " in the bag");
  }
}

void Checker::LoadKey() {
  // The trusted certificate when given, else the one in the bag (weaker: it
  // proves integrity, not origin; the report says which was used).
  const FileSeen* in_bag = Tag(kCertFile);
  if (opt_.trusted_cert_pem) {
    key_pem_ = *opt_.trusted_cert_pem;
    r_.trusted_cert_used = true;
  } else if (in_bag) {
    key_pem_ = in_bag->content;
  } else {
    return;
  }
  auto fp = crypto::PublicKeyFingerprint(key_pem_);
  if (!fp.ok()) {
    Problem("certificate", std::string(opt_.trusted_cert_pem ? "the trusted device certificate" : kCertFile) +
                               " is not a usable PEM certificate: " + fp.status().message());
    key_pem_.clear();
    return;
  }
  r_.device_fingerprint = *fp;
  if (opt_.trusted_cert_pem && in_bag) {
    auto bag_fp = crypto::PublicKeyFingerprint(in_bag->content);
    if (!bag_fp.ok())
      Problem("certificate", std::string(kCertFile) + " in the bag is not a usable PEM certificate");
    else if (*bag_fp != r_.device_fingerprint)
      Problem("certificate", std::string(kCertFile) + " in the bag (key fingerprint " + bag_fp->substr(0, 16) +
                                 "...) is not the trusted device certificate (" + r_.device_fingerprint.substr(0, 16) +
                                 "...): the bundle comes from another key");
  }
}

bool SignatureValid(const std::string& pem, std::string_view signed_bytes, std::string_view sig) {
  return crypto::VerifySignature(pem, crypto::Sha256::Digest(signed_bytes),
                                 {reinterpret_cast<const uint8_t*>(sig.data()), sig.size()})
      .ok();
}

void Checker::CheckSignature() {
  const FileSeen* tm = Tag(kTagManifest256);
  const FileSeen* sig = Tag(kSignatureFile);
  if (!Tag(kCertFile)) Problem("certificate", std::string(kCertFile) + " (the device certificate) is missing");
  LoadKey();
  if (!sig) return Problem("signature", std::string(kSignatureFile) + " is missing: the bundle is unsigned");
  if (!tm || key_pem_.empty()) return;
  r_.signature_valid = SignatureValid(key_pem_, tm->content, sig->content);
  if (!r_.signature_valid)
    Problem("signature", std::string(kSignatureFile) + " does not verify over " + std::string(kTagManifest256) +
                             " with the public key of " +
                             (r_.trusted_cert_used ? "the trusted device certificate" : "the certificate in the bag") +
                             " (fingerprint " + r_.device_fingerprint.substr(0, 16) +
                             "...): the tag manifest was edited or the bundle was signed by another key");
}

void Checker::CheckPayloadManifest(std::string_view name, bool sha512) {
  const FileSeen* m = Tag(name);
  if (!m) return Problem("manifest", std::string(name) + " is missing");
  std::set<std::string> listed;
  auto lines = Lines(m->content);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string where = std::string(name) + " line " + std::to_string(i + 1);
    if (lines[i].size() > kMaxManifestLineBytes) {
      Problem("manifest", where + ": longer than " + std::to_string(kMaxManifestLineBytes) + " bytes");
      continue;
    }
    std::string hash, p;
    if (!ParseManifestLine(lines[i], &hash, &p) || !IsHexOf(hash, sha512 ? 128 : 64)) {
      Problem("manifest", where + ": not '<checksum>  data/<file>'");
      continue;
    }
    if (p.rfind(kDataPrefix, 0) != 0) {
      Problem("manifest", where + ": " + Shown(p) + " is outside data/");
      continue;
    }
    if (!listed.insert(p).second) {
      Problem("manifest", where + ": " + Shown(p) + " is listed twice");
      continue;
    }
    auto it = payload_.find(p);
    if (it == payload_.end()) {
      Problem("payload-missing", Shown(p) + " is listed in " + std::string(name) + " (line " + std::to_string(i + 1) +
                                     ") but missing from the bag");
      continue;
    }
    const std::string& have = sha512 ? it->second.sha512 : it->second.sha256;
    if (have != hash)
      Problem("payload-hash", Shown(p) + ": " + (sha512 ? "SHA-512" : "SHA-256") + " mismatch (" + std::string(name) +
                                  " line " + std::to_string(i + 1) + " says " + hash.substr(0, 16) + "..., file has " +
                                  have.substr(0, 16) + "...)");
  }
  for (const auto& [p, f] : payload_)
    if (!listed.count(p))
      Problem("payload-unlisted",
              Shown(p) + " is in the bag but not listed in " + std::string(name) + " (added file?)");
}

void Checker::CheckBagInfo() {
  const FileSeen* b = Tag(kBagInfo);
  if (!b) return Problem("bag-info", "bag-info.txt is missing");
  auto lines = Lines(b->content);
  if (lines.size() > kMaxBagInfoLines)
    return Problem("bag-info", "bag-info.txt has more than " + std::to_string(kMaxBagInfoLines) + " lines");
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t colon = lines[i].find(": ");
    if (colon == std::string::npos || colon == 0) {
      Problem("bag-info", "bag-info.txt line " + std::to_string(i + 1) + ": not 'Label: value'");
      continue;
    }
    r_.bag_info[lines[i].substr(0, colon)] = lines[i].substr(colon + 2);
  }
  auto get = [&](std::string_view label) -> const std::string* {
    auto it = r_.bag_info.find(std::string(label));
    if (it == r_.bag_info.end()) {
      Problem("bag-info", "bag-info.txt has no " + std::string(label));
      return nullptr;
    }
    return &it->second;
  };
  if (const std::string* oxum = get(kLabelOxum)) {
    std::string expect = std::to_string(r_.payload_bytes) + "." + std::to_string(r_.payload_files);
    if (*oxum != expect)
      Problem("oxum", "bag-info.txt Payload-Oxum is " + *oxum + " but the payload holds " +
                          std::to_string(r_.payload_bytes) + " bytes in " + std::to_string(r_.payload_files) +
                          " files (" + expect + ")");
  }
  const std::string* id = get(kLabelExportId);
  if (id && !IsUuid(*id)) Problem("bag-info", "bag-info.txt Qoima-Export-Id '" + *id + "' is not a UUID");
  const std::string* seq = get(kLabelSequence);
  if (seq && (seq->empty() || seq->size() > 19 || !std::all_of(seq->begin(), seq->end(), ::isdigit)))
    Problem("bag-info", "bag-info.txt Qoima-Export-Sequence '" + *seq + "' is not a number");
  else if (seq && !r_.bag_dir.empty() && BagDirName(std::stoull(*seq)) != r_.bag_dir)
    Problem("bag-info",
            "bag-info.txt Qoima-Export-Sequence " + *seq + " does not match the bag directory " + r_.bag_dir);
  const std::string* req = get(kLabelRequestedBy);
  const std::string* appr = get(kLabelApprovedBy);
  if (req && appr && *req == *appr)
    Problem("bag-info", "bag-info.txt names the same officer as requester and approver: " + *req);
  if (const std::string* fp = get(kLabelDeviceFp); fp && !r_.device_fingerprint.empty() && *fp != r_.device_fingerprint)
    Problem("bag-info", "bag-info.txt Qoima-Device-Fingerprint " + fp->substr(0, 16) +
                            "... is not the fingerprint of the verifying certificate (" +
                            r_.device_fingerprint.substr(0, 16) + "...)");
}

void Checker::CheckNames() {
  const FileSeen* n = Tag(kNamesFile);
  if (!n) return Problem("names", std::string(kNamesFile) + " (map back to the original file names) is missing");
  auto lines = Lines(n->content);
  std::set<std::string> mapped;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty() || lines[i][0] == '#') continue;
    std::string where = std::string(kNamesFile) + " line " + std::to_string(i + 1);
    size_t tab = lines[i].find('\t');
    if (tab == std::string::npos) {
      Problem("names", where + ": no TAB between bag path and original name");
      continue;
    }
    std::string bag = lines[i].substr(0, tab);
    auto raw = BagNameMapper::DecodeRaw(lines[i].substr(tab + 1));
    if (!raw.ok()) Problem("names", where + ": " + raw.status().message());
    if (!payload_.count(bag)) Problem("names", where + ": " + Shown(bag) + " is not a payload file");
    if (!mapped.insert(bag).second) Problem("names", where + ": " + Shown(bag) + " is mapped twice");
  }
  for (const auto& [p, f] : payload_)
    if (!mapped.count(p)) Problem("names", Shown(p) + " has no original name in " + std::string(kNamesFile));
}

void Checker::CheckProof() {
  const FileSeen* pf = Tag(kProofFile);
  if (!pf) return Problem("proof", std::string(kProofFile) + " (audit inclusion proof of the export) is missing");
  auto proof = ParseProof(pf->content);
  if (!proof.ok()) return Problem("proof", std::string(kProofFile) + ": " + proof.status().message());
  const auto& p = *proof;
  if (!VerifyInclusion(p.leaf_index, p.tree_size, LeafHash(p.leaf), p.audit_path, p.root_hash))
    Problem("proof", std::string(kProofFile) + ": the audit path does not lead from leaf " +
                         std::to_string(p.leaf_index) + " to the root of the " + std::to_string(p.tree_size) +
                         "-leaf tree");
  // The leaf must be THIS export's event: its id and its payload manifest.
  const FileSeen* m = Tag(kManifest256);
  auto id = r_.bag_info.find(std::string(kLabelExportId));
  if (id != r_.bag_info.end() && p.leaf.find("export-id=" + id->second + ";") == std::string::npos)
    Problem("proof", "the audit event in " + std::string(kProofFile) + " is not the export of Qoima-Export-Id " +
                         id->second + " (bag-info.txt swapped or proof from another export)");
  if (m && p.leaf.find("manifest-sha256=" + m->sha256) == std::string::npos)
    Problem("proof", "the audit event does not carry the digest of this " + std::string(kManifest256) +
                         " (the payload manifest differs from the one that was logged)");
  // The log's own signed checkpoint, when present, must commit to that root.
  if (!p.checkpoint_body.empty()) {
    const std::string root_hex =
        crypto::Hex({reinterpret_cast<const uint8_t*>(p.root_hash.data()), p.root_hash.size()});
    if (p.checkpoint_body.find(root_hex) == std::string::npos)
      Problem("proof", "the audit checkpoint does not commit to the proof's root hash");
    if (!key_pem_.empty()) {
      std::string sig(p.checkpoint_signature.begin(), p.checkpoint_signature.end());
      if (!SignatureValid(key_pem_, p.checkpoint_body, sig))
        Problem("proof", "the audit checkpoint signature does not verify with the device key");
    }
  } else {
    Problem("proof", "the audit proof carries no signed checkpoint");
  }
}

void Checker::CheckReplay() {
  if (opt_.ledger_path.empty()) return;
  auto id = r_.bag_info.find(std::string(kLabelExportId));
  auto seq = r_.bag_info.find(std::string(kLabelSequence));
  if (id == r_.bag_info.end() || seq == r_.bag_info.end() || !IsUuid(id->second) || r_.device_fingerprint.empty() ||
      seq->second.empty() || seq->second.size() > 19 || !std::all_of(seq->second.begin(), seq->second.end(), ::isdigit))
    return Problem("replay", "cannot check for replay: export id, sequence or device fingerprint unreadable");
  auto ledger = ReplayLedger::Open(opt_.ledger_path);
  if (!ledger.ok()) return Problem("replay", "ledger: " + ledger.status().message());
  uint64_t s = std::stoull(seq->second);
  if (auto why = ledger->Check(r_.device_fingerprint, s, id->second)) return Problem("replay", *why);
  if (opt_.record_in_ledger && r_.problems.empty()) {
    Status st = ledger->Record(r_.device_fingerprint, s, id->second, Rfc3339(::time(nullptr)));
    if (!st.ok()) return Problem("replay", "ledger: " + st.message());
    r_.recorded = true;
  }
}

VerifyReport Checker::Run(UniqueFd fd, const std::string& path) {
  RawFileReader raw;
  raw.fd = std::move(fd);
  raw.wait_for_more = opt_.wait_for_more;
  posix_fadvise(raw.fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  if (Status s = raw.Peek(512); !s.ok()) {
    Problem("tar", "tar: cannot read " + path + ": " + s.message());
    return r_;
  }
  if (LooksLikeCms(raw.head)) {
    Problem("encrypted",
            "the bundle is a CMS envelope (encrypted to a recipient): decrypt it first with "
            "`openssl cms -decrypt -binary -inform DER -in BUNDLE -recip CERT.pem -inkey KEY.pem -out BUNDLE.tar`");
    return r_;
  }
  // A truncated tar is reported; the checks below then say what is missing.
  const bool tar_read = ReadTar(raw, path);
  raw.worker.Wait();
  if (tar_read && (raw.tail.size() < kTarEndBytes || raw.tail.find_first_not_of('\0') != std::string::npos))
    Problem("tar", "tar: the bundle ends without the end-of-archive marker (two zero blocks): it was cut off");
  CheckBagit();
  CheckTagManifests();
  CheckSignature();
  CheckPayloadManifest(kManifest256, false);
  if (opt_.check_payload_sha512) CheckPayloadManifest(kManifest512, true);
  CheckBagInfo();
  CheckNames();
  CheckProof();
  CheckReplay();
  return r_;
}

}  // namespace

bool VerifyReport::Has(const std::string& kind) const {
  return std::any_of(problems.begin(), problems.end(), [&](const VerifyProblem& p) { return p.kind == kind; });
}

Result<VerifyReport> VerifyBundle(const std::string& path, const VerifyOptions& options) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Status::FromErrno(errno, "open bundle " + path);
  return VerifyBundleFd(std::move(fd), path, options);
}

Result<VerifyReport> VerifyBundleFd(UniqueFd fd, const std::string& name, const VerifyOptions& options) {
  Checker c(options);
  return c.Run(std::move(fd), name);
}

}  // namespace qoima::exporting

// BundleVerifier: checks an export bundle offline and reports EVERY problem it
// finds, each with a kind and a message naming the file, line or field:
// the tar structure (truncation, foreign entries), bagit.txt, the tag manifest,
// the signature over tagmanifest-sha256.txt (against the trusted device
// certificate when given, else the one in the bag), every payload hash in both
// manifests, files missing from or added to the payload, Payload-Oxum,
// bag-info fields, the NFC name map, the audit inclusion proof (and that it is
// the proof of THIS export), and, with a ledger, replay of an old bundle.
//
// One streaming pass over the tar: payload files are hashed as they pass, tag
// files are kept in memory (bounded by kMaxTagFileBytes). The bundle is
// untrusted input; every size and count has a named limit (bag_layout.h).
// Thread-safety: none; one verifier per call.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace qoima::exporting {

struct VerifyProblem {
  std::string kind;  // stable: tar, structure, bagit, tagmanifest, signature, certificate, manifest,
                     // payload-hash, payload-missing, payload-unlisted, oxum, bag-info, names, proof,
                     // replay, encrypted
  std::string message;
};

struct VerifyOptions {
  std::optional<std::string> trusted_cert_pem;  // the device certificate the verifier trusts
  std::string ledger_path;                      // import ledger; empty: no replay check
  bool record_in_ledger = false;                // record the bundle when it verified clean
  /// Read-back of a bundle still being written (BundleExporter): called when
  /// a read hits the end of the file at byte `offset`; blocks until the
  /// writer added bytes (true: read again) or finished (false: this is the end).
  std::function<bool(uint64_t offset)> wait_for_more;
  /// Check payload files against manifest-sha512.txt too (always for
  /// verify-bundle; the exporter's read-back relies on SHA-256 alone, which
  /// already proves the medium returned the signed bytes).
  bool check_payload_sha512 = true;
};

struct VerifyReport {
  std::vector<VerifyProblem> problems;
  std::map<std::string, std::string> bag_info;
  std::string bag_dir;
  uint64_t payload_files = 0;
  uint64_t payload_bytes = 0;
  std::string device_fingerprint;  // of the certificate the signature was checked with
  std::string bundle_sha256;       // of the bundle file as read (empty for an encrypted bundle)
  bool signature_valid = false;
  bool trusted_cert_used = false;
  bool recorded = false;

  bool ok() const { return problems.empty(); }
  bool Has(const std::string& kind) const;
};

/// Verifies the bundle at `path`. Fails (Status) only when the file cannot be
/// opened at all; everything wrong with its content is a problem in the report.
Result<VerifyReport> VerifyBundle(const std::string& path, const VerifyOptions& options);
/// The same over an open descriptor (a file, or a pipe from the export medium);
/// `name` appears in messages.
Result<VerifyReport> VerifyBundleFd(UniqueFd fd, const std::string& name, const VerifyOptions& options);

}  // namespace qoima::exporting

// Names and constants of the bag layout (docs/bundle-format.md), shared by the
// writer and the verifier so the two cannot drift apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace qoima::exporting {

inline constexpr std::string_view kBagitTxt = "bagit.txt";
inline constexpr std::string_view kBagitContent = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
inline constexpr std::string_view kManifest256 = "manifest-sha256.txt";
inline constexpr std::string_view kManifest512 = "manifest-sha512.txt";
inline constexpr std::string_view kBagInfo = "bag-info.txt";
inline constexpr std::string_view kNamesFile = "qoima-names.txt";
inline constexpr std::string_view kProofFile = "qoima-audit-proof.json";
inline constexpr std::string_view kCertFile = "qoima-device-cert.pem";
inline constexpr std::string_view kTagManifest256 = "tagmanifest-sha256.txt";
inline constexpr std::string_view kTagManifest512 = "tagmanifest-sha512.txt";
inline constexpr std::string_view kSignatureFile = "tagmanifest-sha256.txt.sig";
inline constexpr std::string_view kDataPrefix = "data/";
inline constexpr std::string_view kNamesHeader =
    "# qoima-names/1: bag path TAB original path bytes (%XX = a byte that is not printable UTF-8, or '%')\n";

/// bag-info.txt labels written by qoima (besides BagIt's reserved ones).
inline constexpr std::string_view kLabelExportId = "Qoima-Export-Id";
inline constexpr std::string_view kLabelSequence = "Qoima-Export-Sequence";
inline constexpr std::string_view kLabelRequestedBy = "Qoima-Requested-By";
inline constexpr std::string_view kLabelApprovedBy = "Qoima-Approved-By";
inline constexpr std::string_view kLabelDeviceFp = "Qoima-Device-Fingerprint";
inline constexpr std::string_view kLabelOxum = "Payload-Oxum";

/// The role that may request and approve an export.
inline constexpr std::string_view kSecurityOfficerRole = "security_officer";

/// Limits on the verifying side (the bundle is untrusted there).
inline constexpr size_t kMaxTagFileBytes = 256u << 20;
inline constexpr size_t kMaxTarEntries = 1'100'000;
inline constexpr size_t kMaxManifestLineBytes = 8192;
inline constexpr size_t kMaxBagInfoLines = 1000;
inline constexpr size_t kMaxReasonBytes = 2000;

/// "qoima-export-000042"
std::string BagDirName(uint64_t sequence);

}  // namespace qoima::exporting

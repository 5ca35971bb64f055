// IntakeAssessment: what the verification found, turned into the decision
// the law allows (001 cl.15-17).
//
// Accepting needs: every disc of the act read on every presented copy with a
// clean diff, the non-disclosure agreement (the operator's form based on the
// former Annex 4) recorded as signed by both parties, on every track, and on
// the register track the software in the register. Refusing needs at least
// one clause 16 reason that the evidence supports:
//   (1) the software is not in the trusted register (register track only);
//   (2) the act does not match what is on the media;
//   (3) the medium does not work.
// The clerk decides; these functions only refuse decisions the evidence does
// not support, and say why.
//
// Thread-safety: pure functions over plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "appliance/application.h"
#include "appliance/manifest_diff.h"
#include "appliance/vocabulary.h"

namespace qoima::appliance {

std::string_view RefusalReasonName(RefusalReason r);  // "not_in_register", "act_mismatch", "media_malfunction"
std::optional<RefusalReason> ParseRefusalReason(std::string_view s);
/// "practice:refusal-2": the operator's practice key a decision's stored
/// reason text (and the audit entry of the refusal) carries; the printed
/// refusal finds its reasons by it. Never shown: ShownReasonText replaces it.
/// Entries stored by older versions carry "001 cl.16(2)" instead, mapped to
/// this key for display by StoredKeyMap (the audit entries stay as written).
std::string RefusalKey(RefusalReason r);
/// What a person is shown as the ground's basis: the repealed order had the
/// refusal grounds, so they are the operator's practice, "based on the former
/// 146/НҚ cl.16(2)".
std::string RefusalBasis(RefusalReason r);
/// A decision's stored reason text as it is shown: each RefusalKey replaced
/// by "(RefusalBasis)". Map older keys first (StoredKeyMap::Current).
std::string ShownReasonText(std::string_view stored);

/// The keys older versions stored in reason texts, each with the key that
/// stands for it now (storage's `basis_keys` table, loaded by
/// LoadStoredKeyMap in intake_repository.h). Stored text is never rewritten
/// (audit entries are leaves of the hash-chained log); it is mapped when read.
struct StoredKeyMap {
  std::vector<std::pair<std::string, std::string>> older_to_current;
  /// `stored` with every older key replaced by its current key.
  std::string Current(std::string_view stored) const;
};
/// The clause's text (Russian and English) for the printed refusal.
std::string_view RefusalText(RefusalReason r);

/// The blocker of an acceptance without a recorded NDA, in Kazakh, Russian
/// and English: no non-disclosure agreement signed by both parties is
/// recorded for the application (the operator's practice: it is signed at
/// every acceptance, whatever the track).
std::string_view NdaMissingBlocker();
/// The refusal of such an acceptance, naming the application and the
/// command that records the NDA, in Kazakh, Russian and English.
Status NdaMissingRefusal(std::string_view portal_code);

/// One medium as presented: which disc of the act and which copy.
struct MediumCheck {
  std::string disc;        // disc marking it was checked against
  std::string copy_label;  // "original", "copy 1", ...
  std::string device;      // e.g. /dev/sr0 or the image path
  std::string volume_label;
  DiffReport diff;
};

struct IntakeFacts {
  Track track = Track::kApplication;
  /// Register track: whether the register snapshot (or the clerk, from the
  /// paper register) confirms the software is in the register.
  std::optional<bool> in_register;
  bool nda_signed_by_both = false;
  std::vector<std::string> act_discs;  // every disc marking of the act
  std::vector<MediumCheck> media;
};

struct RefusalGround {
  RefusalReason reason;
  std::string evidence;  // summary of what supports it
};

struct Assessment {
  /// Reasons the evidence supports (empty when the intake is clean).
  std::vector<RefusalGround> grounds;
  /// Things that prevent acceptance without being a refusal reason (a disc
  /// not read yet, the NDA not signed yet): the clerk can fix them.
  std::vector<std::string> blockers;
  bool Acceptable() const { return grounds.empty() && blockers.empty(); }
};

Assessment AssessIntake(const IntakeFacts& facts);

/// OK when accepting is allowed; FailedPrecondition listing every ground and blocker.
Status CheckAccept(const Assessment& a);

/// OK when each of `reasons` is supported by the evidence; FailedPrecondition
/// naming the first unsupported one; InvalidArgument when `reasons` is empty.
Status CheckRefuse(const Assessment& a, const std::vector<RefusalReason>& reasons);

}  // namespace qoima::appliance

// IntakeAssessment: what the verification found, turned into the decision
// the law allows (001 cl.15-17).
//
// Accepting needs: every disc of the act read on every presented copy with a
// clean diff, and on the register track the software in the register and the
// NDA (Annex 4) recorded as signed by both parties. Refusing needs at least
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
#include <vector>

#include "appliance/application.h"
#include "appliance/manifest_diff.h"
#include "appliance/vocabulary.h"

namespace qoima::appliance {

std::string_view RefusalReasonName(RefusalReason r);  // "not_in_register", "act_mismatch", "media_malfunction"
std::optional<RefusalReason> ParseRefusalReason(std::string_view s);
/// "001 cl.16(2)": the key a decision's stored reason text carries (the
/// printed refusal finds its reasons by it); never shown as a basis.
std::string RefusalClause(RefusalReason r);
/// What a person is shown as the ground's basis: the repealed order had the
/// refusal grounds, so they are the operator's practice, "based on the former
/// 146/НҚ cl.16(2)".
std::string RefusalBasis(RefusalReason r);
/// A decision's stored reason text as it is shown: each RefusalClause key
/// replaced by "(RefusalBasis)".
std::string ShownReasonText(std::string_view stored);
/// The clause's text (Russian and English) for the printed refusal.
std::string_view RefusalText(RefusalReason r);

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

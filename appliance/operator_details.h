// OperatorDetails: the operator's name, BIN, address, phone, e-mail and the
// positions and names of its signers (print::OperatorInfo), kept in the
// store (store_meta keys "operator.*", so they survive backup and restore),
// set by an admin (Appliance::SetOperatorDetails, audited "operator.set")
// and printed wherever a form has them. The operator is the State Technical
// Service (003 cl.2(16), 4-5, 9); which organization that is, is
// configuration, never code.
//
// Also the accepting side of an acceptance act as the intake records it (in
// the decision's evidence, key "accepting"), so that the act issued at the
// intake and every reprint name the same organization and person.
//
// Thread-safety: free functions over the caller's database handle.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "appliance/act_document.h"
#include "appliance/print/documents.h"
#include "common/result.h"
#include "storage/database.h"

namespace qoima::appliance {

/// Longest value of one field accepted.
inline constexpr size_t kMaxOperatorFieldBytes = 512;

/// The details as stored; every field empty when none were set.
Result<print::OperatorInfo> LoadOperatorDetails(storage::Database& db);
/// Writes every field (the caller holds the transaction).
Status SaveOperatorDetails(storage::Database& db, const print::OperatorInfo& op);
/// InvalidArgument naming the field: too long, a control character, a BIN
/// that is not 12 digits, an e-mail without '@'.
Status ValidateOperatorDetails(const print::OperatorInfo& op);

/// {"name_kk": ..., "bin": ..., ...}: every field.
nlohmann::json OperatorDetailsJson(const print::OperatorInfo& op);
/// The fields of `j` that are strings (others keep their value in `op`).
void MergeOperatorDetails(const nlohmann::json& j, print::OperatorInfo& op);

/// The accepting side of an acceptance act: what the clerk gave (`given`,
/// `qoima intake --operator NAME/ORGANIZATION`), else the clerk's own full
/// name; the operator's name, the clerk's position, phone and e-mail from
/// the details an admin set.
ActParty AcceptingParty(const print::OperatorInfo& op, const ActParty& given, const std::string& clerk_full_name);
nlohmann::json ActPartyJson(const ActParty& p);
ActParty ActPartyFromJson(const nlohmann::json& j);

}  // namespace qoima::appliance

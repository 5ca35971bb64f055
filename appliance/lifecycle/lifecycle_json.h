// LifecycleJson: JSON renderings of the lifecycle values for `--json` output,
// the `acts.manifest_json` column and the printing layer's input.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "appliance/lifecycle/lifecycle_types.h"
#include "appliance/lifecycle/security_test_record.h"

namespace qoima::appliance::lifecycle {

nlohmann::json ToJson(const ObjectInfo& o);
nlohmann::json ToJson(const VersionInfo& v);
nlohmann::json ToJson(const CaseInfo& c);
nlohmann::json ToJson(const NoticeInfo& n);
nlohmann::json ToJson(const ChangeNoticeInfo& c);
nlohmann::json ToJson(const DueItem& d);
nlohmann::json ToJson(const DestructionActData& a);
nlohmann::json ToJson(const HandoverBundle& b);
/// The return act as stored in acts.manifest_json (kind 'return'); docs/lifecycle.md.
nlohmann::json ToJson(const ReturnActData& a);
/// A recorded security test: outcome, reports (name, size, sha256), the
/// vulnerability list and the comparison table.
nlohmann::json ToJson(const SecurityTestInfo& t);

}  // namespace qoima::appliance::lifecycle

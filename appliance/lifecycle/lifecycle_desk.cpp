#include "appliance/lifecycle/lifecycle_desk.h"

#include <algorithm>
#include <utility>

#include "appliance/civil_time.h"

namespace qoima::appliance::lifecycle {

Result<std::unique_ptr<LifecycleDesk>> LifecycleDesk::Open(storage::Store& store, LifecycleActor actor,
                                                           const storage::Clock& clock) {
  QOIMA_ASSIGN_OR_RETURN(WorkingCalendar calendar, LoadCalendar(store.db()));
  return std::unique_ptr<LifecycleDesk>(new LifecycleDesk(store, std::move(actor), clock, std::move(calendar)));
}

LifecycleDesk::LifecycleDesk(storage::Store& store, LifecycleActor actor, const storage::Clock& clock,
                             WorkingCalendar calendar)
    : store_(store), actor_(std::move(actor)), clock_(clock), calendar_(std::move(calendar)) {
  service_ = std::make_unique<LifecycleService>(store_, calendar_, clock_);
}

CivilDate LifecycleDesk::Today() const { return LocalDateOf(clock_.NowUnix()); }

Result<std::vector<CalendarImportInfo>> LifecycleDesk::ImportCalendar(std::string_view text,
                                                                      const std::string& file_name,
                                                                      const std::string& source) {
  return lifecycle::ImportCalendar(store_.db(), store_.audit(), actor_, text, file_name, source, clock_.NowUtc());
}

Result<std::vector<CalendarImportInfo>> LifecycleDesk::CalendarHistory() {
  return lifecycle::CalendarHistory(store_.db());
}

Result<WorkingCalendar> LifecycleDesk::CalendarInForce(std::vector<CalendarImportInfo>* in_force) {
  return LoadCalendar(store_.db(), in_force);
}

Result<RegisterImportInfo> LifecycleDesk::ImportRegisterSnapshot(std::string_view text, const std::string& file_name) {
  return lifecycle::ImportRegisterSnapshot(store_.db(), store_.audit(), actor_, text, file_name, clock_.NowUtc());
}

Result<std::optional<RegisterSnapshot>> LifecycleDesk::LatestRegisterSnapshot(RegisterImportInfo* info) {
  return LoadLatestRegisterSnapshot(store_.db(), info);
}

Result<TreeChecksum> LifecycleDesk::StoredVersionTree(const std::string& object_ref, int version_no,
                                                      VersionInfo* info) {
  QOIMA_ASSIGN_OR_RETURN(ObjectInfo obj, service_->FindObject(object_ref));
  QOIMA_ASSIGN_OR_RETURN(auto versions, service_->Versions(obj.id));
  for (const auto& v : versions) {
    if (v.version_no != version_no) continue;
    *info = v;
    QOIMA_ASSIGN_OR_RETURN(auto st, store_.db().Prepare("SELECT path, size, sha256 FROM files WHERE deposit_id = ?"));
    st.Bind(1, v.deposit_id);
    std::vector<FileChecksum> files;
    for (;;) {
      QOIMA_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) break;
      auto p = st.ColumnBlob(0);
      auto h = st.ColumnBlob(2);
      FileChecksum f{std::string(p.begin(), p.end()), static_cast<uint64_t>(st.ColumnInt(1)), {}};
      if (h.size() != f.sha256.size()) return Status::Corrupt("files row of deposit " + std::to_string(v.deposit_id));
      std::copy(h.begin(), h.end(), f.sha256.begin());
      files.push_back(std::move(f));
    }
    return MakeTreeChecksum(std::move(files));
  }
  return Status::NotFound("object '" + object_ref + "' has no version " + std::to_string(version_no));
}

Result<HalfYearReport> LifecycleDesk::BuildHalfYearReport(int year, int half, const CivilDate& today) {
  return lifecycle::BuildHalfYearReport(store_.db(), *service_, calendar_, year, half, today);
}

Result<InformationReport> LifecycleDesk::BuildInformationReport(const std::string& object_ref,
                                                                const std::string& request_reference,
                                                                const CivilDate& today) {
  return lifecycle::BuildInformationReport(store_.db(), *service_, object_ref, request_reference, today);
}

}  // namespace qoima::appliance::lifecycle

#include "appliance/media_watch.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "hardware/read_only_guard.h"

namespace qoima::appliance {

Result<std::unique_ptr<MediaWatch>> MediaWatch::Open() {
  QOIMA_ASSIGN_OR_RETURN(std::unique_ptr<hardware::UdevDeviceSource> source, hardware::UdevDeviceSource::Create());
  auto watch = std::make_unique<MediaWatch>(std::move(source), hardware::OwnDisks::FromSystem(),
                                            std::make_unique<hardware::BlkidBlockProber>());
  QOIMA_RETURN_IF_ERROR(watch->Start());
  return watch;
}

MediaWatch::MediaWatch(std::unique_ptr<hardware::DeviceSource> source, hardware::OwnDisks own,
                       std::unique_ptr<hardware::BlockProber> prober)
    : source_(std::move(source)), prober_(std::move(prober)), monitor_(*source_, std::move(own)) {}

Status MediaWatch::Start() {
  // A medium a crashed reader left flagged read-only gets its flag back when
  // the counter starts watching media.
  (void)hardware::RestoreStaleReadOnlyFlags();
  QOIMA_ASSIGN_OR_RETURN(std::vector<hardware::DeviceEvent> present, monitor_.Enumerate());
  for (const hardware::DeviceEvent& e : present) Apply(e);
  return Status::Ok();
}

int MediaWatch::EventFd() const { return source_->EventFd(); }

Result<bool> MediaWatch::Update() {
  bool changed = false;
  for (;;) {
    QOIMA_ASSIGN_OR_RETURN(std::optional<hardware::DeviceEvent> e, monitor_.WaitEvent(std::chrono::milliseconds(0)));
    if (!e) return changed;
    Apply(*e);
    changed = true;
  }
}

std::vector<DetectedMedium> MediaWatch::TakeNewRefusals() {
  std::vector<DetectedMedium> out;
  out.swap(new_refusals_);
  return out;
}

void MediaWatch::Apply(const hardware::DeviceEvent& e) {
  const hardware::DeviceRecord& r = e.record;
  auto same = [&r](const DetectedMedium& m) { return m.sysname == r.sysname; };
  // A change event of a device already listed as refused is not a new refusal.
  bool was_refused =
      std::any_of(media_.begin(), media_.end(), [&](const DetectedMedium& m) { return same(m) && m.refused; });
  media_.erase(std::remove_if(media_.begin(), media_.end(), same), media_.end());
  if (e.kind == hardware::DeviceEventKind::kRemoved) return;
  const hardware::Classification& c = e.classification;
  if (c.verdict == hardware::Verdict::kIgnore) return;  // own disk, virtual, drive without a disc
  // A refused device is reported for the audit log even when the list is full.
  if (media_.size() >= kMaxWatchedMedia && c.verdict != hardware::Verdict::kRefuse) return;
  DetectedMedium m;
  m.device = r.devnode;
  m.sysname = r.sysname;
  m.kind = std::string(hardware::DeviceKindName(c.kind));
  if (c.verdict == hardware::Verdict::kRefuse) {
    m.refused = true;
    m.refusal = c.reason;
  } else {
    auto id = prober_->Probe(r.devnode);
    if (id.ok())
      m.identity = std::move(*id);
    else
      m.probe_error = id.status().message();
  }
  m.identity.device = r.devnode;
  hardware::FillFromUdev(m.identity, r);
  if (m.refused && !was_refused) {
    if (new_refusals_.size() < kMaxWatchedMedia)
      new_refusals_.push_back(m);
    else
      ++dropped_refusals_;
  }
  if (m.identity.size_bytes == 0) {
    // sysfs "size" counts 512-byte sectors whatever the device's block size.
    std::string sectors = r.Sysattr("size");
    if (!sectors.empty() &&
        std::all_of(sectors.begin(), sectors.end(), [](unsigned char ch) { return std::isdigit(ch) != 0; }) &&
        sectors.size() < 19)
      m.identity.size_bytes = std::stoull(sectors) * 512;
  }
  if (media_.size() < kMaxWatchedMedia) media_.push_back(std::move(m));
}

}  // namespace qoima::appliance

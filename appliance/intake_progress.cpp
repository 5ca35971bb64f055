#include "appliance/intake_progress.h"

namespace qoima::appliance {

ProgressMediaSink::ProgressMediaSink(hardware::MediaSink& inner, const IntakeWatch& watch, IntakeProgress start)
    : inner_(inner), watch_(watch), progress_(std::move(start)) {
  progress_.files_done = 0;
  progress_.bytes_done = 0;
  (void)Tick(true);  // the totals show before the first byte arrives
}

Status ProgressMediaSink::Tick(bool force) {
  if (watch_.cancel && watch_.cancel->load()) {
    cancelled_ = true;
    return Status::Cancelled("reading " + progress_.device + " was cancelled");
  }
  if (!watch_.progress) return Status::Ok();
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_report_ < kProgressInterval) return Status::Ok();
  last_report_ = now;
  watch_.progress(progress_);
  return Status::Ok();
}

Status ProgressMediaSink::OnEntry(const hardware::EntryHeader& header) {
  QOIMA_RETURN_IF_ERROR(inner_.OnEntry(header));
  in_file_ = header.type == hardware::EntryType::kFile;
  if (in_file_) progress_.current_path = header.display_path;
  return Tick(false);
}

Status ProgressMediaSink::OnData(std::span<const uint8_t> chunk) {
  QOIMA_RETURN_IF_ERROR(inner_.OnData(chunk));
  progress_.bytes_done += chunk.size();
  return Tick(false);
}

Status ProgressMediaSink::OnEntryEnd(bool complete) {
  QOIMA_RETURN_IF_ERROR(inner_.OnEntryEnd(complete));
  if (in_file_) ++progress_.files_done;
  in_file_ = false;
  return Tick(false);
}

Status ProgressMediaSink::OnArchiveMember(const hardware::ArchiveMember& member) {
  return inner_.OnArchiveMember(member);
}

Status ProgressMediaSink::OnProblem(const hardware::MediaProblem& problem) {
  QOIMA_RETURN_IF_ERROR(inner_.OnProblem(problem));
  return Tick(false);
}

void ProgressMediaSink::Finish() {
  if (cancelled_ || !watch_.progress) return;
  progress_.current_path.clear();
  watch_.progress(progress_);
}

}  // namespace qoima::appliance

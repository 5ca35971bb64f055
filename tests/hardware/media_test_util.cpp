#include "tests/hardware/media_test_util.h"

#include <set>
#include <stdexcept>

#include "common/subprocess.h"

namespace qoima::testing {

using namespace hardware;

Status CollectingSink::OnEntry(const EntryHeader& h) {
  if (open_) contract_violation += "OnEntry while an entry is open; ";
  open_ = true;
  entries.push_back({h, {}, false, false, {}});
  return Status::Ok();
}

Status CollectingSink::OnData(std::span<const uint8_t> chunk) {
  if (!open_) contract_violation += "OnData outside an entry; ";
  if (chunk.empty()) contract_violation += "empty chunk; ";
  max_chunk = std::max<uint64_t>(max_chunk, chunk.size());
  total_bytes += chunk.size();
  auto& e = entries.back();
  if (keep_data) e.data.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
  if (on_data) return on_data(total_bytes);
  return Status::Ok();
}

Status CollectingSink::OnEntryEnd(bool complete) {
  if (!open_) contract_violation += "OnEntryEnd outside an entry; ";
  open_ = false;
  auto& e = entries.back();
  e.ended = true;
  e.complete = complete;
  if (complete && keep_data && e.header.type == EntryType::kFile && e.data.size() != e.header.size)
    contract_violation += "complete entry " + e.header.display_path + " has " + std::to_string(e.data.size()) + " of " +
                          std::to_string(e.header.size) + " bytes; ";
  return Status::Ok();
}

Status CollectingSink::OnArchiveMember(const ArchiveMember& m) {
  if (!open_) contract_violation += "member outside an entry; ";
  if (!entries.empty()) entries.back().members.push_back(m);
  return Status::Ok();
}

Status CollectingSink::OnProblem(const MediaProblem& p) {
  problems.push_back(p);
  return Status::Ok();
}

const CollectingSink::Entry* CollectingSink::Find(const std::string& path) const {
  for (auto& e : entries)
    if (e.header.display_path == path) return &e;
  return nullptr;
}

bool CollectingSink::HasProblem(ProblemClass cls) const {
  for (auto& p : problems)
    if (p.cls == cls) return true;
  return false;
}

std::string CollectingSink::ProblemsText() const {
  std::string s;
  for (auto& p : problems)
    s += std::string(ProblemClassName(p.cls)) + ": " + p.message + " [" + p.path + "] @" + std::to_string(p.offset) +
         "\n";
  return s;
}

ReadOptions TestReadOptions() {
  ReadOptions o;
  o.sandbox.timeout = std::chrono::seconds(120);
  o.sandbox.stall_timeout = std::chrono::seconds(60);
  return o;
}

std::string CompareWithTree(const CollectingSink& sink, const std::vector<SampleFile>& files) {
  std::string err;
  std::set<std::string> expected;
  for (auto& f : files) {
    expected.insert(f.path);
    const auto* e = sink.Find(f.path);
    if (e == nullptr) {
      err += "missing " + f.path + "; ";
      continue;
    }
    if (e->header.type != EntryType::kFile) err += f.path + " is not a file; ";
    if (!e->complete) err += f.path + " incomplete; ";
    if (e->data != f.content)
      err += f.path + " differs (" + std::to_string(e->data.size()) + " vs " + std::to_string(f.content.size()) +
             " bytes); ";
  }
  for (auto& e : sink.entries)
    if (e.header.type == EntryType::kFile && !expected.count(e.header.display_path))
      err += "unexpected file " + e.header.display_path + "; ";
  if (!sink.contract_violation.empty()) err += "contract: " + sink.contract_violation;
  return err;
}

void Sh(const std::string& cmd) {
  SubprocessOptions o;
  o.extra_env = {"LC_ALL=C.UTF-8", "MTOOLS_SKIP_CHECK=1"};
  auto r = RunChecked({"/bin/sh", "-c", cmd}, o);
  if (!r.ok()) throw std::runtime_error(r.status().message());
}

}  // namespace qoima::testing

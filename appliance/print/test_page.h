// The printer's test page: what an admin prints after setting up the act
// printer, to see that the queue works and that Kazakh and Russian print
// whole. It names the appliance and the queue, never a deposit: no record of
// the store is on it.
//
// Thread-safety: pure function.
#pragma once

#include <string>

#include "appliance/print/documents.h"
#include "common/result.h"

namespace qoima::print {

struct TestPageInfo {
  std::string queue;
  std::string server;          // "" for the system's CUPS
  std::string printed_at_utc;  // "2026-12-07T21:30:00Z"; printed in UTC+5
  std::string printed_by;      // surname and name of the admin
  std::string device_fingerprint;
  OperatorInfo operator_info;  // the operator's name, when set
};

/// One A4 page, Kazakh and Russian, as PDF bytes.
Result<std::string> RenderTestPage(const TestPageInfo& info);

}  // namespace qoima::print

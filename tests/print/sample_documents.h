// Sample documents for the print tests: realistic Kazakh and Russian names,
// file names with every Kazakh-specific letter, and deterministic hashes.
#pragma once

#include <cstddef>
#include <string>

#include "appliance/print/documents.h"

namespace qoima::print::testing {

/// Deterministic 64-hex "hash" for row i (not a real digest; the renderer
/// only prints it).
std::string FakeSha256(size_t i);
VerificationLine SampleVerification();
/// An Annex 3 act with `files` source rows and 3 library rows.
AcceptanceAct SampleAct(size_t files);
ApplicationForm SampleApplication();
JournalPage SampleJournal();
Nda SampleNda();
Refusal SampleRefusal();
ReturnAct SampleReturn();
DestructionAct SampleDestruction();
HalfYearReport SampleReport();
Notice SampleNotice();
AccessRegisterDoc SampleAccessRegister();

/// Runs a command through the shell-free subprocess helper; throws with its
/// stderr when it fails (tests only).
std::string RunTool(const std::vector<std::string>& argv);

}  // namespace qoima::print::testing

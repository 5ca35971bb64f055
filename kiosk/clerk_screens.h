// The clerk's screens: the application journal (home), the Annex 1
// application form, "insert media" (reacts when the appliance sees media),
// live progress while the media is read, the act-versus-media diff with
// accept (on every track the NDA is recorded first) or reasoned refusal.
// Accept and refuse decide the intake recorded by the read: no second read.
// An intake left without a decision is held; the clerk's list of held
// intakes (F4 on the home) brings its comparison back to decide it.
//
// Every decision is the appliance's: the screens gather input and show what
// Backend answered. Thread-safety: UI thread only; the intake runs on a worker
// thread owned by the progress screen and joined before it is destroyed.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "kiosk/screen.h"

namespace qoima::kiosk {

std::unique_ptr<Screen> MakeClerkHome(AppContext& app);
std::unique_ptr<Screen> MakeApplicationFormScreen(AppContext& app);
std::unique_ptr<Screen> MakeInsertMediaScreen(AppContext& app, ApplicationSummary application);
/// The act's choice: its medium, its file among those the reader found, the
/// paper act's digest; then the read. `in_register`: the clerk's
/// trusted-register check (register track only). `*read_done` (when given)
/// is set once a read succeeded and the comparison took this screen's place.
std::unique_ptr<Screen> MakeChooseActScreen(AppContext& app, ApplicationSummary application, MediaInfo media,
                                            std::optional<bool> in_register, std::shared_ptr<bool> read_done = nullptr);
/// `*read_done` (when given) is set once the read succeeded and the
/// comparison replaced this screen.
std::unique_ptr<Screen> MakeIntakeProgressScreen(AppContext& app, ApplicationSummary application, MediaInfo media,
                                                 ActChoice act, std::optional<bool> in_register,
                                                 std::shared_ptr<bool> read_done = nullptr);
/// The intakes held for a decision (left on the comparison without one):
/// Enter shows one's comparison again, with Accept and Refuse.
std::unique_ptr<Screen> MakeHeldIntakesScreen(AppContext& app);
/// The diff; `decisions` false shows it read-only (auditor, benchmark).
std::unique_ptr<Screen> MakeDiffScreen(AppContext& app, IntakeResult result, bool decisions);
/// Sets `*refused` when the refusal was recorded.
std::unique_ptr<Screen> MakeRefuseScreen(AppContext& app, std::string intake_id, std::shared_ptr<bool> refused);
/// Every acceptance: records the NDA (the operator's form based on the former
/// Annex 4) once the clerk confirms, then accepts `intake_id`; sets
/// `*accepted` to the acceptance act's number when it went through.
std::unique_ptr<Screen> MakeNdaScreen(AppContext& app, std::string application_id, std::string intake_id,
                                      std::shared_ptr<std::string> accepted);

}  // namespace qoima::kiosk

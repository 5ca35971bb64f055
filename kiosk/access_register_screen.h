// The access register screen: for one deposit, everyone who read its content,
// exported it, made a copy of or printed its act or return act, or issued or
// returned it to the owner, and when (the counter's local time, dd.mm.yyyy),
// as the appliance builds it from the audit log while the whole log is
// verified (Appliance::GetAccessRegister, the call `qoima access-register`
// makes). F7 prints the register through the printing path of every other
// document, after a yes/no question.
//
// The register is read once per deposit asked for (Enter or F5): reading it
// is an audited act of the appliance, so drawing, scrolling and switching the
// language ask the appliance nothing. Who may read it is role.h's table
// (Permission::kAccessRegister); the homes offer the screen only to those
// roles, and the appliance refuses everyone else.
//
// Thread-safety: UI thread only.
#pragma once

#include <memory>

#include "kiosk/screen.h"

namespace qoima::kiosk {

/// True when the logged-in person's role may read access registers (the
/// domain's table; the appliance checks again on every read).
bool MayReadAccessRegister(const AppContext& app);

std::unique_ptr<Screen> MakeAccessRegisterScreen(AppContext& app);

}  // namespace qoima::kiosk

// Translated names of the domain enums the screens show (roles, diff kinds,
// refusal reasons, approval kinds). Thread-safety: pure functions over gettext.
#pragma once

#include "kiosk/backend.h"

namespace qoima::kiosk {

const char* RoleLabel(Role role);
const char* DiffKindName(DiffKind kind);
const char* RefusalReasonLabel(RefusalReason reason);
const char* SensitiveActionLabel(SensitiveAction kind);

}  // namespace qoima::kiosk

// The reader's findings on a medium (appliance/media_findings.h) as rows of
// the intake screen's comparison: each class a word of the clerk's language
// (the row's kind, translated when drawn), the name escaped when drawn, and
// a translated detail (which hidden characters, which limit stopped an
// archive's listing), so no enum name or reader sentence in English reaches
// the screen.
//
// Thread-safety: pure functions over gettext (the UI thread's language).
#pragma once

#include <string>
#include <vector>

#include "appliance/media_findings.h"
#include "kiosk/backend.h"

namespace qoima::kiosk {

/// Rows for the findings of the medium `device`, appended to `rows`: one per
/// listed finding, then one "more, not shown" row with the count of the
/// unlisted ones. Name collisions are left out: the comparison lists each as
/// a row of its own.
void AppendFindingRows(const appliance::MediaFindings& findings, const std::string& device, std::vector<DiffRow>& rows);

}  // namespace qoima::kiosk

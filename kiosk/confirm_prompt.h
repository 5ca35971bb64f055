// ConfirmPrompt: the answer to a yes/no question on a screen ("Accept the
// deposit as read?"), from the keys a person may press in any keyboard
// layout. Yes: the screen's F-key for the action again, or y / д (да) / и
// (иә) in either case; no: Esc or n / н (нет) in either case. On a Russian or
// Kazakh layout the Latin y key gives н, so the letters are read as the
// screen states them, never by key position; any other key leaves the
// question open (the screen repeats how to answer), never a silent "no".
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "kiosk/screen.h"

namespace qoima::kiosk {

enum class ConfirmAnswer { kNone, kYes, kNo };

/// The answer `key` gives; `yes_key` is the F-key (KEY_F(n)) that confirms.
ConfirmAnswer AnswerOf(const Key& key, int yes_key);

/// How to answer, in the current language: "F7 or y/д/и = yes, Esc or n/н
/// = no." with `yes_key_label` naming the F-key ("F7").
std::string ConfirmKeys(const char* yes_key_label);

}  // namespace qoima::kiosk

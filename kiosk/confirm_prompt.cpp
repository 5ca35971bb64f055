#include "kiosk/confirm_prompt.h"

#include "kiosk/draw.h"
#include "kiosk/i18n.h"

namespace qoima::kiosk {

ConfirmAnswer AnswerOf(const Key& key, int yes_key) {
  if (key.Is(yes_key)) return ConfirmAnswer::kYes;
  if (key.IsChar(27)) return ConfirmAnswer::kNo;
  if (key.function) return ConfirmAnswer::kNone;
  switch (key.code) {
    case L'y':
    case L'Y':
    case L'д':
    case L'Д':
    case L'и':
    case L'И': return ConfirmAnswer::kYes;
    case L'n':
    case L'N':
    case L'н':
    case L'Н': return ConfirmAnswer::kNo;
    default: return ConfirmAnswer::kNone;
  }
}

std::string ConfirmKeys(const char* yes_key_label) {
  return Format(Tr("%s or y/д/и = yes, Esc or n/н = no."), yes_key_label);
}

}  // namespace qoima::kiosk

#include "appliance/organization.h"

namespace qoima::appliance {

std::string PersonName::Full() const {
  std::string out = surname;
  for (const std::string* part : {&name, &patronymic}) {
    if (part->empty()) continue;
    if (!out.empty()) out += ' ';
    out += *part;
  }
  return out;
}

}  // namespace qoima::appliance

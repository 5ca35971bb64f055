// Appliance: the access register of a deposit (access_register.h). See appliance.h.
#include "appliance/appliance.h"

namespace qoima::appliance {

Result<AccessRegister> Appliance::GetAccessRegister(const Actor& actor, std::string_view deposit_ref) {
  auto id = ParseDepositRef(deposit_ref);
  const std::string object = id.ok() ? "deposit:" + std::to_string(*id) : "deposit:?";
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kAccessRegister, "access_register.read", object));
  if (!id.ok()) return id.status();
  auto built = BuildAccessRegister(*store_, *id);
  if (!built.ok()) {
    if (built.status().code() != Code::kNotFound)
      QOIMA_RETURN_IF_ERROR(Audit(actor, "access_register.read", object, "failure", built.status().message()));
    return built.status();
  }
  QOIMA_RETURN_IF_ERROR(Audit(actor, "access_register.read", object, "success",
                              std::to_string(built->entries.size()) + " access(es) from " +
                                  std::to_string(built->audit_entries) + " verified audit entries"));
  return built;
}

}  // namespace qoima::appliance

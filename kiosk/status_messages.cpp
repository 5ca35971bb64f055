#include "kiosk/status_messages.h"

#include "kiosk/backend.h"
#include "kiosk/i18n.h"

namespace qoima::kiosk {

const char* ExplainCode(Code code) {
  switch (code) {
    case Code::kOk: return Tr("Done.");
    case Code::kInvalidArgument: return Tr("Some entered data is not valid. Check the field named below.");
    case Code::kNotFound: return Tr("The requested record was not found.");
    case Code::kAlreadyExists: return Tr("Such a record already exists.");
    case Code::kPermissionDenied: return Tr("Your role does not allow this, or a second approval is missing.");
    case Code::kFailedPrecondition: return Tr("The appliance is not ready for this step.");
    case Code::kIoError: return Tr("The appliance could not read or write its disk.");
    case Code::kNoSpace: return Tr("The store's disk is full. Call the security officer.");
    case Code::kCorrupt: return Tr("Stored data failed its integrity check. Call the security officer.");
    case Code::kMediaUnreadable: return Tr("The media cannot be read. Check the disc or stick and try again.");
    case Code::kUnsupported: return Tr("This media format is not supported.");
    case Code::kLimitExceeded: return Tr("The media exceeds a safety limit (size, depth or number of files).");
    case Code::kTimeout: return Tr("The operation took too long and was stopped.");
    case Code::kTpmError: return Tr("The security chip (TPM) did not respond. Call the security officer.");
    case Code::kPolicyMismatch:
      return Tr(
          "The security chip refused the keys: the system changed since provisioning. Call the security officer.");
    case Code::kLockout: return Tr("Locked after too many failed attempts.");
    case Code::kAuthFailed: return Tr("Wrong login or password.");
    case Code::kCancelled: return Tr("Cancelled.");
    case Code::kInternal: return Tr("Internal error of the appliance. Call the security officer.");
    case Code::kTampered:
      return Tr(
          "Signs of tampering with the store: its records do not agree with the security chip (TPM). Nothing was "
          "changed. Call the security officer.");
  }
  return Tr("Internal error of the appliance. Call the security officer.");
}

const char* BackendMsgid(const Status& status) {
  for (const char* msgid : {kStoreBusyMsgid, kDigestMismatchMsgid, kRequesterCannotDecideMsgid})
    if (status.message() == msgid) return msgid;
  return nullptr;
}

std::string DescribeStatus(const Status& status) {
  // The backend's own sentences (msgids) are said whole, in the person's language.
  if (const char* msgid = BackendMsgid(status)) return Tr(msgid);
  std::string out = ExplainCode(status.code());
  if (!status.ok() && !status.message().empty()) out += " (" + status.message() + ")";
  return out;
}

}  // namespace qoima::kiosk

// Appliance: key recovery onto a new TPM under dual control, and the recovery
// state officers see. See appliance.h (Recover) and docs/crypto.md.
#include <cerrno>
#include <filesystem>

#include "appliance/appliance.h"
#include "appliance/civil_time.h"
#include "crypto/recovery.h"
#include "storage/env.h"

namespace qoima::appliance {
namespace {

constexpr char kRecoverAction[] = "keys.recover";
constexpr char kRecoverObject[] = "keyring";

// Copies keyring/ (sealed blobs, public data, certificates: no plaintext key
// material) to a fresh staging directory for crypto::Recover to rewrite.
Status StageKeyringCopy(const std::string& from, const std::string& to) {
  std::error_code ec;
  std::filesystem::remove_all(to, ec);
  if (ec) return Status::IoError("remove stale " + to + ": " + ec.message());
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive, ec);
  if (ec) return Status::IoError("copy " + from + " to " + to + ": " + ec.message());
  return Status::Ok();
}

void RemoveStaging(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::string DirStamp(int64_t unix_seconds) {
  std::string t = FormatUtc(unix_seconds);
  std::string out;
  for (char c : t)
    if (c != ':' && c != '-') out += c;
  return out;
}

}  // namespace

Result<RecoverOutcome> Appliance::Recover(const ApplianceOptions& options, const RecoverRequest& request) {
  const std::string keyring_dir = options.state_dir + kKeyringDir;
  const std::string staging = options.state_dir + kRecoveringKeyringDir;
  std::error_code ec;
  if (!std::filesystem::exists(keyring_dir + "/keyring.meta", ec))
    return Status::NotFound(options.state_dir + " has no keyring to recover (keyring/keyring.meta is missing)");
  if (!std::filesystem::exists(options.state_dir + kStoreDir, ec))
    return Status::FailedPrecondition(
        options.state_dir +
        " has no store: recovery needs the store to check the two security officers; "
        "put the state directory (keyring/ and store/) back from the old disk or a copy first");
  if (request.first.login.empty() || request.second.login.empty())
    return Status::InvalidArgument("recovery needs two security officers: give both logins");
  if (request.first.login == request.second.login)
    return Status::PermissionDenied("recovery needs two different security officers, not " + request.first.login +
                                    " twice (dual control)");

  // 1. Rebuild the master key and seal it to the new TPM, aside.
  QOIMA_RETURN_IF_ERROR(StageKeyringCopy(keyring_dir, staging));
  auto keys = crypto::Recover(options.tcti, staging, request.shares);
  if (!keys.ok()) {
    RemoveStaging(staging);
    PendingSecurityLog pending(options.state_dir);
    storage::SystemClock system_clock;
    const storage::Clock& clock = options.clock ? *options.clock : system_clock;
    RecordPending(pending, FormatUtc(clock.NowUnix()), kRecoverAction, keys.status());
    return keys.status().WithContext("recovery refused, nothing changed");
  }

  // 2. Open the store with the rebuilt keyring and check both custodians.
  auto opened = OpenWithKeyring(options, staging, StoreMode::kRecovery);
  if (!opened.ok()) {
    RemoveStaging(staging);
    return opened.status().WithContext("the recovered keyring does not open the store; nothing changed");
  }
  std::unique_ptr<Appliance> app = std::move(*opened);
  auto refuse = [&](const Actor& who, Status why) -> Status {
    // Recorded, but not signed: the rebuilt keyring is discarded, so its key
    // signs nothing; the next session of the old keyring signs these events.
    (void)app->Audit(who, kRecoverAction, kRecoverObject, "denied", why.message());
    app.reset();
    RemoveStaging(staging);
    return why.WithContext("recovery refused, the keyring is unchanged");
  };
  Actor custodians[2];
  const RecoveryCustodian* given[2] = {&request.first, &request.second};
  for (int i = 0; i < 2; ++i) {
    auto actor = app->Login(given[i]->login, given[i]->password);
    if (!actor.ok()) return refuse({0, given[i]->login, Role::kSecurityOfficer}, actor.status());
    Status role = Require(*actor, i == 0 ? Permission::kRequestSensitive : Permission::kApproveSensitive);
    if (!role.ok()) return refuse(*actor, role);
    custodians[i] = *actor;
  }
  // Two persons, not one officer and an account that officer made or re-keyed.
  Status independent = CheckPersonsIndependent(app->store_->db(), {custodians[0].user_id, custodians[0].username},
                                               {custodians[1].user_id, custodians[1].username}, app->clock_->NowUnix());
  if (!independent.ok()) return refuse(custodians[1], independent);

  // 3. Record the recovery and sign a checkpoint with the new key, then
  //    replace keyring/ with the new one.
  crypto::RecoveryPolicy policy = app->keyring_->recovery_policy();
  std::string detail = "master key re-sealed to a new TPM from " + std::to_string(request.shares.size()) +
                       " recovery shares (" + std::to_string(policy.threshold) + " of " +
                       std::to_string(policy.shares) + "); custodians " + custodians[0].username + " and " +
                       custodians[1].username + "; old device key " +
                       (keys->old_fingerprint.empty() ? std::string("unknown") : keys->old_fingerprint) +
                       ", new device key " + keys->new_fingerprint;
  auto index = app->store_->Record({custodians[0].username, std::string(RoleName(custodians[0].role))}, kRecoverAction,
                                   kRecoverObject, "success", detail + "; approved by " + custodians[1].username);
  if (!index.ok()) return refuse(custodians[0], index.status());
  // Only now, with both officers checked and the recovery recorded, is the
  // store bound to the new TPM's counter (and the first checkpoint signed
  // with the new key, which covers the keys.recover event).
  Status bound =
      app->store_->BindRollbackCounter("key recovery onto a new TPM (audit entry " + std::to_string(*index) + ")");
  if (!bound.ok()) return refuse(custodians[0], bound);
  const int64_t now = app->clock_->NowUnix();
  app.reset();

  RecoverOutcome out;
  out.old_fingerprint = keys->old_fingerprint;
  out.new_fingerprint = keys->new_fingerprint;
  out.certificate_pem = keys->certificate_pem;
  out.audit_index = *index;
  out.replaced_keyring_dir = options.state_dir + "/keyring.replaced-" + DirStamp(now);
  if (std::rename(keyring_dir.c_str(), out.replaced_keyring_dir.c_str()) != 0)
    return Status::FromErrno(errno, "recovery recorded, but keyring/ could not be moved aside to " +
                                        out.replaced_keyring_dir + "; the new keyring is in " + staging);
  if (std::rename(staging.c_str(), keyring_dir.c_str()) != 0) {
    Status s = Status::FromErrno(errno, "recovery recorded, but " + staging + " could not become keyring/");
    (void)std::rename(out.replaced_keyring_dir.c_str(), keyring_dir.c_str());
    return s;
  }
  QOIMA_RETURN_IF_ERROR(storage::Env::Default().SyncDir(options.state_dir));
  return out;
}

Result<RecoveryState> Appliance::GetRecoveryState(const Actor& actor) {
  QOIMA_RETURN_IF_ERROR(Check(actor, Permission::kReadAudit, "keys.state", kRecoverObject));
  RecoveryState state;
  crypto::RecoveryPolicy policy = keyring_->recovery_policy();
  state.threshold = policy.threshold;
  state.shares = policy.shares;
  state.pcrs = keyring_->pcrs();
  state.device_fingerprint = keyring_->signer().Fingerprint();
  QOIMA_ASSIGN_OR_RETURN(std::vector<std::string> previous, keyring_->PreviousCertificates());
  state.previous_keys = previous.size();
  return state;
}

}  // namespace qoima::appliance

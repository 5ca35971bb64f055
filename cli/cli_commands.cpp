#include "cli/cli_commands.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

namespace qoima::appliance::cli {

namespace {

OptionSpec Flag(std::string name, std::string help) { return {std::move(name), ValueKind::kFlag, "", std::move(help)}; }
OptionSpec Text(std::string name, std::string value, std::string help) {
  return {std::move(name), ValueKind::kText, std::move(value), std::move(help)};
}
OptionSpec File(std::string name, std::string value, std::string help) {
  return {std::move(name), ValueKind::kFile, std::move(value), std::move(help)};
}
OptionSpec Number(std::string name, std::string value, std::string help) {
  return {std::move(name), ValueKind::kNumber, std::move(value), std::move(help)};
}
OptionSpec Fd(std::string name, std::string help) { return {std::move(name), ValueKind::kFd, "N", std::move(help)}; }
OptionSpec Date(std::string name, std::string help) {
  return {std::move(name), ValueKind::kDate, "YYYY-MM-DD", std::move(help)};
}
OptionSpec Choice(std::string name, std::string choices, std::string help) {
  std::string value = choices;
  return {std::move(name), ValueKind::kChoice, std::move(value), std::move(help), std::move(choices)};
}
OptionSpec Many(OptionSpec o) {
  o.repeatable = true;
  return o;
}

// Options several commands share.
OptionSpec Reason() { return Text("reason", "TEXT", "why the change is asked for (shown to the approving officer)"); }
OptionSpec ActFormat() {
  return Text("format", "F",
              "the act's form when it cannot be told from the file (json, csv, sha256sum, bsd, hashdeep, "
              "powershell, docx, xlsx: qoima act formats)");
}
OptionSpec StripPrefix() { return Text("strip-prefix", "P", "remove P from the start of every path of the act"); }
OptionSpec Table() { return Number("table", "N", "the act's table (or sheet) number in a .docx/.xlsx, from 1"); }
OptionSpec InRegister() {
  return Choice("in-register", "yes|no", "register track: whether the software is in the trusted register");
}
OptionSpec Today() { return Date("today", "count deadlines as on this day (rehearsals; read-only commands)"); }
OptionSpec ShareFiles() {
  return Many(File("share-file", "FILE", "a file of recovery shares, one a line (repeat for more files)"));
}
OptionSpec SharesFd() { return Fd("shares-fd", "read the recovery shares from descriptor N"); }

const char* kRefuseReasons = "not_in_register (1), act_mismatch (2), media_malfunction (3); names or numbers";

std::vector<CommandSpec> BuildCommands() {
  return {
      // ---- the appliance ----------------------------------------------------
      {"help", "[COMMAND ...]", 0, -1, "-", "help on every command, or on one", {}},
      {"version", "", 0, 0, "-", "prints qoima's version", {}},
      {"selftest", "", 0, 0, "-", "checks the TPM, the encrypted store and each reader backend", {}},
      {"init",
       "",
       0,
       0,
       "-",
       "provisions the TPM keyring, creates the store and the first admin; prints the recovery shares once",
       {Text("admin", "LOGIN", "the first admin's login (password from --password-fd or $QOIMA_PASSWORD)"),
        Text("surname", "S", "the admin's surname"), Text("name", "N", "the admin's name"),
        Text("patronymic", "P", "the admin's patronymic"),
        Text("pcr", "LIST", "PCRs the master key is sealed to: 0,2,4,7 (default) or none"),
        Number("shares", "N", "recovery shares made (default 3)"),
        Number("threshold", "M", "shares needed to recover (default 2)"),
        File("pcr-policy-key", "PEM", "seal under the update key's signed PCR 11 policies")}},
      // ---- accounts ---------------------------------------------------------
      {"user add",
       "LOGIN",
       1,
       1,
       "admin (clerk, auditor); admin or officer asks (officer, admin)",
       "creates an account (an officer's or admin's is only asked for until a second officer approves)",
       {Choice("role", "clerk|security_officer|auditor|admin", "the account's role"), Text("surname", "S", "surname"),
        Text("name", "N", "name"), Text("patronymic", "P", "patronymic"), Reason(),
        Fd("new-password-fd", "the new password: first line of descriptor N (else $QOIMA_NEW_PASSWORD)")}},
      {"user passwd",
       "LOGIN",
       1,
       1,
       "self; admin (clerk, auditor); admin or officer asks (officer, admin)",
       "sets a new password (clears a lockout)",
       {Reason(), Fd("new-password-fd", "the new password: first line of descriptor N (else $QOIMA_NEW_PASSWORD)")}},
      {"user role",
       "LOGIN",
       1,
       1,
       "admin (clerk <-> auditor); admin or officer asks",
       "changes the account's role",
       {Choice("role", "clerk|security_officer|auditor|admin", "the new role"), Reason()}},
      {"user enable", "LOGIN", 1, 1, "admin; admin or officer asks", "enables an account", {Reason()}},
      {"user disable",
       "LOGIN",
       1,
       1,
       "admin; admin or officer asks",
       "disables an account (never one's own)",
       {Reason()}},
      {"user unlock", "LOGIN", 1, 1, "admin", "clears a lockout", {}},
      {"user list", "", 0, 0, "admin, officer, auditor", "accounts with role and state", {}},
      {"user history", "LOGIN", 1, 1, "admin, officer, auditor", "every recorded change of one account", {}},
      {"user requests",
       "",
       0,
       0,
       "admin, officer, auditor",
       "open requests to change privileged accounts",
       {Flag("all", "every request, not only the open ones")}},
      {"user approve", "ID", 1, 1, "a second officer", "approves a request (carried out at once)", {}},
      {"user reject", "ID", 1, 1, "a second officer", "refuses a request", {Text("note", "TEXT", "why (required)")}},
      {"user cancel", "ID", 1, 1, "the requester", "withdraws a request", {}},
      {"user break-glass",
       "ID",
       1,
       1,
       "the requester",
       "completes a pending account change with M recovery shares instead of a second officer",
       {ShareFiles(), SharesFd()}},
      // ---- applications and acts ---------------------------------------------
      {"application add",
       "",
       0,
       0,
       "clerk",
       "records the Annex 1 application and appends the Annex 2 journal line",
       {File("form", "FORM.json", "the application form (docs/intake.md)"),
        Text("number", "N", "the application's number"), Text("received", "YYYY-MM-DD", "when it was received"),
        Text("state-body", "S", "the state body"), Text("head", "NAME", "the head who signed it")}},
      {"application show", "CODE", 1, 1, "clerk, officer, auditor", "the application's Annex 1 as JSON", {}},
      {"application journal", "", 0, 0, "clerk, officer, auditor", "the Annex 2 journal", {}},
      {"application nda",
       "CODE",
       1,
       1,
       "clerk",
       "records the NDA (Annex 4) and who signed it",
       {Text("owner-rep", "NAME", "the owner's representative"),
        Text("owner-authority", "TEXT", "the representative's authority"),
        Text("operator-rep", "NAME", "the operator's representative"), Text("signed", "YYYY-MM-DD", "when signed"),
        Text("signed-by", "owner,operator", "who signed (default both)")}},
      {"act create",
       "DIR",
       1,
       1,
       "- (the depositor's side; no TPM)",
       "hashes DIR and writes the JSON act and a printable act; prints the act's SHA-256 for the paper",
       {Text("application", "CODE", "the application's portal code"), Text("software", "NAME", "the software's name"),
        Text("version", "V", "the software's version"), Text("annotation", "A", "purpose and scope"),
        Text("depositor", "ORG", "the depositor"), Text("disc", "MARKING", "the disc's marking"),
        File("out", "FILE", "the JSON act (default act.json)"), File("text", "FILE", "the printable act")}},
      {"act show",
       "MANIFEST",
       1,
       1,
       "-",
       "validates an act in any form, says how it was read and prints it",
       {Text("application", "CODE", "the application it must be for"), ActFormat(), StripPrefix(), Table()}},
      {"act formats", "", 0, 0, "-", "the accepted act forms", {}},
      {"act verify",
       "",
       0,
       0,
       "clerk, officer, auditor",
       "checks a paper act (its QR line, or its typed fields) against the store and the audit log",
       {Text("line", "QOIMA-ACT1;...", "the verification line as scanned from the QR code"),
        Text("act-id", "ID", "the act's number"), Text("root", "HEX", "the deposit's root"),
        Text("manifest", "HEX", "the act's SHA-256"), Text("checkpoint", "SIZE:ROOT", "the audit checkpoint"),
        Text("fingerprint", "HEX", "the device key's fingerprint")}},
      // ---- media and intake ---------------------------------------------------
      {"scan",
       "DEVICE",
       1,
       1,
       "-",
       "reads a medium through the sandboxed reader and lists its files (and the diff against an act); stores nothing",
       {File("manifest", "FILE", "the act to compare with"), ActFormat(), StripPrefix(), Table(),
        Flag("acts", "list only the files of the medium that may be the act")}},
      {"intake",
       "",
       0,
       0,
       "clerk",
       "reads every medium once, compares it with the act, records the intake and carries out the decision",
       {Text("application", "CODE", "the application (portal code)"), File("manifest", "FILE", "the act's file"),
        Text("manifest-on", "DEV:PATH", "the act's file on a medium (qoima scan --acts DEV lists them)"),
        Many(Text("medium", "DEV[,disc=MARKING][,copy=LABEL]", "a medium of the deposit (repeat for each)")),
        Text("digest", "HEX", "the act's SHA-256 as written on the paper act"), Flag("accept", "accept the deposit"),
        Text("refuse", "REASON[,REASON]", std::string("refuse: ") + kRefuseReasons),
        Text("reason-text", "T", "the refusal in words"), Flag("hold", "hold for a corrected act (5 working days)"),
        InRegister(), ActFormat(), StripPrefix(), Table(), File("act-out", "FILE", "write the accepted act's text"),
        File("act-pdf", "FILE", "save the accepted act as a PDF"),
        Text("operator", "NAME/ORGANIZATION", "the act's accepting side")}},
      {"intake show", "INTAKE", 1, 1, "clerk, officer, auditor", "the recorded intake and its evidence", {}},
      {"intake act-file",
       "INTAKE",
       1,
       1,
       "clerk, officer, auditor",
       "writes the act's file kept with the intake, byte-exact",
       {File("out", "FILE", "where to write it (required)")}},
      {"decide",
       "INTAKE accept|refuse",
       2,
       2,
       "clerk",
       "accepts a held intake (re-checked against the corrected act) or refuses a verified or held one",
       {File("manifest", "FILE", "the corrected act (accept)"), ActFormat(), StripPrefix(), Table(),
        Text("reason", "REASON[,REASON]", std::string("refuse: ") + kRefuseReasons),
        Text("reason-text", "T", "the refusal in words"), InRegister()}},
      // ---- the store and the audit log ----------------------------------------
      {"verify-store",
       "",
       0,
       0,
       "officer, auditor, admin",
       "database integrity, every object re-read and re-hashed",
       {}},
      {"backup", "DIR", 1, 1, "officer, admin", "a consistent, encrypted snapshot of the store into the new DIR", {}},
      {"restore", "BACKUP_DIR", 1, 1, "- (TPM unseal)", "checks a backup and installs it as the store", {}},
      {"recover",
       "",
       0,
       0,
       "two security officers",
       "run on a NEW TPM: rebuilds the master key from recovery shares and seals it to this TPM",
       {ShareFiles(), SharesFd(), Text("officer", "LOGIN", "the first officer"),
        Text("second-officer", "LOGIN", "the second officer"),
        Fd("second-password-fd", "the second officer's password (else $QOIMA_SECOND_PASSWORD)")}},
      {"audit verify",
       "",
       0,
       0,
       "officer, auditor, admin",
       "the whole Merkle audit log and its signed checkpoints",
       {File("since", "WITNESS", "prove the log extends this checkpoint witness")}},
      {"audit checkpoint",
       "",
       0,
       0,
       "officer, auditor, admin",
       "signs a checkpoint and prints it as a witness text",
       {File("out", "FILE", "write the witness to the new FILE")}},
      {"audit list",
       "",
       0,
       0,
       "officer, auditor, admin",
       "audit entries",
       {Number("from", "N", "the first entry (default 0)"), Number("count", "N", "how many (default 1000)")}},
      {"access-register",
       "DEPOSIT",
       1,
       1,
       "officer, auditor",
       "who read, exported, printed, issued or returned a deposit, from the verified audit log",
       {}},
      // ---- export -------------------------------------------------------------
      {"export request",
       "DEPOSIT",
       1,
       1,
       "officer",
       "asks to export a committed deposit (17 or deposit:17)",
       {Text("reason", "TEXT", "why (required)")}},
      {"export approve", "ID", 1, 1, "a second officer", "approves an export", {}},
      {"export reject", "ID", 1, 1, "a second officer", "refuses an export", {Text("note", "TEXT", "why (required)")}},
      {"export cancel", "ID", 1, 1, "the requester", "withdraws an export request", {}},
      {"export list",
       "",
       0,
       0,
       "officer, auditor",
       "open export requests, newest first",
       {Flag("all", "every request, not only the open ones")}},
      {"export show", "ID", 1, 1, "officer, auditor", "one export request", {}},
      {"export run",
       "ID",
       1,
       1,
       "requester or approver",
       "writes the signed bundle, reads it back and verifies it",
       {File("out", "BUNDLE.tar", "a new file"), File("device", "/dev/sdX", "the whole export stick (FAT32)"),
        File("recipient", "CERT.pem", "encrypt the payload to this recipient"),
        File("cert-out", "DEVICE.pem", "save the device certificate"), Text("note", "TEXT", "a note for the bundle")}},
      {"verify-bundle",
       "BUNDLE",
       1,
       1,
       "- (no login, no TPM)",
       "checks a bundle offline and lists every problem",
       {File("cert", "DEVICE.pem", "the appliance's certificate (without it: exit 8 at best)"),
        File("ledger", "FILE", "a replay ledger"), Flag("record", "record the bundle in the ledger")}},
      // ---- printing -----------------------------------------------------------
      {"print",
       "KIND [ID]",
       1,
       3,
       "per kind",
       "renders a document from the store as an A4 PDF and prints and/or saves it",
       {Text("lang", "kk|ru|kk+ru", "the languages (default kk+ru)"), File("pdf", "OUT.pdf", "save the PDF"),
        Flag("print", "print as well as save"), Text("printer", "QUEUE", "the CUPS queue"),
        Text("server", "S", "the CUPS server"), Number("copies", "N", "copies"),
        Text("template", "ID", "the template set")},
       "KIND: act, application, journal, nda, refusal, return, destruction, report, notice, access-register, "
       "security-test"},
      {"printer show", "", 0, 0, "clerk, officer, auditor, admin", "the configured printer", {}},
      {"printer set",
       "QUEUE",
       1,
       1,
       "admin",
       "stores the act printer",
       {Text("server", "SOCKET|HOST:PORT", "the CUPS server"), Number("copies", "N", "copies")}},
      {"printer clear", "", 0, 0, "admin", "forgets the act printer", {}},
      {"printer test",
       "",
       0,
       0,
       "admin",
       "prints one test page on the configured printer (audited as printer.test)",
       {File("pdf", "OUT.pdf", "keep the test page's PDF there as well")}},
      {"operator show",
       "",
       0,
       0,
       "anyone who prints or sets up",
       "the operator's details printed on every document",
       {}},
      {"operator set",
       "",
       0,
       0,
       "admin",
       "changes the operator's details given",
       {Text("name-kk", "T", "name in Kazakh"), Text("name-ru", "T", "name in Russian"), Text("bin", "N", "BIN"),
        Text("address", "T", "address"), Text("phone", "T", "phone"), Text("email", "T", "e-mail"),
        Text("head-position", "T", "the head's position"), Text("head-name", "T", "the head's name"),
        Text("clerk-position", "T", "the clerk's position"), Text("officer-position", "T", "the officer's position")}},
      // ---- lifecycle (docs/cli-lifecycle.md) ------------------------------------
      {"calendar check", "FILE", 1, 1, "- (no store)", "parses a calendar file and prints its non-standard days", {}},
      {"calendar import",
       "FILE",
       1,
       1,
       "clerk, officer, admin",
       "stores each year of FILE as a new version",
       {Text("source", "TEXT", "where the calendar comes from")}},
      {"calendar show", "[YEAR]", 0, 1, "anyone logged in", "the calendar in force", {Flag("history", "every import")}},
      {"due",
       "",
       0,
       0,
       "anyone logged in",
       "overdue, due-soon and open cases and notices",
       {Number("soon", "N", "due within N working days (default 2)"), Today()}},
      {"checksum compute", "DIR|IMAGE", 1, 1, "-", "sha256sum listing and the root hash", {}},
      {"checksum verify",
       "DIR|IMAGE",
       1,
       1,
       "anyone logged in (--object)",
       "compares with a stored version or a sha256sum listing; exit 3 on any difference",
       {Text("object", "OBJ", "the object"), Number("version", "N", "its version"),
        File("list", "FILE", "a sha256sum listing")}},
      {"register import", "FILE", 1, 1, "clerk, officer, admin", "imports a trusted-register snapshot", {}},
      {"register show", "", 0, 0, "anyone logged in", "the snapshot's age", {Today()}},
      {"register lookup",
       "QUERY",
       1,
       1,
       "anyone logged in",
       "advisory look-up; exit 1 only when it blocks",
       {Choice("track", "application|register", "the intake track (default application)"), Today()}},
      {"object show", "OBJ", 1, 1, "anyone logged in", "versions, tiers, moves and cases of an object", {}},
      {"object test-outcome",
       "OBJ VERSION positive|negative",
       3,
       3,
       "clerk, officer",
       "records a security test: its outcome, report files, vulnerability list and comparison table (003 cl.11-18)",
       {Text("report", "REF", "the test report's (conclusion's) number"),
        Many(File("report-file", "FILE",
                  "a report of the analysis, kept byte-exact in the store (repeat for more; positive needs one)")),
        File("findings", "FILE.json",
             "the vulnerability list and the comparison table of corrections (docs/lifecycle.md)"),
        Date("date", "when (default today)")}},
      {"object test-report",
       "TEST N",
       2,
       2,
       "officer, auditor",
       "writes report file N of a security test, byte-exact, from where it is sealed with its version (audited)",
       {File("out", "FILE", "where to write it (required)"), Text("reason", "TEXT", "why it is read (required)")}},
      {"request",
       "OBJ",
       1,
       1,
       "clerk, officer",
       "issue on request (003 cl.29): opens the case and its notice",
       {Date("received", "when the request arrived"), Text("ref", "LETTER", "the request's reference")}},
      {"request ask-approval",
       "CASE",
       1,
       1,
       "officer",
       "one export request per version the issue takes",
       {Number("version", "N", "only this version")}},
      {"request run",
       "CASE",
       1,
       1,
       "officer who asked or approved",
       "one signed bundle per version into DIR; the case is closed",
       {Text("approval", "ID[,ID...]", "the approved export requests"), File("to", "DIR", "where the bundles go"),
        File("recipient-cert", "PEM", "encrypt to this recipient")}},
      {"return",
       "OBJ",
       1,
       1,
       "clerk, officer",
       "return on decommissioning (003 cl.30): opens the case",
       {Date("received", "when the notice arrived"), Text("ref", "LETTER", "the notice's reference")}},
      {"return ask-approval",
       "CASE",
       1,
       1,
       "officer",
       "one export request per version the return takes",
       {Number("version", "N", "only this version")}},
      {"return run",
       "CASE",
       1,
       1,
       "officer who asked or approved",
       "one signed bundle per version into DIR and the return act",
       {Text("approval", "ID[,ID...]", "the approved export requests"), File("to", "DIR", "where the bundles go"),
        File("recipient-cert", "PEM", "encrypt to this recipient")}},
      {"destroy",
       "CASE",
       1,
       1,
       "officer (approved request)",
       "crypto-shreds every version; prints the act",
       {Text("approval", "ID", "the approved destruction request (required)")}},
      {"destroy notice",
       "OBJ",
       1,
       1,
       "clerk, officer",
       "records the archive-transfer notice (003 cl.32-33)",
       {Date("received", "when the notice arrived"), Text("ref", "LETTER", "the notice's reference")}},
      {"destroy request", "CASE", 1, 1, "officer", "asks to destroy (a second officer approves)", {}},
      {"destroy approve", "APPROVAL", 1, 1, "a second officer", "approves a destruction", {}},
      {"notices", "", 0, 0, "anyone logged in", "the notices register", {}},
      {"notices sent",
       "NOTICE",
       1,
       1,
       "clerk, officer",
       "records a notice as sent",
       {Date("date", "when (default today)"), Text("export", "REF", "the bundle that carried it")}},
      {"change notice",
       "OBJ",
       1,
       1,
       "clerk, officer",
       "records the owner's notice of a change, due 2 working days after it (003 cl.27-28)",
       {Choice("kind", "code|server", "code: the source code changed (cl.27); server: work on the server (cl.28)"),
        Date("changed", "when the change was made"), Date("received", "when the notice arrived"),
        Text("ref", "LETTER", "the notice's reference"), Text("description", "TEXT", "what changed")}},
      {"change expect",
       "OBJ",
       1,
       1,
       "clerk, officer",
       "a change learned of before its notice: listed in `due` until the notice is received",
       {Choice("kind", "code|server", "code: the source code changed (cl.27); server: work on the server (cl.28)"),
        Date("changed", "when the change was made"), Text("learned-from", "TEXT", "how the change became known")}},
      {"change received",
       "ID",
       1,
       1,
       "clerk, officer",
       "the expected notice has arrived",
       {Date("received", "when the notice arrived"), Text("ref", "LETTER", "the notice's reference"),
        Text("description", "TEXT", "what changed")}},
      {"change list", "[OBJ]", 0, 1, "anyone logged in", "the owner's change notices, of one object or all", {}},
      {"report half-year",
       "YEAR 1|2",
       2,
       2,
       "officer, auditor",
       "the half-year report's data (JSON)",
       {Flag("record", "put the report in the notices register"), Today()}},
      {"report information",
       "[OBJ]",
       0,
       1,
       "officer, auditor",
       "information on stored code on request (JSON)",
       {Text("ref", "REQUEST", "the request's reference"), Today()}},
  };
}

}  // namespace

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> commands = BuildCommands();
  return commands;
}

const std::vector<OptionSpec>& GlobalOptions() {
  static const std::vector<OptionSpec> globals = {
      Text("tcti", "TCTI", "TPM transport (TSS TCTI string; $QOIMA_TCTI, default device:/dev/tpmrm0)"),
      File("state", "DIR", "the appliance's state directory ($QOIMA_STATE, default /var/lib/qoima)"),
      Flag("json", "machine-readable output on stdout, errors too"),
      Text("user", "LOGIN", "who acts ($QOIMA_USER)"),
      Fd("password-fd", "the password: first line read from descriptor N (else $QOIMA_PASSWORD)"),
      Flag("help", "help on the command"),
  };
  return globals;
}

const CommandSpec* FindCommand(std::string_view path) {
  for (const auto& c : Commands())
    if (c.path == path) return &c;
  return nullptr;
}

std::vector<const CommandSpec*> CommandsIn(std::string_view group) {
  std::vector<const CommandSpec*> out;
  const std::string prefix = std::string(group) + " ";
  for (const auto& c : Commands())
    if (c.path.rfind(prefix, 0) == 0) out.push_back(&c);
  return out;
}

const std::vector<ExitCodeSpec>& ExitCodes() {
  static const std::vector<ExitCodeSpec> codes = {
      {0, "success"},
      {1, "an operation failed (I/O, TPM, corrupt store, a medium that cannot be opened, the reader sandbox)"},
      {2,
       "usage error: unknown command or option, a missing or extra argument, an option value of the wrong form "
       "(not a number, a date or one of its choices)"},
      {3, "a check found differences or problems"},
      {4, "authentication or permission refused"},
      {5, "bad input (act, form or value invalid; the message names file, line and field)"},
      {6, "not allowed now"},
      {7, "not found"},
      {8, "verify-bundle without --cert: signature valid, signer not trusted"},
      {9, "the store was refused as tampered with (rolled back); nothing changed"},
  };
  return codes;
}

namespace {

// Optimal string alignment distance (a swap of two neighbours is one edit).
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

}  // namespace

std::vector<std::string> Suggest(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.size() > 64) return {};
  const size_t limit = std::clamp<size_t>(word.size() / 3, 1, 3);
  std::vector<std::pair<size_t, std::string>> close;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    // A prefix of a longer name ("lis" of "list") is close too.
    if (d > limit && word.size() >= 3 && c.rfind(word, 0) == 0) d = limit;
    if (d <= limit) close.emplace_back(d, c);
  }
  std::stable_sort(close.begin(), close.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (auto& [d, c] : close)
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  if (out.size() > 3) out.resize(3);
  return out;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates, std::string_view prefix) {
  auto s = Suggest(word, candidates);
  if (s.empty()) return "";
  std::string out = " (did you mean ";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += i + 1 == s.size() ? " or " : ", ";
    out += std::string(prefix) + s[i];
  }
  return out + "?)";
}

namespace {

std::string OptionSynopsis(const OptionSpec& o) {
  std::string s = "--" + o.name;
  if (o.kind != ValueKind::kFlag) s += " " + o.value_name;
  return s;
}

std::string Padded(std::string s, size_t width) {
  // Width in characters, not bytes (role names are ASCII; Cyrillic never appears here).
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

void AppendOptions(std::ostringstream& out, const std::vector<OptionSpec>& options) {
  for (const auto& o : options) {
    std::string left = "  " + OptionSynopsis(o);
    out << Padded(left, 30);
    if (left.size() >= 30) out << "\n" << std::string(30, ' ');
    out << o.help << (o.repeatable ? " (repeatable)" : "") << "\n";
  }
}

std::vector<std::string> TopWords() {
  std::vector<std::string> words;
  for (const auto& c : Commands()) {
    std::string first = c.path.substr(0, c.path.find(' '));
    if (std::find(words.begin(), words.end(), first) == words.end()) words.push_back(first);
  }
  return words;
}

}  // namespace

std::string UsageLine(const CommandSpec& c) {
  std::string s = "qoima [GLOBAL OPTIONS] " + c.path;
  if (!c.args.empty()) s += " " + c.args;
  if (!c.options.empty()) s += " [OPTIONS]";
  return s;
}

std::string OverviewHelp() {
  std::ostringstream out;
  out << "usage: qoima [GLOBAL OPTIONS] COMMAND [ARGUMENTS] [OPTIONS]\n"
         "       qoima help [COMMAND]      qoima COMMAND --help      qoima --version\n\n"
         "commands:\n";
  for (const auto& c : Commands()) {
    std::string left = "  " + c.path + (c.args.empty() ? "" : " " + c.args);
    out << Padded(left, 40);
    if (left.size() >= 40) out << "\n" << std::string(40, ' ');
    out << c.summary << "\n";
  }
  out << "\nglobal options (before or after the command):\n";
  AppendOptions(out, GlobalOptions());
  out << "  --version                   qoima's version (before the command)\n";
  out << "\nexit codes:\n";
  for (const auto& e : ExitCodes()) out << "  " << e.code << "  " << e.meaning << "\n";
  out << "\nEvery command, option and exit code: man qoima, docs/cli.md, docs/cli-lifecycle.md.\n";
  return out.str();
}

std::string GroupHelp(std::string_view group) {
  std::ostringstream out;
  out << "usage: qoima [GLOBAL OPTIONS] " << group << " SUBCOMMAND ...\n\n";
  if (const CommandSpec* bare = FindCommand(group))
    out << "  " << UsageLine(*bare) << "\n      " << bare->summary << "\n";
  for (const CommandSpec* c : CommandsIn(group))
    out << "  " << c->path << (c->args.empty() ? "" : " " + c->args) << "\n      " << c->summary << "\n";
  out << "\n`qoima help " << group << " SUBCOMMAND` for its options.\n";
  return out.str();
}

std::string CommandHelp(const CommandSpec& c) {
  std::ostringstream out;
  out << "usage: " << UsageLine(c) << "\n\n" << c.summary << ".\n";
  if (!c.details.empty()) out << c.details << "\n";
  out << "who: " << c.roles << "\n";
  if (!c.options.empty()) {
    out << "\noptions:\n";
    AppendOptions(out, c.options);
  }
  out << "\nglobal options: --tcti TCTI, --state DIR, --json, --user LOGIN, --password-fd N (qoima --help)\n";
  return out.str();
}

// ---- bash completion ---------------------------------------------------------

namespace {

std::string Join(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

}  // namespace

std::string BashCompletion() {
  std::ostringstream out;
  out << "# bash completion for qoima, generated from its command table (cli/cli_commands.cpp)\n"
         "_qoima() {\n"
         "  local cur prev words cword\n"
         "  _init_completion 2>/dev/null || { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; "
         "words=(\"${COMP_WORDS[@]}\"); cword=$COMP_CWORD; }\n"
         "  local global='";
  std::vector<std::string> globals;
  for (const auto& o : GlobalOptions()) globals.push_back("--" + o.name);
  globals.push_back("--version");
  out << Join(globals) << "'\n";
  // The command words typed so far (options and their values skipped).
  out << "  local path='' i w skip=0\n"
         "  for ((i = 1; i < cword; i++)); do\n"
         "    w=${words[i]}\n"
         "    if ((skip)); then skip=0; continue; fi\n"
         "    case $w in\n";
  // Options that take a value: their next word is skipped.
  std::set<std::string> valued;
  for (const auto& o : GlobalOptions())
    if (o.kind != ValueKind::kFlag) valued.insert("--" + o.name);
  for (const auto& c : Commands())
    for (const auto& o : c.options)
      if (o.kind != ValueKind::kFlag) valued.insert("--" + o.name);
  std::string valued_case;
  for (const auto& v : valued) valued_case += (valued_case.empty() ? "" : "|") + v;
  out << "      " << valued_case << ") skip=1 ;;\n";
  out << "      -*) ;;\n"
         "      *) path=\"${path:+$path }$w\" ;;\n"
         "    esac\n"
         "  done\n";
  // Values of the option before the cursor.
  out << "  case $prev in\n";
  std::set<std::string> file_options;
  std::map<std::string, std::string> choices;
  for (const auto& o : GlobalOptions())
    if (o.kind == ValueKind::kFile) file_options.insert("--" + o.name);
  for (const auto& c : Commands())
    for (const auto& o : c.options) {
      if (o.kind == ValueKind::kFile) file_options.insert("--" + o.name);
      if (o.kind == ValueKind::kChoice) choices["--" + o.name] = o.choices;
    }
  for (const auto& [name, list] : choices) {
    std::string words = list;
    std::replace(words.begin(), words.end(), '|', ' ');
    out << "    " << name << ") COMPREPLY=($(compgen -W '" << words << "' -- \"$cur\")); return ;;\n";
  }
  std::vector<std::string> files(file_options.begin(), file_options.end());
  std::string file_case;
  for (const auto& f : files) file_case += (file_case.empty() ? "" : "|") + f;
  out << "    " << file_case << ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n";
  std::string value_case;
  for (const auto& v : valued)
    if (!file_options.count(v) && !choices.count(v)) value_case += (value_case.empty() ? "" : "|") + v;
  out << "    " << value_case << ") return ;;\n";
  out << "  esac\n";
  // Next words and options per command path typed so far.
  out << "  local next='' opts=''\n"
         "  case $path in\n";
  out << "    '') next='" << Join(TopWords()) << "' ;;\n";
  out << "    'help'*) next='" << Join(TopWords()) << "' ;;\n";
  std::map<std::string, std::vector<std::string>> children;
  for (const auto& c : Commands()) {
    size_t sp = c.path.find(' ');
    if (sp != std::string::npos) children[c.path.substr(0, sp)].push_back(c.path.substr(sp + 1));
  }
  // Longest paths first: "request run 5" is not the "request" of "request 5".
  std::vector<const CommandSpec*> by_length;
  for (const auto& c : Commands()) by_length.push_back(&c);
  std::stable_sort(by_length.begin(), by_length.end(),
                   [](const CommandSpec* a, const CommandSpec* b) { return a->path.size() > b->path.size(); });
  for (const CommandSpec* cp : by_length) {
    const CommandSpec& c = *cp;
    std::vector<std::string> opts;
    for (const auto& o : c.options) opts.push_back("--" + o.name);
    std::string sub;
    if (auto it = children.find(c.path); it != children.end()) sub = Join(it->second);
    out << "    '" << c.path << "'|'" << c.path << " '*) opts='" << Join(opts) << "'";
    if (!sub.empty()) out << "; [[ $path == '" << c.path << "' ]] && next='" << sub << "'";
    out << " ;;\n";
  }
  for (const auto& [group, subs] : children)
    if (!FindCommand(group)) out << "    '" << group << "') next='" << Join(subs) << "' ;;\n";
  out << "  esac\n"
         "  if [[ $cur == -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$opts $global\" -- \"$cur\"))\n"
         "  elif [[ -n $next ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$next\" -- \"$cur\"))\n"
         "  else\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "  fi\n"
         "}\n"
         "complete -F _qoima qoima\n";
  return out.str();
}

// ---- man page ----------------------------------------------------------------

namespace {

// roff: a leading '.' or '\'' and every backslash are escaped; '-' is a hyphen-minus.
std::string Roff(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

void ManOptions(std::ostringstream& out, const std::vector<OptionSpec>& options) {
  for (const auto& o : options) {
    out << ".TP\n\\fB" << Roff("--" + o.name) << "\\fR";
    if (o.kind != ValueKind::kFlag) out << " \\fI" << Roff(o.value_name) << "\\fR";
    out << "\n" << Roff(o.help) << (o.repeatable ? " (repeatable)" : "") << "\n";
  }
}

}  // namespace

std::string ManPage(std::string_view version) {
  std::ostringstream out;
  out << ".TH QOIMA 1 \"\" \"qoima " << Roff(version) << "\" \"qoima manual\"\n"
      << ".SH NAME\nqoima \\- the command line of the qoima intake appliance\n"
      << ".SH SYNOPSIS\n\\fBqoima\\fR [\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGUMENTS\\fR] [\\fIOPTIONS\\fR]\n"
      << ".br\n\\fBqoima help\\fR [\\fICOMMAND\\fR]\n.br\n\\fBqoima\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR\n"
      << ".br\n\\fBqoima \\-\\-version\\fR\n"
      << ".SH DESCRIPTION\n"
      << "qoima checks depositors' media against their acceptance acts, seals accepted code in a TPM-bound "
         "encrypted store, keeps a Merkle audit log, prints acts and exports signed bundles under two-person "
         "approval. Every workflow of the appliance's kiosk is a command here; the rules (roles, two-person "
         "approval, audit) are the same for both.\n"
      << ".SH GLOBAL OPTIONS\nAccepted before or after the command's words.\n";
  ManOptions(out, GlobalOptions());
  out << ".TP\n\\fB\\-\\-version\\fR\nprints qoima's version (before the command)\n";
  out << ".SH COMMANDS\n";
  for (const auto& c : Commands()) {
    out << ".SS " << Roff(c.path + (c.args.empty() ? "" : " " + c.args)) << "\n" << Roff(c.summary) << ".\n";
    if (!c.details.empty()) out << ".br\n" << Roff(c.details) << "\n";
    out << ".br\nWho: " << Roff(c.roles) << ".\n";
    if (!c.options.empty()) {
      out << ".RS\n";
      ManOptions(out, c.options);
      out << ".RE\n";
    }
  }
  out << ".SH EXIT STATUS\n";
  for (const auto& e : ExitCodes()) out << ".TP\n.B " << e.code << "\n" << Roff(e.meaning) << "\n";
  out << ".SH ENVIRONMENT\n"
      << ".TP\n.B QOIMA_TCTI\nTPM transport (default device:/dev/tpmrm0)\n"
      << ".TP\n.B QOIMA_STATE\nthe state directory (default /var/lib/qoima)\n"
      << ".TP\n.B QOIMA_USER\nwho acts\n"
      << ".TP\n.B QOIMA_PASSWORD\nthe password when no \\-\\-password\\-fd is given\n"
      << ".TP\n.B QOIMA_NEW_PASSWORD\na new password (user add, user passwd)\n"
      << ".TP\n.B QOIMA_TEST_MEDIA\n1: loop devices and image files stand for media (tests only)\n"
      << ".SH FILES\n.TP\n.I /var/lib/qoima\nkeyring/ and store/\n"
      << ".TP\n.I /usr/libexec/qoima/qoima\\-media\\-child\nthe sandboxed reader of untrusted media\n"
      << ".SH SEE ALSO\n\\fBqoima\\-kiosk\\fR(1); docs/cli.md, docs/cli\\-lifecycle.md, docs/bundle\\-format.md, "
         "docs/act\\-manifest.md in the source\n";
  return out.str();
}

namespace {

// The cells of a Markdown table row ("| a | b |" -> {"a", "b"}).
std::vector<std::string> TableCells(const std::string& row) {
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 1; i < row.size(); ++i) {
    if (row[i] == '|' && row[i - 1] != '\\') {
      size_t a = cell.find_first_not_of(' '), b = cell.find_last_not_of(' ');
      cells.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  return cells;
}

// A Markdown table in roff: a two-column table (an option or key and what it
// means) as a tagged paragraph per row, without its header; any other as
// preformatted text.
void WriteTable(std::ostringstream& out, const std::vector<std::string>& rows) {
  bool two_columns = rows.size() >= 2;
  for (const std::string& row : rows) two_columns = two_columns && TableCells(row).size() == 2;
  if (!two_columns) {
    out << ".RS\n.nf\n";
    for (const std::string& row : rows) out << Roff(row) << "\n";
    out << ".fi\n.RE\n";
    return;
  }
  for (size_t i = 2; i < rows.size(); ++i) {  // rows 0 and 1: the header and its rule
    std::vector<std::string> cells = TableCells(rows[i]);
    out << ".TP\n\\fB" << Roff(cells[0]) << "\\fR\n" << Roff(cells[1]) << "\n";
  }
}

}  // namespace

std::string FormatManPage(std::string_view name, int section, std::string_view version, std::string_view markdown) {
  std::ostringstream out;
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  out << ".TH " << Roff(upper) << " " << section << " \"\" \"qoima " << Roff(version) << "\" \""
      << (section == 5 ? "qoima file formats" : "qoima appliance") << "\"\n";
  std::istringstream in{std::string(markdown)};
  bool code = false, named = false;
  std::vector<std::string> table_rows;
  // The text under the title is the DESCRIPTION; a page whose first heading
  // follows the title at once has none there.
  bool description_due = false;
  auto body = [&] {
    if (description_due) out << ".SH DESCRIPTION\n";
    description_due = false;
  };
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("```", 0) == 0) {
      body();
      out << (code ? ".fi\n.RE\n" : ".RS\n.nf\n");
      code = !code;
      continue;
    }
    if (code) {
      out << (line.empty() ? "" : Roff(line)) << "\n";
      continue;
    }
    if (line.rfind("|", 0) == 0) {
      body();
      table_rows.push_back(line);
      continue;
    }
    if (!table_rows.empty()) {
      WriteTable(out, table_rows);
      table_rows.clear();
    }
    const bool blank = line.find_first_not_of(" \t") == std::string::npos;
    if (line.rfind("# ", 0) == 0) {
      // The title names the page.
      out << ".SH NAME\n" << Roff(name) << " \\- " << Roff(line.substr(2)) << "\n";
      named = true;
      description_due = true;
    } else if (line.rfind("## ", 0) == 0) {
      description_due = false;
      out << ".SH " << Roff(line.substr(3)) << "\n";
    } else if (line.rfind("### ", 0) == 0 || line.rfind("#### ", 0) == 0) {
      body();
      out << ".SS " << Roff(line.substr(line.find(' ') + 1)) << "\n";
    } else if (blank) {
      if (!description_due) out << ".PP\n";
    } else {
      body();
      size_t start = line.find_first_not_of(' ');
      out << Roff(line.substr(start)) << "\n";
    }
  }
  if (code) out << ".fi\n.RE\n";
  if (!table_rows.empty()) WriteTable(out, table_rows);
  if (!named) out << ".SH NAME\n" << Roff(name) << "\n";
  out << ".SH SEE ALSO\n"
      << (name == "qoima-kiosk" ? "\\fBqoima\\fR(1), \\fBjournalctl\\fR(1)\n" : "\\fBqoima\\fR(1)\n");
  return out.str();
}

}  // namespace qoima::appliance::cli

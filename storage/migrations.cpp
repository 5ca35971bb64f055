#include "storage/migrations.h"

#include <string>

namespace qoima::storage {
namespace {

// Conventions: times are UTC text "YYYY-MM-DDTHH:MM:SSZ", dates "YYYY-MM-DD";
// sizes are bytes (INTEGER); hashes are raw BLOBs (32 bytes for SHA-256);
// enumerations are TEXT with a CHECK so a bad value fails at the row.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE schema_migrations (
  version     INTEGER PRIMARY KEY,
  description TEXT NOT NULL,
  applied_at  TEXT NOT NULL
);

-- Users and roles -------------------------------------------------------------
CREATE TABLE roles (
  name        TEXT PRIMARY KEY CHECK (name IN ('clerk','security_officer','auditor','admin')),
  description TEXT NOT NULL
);
INSERT INTO roles(name, description) VALUES
  ('clerk', 'registers applications, reads media, accepts or refuses, prints acts'),
  ('security_officer', 'key custody, export, destruction, user administration'),
  ('auditor', 'reads everything, verifies logs and bundles, changes nothing'),
  ('admin', 'appliance administration');

CREATE TABLE users (
  id              INTEGER PRIMARY KEY,
  login           TEXT NOT NULL UNIQUE,
  surname         TEXT NOT NULL,
  given_name      TEXT NOT NULL,
  patronymic      TEXT,
  position        TEXT,
  password_hash   TEXT NOT NULL,          -- Argon2id PHC string
  failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  locked_until    TEXT,
  created_at      TEXT NOT NULL,
  disabled_at     TEXT
);

CREATE TABLE user_roles (
  user_id    INTEGER NOT NULL REFERENCES users(id),
  role       TEXT NOT NULL REFERENCES roles(name),
  granted_by INTEGER REFERENCES users(id),
  granted_at TEXT NOT NULL,
  PRIMARY KEY (user_id, role)
);

-- Organizations (owner / developer blocks of Annex 1, parties of acts) ----------
CREATE TABLE organizations (
  id             INTEGER PRIMARY KEY,
  full_name      TEXT NOT NULL,
  short_name     TEXT,
  bin            TEXT,                    -- business identification number
  subordination  TEXT,
  address        TEXT,
  postcode       TEXT,
  phone          TEXT,
  fax            TEXT,
  email          TEXT,
  web            TEXT,
  contact_person TEXT
);

-- Informatization objects (what is deposited, version after version) ---------
CREATE TABLE informatization_objects (
  id                 INTEGER PRIMARY KEY,
  name               TEXT NOT NULL,
  architecture_code  TEXT,              -- code on the e-government architectural portal
  owner_org_id       INTEGER REFERENCES organizations(id),
  track              TEXT NOT NULL CHECK (track IN ('application','register')),
  created_at         TEXT NOT NULL,
  operation_ended_at TEXT                -- owner's notice that operation ended (003 cl.30)
);

-- Applications (Annex 1) ------------------------------------------------------
CREATE TABLE applications (
  id                  INTEGER PRIMARY KEY,
  number              TEXT NOT NULL UNIQUE,
  object_id           INTEGER NOT NULL REFERENCES informatization_objects(id),
  applicant           TEXT NOT NULL,
  software_name       TEXT NOT NULL,
  architecture_code   TEXT,
  copies              INTEGER CHECK (copies IS NULL OR copies >= 0),
  owner_org_id        INTEGER REFERENCES organizations(id),
  developer_org_id    INTEGER REFERENCES organizations(id),
  authors             TEXT,
  certification       TEXT,
  year                INTEGER,
  version             TEXT,
  programming_language TEXT,
  release_date        TEXT,
  annotation          TEXT,
  req_cpu             TEXT,
  req_ram             TEXT,
  req_disk            TEXT,
  req_os              TEXT,
  req_video           TEXT,
  req_audio           TEXT,
  req_extra_hardware  TEXT,
  req_extra_software  TEXT,
  req_other           TEXT,
  copy_protection     TEXT,
  funding_source      TEXT CHECK (funding_source IS NULL OR funding_source IN
                        ('republican_budget','local_budget','state_non_budget_funds','own_funds',
                         'grants','external_loans','credit','other_entities_funds')),
  signed_on           TEXT,              -- date next to seal and signature
  received_at         TEXT NOT NULL,
  registered_by       INTEGER REFERENCES users(id),
  state               TEXT NOT NULL DEFAULT 'registered'
                        CHECK (state IN ('registered','accepted','refused','withdrawn'))
);
CREATE INDEX applications_object ON applications(object_id);

CREATE TABLE application_items (
  id               INTEGER PRIMARY KEY,
  application_id   INTEGER NOT NULL REFERENCES applications(id),
  item_no          INTEGER NOT NULL,
  name             TEXT NOT NULL,        -- CD / file / document name
  cd_serial        TEXT,
  size_mb          REAL,
  paper_sheets     INTEGER,
  original_or_copy TEXT CHECK (original_or_copy IS NULL OR original_or_copy IN ('original','copy')),
  UNIQUE (application_id, item_no)
);

-- Journal of applications (Annex 2) -----------------------------------------
CREATE TABLE journal (
  entry_no       INTEGER PRIMARY KEY,   -- the journal's running number
  application_id INTEGER NOT NULL UNIQUE REFERENCES applications(id),
  received_on    TEXT NOT NULL,
  state_body     TEXT NOT NULL,
  applicant_head TEXT NOT NULL,         -- head who signed the application
  received_by    INTEGER NOT NULL REFERENCES users(id)
);

-- Media inserted at intake --------------------------------------------------
CREATE TABLE media (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('cd','dvd','bd','usb','other')),
  label        TEXT,                    -- volume label / disc marking
  serial       TEXT,
  fs_type      TEXT,
  size_bytes   INTEGER,
  device_model TEXT,
  inserted_at  TEXT NOT NULL,
  inserted_by  INTEGER REFERENCES users(id)
);

-- Deposits: each is one version of an object in one store tier ----------------
-- state: pending (objects being written; never visible to readers),
--        committed, destroyed (tombstone row exists). Versions are never
--        overwritten: (object_id, version_no) is unique.
CREATE TABLE deposits (
  id             INTEGER PRIMARY KEY,
  object_id      INTEGER NOT NULL REFERENCES informatization_objects(id),
  application_id INTEGER REFERENCES applications(id),
  version_no     INTEGER NOT NULL CHECK (version_no >= 1),
  version_label  TEXT,
  kind           TEXT NOT NULL DEFAULT 'source' CHECK (kind IN ('source','executable','mixed')),
  tier           TEXT NOT NULL CHECK (tier IN ('temporary','permanent')),
  state          TEXT NOT NULL CHECK (state IN ('committed','destroyed')),
  wrapped_key    BLOB,                  -- deposit data key wrapped by the keyring; NULL once shredded
  file_count     INTEGER NOT NULL DEFAULT 0,
  total_bytes    INTEGER NOT NULL DEFAULT 0,
  manifest_sha256 BLOB,                 -- SHA-256 over the sorted file list (docs/storage.md)
  created_by     INTEGER REFERENCES users(id),
  created_at     TEXT NOT NULL,
  committed_at   TEXT,
  audit_index    INTEGER,               -- audit leaf that recorded the commit
  UNIQUE (object_id, version_no),
  CHECK (state <> 'committed' OR wrapped_key IS NOT NULL),
  CHECK (state <> 'destroyed' OR wrapped_key IS NULL)
);
CREATE INDEX deposits_application ON deposits(application_id);

CREATE TABLE deposit_media (
  deposit_id INTEGER NOT NULL REFERENCES deposits(id),
  media_id   INTEGER NOT NULL REFERENCES media(id),
  PRIMARY KEY (deposit_id, media_id)
);

-- Tier history: temporary -> permanent after positive security testing (003 cl.6-8).
CREATE TABLE tier_changes (
  id         INTEGER PRIMARY KEY,
  deposit_id INTEGER NOT NULL REFERENCES deposits(id),
  from_tier  TEXT NOT NULL CHECK (from_tier IN ('temporary','permanent')),
  to_tier    TEXT NOT NULL CHECK (to_tier IN ('temporary','permanent')),
  reason     TEXT NOT NULL,
  changed_by INTEGER REFERENCES users(id),
  changed_at TEXT NOT NULL
);

-- Stored objects: one sealed file in objects/ per row ---------------------------
CREATE TABLE objects (
  id          INTEGER PRIMARY KEY,
  deposit_id  INTEGER NOT NULL REFERENCES deposits(id),
  name        TEXT NOT NULL UNIQUE,     -- keyed-hash file name (hex) under objects/
  plain_size  INTEGER NOT NULL CHECK (plain_size >= 0),
  sealed_size INTEGER NOT NULL CHECK (sealed_size >= 0),
  sha256      BLOB NOT NULL CHECK (length(sha256) = 32)
);
CREATE INDEX objects_deposit ON objects(deposit_id);

-- Files of a deposit ----------------------------------------------------------
CREATE TABLE files (
  id           INTEGER PRIMARY KEY,
  deposit_id   INTEGER NOT NULL REFERENCES deposits(id),
  media_id     INTEGER REFERENCES media(id),
  path         BLOB NOT NULL,           -- raw path bytes as on the media, relative
  display_path TEXT NOT NULL,           -- valid UTF-8 rendering for screens and acts
  size         INTEGER NOT NULL CHECK (size >= 0),
  mtime        INTEGER,                 -- seconds since the epoch, UTC, as on the media
  sha256       BLOB NOT NULL CHECK (length(sha256) = 32),
  category     TEXT NOT NULL CHECK (category IN
                 ('source_code','libraries','build_service_files','build_description',
                  'artifacts','executables','database_structure','licensed_settings',
                  'additional_software','technical_documentation')),
  object_id    INTEGER NOT NULL REFERENCES objects(id),
  UNIQUE (deposit_id, path)
);
CREATE INDEX files_sha256 ON files(sha256);
CREATE INDEX files_object ON files(object_id);

-- Tombstones of crypto-shredded deposits ---------------------------------------
CREATE TABLE tombstones (
  deposit_id      INTEGER PRIMARY KEY REFERENCES deposits(id),
  destroyed_at    TEXT NOT NULL,
  destroyed_by    INTEGER REFERENCES users(id),
  approval_id     INTEGER REFERENCES approvals(id),
  act_id          INTEGER REFERENCES acts(id),
  reason          TEXT NOT NULL,
  file_count      INTEGER NOT NULL,
  total_bytes     INTEGER NOT NULL,
  manifest_sha256 BLOB,
  audit_index     INTEGER
);

-- Decisions at intake (accept / reasoned refusal, 001 cl.16) -----------------
CREATE TABLE decisions (
  id             INTEGER PRIMARY KEY,
  application_id INTEGER REFERENCES applications(id),
  deposit_id     INTEGER REFERENCES deposits(id),
  kind           TEXT NOT NULL CHECK (kind IN ('accept','refuse')),
  refusal_reason INTEGER CHECK (refusal_reason IS NULL OR refusal_reason IN (1,2,3)),
  reason_text    TEXT,
  evidence_json  TEXT,
  decided_by     INTEGER NOT NULL REFERENCES users(id),
  decided_at     TEXT NOT NULL,
  CHECK (kind = 'accept' OR refusal_reason IS NOT NULL)
);

-- Acts (acceptance-transfer, return, destruction, refusal) ---------------------
CREATE TABLE acts (
  id               INTEGER PRIMARY KEY,
  kind             TEXT NOT NULL CHECK (kind IN ('acceptance','return','destruction','refusal','issue')),
  number           TEXT NOT NULL UNIQUE,
  application_id   INTEGER REFERENCES applications(id),
  deposit_id       INTEGER REFERENCES deposits(id),
  act_date         TEXT NOT NULL,
  city             TEXT,
  template_id      TEXT NOT NULL,       -- legal form version the act was rendered from
  manifest_json    TEXT,
  document_sha256  BLOB,                -- SHA-256 of the rendered PDF
  checkpoint_size  INTEGER,             -- audit checkpoint printed on the act
  checkpoint_root  BLOB,
  created_by       INTEGER REFERENCES users(id),
  created_at       TEXT NOT NULL
);

-- Notices to the authorized body ----------------------------------------------
CREATE TABLE notices (
  id             INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL CHECK (kind IN ('acceptance','issue','return','destruction','half_year_report','information')),
  application_id INTEGER REFERENCES applications(id),
  deposit_id     INTEGER REFERENCES deposits(id),
  addressee      TEXT NOT NULL,
  due_on         TEXT,
  body_json      TEXT,
  created_by     INTEGER REFERENCES users(id),
  created_at     TEXT NOT NULL,
  exported_at    TEXT
);

-- Two-person approvals (export, destruction, recovery) ------------------------
CREATE TABLE approvals (
  id           INTEGER PRIMARY KEY,
  action       TEXT NOT NULL CHECK (action IN ('export','destroy','recovery','issue','return')),
  target       TEXT NOT NULL,           -- e.g. "deposit:17"
  requested_by INTEGER NOT NULL REFERENCES users(id),
  requested_at TEXT NOT NULL,
  approved_by  INTEGER REFERENCES users(id),
  approved_at  TEXT,
  state        TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ('requested','approved','rejected','used','expired')),
  CHECK (approved_by IS NULL OR approved_by <> requested_by)
);

-- Trusted software register snapshots (004) -----------------------------------
CREATE TABLE register_snapshots (
  id            INTEGER PRIMARY KEY,
  as_of         TEXT NOT NULL,          -- date the snapshot was taken at the source
  source_name   TEXT NOT NULL,
  source_sha256 BLOB NOT NULL,
  entry_count   INTEGER NOT NULL,
  imported_by   INTEGER REFERENCES users(id),
  imported_at   TEXT NOT NULL
);

CREATE TABLE register_entries (
  id              INTEGER PRIMARY KEY,
  snapshot_id     INTEGER NOT NULL REFERENCES register_snapshots(id),
  holder          TEXT NOT NULL,
  bin_iin         TEXT,
  product_name    TEXT NOT NULL,
  catalogue_codes TEXT,
  delivery_mode   TEXT,
  category_codes  TEXT,
  platform        TEXT,
  notice_number   TEXT,
  notice_date     TEXT,
  notice_reason   TEXT,
  support_centre  TEXT
);
CREATE INDEX register_entries_snapshot ON register_entries(snapshot_id);
CREATE INDEX register_entries_bin ON register_entries(bin_iin);

-- Working-day calendar, imported per year -----------------------------------
CREATE TABLE calendar_years (
  year          INTEGER PRIMARY KEY,
  source_name   TEXT NOT NULL,
  source_sha256 BLOB NOT NULL,
  imported_by   INTEGER REFERENCES users(id),
  imported_at   TEXT NOT NULL
);

CREATE TABLE calendar_days (
  day  TEXT PRIMARY KEY,                -- YYYY-MM-DD
  year INTEGER NOT NULL REFERENCES calendar_years(year),
  kind TEXT NOT NULL CHECK (kind IN ('holiday','day_off','working_day')),  -- overrides of Mon-Fri
  note TEXT
);

-- Audit log: Merkle tree leaves and signed checkpoints -----------------------
-- idx is the 0-based leaf index; entries are append-only (triggers below).
CREATE TABLE audit_entries (
  idx        INTEGER PRIMARY KEY CHECK (idx >= 0),
  time       TEXT NOT NULL,
  actor      TEXT NOT NULL,
  role       TEXT NOT NULL,
  action     TEXT NOT NULL,
  object     TEXT NOT NULL,
  outcome    TEXT NOT NULL CHECK (outcome IN ('success','failure','denied')),
  reason     TEXT NOT NULL,
  leaf_hash  BLOB NOT NULL CHECK (length(leaf_hash) = 32),
  root_after BLOB NOT NULL CHECK (length(root_after) = 32)   -- tree root of size idx+1
);
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;

CREATE TABLE audit_checkpoints (
  tree_size       INTEGER PRIMARY KEY CHECK (tree_size >= 1),
  root            BLOB NOT NULL CHECK (length(root) = 32),
  time            TEXT NOT NULL,
  signature       BLOB NOT NULL,
  key_fingerprint TEXT NOT NULL,
  public_key_pem  TEXT NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;

-- Key-value settings of the store (format versions, store id) -----------------
CREATE TABLE store_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

// The audit log's Merkle accumulator (peaks of the perfect subtrees), so that
// start-up does not re-read every leaf. Not evidence: verify recomputes it.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE audit_state (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  tree_size INTEGER NOT NULL CHECK (tree_size >= 0),
  peaks     BLOB NOT NULL
);
INSERT INTO audit_state(id, tree_size, peaks) VALUES (1, 0, x'');

-- The random token of a deposit: label of its wrapped data key and input of
-- its object names (both are fixed before the deposit row exists).
ALTER TABLE deposits ADD COLUMN token TEXT;
CREATE UNIQUE INDEX deposits_token ON deposits(token);
)sql";

// Intake (appliance/): the portal code as the key of an
// informatization object, the append-only journal, the full Annex 1 form and
// track, NDA (Annex 4) records, intake sessions with their evidence, and
// multi-approver votes of two-person approvals.
constexpr std::string_view kV3 = R"sql(
CREATE UNIQUE INDEX informatization_objects_code ON informatization_objects(architecture_code);

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
  BEGIN SELECT RAISE(ABORT, 'the journal of applications is append-only'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
  BEGIN SELECT RAISE(ABORT, 'the journal of applications is append-only'); END;

CREATE TABLE application_forms (
  application_id INTEGER PRIMARY KEY REFERENCES applications(id),
  track          TEXT NOT NULL CHECK (track IN ('application','register')),
  register_entry TEXT,
  form_json      TEXT NOT NULL           -- the whole Annex 1 as entered (docs/intake.md)
);

CREATE TABLE ndas (
  id                      INTEGER PRIMARY KEY,
  application_id          INTEGER NOT NULL REFERENCES applications(id),
  owner_representative    TEXT NOT NULL,
  owner_authority         TEXT NOT NULL,
  operator_representative TEXT NOT NULL,
  signed_on               TEXT NOT NULL,
  signed_by_owner         INTEGER NOT NULL CHECK (signed_by_owner IN (0,1)),
  signed_by_operator      INTEGER NOT NULL CHECK (signed_by_operator IN (0,1)),
  recorded_by             INTEGER NOT NULL REFERENCES users(id),
  recorded_at             TEXT NOT NULL
);
CREATE INDEX ndas_application ON ndas(application_id);

-- One verification of media against an act (001 cl.15) and what came of it.
-- state: verified (evidence only, content not kept), held (content sealed in
-- deposit_id for a re-try within the 5-working-day window), accepted,
-- refused, expired (hold ran out; the held deposit destroyed).
CREATE TABLE intakes (
  id              INTEGER PRIMARY KEY,
  application_id  INTEGER NOT NULL REFERENCES applications(id),
  manifest_sha256 TEXT NOT NULL,
  manifest_format TEXT NOT NULL,
  manifest_json   TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('verified','held','accepted','refused','expired')),
  clean           INTEGER NOT NULL CHECK (clean IN (0,1)),
  evidence_json   TEXT NOT NULL,
  deposit_id      INTEGER REFERENCES deposits(id),
  decision_id     INTEGER REFERENCES decisions(id),
  hold_until      TEXT,
  created_by      INTEGER NOT NULL REFERENCES users(id),
  created_at      TEXT NOT NULL
);
CREATE INDEX intakes_application ON intakes(application_id);

CREATE TABLE approval_votes (
  approval_id INTEGER NOT NULL REFERENCES approvals(id),
  user_id     INTEGER NOT NULL REFERENCES users(id),
  voted_at    TEXT NOT NULL,
  PRIMARY KEY (approval_id, user_id)
);
)sql";

// Migration 4. Lifecycle after intake (appliance/lifecycle, docs/lifecycle.md): security-test
// outcomes that move a version between stores, issue/return/destruction cases
// with their deadlines, what the notices register needs beyond v1, versioned
// calendar imports, and the register entry fields v1 lacks.
constexpr std::string_view kV4 = R"sql(
CREATE TABLE security_tests (
  id          INTEGER PRIMARY KEY,
  deposit_id  INTEGER NOT NULL REFERENCES deposits(id),
  outcome     TEXT NOT NULL CHECK (outcome IN ('positive','negative')),
  reference   TEXT NOT NULL,            -- test report / conclusion number
  tested_on   TEXT NOT NULL,            -- YYYY-MM-DD
  recorded_by TEXT NOT NULL,            -- login
  recorded_at TEXT NOT NULL,
  audit_index INTEGER
);
CREATE INDEX security_tests_deposit ON security_tests(deposit_id);

CREATE TABLE lifecycle_cases (
  id          INTEGER PRIMARY KEY,
  object_id   INTEGER NOT NULL REFERENCES informatization_objects(id),
  kind        TEXT NOT NULL CHECK (kind IN ('issue','return','destroy')),
  received_on TEXT NOT NULL,            -- date the request / notice arrived (the event)
  reference   TEXT NOT NULL,            -- incoming letter number
  rule_id     TEXT NOT NULL,            -- deadline rule (appliance/lifecycle/deadline_rules.cpp)
  due_on      TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('open','done')),
  done_on     TEXT,
  result_ref  TEXT,                     -- export bundle id / act number produced
  approval_id INTEGER REFERENCES approvals(id),
  created_by  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  CHECK (state <> 'done' OR done_on IS NOT NULL)
);
CREATE INDEX lifecycle_cases_object ON lifecycle_cases(object_id);
CREATE UNIQUE INDEX lifecycle_cases_one_destroy ON lifecycle_cases(object_id) WHERE kind = 'destroy';

ALTER TABLE notices ADD COLUMN case_id INTEGER REFERENCES lifecycle_cases(id);
ALTER TABLE notices ADD COLUMN event TEXT;
ALTER TABLE notices ADD COLUMN sent_on TEXT;
ALTER TABLE notices ADD COLUMN export_ref TEXT;

CREATE TABLE calendar_imports (
  id          INTEGER PRIMARY KEY,
  year        INTEGER NOT NULL,
  version     INTEGER NOT NULL CHECK (version >= 1),
  source      TEXT NOT NULL,            -- the act or decree the operator named
  file_name   TEXT NOT NULL,
  file_sha256 BLOB NOT NULL CHECK (length(file_sha256) = 32),
  year_text   TEXT NOT NULL,            -- the year's section, re-parsed on load
  imported_by TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  UNIQUE (year, version)
);

ALTER TABLE register_entries ADD COLUMN entry_number TEXT;
ALTER TABLE register_entries ADD COLUMN status TEXT;
)sql";

// Migration 5. Two-person approvals as appliance/approval_repository.h keeps
// them: the reason shown to approvers, the expiry, how the request was closed
// (who, when, the rejection note) and the number of approvers the policy asks.
// A requester's withdrawal is stored as state 'rejected' with withdrawn = 1
// (closed_by = the requester): the v1 CHECK on state cannot be widened
// without rebuilding a table that other tables reference.
constexpr std::string_view kV5 = R"sql(
ALTER TABLE approvals ADD COLUMN reason TEXT;
ALTER TABLE approvals ADD COLUMN expires_at TEXT;
ALTER TABLE approvals ADD COLUMN approvals_required INTEGER NOT NULL DEFAULT 1 CHECK (approvals_required >= 1);
ALTER TABLE approvals ADD COLUMN closed_by INTEGER REFERENCES users(id);
ALTER TABLE approvals ADD COLUMN closed_at TEXT;
ALTER TABLE approvals ADD COLUMN note TEXT;
ALTER TABLE approvals ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0 CHECK (withdrawn IN (0,1));
CREATE INDEX approvals_state ON approvals(state);
)sql";

// Migration 6. Pack files: a deposit's objects are appended to a few large
// files (objects/<fanout>/<pack name>, one `packs` row each) instead of one
// file each; an object is then (pack_id, pack_offset, sealed_size). Rows with
// pack_id NULL are objects in a file of their own (deposits written before
// this migration).
constexpr std::string_view kV6 = R"sql(
CREATE TABLE packs (
  id         INTEGER PRIMARY KEY,
  deposit_id INTEGER NOT NULL REFERENCES deposits(id),
  name       TEXT NOT NULL UNIQUE        -- keyed-hash file name (hex) under objects/
);
CREATE INDEX packs_deposit ON packs(deposit_id);
ALTER TABLE objects ADD COLUMN pack_id INTEGER REFERENCES packs(id);
ALTER TABLE objects ADD COLUMN pack_offset INTEGER CHECK (pack_offset IS NULL OR pack_offset >= 0);
)sql";

// The compressed record of an act manifest alone in its row: the
// value is the row's last and only large column, so SQLite writes a
// zero-blob of its size to pages without materializing it, and the record is
// then written and read a piece at a time (incremental BLOB I/O). In the
// intakes row it was copied whole on insert and on every state UPDATE.
// intakes.manifest_json and acts.manifest_json refer to it as
// 'qoima-manifest-record/1 <id>'. Records never change.
constexpr std::string_view kV7 = R"sql(
CREATE TABLE manifest_records (
  id     INTEGER PRIMARY KEY,
  record BLOB NOT NULL
);
CREATE TRIGGER manifest_records_never_change BEFORE UPDATE ON manifest_records
BEGIN SELECT RAISE(ABORT, 'manifest records never change'); END;
)sql";

// Anti-rollback: each checkpoint records the value of the TPM NV counter it
// was signed with (in the signed text, version 2); NULL for checkpoints
// signed before the store was bound to the counter.
constexpr std::string_view kV8 = R"sql(
ALTER TABLE audit_checkpoints ADD COLUMN counter INTEGER CHECK (counter IS NULL OR counter >= 0);
)sql";

// Migration 9. Dual control of the people (appliance/user_change_repository.h,
// docs/security.md): approvals gain the action 'user' (a change to a security
// officer's or admin's account, approved by a second officer); the pending
// change itself is a user_change_requests row; every change to an account is
// a user_changes row (who asked, who approved, break-glass, when), which the
// rule that an approval's two persons are independent reads. SQLite cannot
// widen a CHECK in place: approvals is copied aside, dropped and made again
// with the same columns and ids. Foreign keys to it (approval_votes,
// destructions, lifecycle cases) are deferred until the rows are back.
// Accounts that exist already get their creation recorded.
constexpr std::string_view kV9 = R"sql(
PRAGMA defer_foreign_keys = ON;
CREATE TABLE approvals_before_v9 AS SELECT * FROM approvals;
DROP TABLE approvals;
CREATE TABLE approvals (
  id                 INTEGER PRIMARY KEY,
  action             TEXT NOT NULL CHECK (action IN ('export','destroy','recovery','issue','return','user')),
  target             TEXT NOT NULL,           -- e.g. "deposit:17", "user:officer3"
  requested_by       INTEGER NOT NULL REFERENCES users(id),
  requested_at       TEXT NOT NULL,
  approved_by        INTEGER REFERENCES users(id),
  approved_at        TEXT,
  state              TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ('requested','approved','rejected','used','expired')),
  reason             TEXT,
  expires_at         TEXT,
  approvals_required INTEGER NOT NULL DEFAULT 1 CHECK (approvals_required >= 1),
  closed_by          INTEGER REFERENCES users(id),
  closed_at          TEXT,
  note               TEXT,
  withdrawn          INTEGER NOT NULL DEFAULT 0 CHECK (withdrawn IN (0,1)),
  CHECK (approved_by IS NULL OR approved_by <> requested_by)
);
INSERT INTO approvals(id, action, target, requested_by, requested_at, approved_by, approved_at, state, reason,
                      expires_at, approvals_required, closed_by, closed_at, note, withdrawn)
  SELECT id, action, target, requested_by, requested_at, approved_by, approved_at, state, reason,
         expires_at, approvals_required, closed_by, closed_at, note, withdrawn FROM approvals_before_v9;
DROP TABLE approvals_before_v9;
CREATE INDEX approvals_state ON approvals(state);

CREATE TABLE user_change_requests (
  approval_id   INTEGER PRIMARY KEY REFERENCES approvals(id),
  kind          TEXT NOT NULL CHECK (kind IN ('create','enable','disable','role','password')),
  login         TEXT NOT NULL,
  user_id       INTEGER REFERENCES users(id),   -- NULL for 'create' until it is carried out
  role          TEXT REFERENCES roles(name),    -- 'create', 'role': the account's new role
  surname       TEXT,                           -- 'create'
  given_name    TEXT,
  patronymic    TEXT,
  password_hash TEXT                            -- 'create', 'password' (Argon2id); NULL once the request closes
);

CREATE TABLE user_changes (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id),
  kind         TEXT NOT NULL CHECK (kind IN ('create','enable','disable','role','password','unlock')),
  role_before  TEXT,
  role_after   TEXT,
  requested_by INTEGER REFERENCES users(id),     -- NULL: the system (init, this migration)
  approved_by  INTEGER REFERENCES users(id),     -- the second officer; NULL: direct or break-glass
  break_glass  INTEGER NOT NULL DEFAULT 0 CHECK (break_glass IN (0,1)),
  approval_id  INTEGER REFERENCES approvals(id),
  at           TEXT NOT NULL,
  CHECK (approved_by IS NULL OR approved_by <> requested_by)
);
CREATE INDEX user_changes_user ON user_changes(user_id, at);
CREATE TRIGGER user_changes_no_update BEFORE UPDATE ON user_changes
  BEGIN SELECT RAISE(ABORT, 'the history of account changes is append-only'); END;
CREATE TRIGGER user_changes_no_delete BEFORE DELETE ON user_changes
  BEGIN SELECT RAISE(ABORT, 'the history of account changes is append-only'); END;
INSERT INTO user_changes(user_id, kind, role_after, requested_by, at)
  SELECT u.id, 'create', r.role, r.granted_by, u.created_at FROM users u JOIN user_roles r ON r.user_id = u.id
  ORDER BY u.id;

UPDATE roles SET description = 'key custody, export, destruction, recovery; approves changes to privileged accounts'
  WHERE name = 'security_officer';
UPDATE roles SET description = 'clerk and auditor accounts, requests changes to privileged accounts, appliance set-up'
  WHERE name = 'admin';
)sql";

// Migration 10. The act's file of each intake, byte-exact, whichever way it
// came (a file given to the CLI, or read from a medium through the sandboxed
// reader): the paper act's digest is the SHA-256 of these bytes. Encrypted
// with the rest of the database; rows never change.
constexpr std::string_view kV10 = R"sql(
CREATE TABLE intake_act_files (
  intake_id    INTEGER PRIMARY KEY REFERENCES intakes(id),
  source       TEXT NOT NULL CHECK (source IN ('file','medium')),
  device       TEXT,                 -- 'medium': the device it was read from
  volume_label TEXT,
  path         TEXT NOT NULL,        -- as shown (the file's path, or its path on the medium)
  raw_path     BLOB,                 -- 'medium': the exact bytes of its name
  size         INTEGER NOT NULL CHECK (size >= 0),
  mtime        INTEGER,              -- UTC seconds
  sha256       TEXT NOT NULL,
  content      BLOB NOT NULL         -- last: written a piece at a time
);
CREATE TRIGGER intake_act_files_never_change BEFORE UPDATE ON intake_act_files
BEGIN SELECT RAISE(ABORT, 'act files never change'); END;
)sql";

// The owner's notices of a change (003 cl.27: the source code changed; cl.28:
// technical work on the server): the owner tells the operator within 2 working
// days of the change, describing it. A row is either expected (the operator
// learned of the change another way; received_on NULL, listed in `qoima due`
// until the notice arrives) or received (when, under which letter, the
// owner's description, and whether it came within the 2 working days).
constexpr std::string_view kV11 = R"sql(
CREATE TABLE change_notices (
  id           INTEGER PRIMARY KEY,
  object_id    INTEGER NOT NULL REFERENCES informatization_objects(id),
  kind         TEXT NOT NULL CHECK (kind IN ('source_code','server_work')),
  changed_on   TEXT NOT NULL,        -- YYYY-MM-DD the change was made: the period starts
  due_on       TEXT NOT NULL,        -- changed_on + 2 working days
  learned_from TEXT,                 -- how the operator learned of a change before the notice
  received_on  TEXT,                 -- YYYY-MM-DD the owner's notice arrived; NULL: still expected
  reference    TEXT,                 -- the owner's letter
  description  TEXT,                 -- the change as the owner describes it
  on_time      INTEGER CHECK (on_time IN (0, 1)),
  created_by   TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  received_by  TEXT,
  received_at  TEXT,
  CHECK ((received_on IS NULL) = (reference IS NULL)),
  CHECK (received_on IS NULL OR (description IS NOT NULL AND on_time IS NOT NULL AND received_by IS NOT NULL))
);
CREATE INDEX change_notices_object ON change_notices(object_id);
CREATE INDEX change_notices_open ON change_notices(received_on) WHERE received_on IS NULL;
)sql";

// Migration 12. The keys older versions stored in the reason texts of
// refusals (decisions.reason_text and the reason of each `intake.refuse`
// audit entry): "001 cl.16(N)", a clause of the repealed Order 146/НҚ.
// Refusal grounds are the operator's practice (Order 110/НҚ has none), so
// entries now carry "practice:refusal-N". Nothing stored is rewritten: audit
// entries are leaves of the hash-chained log, and a decision is kept as
// decided. Readers map each stored key to the current one through this table
// before they show the text. Rows never change.
constexpr std::string_view kV12 = R"sql(
CREATE TABLE basis_keys (
  stored_key TEXT PRIMARY KEY,   -- as older entries carry it
  key        TEXT NOT NULL,      -- the key that stands for it now
  note       TEXT NOT NULL
);
INSERT INTO basis_keys(stored_key, key, note) VALUES
  ('001 cl.16(1)', 'practice:refusal-1', 'refusal ground 1 (not in the trusted register): operator''s practice, based on the former 146/НҚ cl.16(1)'),
  ('001 cl.16(2)', 'practice:refusal-2', 'refusal ground 2 (the act does not match the media): operator''s practice, based on the former 146/НҚ cl.16(2)'),
  ('001 cl.16(3)', 'practice:refusal-3', 'refusal ground 3 (the medium does not work): operator''s practice, based on the former 146/НҚ cl.16(3)');
CREATE TRIGGER basis_keys_never_change BEFORE UPDATE ON basis_keys
BEGIN SELECT RAISE(ABORT, 'basis keys never change'); END;
CREATE TRIGGER basis_keys_never_deleted BEFORE DELETE ON basis_keys
BEGIN SELECT RAISE(ABORT, 'basis keys never change'); END;
)sql";

// Migration 13. What a security test of a version produced (003 cl.11-18),
// kept with its security_tests row: the report files byte-exact (003 cl.17(5),
// 18; encrypted with the rest of the database, as the act files are), the
// list of vulnerabilities with path and risk (003 cl.17(5)) and the
// comparison table of the corrections (003 cl.14(2)). Rows never change.
constexpr std::string_view kV13 = R"sql(
CREATE TABLE security_test_reports (
  id      INTEGER PRIMARY KEY,
  test_id INTEGER NOT NULL REFERENCES security_tests(id),
  name    TEXT NOT NULL,            -- the file's name as given
  size    INTEGER NOT NULL CHECK (size >= 0),
  sha256  TEXT NOT NULL,
  content BLOB NOT NULL
);
CREATE INDEX security_test_reports_test ON security_test_reports(test_id);
CREATE TABLE security_test_findings (
  test_id     INTEGER NOT NULL REFERENCES security_tests(id),
  number      INTEGER NOT NULL CHECK (number >= 1),   -- № in the list
  description TEXT NOT NULL,
  path        TEXT NOT NULL,
  risk        TEXT NOT NULL CHECK (risk IN ('high','medium','low')),
  PRIMARY KEY (test_id, number)
);
CREATE TABLE security_test_remediation (
  test_id    INTEGER NOT NULL REFERENCES security_tests(id),
  number     INTEGER NOT NULL CHECK (number >= 1),    -- № in the table
  finding    INTEGER NOT NULL,                        -- № of the vulnerability it answers
  correction TEXT NOT NULL,
  fixed      INTEGER NOT NULL CHECK (fixed IN (0,1)),
  PRIMARY KEY (test_id, number),
  FOREIGN KEY (test_id, finding) REFERENCES security_test_findings(test_id, number)
);
CREATE TRIGGER security_test_reports_never_change BEFORE UPDATE ON security_test_reports
BEGIN SELECT RAISE(ABORT, 'security test records never change'); END;
CREATE TRIGGER security_test_findings_never_change BEFORE UPDATE ON security_test_findings
BEGIN SELECT RAISE(ABORT, 'security test records never change'); END;
CREATE TRIGGER security_test_remediation_never_change BEFORE UPDATE ON security_test_remediation
BEGIN SELECT RAISE(ABORT, 'security test records never change'); END;
)sql";

// Files by SHA-256 in a table of their own. An index on files(sha256) took
// each committed file's entry at a random page of an index as large as the
// store, while the files themselves are appended in write order (which their
// other indexes need): once that index outgrew the page cache, every file of
// a commit cost a page read and a spilled page write, so a deposit cost more
// per file the larger the store. The commit fills this table with the
// deposit's digests sorted in SHA-256 order (Store::CommitDeposit): a merge
// that touches each of its pages at most once.
constexpr const char* kV14 = R"sql(
DROP INDEX files_sha256;
CREATE TABLE file_digests (
  sha256  BLOB NOT NULL CHECK (length(sha256) = 32),
  file_id INTEGER NOT NULL,                 -- files.id (rows leave with their file)
  PRIMARY KEY (sha256, file_id)
) WITHOUT ROWID;
INSERT INTO file_digests(sha256, file_id) SELECT sha256, id FROM files ORDER BY sha256, id;
)sql";

// A security test's report files sealed like deposited content (003 cl.17(5),
// 18): each is an object of the tested version's deposit, sealed with that
// deposit's data key in a pack of its own (Store::SealDocuments), so the
// report is read only through an audited call, re-read by verify-store and
// crypto-shredded with the version. `object_id` names it (objects.id: no
// foreign key, since a destruction removes the deposit's object rows while
// the report's name, size and SHA-256 stay). `content` held the bytes in the
// database before this migration: Store::Open seals each such report and
// clears it (the one change the trigger allows), or, for a version already
// destroyed, only clears it.
constexpr const char* kV15 = R"sql(
CREATE TABLE security_test_reports_v15 (
  id        INTEGER PRIMARY KEY,
  test_id   INTEGER NOT NULL REFERENCES security_tests(id),
  name      TEXT NOT NULL,            -- the file's name as given
  size      INTEGER NOT NULL CHECK (size >= 0),
  sha256    TEXT NOT NULL,
  object_id INTEGER,                  -- objects.id of the sealed report
  content   BLOB,                     -- before schema 15 only; NULL once sealed
  CHECK (object_id IS NULL OR content IS NULL)
);
INSERT INTO security_test_reports_v15(id, test_id, name, size, sha256, object_id, content)
  SELECT id, test_id, name, size, sha256, NULL, content FROM security_test_reports ORDER BY id;
DROP TABLE security_test_reports;
ALTER TABLE security_test_reports_v15 RENAME TO security_test_reports;
CREATE INDEX security_test_reports_test ON security_test_reports(test_id);
CREATE UNIQUE INDEX security_test_reports_object ON security_test_reports(object_id);
CREATE TRIGGER security_test_reports_never_change BEFORE UPDATE ON security_test_reports
WHEN NOT (OLD.content IS NOT NULL AND NEW.content IS NULL AND OLD.object_id IS NULL
          AND NEW.id = OLD.id AND NEW.test_id = OLD.test_id AND NEW.name = OLD.name
          AND NEW.size = OLD.size AND NEW.sha256 = OLD.sha256)
BEGIN SELECT RAISE(ABORT, 'security test records never change'); END;
CREATE TRIGGER security_test_reports_never_removed BEFORE DELETE ON security_test_reports
BEGIN SELECT RAISE(ABORT, 'security test records are never removed'); END;
)sql";

constexpr Migration kMigrations[] = {
    {1, "initial schema: users, applications, journal, deposits, files, objects, acts, audit", kV1},
    {2, "audit_state (persisted Merkle accumulator); deposits.token", kV2},
    {3, "intake: unique portal code, append-only journal, Annex 1 forms, NDAs, intake sessions, approval votes", kV3},
    {4, "lifecycle: security tests, issue/return/destroy cases, notice fields, calendar imports, register fields", kV4},
    {5, "approvals: reason, expiry, closing (who, when, note, withdrawn), approvers required", kV5},
    {6, "objects in pack files: packs, objects.pack_id, objects.pack_offset", kV6},
    {7, "manifest_records: act manifest records in rows of their own", kV7},
    {8, "audit_checkpoints.counter: the TPM rollback counter value of each checkpoint", kV8},
    {9, "dual control of accounts: approvals action 'user', user_change_requests, user_changes", kV9},
    {10, "intake_act_files: the act's file of each intake, byte-exact", kV10},
    {11, "change_notices: the owner's notices of a change of the code or of server work (003 cl.27-28)", kV11},
    {12, "basis_keys: older stored keys of refusal grounds mapped to the operator's practice keys", kV12},
    {13, "security test records: report files, vulnerability list, comparison table of corrections", kV13},
    {14, "file_digests: files by SHA-256 in a table filled in order, instead of the files_sha256 index", kV14},
    {15, "security test reports sealed as objects of the tested version's deposit", kV15},
};

}  // namespace

std::span<const Migration> AllMigrations() { return kMigrations; }

int LatestSchemaVersion() { return kMigrations[std::size(kMigrations) - 1].version; }

Result<int> ApplyMigrations(Database& db, std::string_view applied_at) {
  QOIMA_ASSIGN_OR_RETURN(int64_t found, db.QueryInt("PRAGMA user_version;"));
  if (found > LatestSchemaVersion()) {
    return Status::FailedPrecondition("database " + db.path() + " has schema version " + std::to_string(found) +
                                      ", newer than this program's " + std::to_string(LatestSchemaVersion()));
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= found) continue;
    std::string where = "migration " + std::to_string(m.version) + " (" + std::string(m.description) + ")";
    QOIMA_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    QOIMA_RETURN_IF_ERROR(db.Exec(m.sql).WithContext(where));
    QOIMA_ASSIGN_OR_RETURN(Statement st,
                           db.Prepare("INSERT INTO schema_migrations(version, description, applied_at) VALUES(?,?,?)"));
    QOIMA_RETURN_IF_ERROR(st.Bind(1, int64_t{m.version}).Bind(2, m.description).Bind(3, applied_at).Run());
    // user_version is written in the same transaction: both or neither.
    QOIMA_RETURN_IF_ERROR(db.Exec("PRAGMA user_version = " + std::to_string(m.version) + ";"));
    QOIMA_RETURN_IF_ERROR(tx.Commit().WithContext(where));
  }
  return static_cast<int>(found);
}

}  // namespace qoima::storage

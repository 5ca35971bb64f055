// The reader's sandbox: what qoima-media-child does to itself after exec and
// before it touches the medium, so that a parser taken over by a hostile
// medium holds nothing and reaches nothing (docs/hardware.md, "Sandbox").
//
// The parent (RunSandboxed) hands the child its descriptors and, when the
// appliance runs as root, drops it to the reader's own unprivileged uid before
// exec. EnterReaderSandbox() then builds the rest without any privilege:
//
//   launcher [C]  unshare(user, mount, PID, network, IPC, UTS, cgroup); its uid
//                 and gid mapped to themselves, no supplementary groups; an
//                 empty read-only tmpfs as the root (pivot_root; the old root
//                 detached); not dumpable. Forks G, relays G's end, exits.
//   init [G]      pid 1 of the new PID namespace: forks H, reaps, relays.
//   reader [H]    pid 2: every capability dropped (bounding set, ambient,
//                 securebits locked), descriptors other than its own closed.
//                 EnterReaderSandbox returns OK here; the caller installs the
//                 seccomp filter (InstallReaderSeccomp), says "ready" and reads.
//
// The reader is not pid 1 so that signals behave as in any process (an init
// ignores its own SIGSYS, SIGABRT and SIGXCPU); C and G run only this file's
// code and never see a byte of the medium.
//
// Descriptors of the child (set by the parent before exec):
//   0 closed; 1 and 2 the diagnostics pipe (the parent reads it as data, never
//   a terminal); 3 the frame pipe; 4 the medium, opened O_RDONLY by the
//   parent; 5 the set-up pipe, which carries "ready" once the sandbox holds,
//   or why it could not be set up. Until "ready", any failure is the
//   appliance's (SandboxSetupFailure), never the medium's.
//
// Thread-safety: call from a single-threaded process (qoima-media-child's
// main); it forks and unshares a user namespace, which a threaded process
// cannot.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace qoima::hardware {

inline constexpr int kChildDiagFd = 2;
inline constexpr int kChildFrameFd = 3;
inline constexpr int kChildDeviceFd = 4;
inline constexpr int kChildStatusFd = 5;
/// What the reader writes on kChildStatusFd once the sandbox holds.
inline constexpr std::string_view kSandboxReady = "ready\n";
/// Exit code of a child whose sandbox could not be set up (the reason is on
/// kChildStatusFd).
inline constexpr int kChildExitSandbox = 96;
/// The unprivileged account the reader runs as when the appliance runs as
/// root; `nobody` (65534) when it does not exist.
inline constexpr const char* kReaderAccount = "qoima-reader";

/// Builds the sandbox described above. Returns OK only in the reader [H]; the
/// launcher [C] and the namespace's init [G] exit with the reader's end. A
/// failure is returned in the process that failed (report it with
/// FailSandbox).
Status EnterReaderSandbox();

/// Installs the reader's seccomp allow-list in the calling process
/// (kill/tgkill/tkill only at itself, writes only to descriptors 1-3, no open
/// of any path).
Status InstallReaderSeccomp();

/// Writes kSandboxReady on kChildStatusFd and closes it.
Status ReportSandboxReady();

/// Writes `why` on kChildStatusFd and exits kChildExitSandbox.
[[noreturn]] void FailSandbox(const Status& why);

/// Drops every capability of the calling thread: bounding set, ambient,
/// inheritable, permitted and effective, with securebits locked so none comes
/// back. OK when CapEff and CapPrm read back as zero.
Status DropAllCapabilities();

/// The parent's message for a child that never said "ready": the appliance's
/// fault, not the medium's. kIoError: "the reader sandbox could not be set up: <why>".
Status SandboxSetupFailure(const std::string& why);

}  // namespace qoima::hardware

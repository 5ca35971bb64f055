// The reader child: what runs inside the sandbox, and how the parent starts,
// watches and reaps it.
//
// RunReader() is the child's work (also used in-process by
// ReadMediaUnsandboxed and the fuzz targets): identify the filesystem of the
// medium it is given, walk it with the matching backend, and write frames,
// always ending with an end frame unless the frame sink broke.
//
// ReaderChildMain() is main() of qoima-media-child: StartSandboxedReader()
// parses the options the parent passed, enters the sandbox
// (reader_sandbox.h), installs the seccomp filter and tells the parent it is
// ready; then RunReader() reads descriptor 4 and writes frames to descriptor 3.
//
// The parent side (RunSandboxed) opens the medium read-only itself (flagged
// BLKROSET while read, read_only_guard.h), forks, hands the child its
// descriptors, drops it to the reader's unprivileged uid when the appliance
// runs as root, sets rlimits and no_new_privs, execs the child (a fresh
// address space: no key material can be inherited), waits for "ready" (until
// then a failure is the appliance's: SandboxSetupFailure), and reads frames
// with a wall-clock and a stall timeout. The child's stderr is a pipe the
// parent reads as data: it is quoted, escaped, in a crash's message.
//
// Thread-safety: RunSandboxed forks (only async-signal-safe calls in the
// child before exec); it may run while other threads hold locks.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"
#include "hardware/entry_emitter.h"
#include "hardware/media_reader.h"
#include "hardware/reader_sandbox.h"

namespace qoima::hardware {

/// Exit codes of the child before it could write frames (kChildExitSandbox,
/// 96, is in reader_sandbox.h).
inline constexpr int kChildExitBadArgs = 90;
inline constexpr int kChildExitIdentity = 91;
inline constexpr int kChildExitRlimit = 92;
inline constexpr int kChildExitExec = 93;
inline constexpr int kChildExitSeccomp = 94;
inline constexpr int kChildExitPipe = 95;
/// Bytes the parent reads from the pipe per read().
inline constexpr size_t kParentReadBytes = 1 << 20;
/// Grace the parent gives a child to exit after its end frame.
inline constexpr int kChildExitGraceMs = 5000;

/// The child's work on an open medium (`device` names it in messages):
/// always tries to end with an end frame.
void RunReader(UniqueFd device_fd, const std::string& device, const ReadOptions& options, FrameSink& frames);
/// The same on a path this process opens itself (the unsandboxed reads).
void RunReader(const std::string& device, const ReadOptions& options, FrameSink& frames);

/// main() of qoima-media-child.
int ReaderChildMain(int argc, char** argv);

/// The start of every sandboxed reader (qoima-media-child, and the tests'
/// hostile reader): parses the arguments, enters the sandbox, installs the
/// seccomp filter unless told not to, says "ready". Returns only in the
/// reader, ready; a failure is reported on the set-up pipe and exits.
void StartSandboxedReader(int argc, char** argv, std::string& device, ReadOptions& options);

/// The command line the parent passes (without argv[0]); exposed for tests.
std::vector<std::string> ChildArguments(const std::string& device, const ReadOptions& options);

/// Path of qoima-media-child: options.sandbox.child_binary, else
/// $QOIMA_MEDIA_CHILD, else the build tree's binary, else the installed one.
std::string ResolveChildBinary(const ReadOptions& options);

class FrameDecoder;
/// Turns a finished decoder into ReadMedia's result (fatal problem -> Status).
Result<ReadSummary> FinishDecoding(FrameDecoder& dec, const std::string& device);

/// The parent side of ReadMedia.
Result<ReadSummary> RunSandboxed(const std::string& device, const ReadOptions& options, MediaSink& sink);

}  // namespace qoima::hardware

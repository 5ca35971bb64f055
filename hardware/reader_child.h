// The reader child: what runs inside the sandbox, and how the parent starts,
// watches and reaps it.
//
// RunReader() is the child's work (also used in-process by
// ReadMediaUnsandboxed and the fuzz targets): open the medium read-only,
// identify the filesystem, walk it with the matching backend, and write
// frames, always ending with an end frame unless the frame sink broke.
//
// ReaderChildMain() is main() of qoima-media-child: it parses the options the
// parent passed on the command line, installs the seccomp filter and runs
// RunReader() writing to fd 3. The parent side (RunSandboxed) forks, enters a
// new network and IPC namespace, sets rlimits and no_new_privs, execs the
// child (a fresh address space: no key material can be inherited), and reads
// frames with a wall-clock and a stall timeout.
//
// Thread-safety: RunSandboxed forks; call it before starting threads that hold locks.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "hardware/entry_emitter.h"
#include "hardware/media_reader.h"

namespace qoima::hardware {

/// Exit codes of the child before it could write frames.
inline constexpr int kChildExitBadArgs = 90;
inline constexpr int kChildExitNamespace = 91;
inline constexpr int kChildExitRlimit = 92;
inline constexpr int kChildExitExec = 93;
inline constexpr int kChildExitSeccomp = 94;
inline constexpr int kChildExitPipe = 95;
/// Bytes the parent reads from the pipe per read().
inline constexpr size_t kParentReadBytes = 1 << 20;
/// Grace the parent gives a child to exit after its end frame.
inline constexpr int kChildExitGraceMs = 5000;

/// The child's work: always tries to end with an end frame.
void RunReader(const std::string& device, const ReadOptions& options, FrameSink& frames);

/// main() of qoima-media-child.
int ReaderChildMain(int argc, char** argv);

/// The command line the parent passes (without argv[0]); exposed for tests.
std::vector<std::string> ChildArguments(const std::string& device, const ReadOptions& options);

/// Installs the reader's seccomp allow-list in the calling process.
Status InstallReaderSeccomp();

/// Path of qoima-media-child: options.sandbox.child_binary, else
/// $QOIMA_MEDIA_CHILD, else the build tree's binary, else the installed one.
std::string ResolveChildBinary(const ReadOptions& options);

class FrameDecoder;
/// Turns a finished decoder into ReadMedia's result (fatal problem -> Status).
Result<ReadSummary> FinishDecoding(FrameDecoder& dec, const std::string& device);

/// The parent side of ReadMedia.
Result<ReadSummary> RunSandboxed(const std::string& device, const ReadOptions& options, MediaSink& sink);

}  // namespace qoima::hardware

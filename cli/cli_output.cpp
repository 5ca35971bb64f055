#include "cli/cli_output.h"

#include <unistd.h>
#include <utf8proc.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "common/visible_text.h"

namespace qoima::appliance::cli {
namespace {

// How many bytes the UTF-8 sequence starting with `lead` has (1 for ASCII and
// for bytes that cannot start a sequence: they are escaped alone).
size_t SequenceLength(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  return 1;
}

// Bytes at the end of `bytes` that start a sequence not yet complete.
size_t IncompleteTail(std::string_view bytes) {
  const size_t n = bytes.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(bytes[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    return SequenceLength(c) > back ? back : 0;
  }
  return 0;
}

void AppendJsonEscape(std::string& out, char32_t cp) {
  char buf[16];
  if (cp > 0xFFFF) {
    const char32_t v = cp - 0x10000;
    std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 + (v >> 10)),
                  static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
  } else {
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
  }
  out += buf;
}

// Rewrites hidden characters of complete UTF-8 text as JSON escapes. Outside
// strings nlohmann writes only ASCII punctuation, digits, letters and
// whitespace, so a hidden character is always inside a string, where its JSON
// escape means the same character. Bytes that are not UTF-8 cannot come from
// nlohmann (it refuses or replaces them) and are left as they are.
std::string JsonVisible(std::string_view text) {
  const VisibleOptions keep{.keep_line_breaks = true};
  if (!HasHiddenText(text, keep)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  size_t i = 0;
  while (i < text.size()) {
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                                          static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
    if (n <= 0 || cp < 0) {
      out += text[i++];
      continue;
    }
    const auto c = static_cast<char32_t>(cp);
    if (c != '\n' && c != '\t' && IsHiddenCodePoint(c))
      AppendJsonEscape(out, c);
    else
      out.append(text.substr(i, static_cast<size_t>(n)));
    i += static_cast<size_t>(n);
  }
  return out;
}

struct Sink {
  int fd;
  OutputMode mode;
  std::string carry;  // an incomplete character from the last write
};

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

ssize_t CookieWrite(void* cookie, const char* buf, size_t size) {
  auto* sink = static_cast<Sink*>(cookie);
  std::string out = FilterOutput(std::string_view(buf, size), sink->mode, &sink->carry);
  if (!WriteAll(sink->fd, out)) return -1;
  return static_cast<ssize_t>(size);
}

// An incomplete character at the very end is not UTF-8: shown as bytes.
void FlushCarry(Sink& sink) {
  std::string rest = VisibleText(sink.carry);
  sink.carry.clear();
  (void)WriteAll(sink.fd, rest);
}

int CookieClose(void* cookie) {
  FlushCarry(*static_cast<Sink*>(cookie));
  return 0;
}

// The two sinks live as long as the process (never destroyed: the C library
// flushes the streams after every static destructor has run, and never
// closes them); the globals keep them reachable.
Sink* g_stdout_sink = nullptr;
Sink* g_stderr_sink = nullptr;

std::FILE* Open(Sink& sink) {
  cookie_io_functions_t io{};
  io.write = CookieWrite;
  io.close = CookieClose;
  return ::fopencookie(&sink, "w", io);
}

// At exit, before the C library's own flush: what is buffered goes out, then
// a character the output ended inside of.
void FlushAtExit() {
  std::fflush(stdout);
  FlushCarry(*g_stdout_sink);
  std::fflush(stderr);
  FlushCarry(*g_stderr_sink);
}

}  // namespace

std::string FilterOutput(std::string_view bytes, OutputMode mode, std::string* carry) {
  std::string text = *carry;
  text.append(bytes);
  const size_t tail = IncompleteTail(text);
  carry->assign(text, text.size() - tail, tail);
  text.resize(text.size() - tail);
  if (mode == OutputMode::kJson) return JsonVisible(text);
  return VisibleText(text, {.keep_line_breaks = true});
}

bool InstallVisibleOutput(OutputMode stdout_mode) {
  std::fflush(stdout);
  std::fflush(stderr);
  if (g_stdout_sink) return false;  // installed already
  g_stdout_sink = new Sink{STDOUT_FILENO, stdout_mode, {}};
  g_stderr_sink = new Sink{STDERR_FILENO, OutputMode::kText, {}};
  std::FILE* out = Open(*g_stdout_sink);
  std::FILE* err = Open(*g_stderr_sink);
  if (!out || !err) {
    if (out) std::fclose(out);
    if (err) std::fclose(err);
    return false;
  }
  // Buffered as the C library buffers them: stdout by line on a terminal,
  // in blocks otherwise; stderr not at all.
  std::setvbuf(out, nullptr, ::isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, 64 * 1024);
  std::setvbuf(err, nullptr, _IONBF, 0);
  stdout = out;
  stderr = err;
  std::atexit(FlushAtExit);
  return true;
}

}  // namespace qoima::appliance::cli

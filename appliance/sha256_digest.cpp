#include "appliance/sha256_digest.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "common/unique_fd.h"

namespace qoima::appliance {

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
  });
}

Sha256Digest::Sha256Digest() = default;

void Sha256Digest::Update(std::string_view bytes) { hasher_.Update(bytes); }

std::string Sha256Digest::FinishHex() { return crypto::Hex(hasher_.Finish()); }

std::string Sha256Hex(std::string_view bytes) {
  Sha256Digest d;
  d.Update(bytes);
  return d.FinishHex();
}

Result<std::string> Sha256FileHex(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return Status::FromErrno(errno, "open " + path);
  Sha256Digest d;
  std::vector<char> buf(1 << 20);
  while (true) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "read " + path);
    }
    if (n == 0) break;
    d.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
  return d.FinishHex();
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace qoima::appliance

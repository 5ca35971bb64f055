// CliArgs: the small argument parser behind `qoima`: positional words,
// "--name value" options (repeatable), "--flag" switches, and the secrets
// (passwords) read from a file descriptor or the environment, never argv.
//
// Thread-safety: plain values.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace qoima::appliance {

class CliArgs {
 public:
  /// `flags` are options that take no value; every other "--x" takes one.
  static Result<CliArgs> Parse(const std::vector<std::string>& argv, const std::set<std::string>& flags);

  const std::vector<std::string>& positional() const { return positional_; }
  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, const std::string& fallback) const;
  std::vector<std::string> GetAll(const std::string& name) const;
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  /// Every option given, to reject unknown ones.
  std::vector<std::string> Names() const;

 private:
  std::vector<std::string> positional_;
  std::multimap<std::string, std::string> values_;
};

/// Reads a secret: from file descriptor `fd_option` when given (first line,
/// without the newline, at most 1024 bytes), else from environment variable
/// `env`. NotFound when neither is set.
Result<std::string> ReadSecret(const std::optional<std::string>& fd_option, const char* env, std::string_view what);

/// Most bytes read from one share file or the shares descriptor.
inline constexpr size_t kMaxShareFileSize = 64 * 1024;

/// Recovery shares (`qoima recover`, `qoima user break-glass`): from
/// `--share-file FILE` (repeatable; one or more shares per file, one per
/// line) and/or `--shares-fd N`, never from argv (they are secrets).
/// InvalidArgument when none is given.
Result<std::vector<std::string>> ReadRecoveryShares(const CliArgs& args);

}  // namespace qoima::appliance

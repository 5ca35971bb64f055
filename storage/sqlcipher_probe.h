// Checks that the linked SQLite is SQLCipher and that an encrypted database
// round-trips: used by `qoima selftest` before any state exists.
#pragma once

#include <string>

#include "common/result.h"

namespace qoima::storage {

/// Creates an encrypted database in `scratch_dir`, writes a row, reopens it
/// with the same raw key, reads the row back, checks that the file does not
/// start with the plaintext SQLite header, and removes it. Returns the
/// SQLCipher version string.
Result<std::string> ProbeSqlcipher(const std::string& scratch_dir);

}  // namespace qoima::storage

// ItemCategory: what kind of deposited item a file is (003 cl.10, extended by
// 001 cl.5 and 002 cl.5). The list is data tied to the legal act it comes
// from: a new order means a new table here, not new logic elsewhere. Every
// manifest entry carries one category code; unknown codes are refused.
//
// Thread-safety: immutable static data.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace qoima::appliance {

struct ItemCategory {
  std::string_view code;    // stable machine code used in manifests, e.g. "source_code"
  std::string_view source;  // the clause it comes from, e.g. "003 cl.10(1)"
  std::string_view kk;      // Kazakh label (printed first)
  std::string_view ru;      // Russian label
  std::string_view en;      // English label (CLI, docs)
};

/// The categories in force, in the order of the clauses.
std::span<const ItemCategory> ItemCategories();

/// The category with `code`, or nullptr when it is unknown.
const ItemCategory* FindItemCategory(std::string_view code);

/// "source_code, library, ..." for error messages.
std::string ItemCategoryCodeList();

/// The category `qoima act create` proposes for a file from its name alone
/// (the depositor reviews it); "source_code" when nothing more specific fits.
std::string_view GuessItemCategory(std::string_view path);

}  // namespace qoima::appliance

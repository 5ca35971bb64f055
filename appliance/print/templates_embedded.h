// The template files of appliance/print/templates/, compiled into the binary
// by CMake (templates_embedded.cpp is generated; see CMakeLists.txt), so the
// appliance prints without reading files it could not verify.
//
// Thread-safety: immutable static data.
#pragma once

#include <span>
#include <string_view>

namespace qoima::print {

struct EmbeddedTemplate {
  std::string_view id;    // file name without .json
  std::string_view json;  // file content
};

std::span<const EmbeddedTemplate> EmbeddedTemplates();

}  // namespace qoima::print

# Warnings, hardening and sanitizers live in one INTERFACE target that every
# project target links; third-party headers are included as SYSTEM so their
# warnings do not fail our build.
add_library(qoima_build_flags INTERFACE)
target_compile_options(qoima_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wvla -Wnull-dereference -Werror
  -fstack-protector-strong)
target_compile_definitions(qoima_build_flags INTERFACE
  $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>
  QOIMA_VERSION="${PROJECT_VERSION}")
target_link_options(qoima_build_flags INTERFACE -Wl,-z,relro -Wl,-z,now)
# g++ 12 at -O2/-O3 reports -Wrestrict and -Wnull-dereference inside
# libstdc++'s own headers (char_traits.h, streambuf) once they are inlined into
# our code (GCC PR 105329 and relatives). They stay errors in the debug build
# that tests and CI use; optimized builds print them without failing.
target_compile_options(qoima_build_flags INTERFACE
  $<$<NOT:$<CONFIG:Debug>>:-Wno-error=restrict -Wno-error=null-dereference>)

if(QOIMA_PACKAGE)
  # No build-tree path in any object (__FILE__, debug info): the same sources
  # give the same bytes wherever they are checked out.
  target_compile_options(qoima_build_flags INTERFACE
    -ffile-prefix-map=${PROJECT_SOURCE_DIR}/=
    -ffile-prefix-map=${PROJECT_BINARY_DIR}/=build/)
endif()

if(QOIMA_SANITIZE)
  target_compile_options(qoima_build_flags INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(qoima_build_flags INTERFACE -fsanitize=address,undefined)
endif()

# qoima_add_library(NAME SOURCES... [DEPS ...] [PKG ...])
#   One static library per product folder. PKG names pkg-config modules.
function(qoima_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PKG;LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC qoima_build_flags ${ARG_DEPS} ${ARG_LIBS})
  foreach(pkg IN LISTS ARG_PKG)
    string(MAKE_C_IDENTIFIER "${pkg}" var)
    pkg_check_modules(${var} REQUIRED IMPORTED_TARGET ${pkg})
    target_link_libraries(${name} PUBLIC PkgConfig::${var})
  endforeach()
endfunction()

#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

// Sanitizer options for every test binary, compiled in rather than passed
// through ctest's ENVIRONMENT (whose list splitting dropped all but the first).
extern "C" const char* __asan_default_options() { return "detect_leaks=1:strict_string_checks=1"; }
extern "C" const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

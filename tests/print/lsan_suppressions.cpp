// LeakSanitizer suppressions compiled into the print test binaries: fontconfig
// (loaded by pango) keeps a few patterns from its one-time configuration load
// that no global LeakSanitizer scans still points to; they are not ours to free.
// Compiled in rather than passed as LSAN_OPTIONS so every runner applies them.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }

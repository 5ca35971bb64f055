// LeakSanitizer suppressions compiled into the qoima binary, which renders
// PDFs through pango: fontconfig keeps a few patterns from its one-time
// configuration load that no global LeakSanitizer scans still points to; they
// are not ours to free. Without a sanitizer the function is simply unused.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }

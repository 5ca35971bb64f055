// VisibleText: which characters are shown escaped, in what notation, and that
// showing twice changes nothing.
#include "common/visible_text.h"

#include <catch2/catch.hpp>

using namespace qoima;

TEST_CASE("every bidirectional control is escaped and named") {
  for (char32_t cp : {0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}) {
    INFO(std::hex << static_cast<unsigned>(cp));
    CHECK(ClassifyCodePoint(cp) == HiddenKind::kBidi);
  }
  // The file of the attack: "invoice" RLO "fdp.exe" reads "invoiceexe.pdf" when drawn.
  const std::string name =
      "invoice\xE2\x80\xAE"
      "fdp.exe";
  CHECK(VisibleText(name) == "invoice\\u{202E}fdp.exe");
  CHECK(DescribeHiddenText(name) == "U+202E (bidirectional control)");
  CHECK(HiddenCodePoints(name) == "U+202E");
}

TEST_CASE("zero-width and other invisible format characters and separators are escaped") {
  struct Case {
    char32_t cp;
    HiddenKind kind;
  };
  for (Case c :
       {Case{0x200B, HiddenKind::kInvisible}, Case{0x200C, HiddenKind::kInvisible},  // ZWSP, ZWNJ
        Case{0x200D, HiddenKind::kInvisible}, Case{0x2060, HiddenKind::kInvisible},  // ZWJ, word joiner
        Case{0x2061, HiddenKind::kInvisible}, Case{0x2064, HiddenKind::kInvisible},  // invisible operators
        Case{0xFEFF, HiddenKind::kInvisible}, Case{0x00AD, HiddenKind::kInvisible},  // BOM, soft hyphen
        Case{0xE0041, HiddenKind::kInvisible},                                       // TAG LATIN CAPITAL A
        Case{0xFE0F, HiddenKind::kInvisible},                                        // variation selector
        Case{0x3164, HiddenKind::kInvisible},                                        // Hangul filler
        Case{0x2028, HiddenKind::kSeparator}, Case{0x2029, HiddenKind::kSeparator}, Case{0x0000, HiddenKind::kControl},
        Case{0x001B, HiddenKind::kControl}, Case{0x007F, HiddenKind::kControl}, Case{0x0085, HiddenKind::kControl},
        Case{0x009B, HiddenKind::kControl}}) {
    INFO(std::hex << static_cast<unsigned>(c.cp));
    CHECK(ClassifyCodePoint(c.cp) == c.kind);
  }
  CHECK(VisibleText("a\xE2\x80\x8B"
                    "b") == "a\\u{200B}b");
  CHECK(VisibleText("x\xF3\xA0\x81\x81") == "x\\u{E0041}");  // at least four digits, more when needed
  CHECK(VisibleText("p\xE2\x80\xA8q") == "p\\u{2028}q");
  CHECK(VisibleText(std::string("n\0l", 3)) == "n\\u{0000}l");
  CHECK(VisibleText("\x1b[31mred") == "\\u{001B}[31mred");
  CHECK(VisibleText("c1\xC2\x9B") == "c1\\u{009B}");
}

TEST_CASE("ordinary Kazakh Russian and Latin text and spaces are left as they are") {
  const std::string kk = "Қазақстан ә ғ қ ң ө ұ ү һ і / Электрондық үкімет, «Ақпарат» АҚ № 5 — ok.txt";
  CHECK_FALSE(HasHiddenText(kk));
  CHECK(VisibleText(kk) == kk);
  CHECK(DescribeHiddenText(kk).empty());
  CHECK(ClassifyCodePoint(0x00A0) == HiddenKind::kVisible);  // no-break space: a space, not hidden
  CHECK(ClassifyCodePoint(0x0301) == HiddenKind::kVisible);  // combining acute: drawn on its letter
  CHECK(ClassifyCodePoint(0x05D0) == HiddenKind::kVisible);  // Hebrew alef: a letter
}

TEST_CASE("line breaks are kept only when asked and bytes that are not UTF-8 are shown as bytes") {
  CHECK(VisibleText("a\nb\tc") == "a\\u{000A}b\\u{0009}c");
  CHECK(VisibleText("a\nb\tc", {.keep_line_breaks = true}) == "a\nb\tc");
  CHECK(VisibleText("a\r\nb", {.keep_line_breaks = true}) == "a\\u{000D}\nb");
  CHECK(VisibleText("bad\xff\xfe") == "bad\\xff\\xfe");
  CHECK(VisibleText("cut\xE2\x80") == "cut\\xe2\\x80");  // a sequence cut short
  CHECK(DescribeHiddenText("bad\xff") == "byte 0xFF (not UTF-8)");
  CHECK(HiddenCodePoints("bad\xff\xE2\x80\xAE") == "0xFF, U+202E");
}

TEST_CASE("showing twice changes nothing and a backslash is left for the name's own escaping") {
  for (std::string t : {std::string("invoice\xE2\x80\xAE"
                                    "fdp.exe"),
                        std::string("a\\\\b\xE2\x80\x8B"), std::string("ctl\x01\xC2\x85"), std::string("bad\xff")}) {
    std::string once = VisibleText(t);
    CHECK(VisibleText(once) == once);
    CHECK_FALSE(HasHiddenText(once));
  }
  CHECK(VisibleText("a\\b") == "a\\b");
}

TEST_CASE("the description lists at most four distinct hidden characters") {
  const std::string many = "\xE2\x80\xAE\xE2\x80\xAE\xE2\x80\x8B\xE2\x81\xA6\xEF\xBB\xBF\xE2\x80\xA8";
  CHECK(DescribeHiddenText(many) ==
        "U+202E (bidirectional control), U+200B (invisible character), U+2066 (bidirectional control), "
        "U+FEFF (invisible character), ...");
}

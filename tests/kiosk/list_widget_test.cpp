// Unit tests of ListWidget (filtering, search, navigation) and text layout.
#include "kiosk/list_widget.h"

#include <catch2/catch.hpp>
#include <string>

#include "kiosk/i18n.h"
#include "kiosk/text_layout.h"

namespace qoima::testing {
namespace {

using kiosk::ListWidget;

struct Locale {
  Locale() { REQUIRE(kiosk::InitI18n(std::string(QOIMA_BINARY_DIR) + "/kiosk/locale")); }
};

std::vector<ListWidget::Item> Rows(int n) {
  std::vector<ListWidget::Item> items;
  for (int i = 0; i < n; ++i)
    items.push_back({{kiosk::Widen("Қойма/файл_" + std::to_string(i)), L"x"}, i % 10 == 0, static_cast<size_t>(i)});
  return items;
}

}  // namespace

TEST_CASE("Search is case-insensitive for Kazakh and agrees with a naive count", "[kiosk][unit]") {
  static Locale locale;
  ListWidget w({{"Path", 10, 1}, {"X", 1, 0}});
  w.SetItems(Rows(1000));
  w.SetSearch(L"ҚОЙМА/ФАЙЛ_99");
  // 99, 990..999
  CHECK(w.visible() == 11);
  w.SetFilter(ListWidget::Filter::kProblemsOnly);
  CHECK(w.visible() == 1);  // of those only 990 is a problem row (multiples of 10)
  w.SetSearch(L"");
  CHECK(w.visible() == 100);
  w.SetFilter(ListWidget::Filter::kAll);
  CHECK(w.visible() == 1000);
}

TEST_CASE("A match never straddles two rows", "[kiosk][unit]") {
  static Locale locale;
  ListWidget w({{"A", 5, 1}});
  w.SetItems({{{L"ab"}, false, 0}, {{L"cd"}, false, 1}});
  w.SetSearch(L"b\tc");
  CHECK(w.visible() == 0);
  w.SetSearch(L"d");
  CHECK(w.visible() == 1);
  REQUIRE(w.selected());
  CHECK(w.selected()->tag == 1);
}

TEST_CASE("Navigation stays in bounds", "[kiosk][unit]") {
  static Locale locale;
  ListWidget w({{"A", 5, 1}});
  w.SetItems(Rows(5));
  CHECK(w.HandleKey(KEY_END));
  CHECK(w.selected()->tag == 4);
  w.HandleKey(KEY_DOWN);
  CHECK(w.selected()->tag == 4);
  w.HandleKey(KEY_HOME);
  w.HandleKey(KEY_UP);
  CHECK(w.selected()->tag == 0);
  w.SetSearch(L"nothing");
  CHECK(w.selected() == nullptr);
  CHECK_FALSE(w.HandleKey(KEY_DOWN));
}

TEST_CASE("Filtering 100k rows keeps every row and finds the searched ones", "[kiosk][unit]") {
  static Locale locale;
  ListWidget w({{"A", 5, 1}, {"B", 1, 0}});
  w.SetItems(Rows(100000));
  w.SetSearch(L"файл_9999");
  CHECK(w.visible() == 11);  // файл_9999 and файл_99990 .. файл_99999
  w.SetFilter(ListWidget::Filter::kProblemsOnly);
  w.SetSearch(L"");
  w.SetFilter(ListWidget::Filter::kAll);
  CHECK(w.visible() == 100000);  // speed: scripts/bench (bench.d/kiosk.sh)
}

TEST_CASE("FitWidth counts display cells, not bytes", "[kiosk][unit]") {
  static Locale locale;
  CHECK(kiosk::DisplayWidth(kiosk::FitWidth("әғқңөұүһі", 12)) == 12);
  CHECK(kiosk::FitWidth("әғқңөұүһі", 5) == L"әғқң…");
  CHECK(kiosk::DisplayWidth(kiosk::FitWidth("中文字", 4)) == 4);
  CHECK(kiosk::FitWidth(std::string("a\nb"), 12) == L"a\\u{000A}b  ");  // a control character, escaped
  CHECK(kiosk::FitWidth(std::string("a\nb"), 3) == L"a\\…");
  CHECK(kiosk::Widen("\xff"
                     "a") ==
        L"\xFFFD"
        L"a");
  CHECK(kiosk::Widen("\xc0\xaf") == L"\xFFFD\xFFFD");  // overlong '/'
  CHECK(kiosk::Narrow(kiosk::Widen("Қазақстан")) == "Қазақстан");
}

}  // namespace qoima::testing

TEST_CASE("Progress: the bar fills by the fraction and the time left follows the rate", "[kiosk][unit]") {
  CHECK(qoima::kiosk::ProgressBar(0.0, 12) == "[..........]");
  CHECK(qoima::kiosk::ProgressBar(0.5, 12) == "[#####.....]");
  CHECK(qoima::kiosk::ProgressBar(1.7, 12) == "[##########]");  // clamped
  CHECK(qoima::kiosk::ProgressBar(-1.0, 4) == "[..]");
  CHECK(qoima::kiosk::ProgressBar(0.5, 1) == "[]");  // no room: never a negative count
  // Half done after 60 s: 60 s left; a quarter after 30 s: 90 s.
  CHECK(qoima::kiosk::TimeLeft(0.5, 60.0) == "1:00");
  CHECK(qoima::kiosk::TimeLeft(0.25, 30.0) == "1:30");
  CHECK(qoima::kiosk::TimeLeft(0.0, 30.0) == "?");  // nothing done yet
  CHECK(qoima::kiosk::TimeLeft(0.5, 0.2) == "?");   // too early to tell
  CHECK(qoima::kiosk::TimeLeft(1.0, 10.0) == "0:00");
}

#include "appliance/print/test_page.h"

#include "appliance/print/document_renderer.h"
#include "appliance/print/pdf_composer.h"

namespace qoima::print {

Result<std::string> RenderTestPage(const TestPageInfo& info) {
  PdfComposer pdf;
  pdf.SetMetadata({"Принтердің сынақ беті / Пробная страница принтера", "qoima"});
  pdf.Add(Paragraph{"Принтердің сынақ беті", {16, true}, Align::kCenter});
  pdf.Add(Paragraph{"Пробная страница принтера", {14, true}, Align::kCenter, 0, 4});
  if (!info.operator_info.empty()) {
    pdf.Add(Paragraph{info.operator_info.Name(true), {11}, Align::kCenter, 0, 12});
    pdf.Add(Paragraph{info.operator_info.Name(false), {11}, Align::kCenter, 0, 2});
  }
  const std::string queue = info.queue + (info.server.empty() ? "" : " (" + info.server + ")");
  Table t;
  t.columns = {{200}, {pdf.content_width() - 200}};
  t.body_style = {10};
  t.rows = {
      {{"Кезек / Очередь печати", queue}, ""},
      {{"Басылған уақыты / Время печати", PrintedDateTime(info.printed_at_utc)}, ""},
      {{"Басқан / Напечатал(а)", info.printed_by}, ""},
      {{"Құрылғы кілтінің саусақ ізі / Отпечаток ключа устройства", info.device_fingerprint}, ""},
  };
  t.space_before = 18;
  pdf.Add(std::move(t));
  pdf.Add(Paragraph{"Қазақ әліпбиі / Казахский алфавит:", {10, true}, Align::kLeft, 0, 18});
  // Each alphabet on two lines, so that no line wraps.
  for (const char* line : {"А Ә Б В Г Ғ Д Е Ё Ж З И Й К Қ Л М Н Ң О Ө П", "Р С Т У Ұ Ү Ф Х Һ Ц Ч Ш Щ Ъ Ы І Ь Э Ю Я",
                           "а ә б в г ғ д е ё ж з и й к қ л м н ң о ө п", "р с т у ұ ү ф х һ ц ч ш щ ъ ы і ь э ю я"})
    pdf.Add(Paragraph{line, {12}});
  pdf.Add(Paragraph{"0123456789  № «» — ", {12}});
  pdf.Add(Paragraph{"Бұл бетте қойманың ешбір құжаты мен жазбасы жоқ: ол тек принтердің жұмысын тексереді.",
                    {10},
                    Align::kLeft,
                    0,
                    18});
  pdf.Add(
      Paragraph{"На этой странице нет ни одного документа или записи хранилища: она только проверяет работу "
                "принтера.",
                {10},
                Align::kLeft,
                0,
                4});
  return pdf.Render();
}

}  // namespace qoima::print

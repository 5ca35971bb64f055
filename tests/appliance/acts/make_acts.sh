#!/usr/bin/env bash
# Regenerates the act corpus in this directory: a depositor's tree (tree/)
# and acts of it as the tools depositors use write them. The parser's unit
# tests (manifest_forms_test.cpp) and the intake tests (act_forms_e2e_test.cpp)
# read these files; they are committed, so this runs only to remake them.
#
#   made here by the real tools     sha256sum, shasum, openssl, hashdeep; LibreOffice
#                                   (soffice --headless) for .docx, .xlsx and CSV
#   byte-exact reproductions        what Windows tools write (Windows PowerShell 5.1
#                                   and PowerShell 7 Export-Csv, HashCheck, Total
#                                   Commander, 7-Zip) and Excel's own saves ("CSV UTF-8",
#                                   "Unicode text", a Russian-locale "CSV" in Windows-1251)
#
# LibreOffice is needed only here (apt-get install libreoffice-calc-nogui
# libreoffice-writer-nogui); the tests do not run it.
#
# Every file of tree/ is dated 12.03.2025 10:00 (UTC+5); the tests date the
# copy they put on an image the same way (git keeps no dates).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
export LC_ALL=C.UTF-8
MTIME="2025-03-12 10:00:00 +0500"

# ---- the depositor's tree ------------------------------------------------------
rm -rf tree
mkdir -p "tree/src/Сервис" tree/lib tree/docs
cat > tree/src/main.cpp <<'EOF'
#include <iostream>

// Хранилище: точка входа.
int main() {
  std::cout << "qoima acts corpus\n";
  return 0;
}
EOF
{
  echo "package kz.qoima.service;"
  echo
  echo "/** Обработчик запросов. */"
  echo "public class Обработчик {"
  for i in $(seq 1 40); do echo "  public int метод$i(int x) { return x + $i; }"; done
  echo "}"
} > "tree/src/Сервис/Обработчик.java"
# A library's bytes: deterministic, incompressible.
head -c 210000 /dev/zero | openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
  -iv 00000000000000000000000000000000 > tree/lib/commons-io-2.11.0.jar
for i in $(seq 1 120); do echo "Раздел $i. Руководство пользователя системы хранения исходных кодов."; done \
  > "tree/docs/Руководство пользователя.txt"
printf 'plugins { id "java" }\nversion = "1.0"\n' > tree/build.gradle
find tree -type f -exec touch -d "$MTIME" {} +

files=(src/main.cpp "src/Сервис/Обработчик.java" lib/commons-io-2.11.0.jar "docs/Руководство пользователя.txt" build.gradle)
size() { stat -c %s "tree/$1"; }
sha() { sha256sum "tree/$1" | cut -c1-64; }
upper() { tr a-f A-F; }
# MB (2^20 bytes) to three decimals, with a decimal comma.
mb3() { awk -v b="$(size "$1")" 'BEGIN { printf "%.3f", b / 1048576 }' | tr . ,; }
dir_of() { local d; d=$(dirname "$1"); [ "$d" = . ] && echo "\\" || echo "\\${d//\//\\}"; }
name_of() { basename "$1"; }
crlf() { sed 's/$/\r/'; }

# ---- lists made by the tools themselves --------------------------------------------
(cd tree && find . -type f -print0 | sort -z | xargs -0 sha256sum) > gnu-sha256sum.txt
(cd tree && find . -type f -print0 | sort -z | xargs -0 sha256sum -b) > gnu-sha256sum-binary.txt
(cd tree && find . -type f -print0 | sort -z | xargs -0 sha256sum --tag) > gnu-sha256sum-tag.txt
(cd tree && find . -type f -print0 | sort -z | xargs -0 shasum -a 256 --tag) > shasum-tag.txt
(cd tree && find . -type f -print0 | sort -z | xargs -0 openssl dgst -sha256 -r) > openssl-r.txt
(cd tree && find . -type f -print0 | sort -z | xargs -0 openssl dgst -sha256) > openssl-dgst.txt
(cd tree && hashdeep -c sha256 -r -l .) > hashdeep.txt
# The list as sha256sum writes it for a stick mounted at /media/usb.
sed 's#  \./#  /media/usb/#' gnu-sha256sum.txt > sha256sum-media-usb.txt

# ---- what Windows tools write (the stick is D:) -------------------------------------
bom=$'\xEF\xBB\xBF'
win() { local p=$1; echo "${p//\//\\}"; }
# Windows PowerShell 5.1: Get-ChildItem -Recurse -File | Get-FileHash -Algorithm SHA256 |
# Export-Csv list.csv [-Encoding UTF8]. Its default encoding is ASCII (every letter
# outside it becomes '?'); -Encoding UTF8 writes a BOM. A #TYPE line, every field
# quoted, CRLF, upper-case hex.
ps51() {
  echo '#TYPE Microsoft.PowerShell.Commands.FileHashInfo'
  echo '"Algorithm","Hash","Path"'
  for f in "${files[@]}"; do echo "\"SHA256\",\"$(sha "$f" | upper)\",\"D:\\$(win "$f")\""; done
}
{ printf '%s' "$bom"; ps51 | crlf; } > powershell51-utf8.csv
ps51 | crlf | perl -CS -pe 's/[^\x00-\x7F]/?/g' > powershell51-ascii.csv
# PowerShell 7: no #TYPE line, UTF-8 without BOM.
{
  echo '"Algorithm","Hash","Path"'
  for f in "${files[@]}"; do echo "\"SHA256\",\"$(sha "$f" | upper)\",\"D:\\$(win "$f")\""; done
} | crlf > powershell7.csv
# HashCheck (Explorer, "Create checksum file"): UTF-8 with BOM, "hex *path", CRLF.
{ printf '%s' "$bom"; for f in "${files[@]}"; do echo "$(sha "$f") *$(win "$f")"; done | crlf; } > hashcheck.sha256
# Total Commander (Files > Create CRC/SHA files): "hex *path", CRLF, no BOM.
for f in "${files[@]}"; do echo "$(sha "$f") *$(win "$f")"; done | crlf > totalcmd.sha256
# 7-Zip (CRC SHA > SHA-256, saved to a .sha256 file): upper-case hex.
for f in "${files[@]}"; do echo "$(sha "$f" | upper) *$(win "$f")"; done | crlf > 7zip.sha256

# ---- Annex 3 tables saved by Excel ------------------------------------------------------
disc_ru="Хранилище 1.0 диск 1"
disc_kk="Қойма 1.0 диск 1"
lang_of() {
  case "$1" in
    *.cpp) echo "C++;17;;" ;;
    *.java) echo "Java;11;Spring;5.3" ;;
    *.gradle) echo "Groovy;3;Gradle;7.6" ;;
    *) echo ";;;" ;;
  esac
}
# Excel "CSV UTF-8 (разделители - запятые)" in a Russian locale: a BOM, ';', CRLF,
# the decimal comma; with the SHA-256 column and a remark the form does not have.
{
  printf '%s' "$bom"
  {
    echo "№ п/п;Маркировка диска (наименование и версия программного обеспечения);Наименование каталога на диске;Наименование файла;Размер файла, Мбайт;Используемый язык программирования (при необходимости);Версия языка программирования;Фреймворк разработки;Версия фреймворка разработки;Дата изменения файла;SHA-256;Примечание"
    n=0
    for f in "${files[@]}"; do
      n=$((n + 1))
      echo "$n;$disc_ru;$(dir_of "$f");$(name_of "$f");$(mb3 "$f");$(lang_of "$f");12.03.2025;$(sha "$f" | upper);$([ $n = 3 ] && echo "сторонняя библиотека")"
    done
  } | crlf
} > excel-csv-utf8.csv
# Excel "Unicode text" (Текст в юникоде): UTF-16LE with a BOM, tab-separated, CRLF; the
# Kazakh form's columns and no checksums (the form has none).
{
  echo -e "р/с №\tДискіні таңбалау (бағдарламалық жасақтаманың атауы және нұсқасы)\tДискідегі каталогтың атауы\tФайлдың атауы\tФайлдың көлемі, Мбайт\tПайдаланылатын бағдарламалау тілі (қажет болған кезде)\tФайл түрлендірілген күні"
  n=0
  for f in "${files[@]}"; do
    n=$((n + 1))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$disc_kk" "$(dir_of "$f")" "$(name_of "$f")" "$(mb3 "$f")" \
      "$(lang_of "$f" | cut -d';' -f1)" 12.03.2025
  done
} | crlf | iconv -f UTF-8 -t UTF-16LE | { printf '\xFF\xFE'; cat; } > excel-unicode-text.txt
# Excel "CSV (разделители - запятые)" in a Russian locale: Windows-1251, ';', CRLF;
# a title line above the table, no checksums.
{
  echo "Акт приема-передачи исходных кодов;;;;;;"
  echo "№ п/п;Маркировка диска;Наименование каталога на диске;Наименование файла;Размер файла, Мбайт;Язык программирования;Дата изменения файла"
  n=0
  for f in "${files[@]}"; do
    n=$((n + 1))
    echo "$n;$disc_ru;$(dir_of "$f");$(name_of "$f");$(mb3 "$f");$(lang_of "$f" | cut -d';' -f1);12.03.2025"
  done
} | crlf | iconv -f UTF-8 -t CP1251 > excel-1251.csv

# ---- LibreOffice: a workbook (.xlsx), its CSV export, Word documents (.docx) ------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
soffice_convert() {  # soffice_convert TARGET INPUT
  soffice --headless --norestore "-env:UserInstallation=file://$work/profile" --convert-to "$1" --outdir "$work/out" "$2" \
    > /dev/null 2>&1
}
xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }
cell() { echo "<table:table-cell office:value-type=\"string\"><text:p>$(echo "$1" | xml_escape)</text:p></table:table-cell>"; }
# A workbook as a clerk's colleague formats it: the Russian form, sizes shown to three
# decimals (the value kept is rounded: 0.2 shows as 0,200), dates as dates, the disc's
# marking in one cell merged down the rows; the libraries on a second sheet.
{
  cat <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
 <office:automatic-styles>
  <number:number-style style:name="N3"><number:number number:decimal-places="3" number:min-decimal-places="3" number:min-integer-digits="1"/></number:number-style>
  <number:date-style style:name="D1"><number:day number:style="long"/><number:text>.</number:text><number:month number:style="long"/><number:text>.</number:text><number:year number:style="long"/></number:date-style>
  <style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N3"/>
  <style:style style:name="ce2" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="D1"/>
 </office:automatic-styles>
 <office:body><office:spreadsheet>
EOF
  sheet() {  # sheet NAME HEADER... -- FILE...
    echo "<table:table table:name=\"$1\">"
    shift
    echo "<table:table-row>$(cell 'Акт приема-передачи')</table:table-row>"
    echo -n "<table:table-row>"
    while [ "$1" != -- ]; do cell "$1"; shift; done
    echo "</table:table-row>"
    shift
    local n=0 count=$#
    for f in "$@"; do
      n=$((n + 1))
      local mb
      mb=$(awk -v b="$(size "$f")" 'BEGIN { printf "%.3f", b / 1048576 }')
      echo -n "<table:table-row>$(cell $n)"
      if [ $n = 1 ]; then
        echo -n "<table:table-cell table:number-rows-spanned=\"$count\" office:value-type=\"string\"><text:p>$disc_ru</text:p></table:table-cell>"
      else
        echo -n "<table:covered-table-cell/>"
      fi
      echo -n "$(cell "$(dir_of "$f")")$(cell "$(name_of "$f")")"
      echo -n "<table:table-cell table:style-name=\"ce1\" office:value-type=\"float\" office:value=\"$mb\"><text:p>${mb/./,}</text:p></table:table-cell>"
      echo -n "$(cell "$(lang_of "$f" | cut -d';' -f1)")"
      echo -n "<table:table-cell table:style-name=\"ce2\" office:value-type=\"date\" office:date-value=\"2025-03-12\"><text:p>12.03.2025</text:p></table:table-cell>"
      echo "$(cell "$(sha "$f")")</table:table-row>"
    done
    echo "</table:table>"
  }
  sheet "Прикладное ПО" "№ п/п" "Маркировка диска" "Наименование каталога на диске" "Наименование файла" \
    "Размер файла, Мбайт" "Язык программирования" "Дата изменения файла" "Контрольная сумма SHA-256" -- \
    src/main.cpp "src/Сервис/Обработчик.java" "docs/Руководство пользователя.txt" build.gradle
  sheet "Библиотеки" "№ п/п" "Маркировка диска" "Наименование каталога на диске" \
    "Наименование библиотеки/программной платформы/файла" "Размер, Мбайт" "Язык программирования" \
    "Дата изменения файла" "Контрольная сумма SHA-256" -- lib/commons-io-2.11.0.jar
  echo " </office:spreadsheet></office:body></office:document>"
} > "$work/annex3-ru.fods"
soffice_convert xlsx "$work/annex3-ru.fods"
cp "$work/out/annex3-ru.xlsx" libreoffice-annex3-ru.xlsx
# Its first sheet saved as CSV the way Excel's Russian locale does it: ';', UTF-8,
# the cells as shown (0,200 and 12.03.2025).
soffice_convert 'csv:Text - txt - csv (StarCalc):59,34,76,1,,1049,false,true,true' "$work/out/annex3-ru.xlsx"
cp "$work/out/annex3-ru.csv" libreoffice-annex3-ru.csv

# The Kazakh form in Word: both Annex 3 tables, the column-number row under each
# header, the disc's marking merged down its rows, sizes in MB to three decimals.
html_table() {  # html_table LIBRARY(0|1) FILE...
  local library=$1
  shift
  echo '<table border="1" cellspacing="0">'
  if [ "$library" = 0 ]; then
    echo '<tr><td>р/с №</td><td>Дискіні таңбалау ((бағдарламалық жасақтаманың атауы және нұсқасы)</td><td>Дискідегі каталогтың атауы</td><td>Файлдың атауы</td><td>Файлдың көлемі, Мбайт</td><td>Пайдаланылатын бағдарламалау тілі (қажет болған кезде)</td><td>Бағдарламалау тілінің нұсқасы</td><td>Әзірлеу фреймворкі</td><td>Әзірлеу фреймворкінің нұсқасы</td><td>Файл түрлендірілген күні</td></tr>'
    echo '<tr><td>1</td><td>2</td><td>3</td><td>4</td><td>5</td><td>6</td><td>7</td><td>8</td><td>9</td><td>10</td></tr>'
  else
    echo '<tr><td>р/с №</td><td>Дискіні белгілеу (бағдарламалық жасақтаманың атауы және нұсқасы)</td><td>Дискідегі каталогтың атауы</td><td>Кітапхана/ бағдарламалық платформа/файл атауы</td><td>Көлемі, Мбайт</td><td>Бағдарламалау тілі</td><td>Кітапхана нұсқасы</td></tr>'
    echo '<tr><td>1</td><td>2</td><td>3</td><td>4</td><td>5</td><td>6</td><td>7</td></tr>'
  fi
  local n=0 count=$#
  for f in "$@"; do
    n=$((n + 1))
    local l
    IFS=';' read -r -a l <<< "$(lang_of "$f");"
    echo -n "<tr><td>$n</td>"
    [ $n = 1 ] && echo -n "<td rowspan=\"$count\">$disc_kk</td>"
    echo -n "<td>$(dir_of "$f")</td><td>$(name_of "$f")</td><td>$(mb3 "$f")</td><td>${l[0]}</td>"
    if [ "$library" = 0 ]; then
      echo "<td>${l[1]}</td><td>${l[2]}</td><td>${l[3]}</td><td>12.03.2025</td></tr>"
    else
      echo "<td>2.11.0</td></tr>"
    fi
  done
  echo '</table>'
}
{
  echo '<html><head><meta charset="utf-8"><title>Қабылдау-тапсыру актісі</title></head><body>'
  echo '<p>Қабылдау-тапсыру актісі</p><p>1. Бағдарламалық жасақтаманың атауы: Қойма 1.0</p>'
  echo '<p>3. Бағдарламалық қамтылымның бастапқы кодтары туралы ақпарат:</p><p>1) Қолданбалы БЖ-ның бастапқы кодтары:</p>'
  html_table 0 src/main.cpp "src/Сервис/Обработчик.java" "docs/Руководство пользователя.txt" build.gradle
  echo '<p>2) Пайдаланылатын кітапханалар мен бағдарламалық платформаның(лардың) бастапқы кодтары:</p>'
  html_table 1 lib/commons-io-2.11.0.jar
  echo '<p>4. Қолдар</p></body></html>'
} > "$work/annex3-kk.html"
soffice_convert 'docx:MS Word 2007 XML' "$work/annex3-kk.html"
cp "$work/out/annex3-kk.docx" libreoffice-annex3-kk.docx
# Two acts pasted into one document: two application tables, no way to tell which.
{
  echo '<html><head><meta charset="utf-8"></head><body><p>Бірінші акт</p>'
  html_table 0 src/main.cpp "src/Сервис/Обработчик.java" "docs/Руководство пользователя.txt" build.gradle lib/commons-io-2.11.0.jar
  echo '<p>Екінші акт</p>'
  html_table 0 src/main.cpp build.gradle
  echo '</body></html>'
} > "$work/two-acts.html"
soffice_convert 'docx:MS Word 2007 XML' "$work/two-acts.html"
cp "$work/out/two-acts.docx" libreoffice-two-acts.docx

echo "acts written to $here"

// qoima-cli-docs: writes what is generated from qoima's command table at
// build time: `bash FILE` (the bash completion), `man VERSION FILE` (qoima(1))
// and `format NAME SECTION VERSION DOC.md FILE` (a page from a document in
// docs/: the formats in section 5, qoima-kiosk(8)).
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/cli_commands.h"

int main(int argc, char** argv) {
  using namespace qoima::appliance::cli;
  std::string text, out;
  if (argc == 3 && std::strcmp(argv[1], "bash") == 0) {
    text = BashCompletion();
    out = argv[2];
  } else if (argc == 4 && std::strcmp(argv[1], "man") == 0) {
    text = ManPage(argv[2]);
    out = argv[3];
  } else if (argc == 7 && std::strcmp(argv[1], "format") == 0 &&
             (std::strcmp(argv[3], "5") == 0 || std::strcmp(argv[3], "8") == 0)) {
    std::ifstream doc(argv[5], std::ios::binary);
    std::ostringstream md;
    md << doc.rdbuf();
    if (!doc) {
      std::fprintf(stderr, "qoima-cli-docs: cannot read %s\n", argv[5]);
      return 1;
    }
    text = FormatManPage(argv[2], argv[3][0] - '0', argv[4], md.str());
    out = argv[6];
  } else {
    std::fprintf(stderr, "usage: qoima-cli-docs bash FILE | man VERSION FILE | format NAME 5|8 VERSION DOC.md FILE\n");
    return 2;
  }
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  f << text;
  f.flush();
  if (!f) {
    std::fprintf(stderr, "qoima-cli-docs: cannot write %s\n", out.c_str());
    return 1;
  }
  return 0;
}

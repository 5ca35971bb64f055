// qoima-cli-docs: writes what is generated from qoima's command table at
// build time: `bash FILE` (the bash completion) and `man VERSION FILE` (qoima(1)).
#include <cstdio>
#include <cstring>
#include <fstream>
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
  } else {
    std::fprintf(stderr, "usage: qoima-cli-docs bash FILE | man VERSION FILE\n");
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

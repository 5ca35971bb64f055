// qoima-media-child: the sandboxed reader process. Started only by
// ReadMedia() (fork + exec), never by people; see docs/hardware.md.
#include "hardware/reader_child.h"

int main(int argc, char** argv) { return qoima::hardware::ReaderChildMain(argc, argv); }

#include "cli/cli.h"

int main(int argc, char** argv) { return wirt::cli::main(argc, argv); }

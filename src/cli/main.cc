// The `portico` binary; everything else lives in the portico_cli library.
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) { return portico::cli::runCli(argc, argv, std::cout, std::cerr); }

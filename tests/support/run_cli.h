// Runs `portico ARGS...` in this process (cli::runCli) and captures what it
// prints, for the tests that link portico_cli.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace portico::testing {

struct CliResult {
  int code = 0;
  std::string out, err;
};

inline CliResult runPortico(std::vector<std::string> args) {
  args.insert(args.begin(), "portico");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  const int code = ::portico::cli::runCli(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

}  // namespace portico::testing

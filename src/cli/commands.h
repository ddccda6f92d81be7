// The `portico` subcommands as plain functions: arguments in, text out,
// exit code returned. main() only parses flags and calls one of them, so
// the tests drive the very same code without spawning a process.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace portico::cli {

// Kept equal to project(VERSION) in CMakeLists.txt (a test checks it).
inline constexpr const char* kVersion = "0.1.0";

struct ValidateArgs {
  std::vector<std::string> paths;  // files, directories, "-" = stdin
};

enum class StatusFormat { Table, Yaml, Json };

struct StatusArgs {
  std::vector<std::string> paths;
  StatusFormat format = StatusFormat::Table;
  std::string controllerName;      // empty = translate::kDefaultControllerName
  std::string lastTransitionTime;  // empty = now (UTC, RFC 3339)
  int width = 80;                  // table only; 0 = unlimited
};

struct ConfigDumpArgs {
  std::vector<std::string> paths;
  std::string controllerName;  // empty = translate::kDefaultControllerName
  bool pretty = true;
};

// Diagnostics go to `err`; results to `out`. Exit 1 when any object was
// rejected (status and config-dump still print what the valid objects
// produce), 0 otherwise.
int runValidate(const ValidateArgs& args, std::ostream& out, std::ostream& err);
int runStatus(const StatusArgs& args, std::ostream& out, std::ostream& err);
int runConfigDump(const ConfigDumpArgs& args, std::ostream& out, std::ostream& err);

// Parses argv (CLI11) and dispatches. Bad usage returns CLI11's non-zero
// code with the reason on `err`; --help and --version print to `out`.
int runCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace portico::cli

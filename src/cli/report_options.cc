// The options diagnose and explain share, registered and read in one place.
#include "cli/report_options.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

namespace portico::cli {

void addReportOptions(CLI::App& cmd, ReportOptions& options, const char* schema) {
  cmd.add_option_function<std::string>(
         "-o,--output",
         [&options](const std::string& v) {
           options.format = v == "json" ? OutputFormat::Json : OutputFormat::Text;
         },
         std::string("Output format: text or json (schema ") + schema + ")")
      ->check(CLI::IsMember({"text", "json"}));
  cmd.add_option_function<std::string>(
         "--color",
         [&options](const std::string& v) {
           options.color = v == "always"  ? ColorMode::Always
                           : v == "never" ? ColorMode::Never
                                          : ColorMode::Auto;
         },
         "Colour: auto (only on a terminal), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd.add_option("--width", options.width, "Text width; default: the terminal's, else 80")
      ->check(CLI::Range(0, 1000));
  cmd.add_option("--controller-name", options.controllerName, "GatewayClass controllerName to act for");
}

diagnose::TextOptions textOptions(const ReportOptions& options, const std::ostream& out) {
  const diagnose::Color color = options.color == ColorMode::Always  ? diagnose::Color::Always
                                : options.color == ColorMode::Never ? diagnose::Color::Never
                                                                    : diagnose::Color::Auto;
  return diagnose::terminalOptions(color, options.width, &out == &std::cout);
}

}  // namespace portico::cli

// Flag parsing and dispatch (runCli), with no manifests involved.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <vector>

#include "cli/commands.h"
#include "support/test_support.h"

namespace portico::cli {
namespace {

struct CliRun {
  int code = 0;
  std::string out;
  std::string err;
};

CliRun run(std::vector<const char*> args) {
  args.insert(args.begin(), "portico");
  std::ostringstream out, err;
  CliRun r;
  r.code = runCli(static_cast<int>(args.size()), args.data(), out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(CliApp, VersionMatchesTheProject) {
  const CliRun r = run({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, std::string("portico ") + kVersion + "\n");
  const std::string cmake = testing::readFile(testing::sourceDir() + "/CMakeLists.txt");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(cmake, m, std::regex(R"(project\(portico VERSION ([0-9.]+))")));
  EXPECT_EQ(m[1].str(), kVersion);
}

TEST(CliApp, SubcommandIsRequired) {
  const CliRun r = run({});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("subcommand"), std::string::npos) << r.err;
}

TEST(CliApp, UnknownFlagIsAnError) {
  const CliRun r = run({"status", "-c", "x.yaml", "--bogus"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(CliApp, ConfigIsRequired) {
  for (const char* cmd : {"validate", "status", "config-dump"}) {
    const CliRun r = run({cmd});
    EXPECT_NE(r.code, 0) << cmd;
    EXPECT_NE(r.err.find("--config"), std::string::npos) << cmd << ": " << r.err;
  }
}

TEST(CliApp, BadOutputFormatNamesTheChoices) {
  const CliRun r = run({"status", "-c", "x.yaml", "-o", "xml"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("xml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("table"), std::string::npos) << r.err;
}

TEST(CliApp, StatusHelpDocumentsExitStatus) {
  const CliRun r = run({"status", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("Exit status"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--controller-name"), std::string::npos);
  EXPECT_NE(r.out.find("-o,--output"), std::string::npos);
}

TEST(CliApp, TopLevelHelpListsCommands) {
  const CliRun r = run({"--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* cmd : {"validate", "status", "config-dump"}) {
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  }
}

}  // namespace
}  // namespace portico::cli

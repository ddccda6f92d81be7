// The finding codes: every code the checks emit is in the catalog, and
// every catalog code is documented in docs/troubleshooting.md (symptom ->
// command -> what to look at).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "diagnose/findings.h"
#include "support/test_support.h"

namespace portico::diagnose {
namespace {

TEST(Catalog, CodesAreUniqueAndWellFormed) {
  std::set<std::string_view> seen;
  const std::regex form("PD-[A-Z]+(-[A-Z0-9]+)+");
  for (const auto& c : codeCatalog()) {
    EXPECT_TRUE(seen.insert(c.code).second) << c.code;
    EXPECT_TRUE(std::regex_match(std::string(c.code), form)) << c.code;
    EXPECT_FALSE(c.title.empty()) << c.code;
  }
}

TEST(Catalog, EveryEmittedCodeIsCatalogued) {
  // A code typed wrong in a check would silently get the default severity.
  const std::regex literal("\"(PD-[A-Z0-9-]+)\"");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(testing::sourceDir() + "/src/diagnose")) {
    if (e.path().extension() != ".cc" || e.path().filename() == "findings.cc") continue;
    ++files;
    const std::string text = testing::readFile(e.path().string());
    for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it) {
      EXPECT_NE(findCode((*it)[1].str()), nullptr) << (*it)[1].str() << " in " << e.path().filename();
    }
  }
  EXPECT_GT(files, 5);
}

TEST(Catalog, EveryCodeIsDocumented) {
  const std::string doc = testing::readFile(testing::sourceDir() + "/docs/troubleshooting.md");
  ASSERT_FALSE(doc.empty());
  for (const auto& c : codeCatalog()) {
    EXPECT_NE(doc.find("\n#### " + std::string(c.code) + "\n"), std::string::npos)
        << c.code << " has no section";
    EXPECT_EQ(docsLink(c.code).rfind("docs/troubleshooting.md#pd-", 0), 0u);
  }
}

}  // namespace
}  // namespace portico::diagnose

// parseBuffer (source/documents.h) on a stream large enough to be parsed
// by several threads: documents and failures still arrive in buffer order,
// numbered and placed on the right lines.
#include "source/documents.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portico::source {
namespace {

TEST(Documents, ALargeStreamArrivesInOrderWithItsFailuresInPlace) {
  // About 2 MiB: over the parallel threshold, several windows of documents.
  constexpr int kDocs = 3000;
  std::string yaml;
  std::vector<int> startLine(kDocs + 1);  // 1-based line of each document's content
  int line = 1;
  for (int i = 1; i <= kDocs; ++i) {
    yaml += "---\n";
    ++line;
    startLine[i] = line;
    if (i % 700 == 3) {
      yaml += "kind: Broken\nmetadata: {name: [unclosed\n";  // fails on its second line
      line += 2;
    } else {
      yaml += "kind: ConfigMap\nmetadata:\n  name: doc-" + std::to_string(i) + "\ndata:\n  pad: \"" +
              std::string(600, 'x') + "\"\n";
      line += 5;
    }
  }
  ASSERT_GT(yaml.size(), 1024u * 1024u);
  // Where the parser places the broken document's error, from a stream of
  // that document alone (parsed on this thread), relative to its start.
  int brokenOffset = -1;
  DocumentSink one;
  one.document = [](const Document& d) { EXPECT_EQ(d.number, 2) << "only the second document parses"; };
  one.failure = [&](const ParseFailure& f) { brokenOffset = f.line - 2; };
  parseBuffer("---\nkind: Broken\nmetadata: {name: [unclosed\n---\nkind: ConfigMap\n", false, one);
  ASSERT_GE(brokenOffset, 0);
  std::vector<std::string> seen;
  DocumentSink sink;
  sink.document = [&](const Document& d) {
    EXPECT_EQ(d.line, startLine[d.number]) << d.number;
    seen.push_back(std::to_string(d.number) + " " + std::string(d.root["metadata"]["name"].scalar()));
  };
  sink.failure = [&](const ParseFailure& f) {
    EXPECT_EQ(f.line, startLine[f.number] + brokenOffset) << f.number;
    seen.push_back(std::to_string(f.number) + " failed");
  };
  parseBuffer(yaml, false, sink);
  ASSERT_EQ(seen.size(), static_cast<size_t>(kDocs));
  for (int i = 1; i <= kDocs; ++i) {
    const std::string want = std::to_string(i) + (i % 700 == 3 ? " failed" : " doc-" + std::to_string(i));
    ASSERT_EQ(seen[static_cast<size_t>(i - 1)], want);
  }
}

}  // namespace
}  // namespace portico::source

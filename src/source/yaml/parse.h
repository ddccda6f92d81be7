// One YAML document's text to a Tree, with libyaml (the C parser PyYAML
// and go-yaml's ancestors use): about 20x faster than yaml-cpp on
// manifests, which dominated the time to load 10,000 routes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "source/yaml/tree.h"

namespace portico::source::yaml {

struct ParseError {
  int line = -1;  // 0-based in the text, -1 when unknown
  std::string message;
};

struct Parsed {
  std::shared_ptr<const Tree> tree;  // null on error
  ParseError error;
};

// Parses the first document of `text` (a buffer split on `---` holds one).
// Anchors and aliases are resolved by sharing nodes; a document whose
// aliases would make a walk visit over `maxExpandedNodes` nodes (an alias
// bomb) is an error.
Parsed parseDocument(std::string_view text, uint64_t maxExpandedNodes = 1'000'000);

}  // namespace portico::source::yaml

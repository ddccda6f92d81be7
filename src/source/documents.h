// Splits a manifest buffer into documents and parses each one on its own,
// so that one malformed document costs only itself. YAML streams split on
// `---` lines; JSON buffers may hold several concatenated values.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "source/yaml/tree.h"

namespace portico::source {

struct Document {
  int number = 0;                          // 1-based among the non-empty documents of the buffer
  int line = 0;                            // 1-based line where the document's content starts
  std::shared_ptr<const yaml::Tree> tree;  // keeps `root` valid
  yaml::Node root;  // marks are 0-based lines from the start of the document's `---` chunk
};

struct ParseFailure {
  int number = 0;
  int line = 0;  // 1-based line of the error
  std::string message;
};

// Receives each document (or failure) as soon as it is parsed, so that only
// one document tree is alive at a time.
struct DocumentSink {
  std::function<void(const Document&)> document;
  std::function<void(const ParseFailure&)> failure;
};

// `json`: parse as (concatenated) JSON values instead of a YAML stream.
// Documents and failures share one 1-based numbering, in buffer order.
void parseBuffer(std::string_view content, bool json, const DocumentSink& sink);

// True when `content` looks like JSON (first non-blank character is '{' or '[').
bool looksLikeJson(std::string_view content);

}  // namespace portico::source

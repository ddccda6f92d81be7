#include "source/documents.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "source/yaml/json.h"
#include "source/yaml/parse.h"

namespace portico::source {
namespace {

struct Parser {
  const DocumentSink& sink;
  int count = 0;
  void document(int line, std::shared_ptr<const yaml::Tree> tree) {
    const yaml::Node root = tree->root();
    sink.document(Document{++count, line, std::move(tree), root});
  }
  void failure(int line, std::string message) {
    sink.failure(ParseFailure{++count, line, std::move(message)});
  }
};

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A line that carries no YAML content: blank, a comment, a directive, or a
// bare document marker.
bool contentless(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && blank(line[i])) ++i;
  std::string_view rest = line.substr(i);
  if (rest.empty() || rest[0] == '#') return true;
  if (i == 0 && rest[0] == '%') return true;
  if (i == 0 && (rest.starts_with("---") || rest.starts_with("..."))) {
    std::string_view after = rest.substr(3);
    size_t j = 0;
    while (j < after.size() && blank(after[j])) ++j;
    return j == after.size() || after[j] == '#';
  }
  return false;
}

bool isSeparator(std::string_view line) {
  return line.starts_with("---") && (line.size() == 3 || blank(line[3]));
}

void parseYamlChunk(std::string_view chunk, int firstLine, int contentLine, Parser& out) {
  yaml::Parsed parsed;
  try {
    parsed = yaml::parseDocument(chunk);
  } catch (const std::exception& e) {
    return out.failure(contentLine, fmt::format("malformed YAML: {}", e.what()));
  }
  if (!parsed.tree) {
    const int line = parsed.error.line < 0 ? contentLine : firstLine + parsed.error.line;
    return out.failure(line, std::move(parsed.error.message));
  }
  out.document(contentLine, std::move(parsed.tree));
}

void parseYaml(std::string_view content, Parser& out) {
  size_t chunkStart = 0;
  int chunkLine = 1;
  int contentLine = 0;  // 0 while the chunk has no content
  int lineNo = 1;
  size_t pos = 0;
  auto flush = [&](size_t end) {
    if (contentLine > 0)
      parseYamlChunk(content.substr(chunkStart, end - chunkStart), chunkLine, contentLine, out);
  };
  while (pos <= content.size()) {
    size_t nl = content.find('\n', pos);
    size_t end = nl == std::string_view::npos ? content.size() : nl;
    std::string_view line = content.substr(pos, end - pos);
    if (isSeparator(line) && pos > chunkStart) {
      flush(pos);
      chunkStart = pos;
      chunkLine = lineNo;
      contentLine = 0;
    }
    if (contentLine == 0 && !contentless(line)) contentLine = lineNo;
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
    ++lineNo;
  }
  flush(content.size());
}

int lineAt(std::string_view s, size_t offset) {
  int line = 1;
  for (size_t i = 0; i < offset && i < s.size(); ++i) line += s[i] == '\n';
  return line;
}

void parseJson(std::string_view content, Parser& out) {
  size_t pos = 0;
  while (true) {
    while (pos < content.size() && blank(content[pos])) ++pos;
    if (pos >= content.size()) return;
    // Find the end of this value: balance brackets outside strings.
    const size_t start = pos;
    int depth = 0;
    bool inString = false, escaped = false;
    for (; pos < content.size(); ++pos) {
      char c = content[pos];
      if (inString) {
        if (escaped)
          escaped = false;
        else if (c == '\\')
          escaped = true;
        else if (c == '"')
          inString = false;
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth <= 0) {
          ++pos;
          break;
        }
      } else if (depth == 0 && blank(c)) {
        break;  // a bare scalar value
      }
    }
    std::string_view chunk = content.substr(start, pos - start);
    const int line = lineAt(content, start);
    std::shared_ptr<const yaml::Tree> root;
    try {
      root = yaml::fromJson(nlohmann::ordered_json::parse(chunk.begin(), chunk.end()));
    } catch (const nlohmann::json::parse_error& e) {
      // The rest of the buffer cannot be split reliably: stop here.
      return out.failure(line + lineAt(chunk, e.byte > 0 ? e.byte - 1 : 0) - 1,
                         fmt::format("malformed JSON: {}", e.what()));
    } catch (const std::exception& e) {
      return out.failure(line, fmt::format("malformed JSON: {}", e.what()));
    }
    out.document(line, std::move(root));
  }
}

}  // namespace

bool looksLikeJson(std::string_view content) {
  for (char c : content) {
    if (blank(c)) continue;
    return c == '{' || c == '[';
  }
  return false;
}

void parseBuffer(std::string_view content, bool json, const DocumentSink& sink) {
  if (content.starts_with("\xEF\xBB\xBF")) content.remove_prefix(3);  // UTF-8 BOM
  Parser parser{sink};
  if (json) {
    parseJson(content, parser);
  } else {
    parseYaml(content, parser);
  }
}

}  // namespace portico::source

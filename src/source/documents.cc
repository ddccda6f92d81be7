#include "source/documents.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "source/parallel.h"
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

// One document's text in a YAML stream (split on `---` lines).
struct Chunk {
  std::string_view text;
  int firstLine = 0;    // 1-based line of the chunk's first line
  int contentLine = 0;  // 1-based line where its content starts
};

// A parsed chunk: its tree, or a failure at `line`. Made on any thread, so
// no exception leaves it.
struct ChunkResult {
  std::shared_ptr<const yaml::Tree> tree;
  int line = 0;
  std::string failure;
};

ChunkResult parseChunk(const Chunk& c) {
  ChunkResult r;
  r.line = c.contentLine;
  yaml::Parsed parsed;
  try {
    parsed = yaml::parseDocument(c.text);
  } catch (const std::exception& e) {
    r.failure = fmt::format("malformed YAML: {}", e.what());
    return r;
  }
  if (!parsed.tree) {
    if (parsed.error.line >= 0) r.line = c.firstLine + parsed.error.line;
    r.failure = std::move(parsed.error.message);
    return r;
  }
  r.tree = std::move(parsed.tree);
  return r;
}

void deliver(ChunkResult r, Parser& out) {
  if (r.tree) {
    out.document(r.line, std::move(r.tree));
  } else {
    out.failure(r.line, std::move(r.failure));
  }
}

// The chunks of a YAML stream that have content, in order.
std::vector<Chunk> splitYaml(std::string_view content) {
  std::vector<Chunk> chunks;
  size_t chunkStart = 0;
  int chunkLine = 1;
  int contentLine = 0;  // 0 while the chunk has no content
  int lineNo = 1;
  size_t pos = 0;
  auto flush = [&](size_t end) {
    if (contentLine > 0)
      chunks.push_back({content.substr(chunkStart, end - chunkStart), chunkLine, contentLine});
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
  return chunks;
}

// Streams from this size (one manifest holding thousands of objects, a
// `kubectl get -o yaml` dump) are parsed by several threads
// (source/parallel.h).
constexpr size_t kParallelBytes = 256 * 1024;
// Documents parsed per round before they are handed on, in order, so that
// at most this many trees are alive at once.
constexpr size_t kWindow = 512;

void parseYaml(std::string_view content, Parser& out) {
  const std::vector<Chunk> chunks = splitYaml(content);
  const unsigned threads = content.size() < kParallelBytes ? 1 : loadThreads();
  if (threads <= 1 || chunks.size() < 2) {
    for (const auto& c : chunks) deliver(parseChunk(c), out);
    return;
  }
  std::vector<ChunkResult> window(std::min(kWindow, chunks.size()));
  for (size_t base = 0; base < chunks.size(); base += window.size()) {
    const size_t n = std::min(window.size(), chunks.size() - base);
    parallelFor(n, threads, [&](size_t i) { window[i] = parseChunk(chunks[base + i]); });
    for (size_t i = 0; i < n; ++i) deliver(std::move(window[i]), out);
  }
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

#include "source/yaml/parse.h"

#include <fmt/format.h>
#include <yaml.h>

#include <string>
#include <unordered_map>

namespace portico::source::yaml {
namespace {

// Deeper than any Kubernetes object; bounds the recursion of whoever walks
// the tree (yaml-cpp's own guard was 2,000).
constexpr size_t kMaxDepth = 512;

std::string_view text(const yaml_char_t* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : "";
}

Mark markOf(const yaml_event_t& e) {
  return {static_cast<int>(e.start_mark.line), static_cast<int>(e.start_mark.column)};
}

// Owns the libyaml parser and the current event, whatever way parsing ends.
class EventReader {
 public:
  explicit EventReader(std::string_view input) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(input.data()),
                                 input.size());
  }
  ~EventReader() {
    if (haveEvent_) yaml_event_delete(&event_);
    yaml_parser_delete(&parser_);
  }
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  // The next event, or null on a syntax error (see error()).
  const yaml_event_t* next() {
    if (haveEvent_) yaml_event_delete(&event_);
    haveEvent_ = yaml_parser_parse(&parser_, &event_) != 0;
    return haveEvent_ ? &event_ : nullptr;
  }

  ParseError error() const {
    ParseError e;
    e.line = static_cast<int>(parser_.problem_mark.line);
    std::string what = parser_.problem ? parser_.problem : "unknown error";
    if (parser_.context) {
      what = fmt::format("{} {} (line {})", what, parser_.context, parser_.context_mark.line + 1);
    }
    e.message = "malformed YAML: " + what;
    return e;
  }

 private:
  yaml_parser_t parser_{};
  yaml_event_t event_{};
  bool haveEvent_ = false;
};

Parsed failure(int line, std::string message) { return {nullptr, {line, std::move(message)}}; }

}  // namespace

Parsed parseDocument(std::string_view input, uint64_t maxExpandedNodes) {
  EventReader reader(input);
  Builder b;
  std::unordered_map<std::string, uint32_t> anchors;
  bool inDocument = false;
  auto remember = [&](const yaml_char_t* anchor, uint32_t index) {
    if (anchor) anchors[std::string(text(anchor))] = index;
  };
  while (true) {
    const yaml_event_t* e = reader.next();
    if (!e) return {nullptr, reader.error()};
    switch (e->type) {
      case YAML_STREAM_START_EVENT:
      case YAML_NO_EVENT:
        break;
      case YAML_DOCUMENT_START_EVENT:
        inDocument = true;
        break;
      case YAML_DOCUMENT_END_EVENT:
      case YAML_STREAM_END_EVENT:
        // Only the first document: the caller splits streams on `---`.
        if (!inDocument) b.null({});  // empty input: a null document
        if (b.expandedSize() > b.nodeCount() + maxExpandedNodes) {
          return failure(0, fmt::format("malformed YAML: aliases expand the document to more than {} nodes",
                                        maxExpandedNodes));
        }
        return {b.finish(), {}};
      case YAML_SCALAR_EVENT: {
        const auto& s = e->data.scalar;
        const std::string_view value(reinterpret_cast<const char*>(s.value), s.length);
        remember(s.anchor,
                 b.scalar(value, s.style != YAML_PLAIN_SCALAR_STYLE && s.style != YAML_ANY_SCALAR_STYLE,
                          text(s.tag), markOf(*e)));
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        if (b.depth() >= kMaxDepth) {
          return failure(static_cast<int>(e->start_mark.line),
                         fmt::format("malformed YAML: nested deeper than {} levels", kMaxDepth));
        }
        const bool map = e->type == YAML_MAPPING_START_EVENT;
        const uint32_t index = map ? b.beginMap(markOf(*e)) : b.beginList(markOf(*e));
        remember(map ? e->data.mapping_start.anchor : e->data.sequence_start.anchor, index);
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        b.end();
        break;
      case YAML_ALIAS_EVENT: {
        const auto it = anchors.find(std::string(text(e->data.alias.anchor)));
        if (it == anchors.end()) {
          return failure(static_cast<int>(e->start_mark.line),
                         fmt::format("malformed YAML: unknown anchor \"{}\"", text(e->data.alias.anchor)));
        }
        if (!b.reuse(it->second)) {
          return failure(static_cast<int>(e->start_mark.line),
                         fmt::format("malformed YAML: alias \"{}\" refers to a node that contains it",
                                     text(e->data.alias.anchor)));
        }
        break;
      }
    }
  }
}

}  // namespace portico::source::yaml

// A parsed YAML/JSON document as one immutable, compact tree: every node is
// a small fixed-size record in one vector, scalars are views into one text buffer,
// children are index runs in a second vector. Manifest loading builds tens
// of thousands of these per reload, so the tree costs a handful of
// allocations per document instead of several per node (yaml-cpp's node
// graph, which made decoding 10,000 HTTPRoutes take over 2 s).
//
// `Node` is a cheap handle (tree pointer + index) that stays valid as long
// as its Tree does. Reading only: decoders never change a manifest.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace portico::source::yaml {

class Tree;

enum class NodeType : uint8_t { Undefined, Null, Scalar, Map, List };

// Position of a node in the parsed text, 0-based like libyaml's marks.
// Trees built from JSON values (the API server's objects) have no marks.
struct Mark {
  int line = -1;
  int column = -1;
  bool isNull() const { return line < 0; }
};

struct Item;
class Iterator;

class Node {
 public:
  Node() = default;  // undefined: what a lookup of a missing key returns
  Node(const Tree* tree, uint32_t index) : tree_(tree), index_(index) {}

  NodeType type() const;
  bool defined() const { return tree_ != nullptr; }
  explicit operator bool() const { return defined(); }
  // Undefined counts as null: an absent field and `key: null` read the same.
  bool isNull() const { return type() == NodeType::Null || type() == NodeType::Undefined; }
  bool isScalar() const { return type() == NodeType::Scalar; }
  bool isMap() const { return type() == NodeType::Map; }
  bool isList() const { return type() == NodeType::List; }

  // The scalar's text (empty for other nodes).
  std::string_view scalar() const;
  // "?" for a plain scalar without a tag, "!" for a quoted or block scalar
  // without a tag (YAML's non-specific tags), else the resolved explicit
  // tag such as "tag:yaml.org,2002:str".
  std::string_view tag() const;
  Mark mark() const;

  // Entries of a map, elements of a list; 0 for anything else.
  size_t size() const;
  // The value of `key` in a map (first match), undefined when absent.
  Node operator[](std::string_view key) const;
  // The i-th element of a list.
  Node at(size_t i) const;

  // Maps iterate as Items with `first` (key) and `second` (value); lists as
  // Items that are the element itself.
  Iterator begin() const;
  Iterator end() const;

 private:
  friend class Iterator;
  const Tree* tree_ = nullptr;
  uint32_t index_ = 0;
};

struct Item : Node {
  Node first;
  Node second;
};

class Iterator {
 public:
  Iterator(const Tree* tree, const uint32_t* pos, bool pairs) : tree_(tree), pos_(pos), pairs_(pairs) {}
  Item operator*() const;
  Iterator& operator++() {
    pos_ += pairs_ ? 2 : 1;
    return *this;
  }
  bool operator==(const Iterator& o) const { return pos_ == o.pos_; }

 private:
  const Tree* tree_;
  const uint32_t* pos_;
  bool pairs_;
};

class Tree {
 public:
  struct Record {
    NodeType type = NodeType::Null;
    uint8_t style = 0;  // for scalars: 0 plain, 1 quoted or block (see tag())
    uint32_t line = UINT32_MAX;
    uint32_t column = UINT32_MAX;
    // Scalars: offset and length in text_. Maps and lists: offset of the
    // first child index in kids_ and the child count (maps: 2 per entry).
    uint32_t offset = 0;
    uint32_t length = 0;
    // Explicit tag: offset and length in text_ (length 0: none).
    uint32_t tagOffset = 0;
    uint32_t tagLength = 0;
  };

  Node root() const { return records_.empty() ? Node() : Node(this, rootIndex_); }
  size_t nodeCount() const { return records_.size(); }

 private:
  friend class Node;
  friend class Iterator;
  friend class Builder;
  std::vector<Record> records_;
  std::vector<uint32_t> kids_;
  std::string text_;
  uint32_t rootIndex_ = 0;
};

// Builds a Tree from a depth-first stream of events (what libyaml and a
// JSON walk both produce). Containers are closed with end(); a node can be
// referenced again (a YAML alias) through the index scalar()/begin*()
// returned.
class Builder {
 public:
  Builder();
  // Each returns the new node's index.
  uint32_t scalar(std::string_view text, bool quoted, std::string_view explicitTag, Mark mark);
  uint32_t null(Mark mark);
  uint32_t beginMap(Mark mark);
  uint32_t beginList(Mark mark);
  void end();
  // Adds an existing node again where the next child goes. False (and
  // nothing added) for a container still open: that would be a cycle.
  bool reuse(uint32_t index);
  // Nodes a full walk would visit, counting every reuse as a copy: what
  // an alias bomb inflates.
  uint64_t expandedSize() const { return expanded_.empty() ? 0 : expanded_[root_]; }
  size_t depth() const { return open_.size(); }
  size_t nodeCount() const { return tree_->records_.size(); }
  std::shared_ptr<const Tree> finish();

 private:
  uint32_t add(Tree::Record r);
  // The node becomes the root, or the next child of the open container.
  void place(uint32_t index);
  std::shared_ptr<Tree> tree_;
  std::vector<uint64_t> expanded_;
  struct Open {
    uint32_t index;
    size_t firstPending;
  };
  std::vector<Open> open_;
  std::vector<uint32_t> pending_;
  uint32_t root_ = 0;
};

}  // namespace portico::source::yaml

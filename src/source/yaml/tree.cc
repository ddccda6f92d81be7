#include "source/yaml/tree.h"

#include <limits>
#include <stdexcept>

namespace portico::source::yaml {

NodeType Node::type() const { return tree_ ? tree_->records_[index_].type : NodeType::Undefined; }

std::string_view Node::scalar() const {
  if (!isScalar()) return {};
  const Tree::Record& r = tree_->records_[index_];
  return std::string_view(tree_->text_).substr(r.offset, r.length);
}

std::string_view Node::tag() const {
  if (!tree_) return {};
  const Tree::Record& r = tree_->records_[index_];
  if (r.tagLength > 0) return std::string_view(tree_->text_).substr(r.tagOffset, r.tagLength);
  return r.style != 0 ? "!" : "?";
}

Mark Node::mark() const {
  if (!tree_) return {};
  const Tree::Record& r = tree_->records_[index_];
  if (r.line == UINT32_MAX) return {};
  return {static_cast<int>(r.line), static_cast<int>(r.column)};
}

size_t Node::size() const {
  if (!isMap() && !isList()) return 0;
  const Tree::Record& r = tree_->records_[index_];
  return isMap() ? r.length / 2 : r.length;
}

Node Node::operator[](std::string_view key) const {
  if (!isMap()) return {};
  for (auto it = begin(), e = end(); it != e; ++it) {
    const Item item = *it;
    if (item.first.isScalar() && item.first.scalar() == key) return item.second;
  }
  return {};
}

Node Node::at(size_t i) const {
  if (!isList() || i >= size()) return {};
  return Node(tree_, tree_->kids_[tree_->records_[index_].offset + i]);
}

Iterator Node::begin() const {
  if (!isMap() && !isList()) return Iterator(nullptr, nullptr, false);
  const Tree::Record& r = tree_->records_[index_];
  return Iterator(tree_, tree_->kids_.data() + r.offset, isMap());
}

Iterator Node::end() const {
  if (!isMap() && !isList()) return Iterator(nullptr, nullptr, false);
  const Tree::Record& r = tree_->records_[index_];
  return Iterator(tree_, tree_->kids_.data() + r.offset + r.length, isMap());
}

Item Iterator::operator*() const {
  Item item;
  if (pairs_) {
    item.first = Node(tree_, pos_[0]);
    item.second = Node(tree_, pos_[1]);
  } else {
    static_cast<Node&>(item) = Node(tree_, pos_[0]);
  }
  return item;
}

Builder::Builder() : tree_(std::make_shared<Tree>()) {}

uint32_t Builder::add(Tree::Record r) {
  if (tree_->records_.size() >= std::numeric_limits<uint32_t>::max() - 1) {
    throw std::length_error("document has too many nodes");
  }
  const auto index = static_cast<uint32_t>(tree_->records_.size());
  tree_->records_.push_back(r);
  expanded_.push_back(1);
  place(index);
  return index;
}

void Builder::place(uint32_t index) {
  if (open_.empty()) {
    root_ = index;
  } else {
    pending_.push_back(index);
  }
}

namespace {
Tree::Record at(Mark mark, NodeType type) {
  Tree::Record r;
  r.type = type;
  if (!mark.isNull()) {
    r.line = static_cast<uint32_t>(mark.line);
    r.column = static_cast<uint32_t>(mark.column);
  }
  return r;
}
}  // namespace

uint32_t Builder::scalar(std::string_view text, bool quoted, std::string_view explicitTag, Mark mark) {
  Tree::Record r = at(mark, NodeType::Scalar);
  r.style = quoted ? 1 : 0;
  r.offset = static_cast<uint32_t>(tree_->text_.size());
  r.length = static_cast<uint32_t>(text.size());
  tree_->text_.append(text);
  if (!explicitTag.empty()) {
    r.tagOffset = static_cast<uint32_t>(tree_->text_.size());
    r.tagLength = static_cast<uint32_t>(explicitTag.size());
    tree_->text_.append(explicitTag);
  }
  return add(r);
}

uint32_t Builder::null(Mark mark) { return add(at(mark, NodeType::Null)); }

uint32_t Builder::beginMap(Mark mark) {
  const uint32_t index = add(at(mark, NodeType::Map));
  open_.push_back({index, pending_.size()});
  return index;
}

uint32_t Builder::beginList(Mark mark) {
  const uint32_t index = add(at(mark, NodeType::List));
  open_.push_back({index, pending_.size()});
  return index;
}

void Builder::end() {
  const Open o = open_.back();
  open_.pop_back();
  Tree::Record& r = tree_->records_[o.index];
  r.offset = static_cast<uint32_t>(tree_->kids_.size());
  r.length = static_cast<uint32_t>(pending_.size() - o.firstPending);
  uint64_t total = 1;
  for (size_t i = o.firstPending; i < pending_.size(); ++i) {
    tree_->kids_.push_back(pending_[i]);
    // Saturating: a bomb must not wrap around to a small number.
    const uint64_t kid = expanded_[pending_[i]];
    total = kid > UINT64_MAX / 2 - total ? UINT64_MAX / 2 : total + kid;
  }
  expanded_[o.index] = total;
  pending_.resize(o.firstPending);
}

bool Builder::reuse(uint32_t index) {
  for (const Open& o : open_) {
    if (o.index == index) return false;
  }
  place(index);
  return true;
}

std::shared_ptr<const Tree> Builder::finish() {
  while (!open_.empty()) end();
  tree_->rootIndex_ = root_;  // the first node added is the root, or an alias of one
  return std::move(tree_);
}

}  // namespace portico::source::yaml

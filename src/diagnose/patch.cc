#include "diagnose/patch.h"

#include <yaml-cpp/yaml.h>

#include <vector>

namespace portico::diagnose {
namespace {

std::string str(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : std::string(); }

bool sameObject(const YAML::Node& doc, const ObjectRef& ref) {
  if (!doc.IsMap() || str(doc["kind"]) != ref.kind || str(doc["metadata"]["name"]) != ref.name) return false;
  std::string ns = str(doc["metadata"]["namespace"]);
  if (ns.empty() && !ref.namespace_.empty()) ns = "default";
  return ref.namespace_.empty() || ns == ref.namespace_;
}

// RFC 6901 tokens ("~1" is '/', "~0" is '~').
std::vector<std::string> tokens(const std::string& pointer) {
  std::vector<std::string> out;
  size_t pos = 1;
  while (pos <= pointer.size()) {
    size_t next = pointer.find('/', pos);
    std::string t = pointer.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    for (size_t i; (i = t.find("~1")) != std::string::npos;) t.replace(i, 2, "/");
    for (size_t i; (i = t.find("~0")) != std::string::npos;) t.replace(i, 2, "~");
    out.push_back(t);
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return out;
}

bool index(const std::string& t, size_t size, size_t& out) {
  if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoul(t);
  return out < size;
}

bool apply(YAML::Node doc, const PatchOp& op, std::string& error) {
  const auto path = tokens(op.path);
  if (path.empty()) {
    error = "empty path";
    return false;
  }
  YAML::Node cur;
  cur.reset(doc);  // reset, never assign: assignment would alias the tree
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    YAML::Node next;
    size_t k = 0;
    if (cur.IsSequence() && index(path[i], cur.size(), k)) {
      next.reset(cur[k]);
    } else if (cur.IsMap() && cur[path[i]]) {
      next.reset(cur[path[i]]);
    } else {
      error = "path " + op.path + ": " + path[i] + " does not exist";
      return false;
    }
    cur.reset(next);
  }
  const std::string& last = path.back();
  YAML::Node value = op.valueJson.empty() ? YAML::Node() : YAML::Load(op.valueJson);
  if (cur.IsSequence()) {
    size_t k = 0;
    const bool append = last == "-";
    if (!append && !index(last, cur.size() + (op.op == "add" ? 1 : 0), k)) {
      error = "path " + op.path + ": bad index";
      return false;
    }
    YAML::Node rebuilt(YAML::NodeType::Sequence);
    for (size_t j = 0; j < cur.size(); ++j) {
      if (!append && j == k) {
        if (op.op != "remove") rebuilt.push_back(value);
        if (op.op != "add") continue;
      }
      rebuilt.push_back(cur[j]);
    }
    if (append || (op.op == "add" && k == cur.size())) rebuilt.push_back(value);
    cur = rebuilt;  // replaces the sequence's content in the tree
    return true;
  }
  if (!cur.IsMap()) {
    error = "path " + op.path + ": parent is not an object";
    return false;
  }
  if (op.op == "remove") {
    if (!cur.remove(last)) {
      error = "path " + op.path + " does not exist";
      return false;
    }
    return true;
  }
  if (op.op == "replace" && !cur[last]) {
    error = "path " + op.path + " does not exist (replace)";
    return false;
  }
  cur[last] = value;
  return true;
}

// yaml-cpp's emitter drops the quotes of "true" or "8080": a quoted scalar
// (tag "!") is emitted quoted so it reads back as a string.
void emit(YAML::Emitter& e, const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      e << YAML::BeginMap;
      for (const auto& kv : n) {
        e << YAML::Key;
        emit(e, kv.first);
        e << YAML::Value;
        emit(e, kv.second);
      }
      e << YAML::EndMap;
      break;
    case YAML::NodeType::Sequence:
      e << YAML::BeginSeq;
      for (const auto& x : n) emit(e, x);
      e << YAML::EndSeq;
      break;
    case YAML::NodeType::Scalar:
      if (n.Tag() == "!") {
        e << YAML::DoubleQuoted << n.Scalar();
      } else {
        e << n.Scalar();
      }
      break;
    default:
      e << YAML::Null;
  }
}

}  // namespace

std::string applyFix(std::string_view manifests, const Fix& fix, std::string& error) {
  std::vector<YAML::Node> docs;
  try {
    for (const auto& d : YAML::LoadAll(std::string(manifests))) {
      if (d && !d.IsNull()) docs.push_back(d);
    }
    if (!fix.patch.empty()) {
      YAML::Node* target = nullptr;
      for (auto& d : docs) {
        if (sameObject(d, fix.target)) target = &d;
      }
      if (!target) {
        error = "no document for " + fix.target.display();
        return {};
      }
      for (const auto& op : fix.patch) {
        if (!apply(*target, op, error)) return {};
      }
    }
    if (!fix.yaml.empty()) {
      for (const auto& add : YAML::LoadAll(fix.yaml)) {
        const ObjectRef ref{str(add["kind"]), str(add["metadata"]["namespace"]),
                            str(add["metadata"]["name"])};
        bool replaced = false;
        for (auto& d : docs) {
          if (!replaced && sameObject(d, ref)) {
            d.reset(add);
            replaced = true;
          }
        }
        if (!replaced) docs.push_back(add);
      }
    }
  } catch (const YAML::Exception& e) {
    error = e.what();
    return {};
  }
  std::string out;
  for (const auto& d : docs) {
    YAML::Emitter e;
    emit(e, d);
    out += "---\n";
    out += e.c_str();
    out += "\n";
  }
  return out;
}

}  // namespace portico::diagnose

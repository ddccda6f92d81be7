#include "migrate/emit.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <string_view>
#include <variant>

namespace portico::migrate {
namespace {

// A small ordered YAML tree: mappings keep insertion order.
struct Node {
  enum class Type { Map, Seq, Str, Int, Bool } type = Type::Map;
  std::vector<std::pair<std::string, Node>> map;
  std::vector<Node> seq;
  std::string str;
  int64_t num = 0;
  bool flag = false;

  static Node str_(std::string s) {
    Node n;
    n.type = Type::Str;
    n.str = std::move(s);
    return n;
  }
  static Node int_(int64_t v) {
    Node n;
    n.type = Type::Int;
    n.num = v;
    return n;
  }
  static Node bool_(bool v) {
    Node n;
    n.type = Type::Bool;
    n.flag = v;
    return n;
  }
  static Node seq_() {
    Node n;
    n.type = Type::Seq;
    return n;
  }

  Node& add(std::string key, Node v) {
    map.emplace_back(std::move(key), std::move(v));
    return map.back().second;
  }
  void add(std::string key, std::string v) { add(std::move(key), str_(std::move(v))); }
  void add(std::string key, const char* v) { add(std::move(key), str_(v)); }
  Node& push(Node v) {
    seq.push_back(std::move(v));
    return seq.back();
  }
  bool empty() const { return (type == Type::Map && map.empty()) || (type == Type::Seq && seq.empty()); }
  bool leaf() const { return type != Type::Map && type != Type::Seq; }
};

bool reservedWord(std::string_view s) {
  static constexpr std::string_view kWords[] = {"y",   "n",    "yes",   "no",   "on",
                                                "off", "true", "false", "null", "~"};
  for (auto w : kWords) {
    if (s.size() != w.size()) continue;
    bool eq = true;
    for (size_t i = 0; i < s.size(); ++i) {
      eq = eq && std::tolower(static_cast<unsigned char>(s[i])) == w[i];
    }
    if (eq) return true;
  }
  return false;
}

std::string scalarText(const Node& n) {
  switch (n.type) {
    case Node::Type::Int:
      return std::to_string(n.num);
    case Node::Type::Bool:
      return n.flag ? "true" : "false";
    case Node::Type::Str:
      return yamlScalar(n.str);
    case Node::Type::Map:
      return "{}";
    case Node::Type::Seq:
      return "[]";
  }
  return "";
}

void emitNode(const Node& n, int indent, bool inlineFirst, std::string& out);

void emitMap(const Node& n, int indent, bool inlineFirst, std::string& out) {
  bool first = true;
  for (const auto& [k, v] : n.map) {
    if (!(first && inlineFirst)) out.append(static_cast<size_t>(indent), ' ');
    first = false;
    out += yamlScalar(k);
    out += ':';
    if (v.leaf() || v.empty()) {
      out += ' ';
      out += scalarText(v);
      out += '\n';
    } else if (v.type == Node::Type::Map) {
      out += '\n';
      emitMap(v, indent + 2, false, out);
    } else {
      out += '\n';
      emitNode(v, indent, false, out);  // kubectl style: list items at the key's indentation
    }
  }
}

void emitNode(const Node& n, int indent, bool inlineFirst, std::string& out) {
  if (n.type == Node::Type::Map) return emitMap(n, indent, inlineFirst, out);
  bool first = true;
  for (const auto& item : n.seq) {
    if (!(first && inlineFirst)) out.append(static_cast<size_t>(indent), ' ');
    first = false;
    out += "- ";
    if (item.leaf() || item.empty()) {
      out += scalarText(item);
      out += '\n';
    } else {
      emitNode(item, indent + 2, true, out);
    }
  }
}

std::string document(const Node& root, const std::vector<std::string>& comments) {
  std::string out;
  for (const auto& c : comments) {
    out += c.empty() ? "#" : "# " + c;
    out += '\n';
  }
  emitMap(root, 0, false, out);
  return out;
}

Node meta(const api::ObjectMeta& m) {
  Node n;
  n.add("name", m.name);
  if (!m.namespace_.empty()) n.add("namespace", m.namespace_);
  if (!m.labels.empty()) {
    Node& l = n.add("labels", Node());
    for (const auto& [k, v] : m.labels) l.add(k, v);
  }
  if (!m.annotations.empty()) {
    Node& a = n.add("annotations", Node());
    for (const auto& [k, v] : m.annotations) a.add(k, v);
  }
  return n;
}

Node header(const char* apiVersion, const char* kind, const api::ObjectMeta& m) {
  Node n;
  n.add("apiVersion", apiVersion);
  n.add("kind", kind);
  n.add("metadata", meta(m));
  return n;
}

Node stringList(const std::vector<std::string>& v) {
  Node n = Node::seq_();
  for (const auto& s : v) n.push(Node::str_(s));
  return n;
}

Node pathModifier(const api::HTTPPathModifier& p) {
  Node n;
  n.add("type", p.type);
  if (p.replaceFullPath) n.add("replaceFullPath", *p.replaceFullPath);
  if (p.replacePrefixMatch) n.add("replacePrefixMatch", *p.replacePrefixMatch);
  return n;
}

Node backendObjectRef(const api::BackendObjectReference& r) {
  Node n;
  if (!r.group.empty()) n.add("group", r.group);
  if (r.kind != "Service") n.add("kind", r.kind);
  n.add("name", r.name);
  if (r.namespace_) n.add("namespace", *r.namespace_);
  if (r.port) n.add("port", Node::int_(*r.port));
  return n;
}

Node headerMatches(const std::vector<api::HTTPHeaderMatch>& hs) {
  Node n = Node::seq_();
  for (const auto& h : hs) {
    Node m;
    m.add("name", h.name);
    if (h.type != "Exact") m.add("type", h.type);
    m.add("value", h.value);
    n.push(std::move(m));
  }
  return n;
}

Node filter(const api::HTTPRouteFilter& f) {
  Node n;
  n.add("type", f.type);
  if (f.requestRedirect) {
    const auto& r = *f.requestRedirect;
    Node& x = n.add("requestRedirect", Node());
    if (r.scheme) x.add("scheme", *r.scheme);
    if (r.hostname) x.add("hostname", *r.hostname);
    if (r.path) x.add("path", pathModifier(*r.path));
    if (r.port) x.add("port", Node::int_(*r.port));
    x.add("statusCode", Node::int_(r.statusCode));
  }
  if (f.urlRewrite) {
    Node& x = n.add("urlRewrite", Node());
    if (f.urlRewrite->hostname) x.add("hostname", *f.urlRewrite->hostname);
    if (f.urlRewrite->path) x.add("path", pathModifier(*f.urlRewrite->path));
  }
  if (f.requestMirror) {
    Node& x = n.add("requestMirror", Node());
    x.add("backendRef", backendObjectRef(f.requestMirror->backendRef));
    if (f.requestMirror->percent) x.add("percent", Node::int_(*f.requestMirror->percent));
  }
  if (f.cors) {
    const auto& c = *f.cors;
    Node& x = n.add("cors", Node());
    x.add("allowOrigins", stringList(c.allowOrigins));
    if (c.allowCredentials) x.add("allowCredentials", Node::bool_(*c.allowCredentials));
    if (!c.allowMethods.empty()) x.add("allowMethods", stringList(c.allowMethods));
    if (!c.allowHeaders.empty()) x.add("allowHeaders", stringList(c.allowHeaders));
    if (!c.exposeHeaders.empty()) x.add("exposeHeaders", stringList(c.exposeHeaders));
    x.add("maxAge", Node::int_(c.maxAge));
  }
  if (f.requestHeaderModifier) {
    Node& x = n.add("requestHeaderModifier", Node());
    Node set = Node::seq_();
    for (const auto& h : f.requestHeaderModifier->set) {
      Node e;
      e.add("name", h.name);
      e.add("value", h.value);
      set.push(std::move(e));
    }
    if (!set.empty()) x.add("set", std::move(set));
  }
  return n;
}

Node listener(const api::Listener& l) {
  Node n;
  n.add("name", l.name);
  if (l.hostname) n.add("hostname", *l.hostname);
  n.add("port", Node::int_(l.port));
  n.add("protocol", l.protocol);
  if (l.tls) {
    Node& t = n.add("tls", Node());
    if (l.tls->mode) t.add("mode", *l.tls->mode);
    Node refs = Node::seq_();
    for (const auto& c : l.tls->certificateRefs) {
      Node r;
      if (!c.group.empty()) r.add("group", c.group);
      if (c.kind != "Secret") r.add("kind", c.kind);
      r.add("name", c.name);
      if (c.namespace_) r.add("namespace", *c.namespace_);
      refs.push(std::move(r));
    }
    t.add("certificateRefs", std::move(refs));
  }
  const auto& ns = l.allowedRoutes.namespaces;
  if (ns.from != "Same" || ns.selector) {
    Node& ar = n.add("allowedRoutes", Node());
    Node& nsn = ar.add("namespaces", Node());
    nsn.add("from", ns.from);
    if (ns.selector) {
      Node& sel = nsn.add("selector", Node());
      if (!ns.selector->matchLabels.empty()) {
        Node& ml = sel.add("matchLabels", Node());
        for (const auto& [k, v] : ns.selector->matchLabels) ml.add(k, v);
      }
      if (!ns.selector->matchExpressions.empty()) {
        Node exprs = Node::seq_();
        for (const auto& e : ns.selector->matchExpressions) {
          Node x;
          x.add("key", e.key);
          x.add("operator", e.operator_);
          if (!e.values.empty()) x.add("values", stringList(e.values));
          exprs.push(std::move(x));
        }
        sel.add("matchExpressions", std::move(exprs));
      }
    }
  }
  return n;
}

}  // namespace

std::string yamlScalar(const std::string& s) {
  bool plain = !s.empty() && !reservedWord(s);
  if (plain) {
    const unsigned char first = static_cast<unsigned char>(s.front());
    plain = std::isalpha(first) || first == '/' || first == '_';
  }
  if (plain && (s.back() == ' ' || s.back() == ':' || s.find(": ") != std::string::npos ||
                s.find(" #") != std::string::npos)) {
    plain = false;
  }
  for (size_t i = 0; plain && i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    plain = std::isalnum(c) ||
            std::string_view("._/-:()=+,;").find(static_cast<char>(c)) != std::string_view::npos;
  }
  if (plain) return s;
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string emitGateway(const api::Gateway& g, const std::vector<std::string>& comments) {
  Node root = header("gateway.networking.k8s.io/v1", "Gateway", g.meta);
  Node& spec = root.add("spec", Node());
  spec.add("gatewayClassName", g.gatewayClassName);
  Node ls = Node::seq_();
  for (const auto& l : g.listeners) ls.push(listener(l));
  spec.add("listeners", std::move(ls));
  return document(root, comments);
}

std::string emitHTTPRoute(const api::HTTPRoute& r, const std::vector<std::string>& comments) {
  Node root = header("gateway.networking.k8s.io/v1", "HTTPRoute", r.meta);
  Node& spec = root.add("spec", Node());
  Node parents = Node::seq_();
  for (const auto& p : r.common.parentRefs) {
    Node n;
    n.add("name", p.name);
    if (p.namespace_) n.add("namespace", *p.namespace_);
    if (p.sectionName) n.add("sectionName", *p.sectionName);
    parents.push(std::move(n));
  }
  spec.add("parentRefs", std::move(parents));
  if (!r.hostnames.empty()) spec.add("hostnames", stringList(r.hostnames));
  Node rules = Node::seq_();
  for (const auto& rule : r.rules) {
    Node n;
    Node matches = Node::seq_();
    for (const auto& m : rule.matches) {
      Node mn;
      if (m.path) {
        Node& p = mn.add("path", Node());
        p.add("type", m.path->type);
        p.add("value", m.path->value);
      }
      if (!m.headers.empty()) mn.add("headers", headerMatches(m.headers));
      if (m.method) mn.add("method", *m.method);
      matches.push(std::move(mn));
    }
    if (!matches.empty()) n.add("matches", std::move(matches));
    if (!rule.filters.empty()) {
      Node fs = Node::seq_();
      for (const auto& f : rule.filters) fs.push(filter(f));
      n.add("filters", std::move(fs));
    }
    if (!rule.backendRefs.empty()) {
      Node bs = Node::seq_();
      const bool weighted = rule.backendRefs.size() > 1;
      for (const auto& b : rule.backendRefs) {
        Node bn = backendObjectRef(b.ref);
        if (weighted || b.weight != 1) bn.add("weight", Node::int_(b.weight));
        bs.push(std::move(bn));
      }
      n.add("backendRefs", std::move(bs));
    }
    if (rule.timeouts) {
      Node& t = n.add("timeouts", Node());
      if (rule.timeouts->request) t.add("request", *rule.timeouts->request);
      if (rule.timeouts->backendRequest) t.add("backendRequest", *rule.timeouts->backendRequest);
    }
    rules.push(std::move(n));
  }
  spec.add("rules", std::move(rules));
  return document(root, comments);
}

std::string emitReferenceGrant(const api::ReferenceGrant& g, const std::vector<std::string>& comments) {
  Node root = header("gateway.networking.k8s.io/v1", "ReferenceGrant", g.meta);
  Node& spec = root.add("spec", Node());
  Node from = Node::seq_();
  for (const auto& f : g.from) {
    Node n;
    n.add("group", f.group);
    n.add("kind", f.kind);
    n.add("namespace", f.namespace_);
    from.push(std::move(n));
  }
  spec.add("from", std::move(from));
  Node to = Node::seq_();
  for (const auto& t : g.to) {
    Node n;
    n.add("group", t.group);
    n.add("kind", t.kind);
    if (t.name) n.add("name", *t.name);
    to.push(std::move(n));
  }
  spec.add("to", std::move(to));
  return document(root, comments);
}

}  // namespace portico::migrate

#include "migrate/ingress.h"

#include <fmt/format.h>

#include <charconv>

#include "source/decode/node.h"
#include "source/documents.h"

namespace portico::migrate {

namespace yaml = source::yaml;

const Annotation* Ingress::annotation(std::string_view key) const {
  for (const auto& a : annotations) {
    if (a.key == key) return &a;
  }
  return nullptr;
}

namespace {

using source::decode::ValueType;
using source::decode::valueType;

// Lines: a node's mark is relative to its document's chunk, which may start
// before the document's first content line (a `---` or comments).
struct Reader {
  const std::string& file;
  int base = 0;  // absolute line of the chunk's first line, minus one
  api::Diagnostics& diags;

  Loc at(const yaml::Node& n, const Loc& fallback) const {
    const yaml::Mark m = n.mark();
    if (m.isNull() || base < 0) return fallback;
    return {file, base + m.line + 1};
  }

  void warn(const Loc& loc, const std::string& ns, const std::string& name, std::string field,
            std::string message) {
    api::Diagnostic d;
    d.severity = api::Severity::Warning;
    d.file = loc.file;
    d.line = loc.line;
    d.kind = "Ingress";
    d.namespace_ = ns;
    d.name = name;
    d.field = std::move(field);
    d.message = std::move(message);
    diags.push_back(std::move(d));
  }
};

yaml::Node child(const yaml::Node& n, const char* key) { return n[key]; }

bool present(const yaml::Node& n) { return n.defined() && !n.isNull(); }

// A plain or quoted integer that fits 32 bits (Kubernetes' YAML reading
// accepts both for int fields).
std::optional<int32_t> int32At(const yaml::Node& n) {
  if (!n.isScalar()) return std::nullopt;
  const std::string_view s = n.scalar();
  int32_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::string> scalarString(const yaml::Node& n) {
  if (!n.defined() || !n.isScalar() || valueType(n) == ValueType::Null) return std::nullopt;
  return std::string(n.scalar());
}

// The Ingress being decoded: its identity for warnings.
struct IngressReader {
  Reader& r;
  Ingress& ing;

  void warn(const Loc& loc, std::string field, std::string message) {
    r.warn(loc, ing.namespace_, ing.name, std::move(field), std::move(message));
  }

  std::optional<IngressBackend> backend(const yaml::Node& n, const std::string& field, const Loc& parent) {
    IngressBackend b;
    b.field = field;
    b.loc = r.at(n, parent);
    if (!n.isMap()) {
      warn(b.loc, field, "expected an object; skipped");
      return std::nullopt;
    }
    const yaml::Node service = child(n, "service");
    const yaml::Node resource = child(n, "resource");
    if (present(resource)) {
      const auto kind = scalarString(child(resource, "kind"));
      b.resourceKind = kind.value_or("resource");
      return b;
    }
    if (!present(service)) {
      if (present(child(n, "serviceName"))) {
        warn(b.loc, field,
             "serviceName/servicePort are the removed v1beta1 fields; write backend.service.name and "
             "backend.service.port (networking.k8s.io/v1); skipped");
      } else {
        warn(b.loc, field, "no backend.service; skipped");
      }
      return std::nullopt;
    }
    b.service = scalarString(child(service, "name")).value_or("");
    if (b.service.empty()) {
      warn(b.loc, field + ".service.name", "missing; skipped");
      return std::nullopt;
    }
    const yaml::Node port = child(service, "port");
    const yaml::Node number = child(port, "number");
    const yaml::Node name = child(port, "name");
    b.portLoc = r.at(present(number) ? number : present(name) ? name : port, b.loc);
    if (present(number)) {
      const int32_t v = int32At(number).value_or(0);
      if (v < 1 || v > 65535) {
        warn(r.at(number, b.loc), field + ".service.port.number",
             fmt::format("{} is not a port number; skipped", number.isScalar() ? number.scalar() : "value"));
        return std::nullopt;
      }
      b.portNumber = v;
    } else if (auto s = scalarString(name); s && !s->empty()) {
      b.portName = *s;
    } else {
      warn(b.loc, field + ".service.port", "needs number or name; skipped");
      return std::nullopt;
    }
    return b;
  }

  void decode(const yaml::Node& root, const Loc& docLoc) {
    const yaml::Node meta = child(root, "metadata");
    const yaml::Node spec = child(root, "spec");
    for (auto it = meta.begin(); meta.isMap() && it != meta.end(); ++it) {
      const auto entry = *it;
      const std::string_view key = entry.first.scalar();
      if (key == "annotations" && entry.second.isMap()) {
        for (auto a = entry.second.begin(); a != entry.second.end(); ++a) {
          const auto kv = *a;
          if (!kv.first.isScalar()) continue;
          Annotation an;
          an.key = kv.first.scalar();
          an.value = kv.second.isScalar() ? kv.second.scalar() : "";
          an.loc = r.at(kv.first, docLoc);
          ing.annotations.push_back(std::move(an));
        }
      }
    }
    if (auto c = scalarString(child(spec, "ingressClassName")); c && !c->empty()) {
      ing.className = *c;
      ing.classField = "spec.ingressClassName";
    } else if (const Annotation* a = ing.annotation("kubernetes.io/ingress.class"); a && !a->value.empty()) {
      ing.className = a->value;
      ing.classField = "annotation kubernetes.io/ingress.class";
    }
    if (yaml::Node db = child(spec, "defaultBackend"); present(db)) {
      ing.defaultBackend = backend(db, "spec.defaultBackend", ing.loc);
    } else if (present(child(spec, "backend"))) {
      warn(r.at(child(spec, "backend"), ing.loc), "spec.backend",
           "the removed v1beta1 field; write spec.defaultBackend (networking.k8s.io/v1); skipped");
    }
    const yaml::Node tls = child(spec, "tls");
    if (present(tls) && tls.isList()) {
      size_t i = 0;
      for (auto it = tls.begin(); it != tls.end(); ++it, ++i) {
        const yaml::Node item = *it;
        IngressTLS t;
        t.field = fmt::format("spec.tls[{}]", i);
        t.loc = r.at(item, ing.loc);
        t.secretName = scalarString(child(item, "secretName")).value_or("");
        const yaml::Node hosts = child(item, "hosts");
        if (hosts.isList()) {
          for (auto h = hosts.begin(); h != hosts.end(); ++h) {
            if (auto s = scalarString(*h)) t.hosts.push_back(*s);
          }
        }
        ing.tls.push_back(std::move(t));
      }
    }
    const yaml::Node rules = child(spec, "rules");
    if (present(rules) && rules.isList()) {
      size_t i = 0;
      for (auto it = rules.begin(); it != rules.end(); ++it, ++i) {
        const yaml::Node item = *it;
        IngressRule rule;
        rule.field = fmt::format("spec.rules[{}]", i);
        rule.loc = r.at(item, ing.loc);
        rule.host = scalarString(child(item, "host")).value_or("");
        const yaml::Node paths = child(child(item, "http"), "paths");
        if (!paths.isList()) {
          if (!present(child(item, "http"))) {
            warn(rule.loc, rule.field, "no http paths: requests for this host get the default backend");
          } else {
            warn(rule.loc, rule.field + ".http.paths", "expected a list; skipped");
          }
          ing.rules.push_back(std::move(rule));
          continue;
        }
        size_t j = 0;
        for (auto p = paths.begin(); p != paths.end(); ++p, ++j) {
          const yaml::Node pn = *p;
          IngressPath path;
          path.field = fmt::format("{}.http.paths[{}]", rule.field, j);
          path.loc = r.at(pn, rule.loc);
          path.path = scalarString(child(pn, "path")).value_or("");
          path.pathType = scalarString(child(pn, "pathType")).value_or("");
          auto b = backend(child(pn, "backend"), path.field + ".backend", path.loc);
          if (!b) continue;
          path.backend = std::move(*b);
          rule.paths.push_back(std::move(path));
        }
        ing.rules.push_back(std::move(rule));
      }
    }
  }
};

void readService(const yaml::Node& root, const Loc& docLoc, Inputs& out) {
  const yaml::Node meta = child(root, "metadata");
  const auto name = scalarString(child(meta, "name"));
  if (!name) return;
  const std::string ns = scalarString(child(meta, "namespace")).value_or("default");
  ServicePorts sp;
  sp.loc = docLoc;
  const yaml::Node ports = child(child(root, "spec"), "ports");
  for (auto it = ports.begin(); ports.isList() && it != ports.end(); ++it) {
    const yaml::Node p = *it;
    const std::optional<int32_t> port = int32At(child(p, "port"));
    if (!port) continue;
    const int32_t number = *port;
    sp.numbers.push_back(number);
    if (auto pname = scalarString(child(p, "name"))) sp.byName[*pname] = number;
  }
  out.services[ns + "/" + *name] = std::move(sp);
}

void readObject(Reader& r, const yaml::Node& n, const Loc& docLoc, Inputs& out) {
  if (!n.isMap()) return;
  const std::string apiVersion = scalarString(child(n, "apiVersion")).value_or("");
  const std::string kind = scalarString(child(n, "kind")).value_or("");
  if (kind == "List" || (kind.size() > 4 && kind.ends_with("List"))) {
    const yaml::Node items = child(n, "items");
    for (auto it = items.begin(); items.isList() && it != items.end(); ++it) {
      const yaml::Node item = *it;
      readObject(r, item, r.at(item, docLoc), out);
    }
    return;
  }
  if (kind == "Service" && apiVersion == "v1") return readService(n, docLoc, out);
  if (kind != "Ingress") return;
  const yaml::Node meta = child(n, "metadata");
  Ingress ing;
  ing.loc = r.at(child(meta, "name"), docLoc);
  if (present(meta)) ing.loc = r.at(child(meta, "name"), r.at(meta, docLoc));
  ing.name = scalarString(child(meta, "name")).value_or("");
  if (auto ns = scalarString(child(meta, "namespace")); ns && !ns->empty()) ing.namespace_ = *ns;
  if (apiVersion != "networking.k8s.io/v1") {
    r.warn(docLoc, ing.namespace_, ing.name, "apiVersion",
           fmt::format("{} is not converted (removed in Kubernetes 1.22): convert it to networking.k8s.io/v1 "
                       "first (kubectl convert, or `kubectl get ingress -o yaml` from a current cluster)",
                       apiVersion.empty() ? std::string("missing apiVersion") : apiVersion));
    return;
  }
  if (ing.name.empty()) {
    api::Diagnostic d;
    d.file = docLoc.file;
    d.line = docLoc.line;
    d.kind = "Ingress";
    d.field = "metadata.name";
    d.message = "required field is missing; Ingress skipped";
    r.diags.push_back(std::move(d));
    return;
  }
  IngressReader ir{r, ing};
  ir.decode(n, ing.loc);
  out.ingresses.push_back(std::move(ing));
}

}  // namespace

void readManifests(std::string_view content, const std::string& file, Inputs& out) {
  source::DocumentSink sink;
  sink.failure = [&](const source::ParseFailure& f) {
    api::Diagnostic d;
    d.file = file;
    d.line = f.line;
    d.message = f.message;
    out.diagnostics.push_back(std::move(d));
  };
  sink.document = [&](const source::Document& doc) {
    if (doc.root.isNull()) return;
    // The document's content starts at doc.line; the root's mark is that
    // line relative to the chunk the document was parsed from.
    const yaml::Mark m = doc.root.mark();
    Reader r{file, m.isNull() ? -1 : doc.line - 1 - m.line, out.diagnostics};
    readObject(r, doc.root, Loc{file, doc.line}, out);
  };
  source::parseBuffer(content, source::looksLikeJson(content), sink);
}

}  // namespace portico::migrate

#include "run/objects.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "api/kinds.h"
#include "source/documents.h"
#include "source/yaml/json.h"
#include "status/yaml_emit.h"

namespace portico::run {
namespace {

// Calls f(kindName, table) for every kind of the snapshot.
template <class F>
void eachTable(const store::Snapshot& s, F&& f) {
  f("GatewayClass", s.gatewayClasses);
  f("Gateway", s.gateways);
  f("ListenerSet", s.listenerSets);
  f("HTTPRoute", s.httpRoutes);
  f("GRPCRoute", s.grpcRoutes);
  f("TLSRoute", s.tlsRoutes);
  f("TCPRoute", s.tcpRoutes);
  f("UDPRoute", s.udpRoutes);
  f("ReferenceGrant", s.referenceGrants);
  f("BackendTLSPolicy", s.backendTLSPolicies);
  f("XBackendTrafficPolicy", s.backendTrafficPolicies);
  f("Service", s.services);
  f("EndpointSlice", s.endpointSlices);
  f("Secret", s.secrets);
  f("ConfigMap", s.configMaps);
  f("Namespace", s.namespaces);
  f("CustomResourceDefinition", s.crds);
}

std::string digest(const std::string& value) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(value.data(), value.size(), md, &n, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < 4 && i < n; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

// Certificates are public and what an incident review wants to see; every
// other value of a Secret (keys, tokens, passwords) becomes its size and
// digest, which still shows when it changed.
void redactSecret(nlohmann::json& obj) {
  for (const char* field : {"data", "stringData"}) {
    auto values = obj.find(field);
    if (values == obj.end() || !values->is_object()) continue;
    for (auto& [key, value] : values->items()) {
      // Unquoted numbers in stringData are secrets too.
      if (key.ends_with(".crt") || value.is_structured() || value.is_null()) continue;
      const std::string v = value.is_string() ? value.get<std::string>() : value.dump();
      value = fmt::format("<redacted: {} bytes, sha256 {}>", v.size(), digest(v));
    }
  }
}

std::string scalarAt(const source::yaml::Node& n, const char* a, const char* b = nullptr) {
  const source::yaml::Node v = n[a];
  if (!b) return std::string(v.scalar());
  return std::string(v[b].scalar());
}

// What the load refused: object ids, and (file, document) pairs where
// document 0 stands for the whole file.
struct Rejected {
  std::set<std::string, std::less<>> ids;
  std::set<std::pair<std::string, int>> documents;
  bool has(const std::string& id, const std::string& file, int document) const {
    return ids.count(id) || documents.count({file, document}) || documents.count({file, 0});
  }
};

// Every object document of a file's content (known kinds only), as text.
std::vector<FileText> textsOf(const std::string& content) {
  std::vector<FileText> out;
  auto one = [&](const source::yaml::Node& n, int document) {
    if (!n.isMap()) return;
    const std::string kind = scalarAt(n, "kind");
    const auto known = api::kindFromName(kind);
    if (!known) return;
    std::string ns = scalarAt(n, "metadata", "namespace");
    if (api::isClusterScoped(*known)) {
      ns.clear();
    } else if (ns.empty()) {
      ns = "default";
    }
    nlohmann::json object = source::yaml::toJson(n);
    if (kind == "Secret") redactSecret(object);
    std::string text = status::toYaml(object);
    const std::string name = scalarAt(n, "metadata", "name");
    out.push_back({objectId(kind, ns, name), kind, ns, name, document,
                   std::make_shared<const std::string>(std::move(text))});
  };
  source::DocumentSink sink;
  sink.failure = [](const source::ParseFailure&) {};
  sink.document = [&](const source::Document& d) {
    const source::yaml::Node items = d.root["items"];
    if (items.isList() && scalarAt(d.root, "kind").ends_with("List")) {
      for (auto it = items.begin(); it != items.end(); ++it) one(*it, d.number);
    } else {
      one(d.root, d.number);
    }
  };
  try {
    source::parseBuffer(content, source::looksLikeJson(content), sink);
  } catch (const std::exception&) {
    // A file rewritten between the load and this read: the next reload
    // (the watcher saw the write) captures it again.
  }
  return out;
}

// Every object document of `file` (known kinds only), as text.
std::vector<FileText> readFile(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return textsOf(ss.str());
}

}  // namespace

std::string objectId(std::string_view kind, std::string_view ns, std::string_view name) {
  return ns.empty() ? fmt::format("{} {}", kind, name) : fmt::format("{} {}/{}", kind, ns, name);
}

ObjectTexts captureObjects(const std::vector<std::string>& files, const store::Snapshot& snapshot,
                           const api::Diagnostics& diagnostics, const ObjectTexts& previous) {
  ObjectTextCache none;
  return captureObjects(files, {}, {}, snapshot, diagnostics, previous, none);
}

ObjectTexts captureObjects(const std::vector<std::string>& files, const std::vector<uint64_t>& versions,
                           const std::vector<std::shared_ptr<const std::string>>& contents,
                           const store::Snapshot& snapshot, const api::Diagnostics& diagnostics,
                           const ObjectTexts& previous, ObjectTextCache& cache) {
  Rejected rejected;
  for (const auto& d : diagnostics) {
    if (d.severity != api::Severity::Error) continue;
    if (!d.kind.empty() && !d.name.empty()) {
      rejected.ids.insert(objectId(d.kind, d.namespace_, d.name));
    } else {
      rejected.documents.emplace(d.file, d.document);
    }
  }
  // The object a text names, if the snapshot holds it (looked up per text:
  // no map of every object is built, a reload at 10,000 routes pays per
  // changed file, not per object).
  auto served = [&](const FileText& t) {
    const api::ObjectMeta* found = nullptr;
    eachTable(snapshot, [&](std::string_view kind, const auto& table) {
      if (!found && kind == t.kind) {
        if (const auto* obj = table.find(t.namespace_, t.name)) found = &obj->meta;
      }
    });
    return found;
  };
  ObjectTexts out;
  const uint64_t capture = ++cache.captures;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& f = files[i];
    if (f == "-") continue;
    const uint64_t version = i < versions.size() ? versions[i] : 0;
    ObjectTextCache::File fresh;
    ObjectTextCache::File* entry = &fresh;
    if (version != 0) {
      entry = &cache.files[f];
      entry->seen = capture;
    }
    if (version == 0 || entry->version != version) {
      entry->version = version;
      // The bytes the load decoded when it kept them: the file may have
      // changed again since.
      entry->texts = i < contents.size() && contents[i] ? textsOf(*contents[i]) : readFile(f);
    }
    for (const auto& t : entry->texts) {
      const api::ObjectMeta* m = served(t);
      if (!m || m->source.file != f || m->source.document != t.document) continue;
      if (rejected.has(t.id, f, t.document)) continue;  // the file holds a refused version
      out[t.id] = ObjectText{m->order, t.yaml};
    }
  }
  std::erase_if(cache.files, [&](const auto& kv) { return kv.second.seen != capture; });
  // Objects no file text was found for (stdin, an object served at its
  // last good version, a file changed since the load): the previous text,
  // or a comment naming it.
  size_t objects = 0;
  eachTable(snapshot, [&](std::string_view, const auto& table) { objects += table.size(); });
  if (out.size() == objects) return out;
  eachTable(snapshot, [&](std::string_view kind, const auto& table) {
    for (const auto& [key, obj] : table) {
      const auto& m = obj->meta;
      std::string id = objectId(kind, m.namespace_, m.name);
      if (out.count(id)) continue;
      const auto old = previous.find(id);
      out[id] =
          old != previous.end()
              ? ObjectText{m.order, old->second.yaml}
              : ObjectText{m.order, std::make_shared<const std::string>(fmt::format(
                                        "# {} (from {}): manifest not available\n", id, m.source.file))};
    }
  });
  return out;
}

std::string objectsYaml(const ObjectTexts& objects) {
  std::vector<std::pair<int64_t, const std::string*>> ordered;
  for (const auto& [id, t] : objects) ordered.emplace_back(t.order, t.yaml.get());
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [order, yaml] : ordered) out += "---\n" + *yaml;
  return out;
}

}  // namespace portico::run

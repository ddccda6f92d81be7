#include "run/objects.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unordered_map>

#include "api/kinds.h"
#include "source/documents.h"
#include "source/yaml/json.h"
#include "status/yaml_emit.h"

namespace portico::run {
namespace {

// Calls f(kindName, &Snapshot::table) for every kind of a snapshot.
template <class F>
void eachKind(F&& f) {
  using S = store::Snapshot;
  f("GatewayClass", &S::gatewayClasses);
  f("Gateway", &S::gateways);
  f("ListenerSet", &S::listenerSets);
  f("HTTPRoute", &S::httpRoutes);
  f("GRPCRoute", &S::grpcRoutes);
  f("TLSRoute", &S::tlsRoutes);
  f("TCPRoute", &S::tcpRoutes);
  f("UDPRoute", &S::udpRoutes);
  f("ReferenceGrant", &S::referenceGrants);
  f("BackendTLSPolicy", &S::backendTLSPolicies);
  f("XBackendTrafficPolicy", &S::backendTrafficPolicies);
  f("Service", &S::services);
  f("EndpointSlice", &S::endpointSlices);
  f("Secret", &S::secrets);
  f("ConfigMap", &S::configMaps);
  f("Namespace", &S::namespaces);
  f("CustomResourceDefinition", &S::crds);
}

// Calls f(before, after) for every key whose object differs between two
// tables (null on the side without it). Both iterate in key order, so this
// is one merge walk with no allocation: objects the two snapshots share
// (the loader reuses the decoded objects of unchanged files) are skipped
// by pointer.
template <class T, class F>
void eachDifference(const store::Table<T>& before, const store::Table<T>& after, F&& f) {
  const T* none = nullptr;
  auto a = before.begin();
  auto b = after.begin();
  while (a != before.end() || b != after.end()) {
    if (b == after.end() || (a != before.end() && a->first < b->first)) {
      f(a->second.get(), none);
      ++a;
    } else if (a == before.end() || b->first < a->first) {
      f(none, b->second.get());
      ++b;
    } else {
      if (a->second != b->second) f(a->second.get(), b->second.get());
      ++a;
      ++b;
    }
  }
}

// One object document of a file, as text.
struct FileText {
  std::string id;
  int document = 0;
  std::shared_ptr<const std::string> yaml;
};

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

Rejected rejectedBy(const api::Diagnostics& diagnostics) {
  Rejected r;
  for (const auto& d : diagnostics) {
    if (d.severity != api::Severity::Error) continue;
    if (!d.kind.empty() && !d.name.empty()) {
      r.ids.insert(objectId(d.kind, d.namespace_, d.name));
    } else {
      r.documents.emplace(d.file, d.document);
    }
  }
  return r;
}

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
    out.push_back({objectId(kind, ns, scalarAt(n, "metadata", "name")), document,
                   std::make_shared<const std::string>(status::toYaml(object))});
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
  ObjectTexts out;
  applyUpdates(out, captureChanges(files, {}, store::Snapshot{}, snapshot, diagnostics, previous));
  return out;
}

std::vector<TextUpdate> captureChanges(const std::vector<std::string>& files,
                                       const std::vector<std::shared_ptr<const std::string>>& contents,
                                       const store::Snapshot& previous, const store::Snapshot& snapshot,
                                       const api::Diagnostics& diagnostics, const ObjectTexts& texts) {
  const Rejected rejected = rejectedBy(diagnostics);
  // The bytes the load decoded, by file (the file may have changed again
  // since), indexed on first use; each file needed is parsed once.
  std::unordered_map<std::string_view, const std::string*> read;
  bool indexed = false;
  std::unordered_map<std::string, std::vector<FileText>> parsed;
  auto textsIn = [&](const std::string& file) -> const std::vector<FileText>& {
    if (auto it = parsed.find(file); it != parsed.end()) return it->second;
    if (!indexed) {
      for (size_t i = 0; i < files.size() && i < contents.size(); ++i) {
        if (contents[i]) read.emplace(files[i], contents[i].get());
      }
      indexed = true;
    }
    const auto bytes = read.find(file);
    return parsed.emplace(file, bytes != read.end() ? textsOf(*bytes->second) : readFile(file)).first->second;
  };
  auto textOf = [&](const std::string& id, const api::ObjectMeta& m) {
    const std::string& file = m.source.file;
    // A refused version in the file (the object is served at its last
    // good version) or stdin: not the text of what is served.
    if (!file.empty() && file != "-" && !rejected.has(id, file, m.source.document)) {
      for (const auto& t : textsIn(file)) {
        if (t.document == m.source.document && t.id == id) return ObjectText{m.order, t.yaml};
      }
    }
    const auto old = texts.find(id);
    if (old != texts.end()) return ObjectText{m.order, old->second.yaml};
    return ObjectText{m.order, std::make_shared<const std::string>(
                                   fmt::format("# {} (from {}): manifest not available\n", id, file))};
  };
  std::vector<TextUpdate> out;
  eachKind([&](std::string_view kind, auto table) {
    eachDifference(previous.*table, snapshot.*table, [&](const auto* was, const auto* now) {
      const api::ObjectMeta& m = (now ? now : was)->meta;
      std::string id = objectId(kind, m.namespace_, m.name);
      std::optional<ObjectText> text;
      if (now) text = textOf(id, m);
      out.push_back({std::move(id), std::move(text)});
    });
  });
  std::sort(out.begin(), out.end(), [](const TextUpdate& a, const TextUpdate& b) { return a.id < b.id; });
  return out;
}

void applyUpdates(ObjectTexts& texts, std::vector<TextUpdate> updates) {
  for (auto& u : updates) {
    if (u.text) {
      texts.insert_or_assign(std::move(u.id), std::move(*u.text));
    } else {
      texts.erase(u.id);
    }
  }
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

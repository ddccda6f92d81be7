// Manifest loading: files/directories/stdin -> documents -> objects ->
// decoded, validated typed objects in a Snapshot. Every problem becomes a
// Diagnostic naming file, document, object and field; nothing throws.
#include "source/loader.h"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

#include "api/kinds.h"
#include "api/validate/validate.h"
#include "source/decode/decode.h"
#include "source/documents.h"
#include "source/file_load.h"

namespace portico::source {
namespace {

namespace fs = std::filesystem;
using api::Kind;
using api::validate::FieldPath;
using api::validate::Issues;

// One message for a name taken twice, whether both are in one file (the
// loader) or in two (Assembler).
std::string duplicateMessage(std::string_view kindName, const api::ObjectMeta& meta,
                             const api::SourceLocation& existing) {
  return fmt::format(
      "duplicate object: {} {} is already defined at {} (document {}); this one ({}, document {}) is ignored",
      kindName, store::Table<api::Namespace>::key(meta.namespace_, meta.name), existing.file,
      existing.document, meta.source.file, meta.source.document);
}

struct Origin {
  const std::string* file;
  int document;
  int line;
};

class Loader {
 public:
  LoadResult result;
  std::optional<AnyObject> last;   // the last object stored (decodeObject)
  std::vector<FileObject> stored;  // every object stored, in document order
  // (index in result.diagnostics, "apiVersion kind") of each unknown-kind warning.
  std::vector<std::pair<size_t, std::string>> unknownKindWarnings;

  // decodeObject(): one object, document 0 of `file`, with a given order.
  void single(const yaml::Node& n, const std::string& file, int64_t order) {
    order_ = order - 1;
    object(n, {&file, 0, 0});
  }

  // The next object stored gets order `first`.
  void startOrderAt(int64_t first) { order_ = first - 1; }

  void loadBuffer(std::string_view content, const std::string& file, bool json) {
    DocumentSink sink;
    sink.failure = [&](const ParseFailure& f) {
      ++result.documents;
      diag(api::Severity::Error, {&file, f.number, f.line}, {}, {}, {}, {}, f.message);
    };
    sink.document = [&](const Document& d) {
      if (d.root.isNull()) return;  // e.g. a document holding only `~`
      ++result.documents;
      object(d.root, {&file, d.number, d.line});
    };
    parseBuffer(content, json, sink);
  }

  void error(const std::string& file, std::string message) {
    diag(api::Severity::Error, {&file, 0, 0}, {}, {}, {}, {}, std::move(message));
  }

 private:
  int64_t order_ = 0;
  std::set<std::string, std::less<>> unknownKinds_;

  void diag(api::Severity sev, const Origin& o, std::string_view kind, std::string_view ns,
            std::string_view name, std::string field, std::string message) {
    api::Diagnostic d;
    d.severity = sev;
    d.file = *o.file;
    d.document = o.document;
    d.line = o.line;
    d.kind = kind;
    d.namespace_ = ns;
    d.name = name;
    d.field = std::move(field);
    d.message = std::move(message);
    result.diagnostics.push_back(std::move(d));
  }

  static int lineOf(const yaml::Node& n, int fallback) {
    const yaml::Mark m = n.mark();
    return m.isNull() ? fallback : fallback + m.line;
  }

  void object(const yaml::Node& n, Origin origin) {
    if (!n.isMap()) {
      diag(api::Severity::Error, origin, {}, {}, {}, {},
           fmt::format("expected a Kubernetes object (a mapping with apiVersion and kind), got {}",
                       decode::typeName(decode::valueType(n))));
      return;
    }
    Issues head;
    decode::Ctx c(head);
    std::string apiVersion, kind;
    yaml::Node items, metadata;
    bool hasItems = false, hasMetadata = false;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const yaml::Item entry = *it;
      const std::string_view key = entry.first.scalar();
      if (key == "apiVersion")
        c.str(entry.second, FieldPath::root("apiVersion"), apiVersion);
      else if (key == "kind")
        c.str(entry.second, FieldPath::root("kind"), kind);
      else if (key == "items")
        items = entry.second, hasItems = true;
      else if (key == "metadata" && !entry.second.isNull())
        metadata = entry.second, hasMetadata = true;
    }
    if (apiVersion.empty() && !head.hasErrors())
      head.error(FieldPath::root("apiVersion"), "required field is missing");
    if (kind.empty() && !head.hasErrors()) head.error(FieldPath::root("kind"), "required field is missing");
    if (head.hasErrors()) return report(head, origin, kind, {}, {});

    // `kind: List` (and typed lists such as ServiceList): expand the items.
    if (kind == "List" || (kind.size() > 4 && kind.ends_with("List") && hasItems)) {
      if (!hasItems || items.isNull()) return;
      if (!items.isList()) {
        head.error(FieldPath::root("items"),
                   std::string("expected list, got ") + decode::typeName(decode::valueType(items)));
        return report(head, origin, kind, {}, {});
      }
      for (auto it = items.begin(); it != items.end(); ++it) {
        object(*it, {origin.file, origin.document,
                     lineOf(*it, origin.line - (n.mark().isNull() ? 0 : n.mark().line))});
      }
      return;
    }

    auto known = api::kindFromName(kind);
    std::string_view group = apiVersion.find('/') == std::string::npos
                                 ? std::string_view()
                                 : std::string_view(apiVersion).substr(0, apiVersion.find('/'));
    if (!known || api::kindGroup(*known) != group) {
      std::string key = apiVersion + " " + kind;
      if (unknownKinds_.insert(key).second) {
        unknownKindWarnings.emplace_back(result.diagnostics.size(), key);
        diag(api::Severity::Warning, origin, kind, {}, {}, {},
             fmt::format("unknown kind {} (apiVersion {}): objects of this kind are skipped", kind,
                         apiVersion));
      }
      return;
    }
    api::VersionCheck vc = api::checkApiVersion(*known, apiVersion);

    api::ObjectMeta meta;
    if (!hasMetadata) {
      head.error(FieldPath::root("metadata"), "required field is missing");
    } else {
      decode::decodeMeta(c, metadata, FieldPath::root("metadata"), meta);
      if (meta.name.empty() && !head.hasErrors())
        head.error(FieldPath::root("metadata").field("name"), "required field is missing");
    }
    if (api::isClusterScoped(*known)) {
      meta.namespace_.clear();  // the API server ignores it for cluster-scoped kinds
    } else if (meta.namespace_.empty()) {
      meta.namespace_ = "default";
    }
    if (!vc.served) head.error(FieldPath::root("apiVersion"), vc.message);
    if (head.hasErrors()) return report(head, origin, kind, meta.namespace_, meta.name);
    if (vc.deprecated) head.warning(FieldPath::root("apiVersion"), vc.message);

    meta.order = ++order_;
    meta.source = {*origin.file, origin.document, origin.line};
    const bool legacy = apiVersion.ends_with("/v1alpha2") || apiVersion.ends_with("/v1alpha3");
    Dispatch d{*this, n, c, head, std::move(meta), apiVersion, origin};
    switch (*known) {
      case Kind::GatewayClass:
        return d.run(result.snapshot.gatewayClasses, *known);
      case Kind::Gateway:
        return d.run(result.snapshot.gateways, *known);
      case Kind::ListenerSet:
        return d.run(result.snapshot.listenerSets, *known);
      case Kind::HTTPRoute:
        return d.run(result.snapshot.httpRoutes, *known);
      case Kind::GRPCRoute:
        return d.run(result.snapshot.grpcRoutes, *known);
      case Kind::TLSRoute:
        return d.run(result.snapshot.tlsRoutes, *known, legacy);
      case Kind::TCPRoute:
        return d.run(result.snapshot.tcpRoutes, *known, legacy);
      case Kind::UDPRoute:
        return d.run(result.snapshot.udpRoutes, *known, legacy);
      case Kind::ReferenceGrant:
        return d.run(result.snapshot.referenceGrants, *known);
      case Kind::BackendTLSPolicy:
        return d.run(result.snapshot.backendTLSPolicies, *known);
      case Kind::XBackendTrafficPolicy:
        return d.run(result.snapshot.backendTrafficPolicies, *known);
      case Kind::Service:
        return d.run(result.snapshot.services, *known);
      case Kind::EndpointSlice:
        return d.run(result.snapshot.endpointSlices, *known);
      case Kind::Secret:
        return d.run(result.snapshot.secrets, *known);
      case Kind::ConfigMap:
        return d.run(result.snapshot.configMaps, *known);
      case Kind::Namespace:
        return d.run(result.snapshot.namespaces, *known);
      case Kind::CustomResourceDefinition:
        return d.run(result.snapshot.crds, *known);
    }
  }

  void report(const Issues& issues, const Origin& origin, std::string_view kind, std::string_view ns,
              std::string_view name) {
    for (const auto& i : issues.items()) diag(i.severity, origin, kind, ns, name, i.field, i.message);
  }

  // Decodes, validates and stores one object of a known kind.
  struct Dispatch {
    Loader& self;
    const yaml::Node& node;
    decode::Ctx& ctx;
    Issues& issues;
    api::ObjectMeta meta;
    const std::string& apiVersion;
    Origin origin;

    template <class T>
    void run(store::Table<T>& table, Kind kind, bool legacy = false) {
      auto obj = std::make_shared<T>();
      obj->meta = std::move(meta);
      if constexpr (requires { obj->apiVersion; }) obj->apiVersion = apiVersion;
      if constexpr (std::is_base_of_v<api::L4Route, T>) {
        decode::decodeL4(ctx, node, *obj, kind == Kind::TLSRoute);
      } else {
        decode::decode(ctx, node, *obj);
      }
      if (!issues.hasErrors()) {
        api::validate::validateMeta(obj->meta, kind, issues);
        if constexpr (std::is_base_of_v<api::L4Route, T>) {
          api::validate::validate(*obj, issues, legacy);
        } else {
          api::validate::validate(*obj, issues);
        }
      }
      const std::string_view kindName = api::kindName(kind);
      self.report(issues, origin, kindName, obj->meta.namespace_, obj->meta.name);
      if (issues.hasErrors()) return;  // rejected: never enters the snapshot
      std::shared_ptr<const T> stored = obj;
      if (auto existing = table.insert(stored)) {
        self.diag(api::Severity::Error, origin, kindName, obj->meta.namespace_, obj->meta.name, {},
                  duplicateMessage(kindName, obj->meta, existing->meta.source));
        return;
      }
      ++self.result.objectsByKind[std::string(kindName)];
      self.last = AnyObject(std::move(stored));
      self.stored.push_back({*self.last, kind});
    }
  };

  friend struct Dispatch;
};

bool hasManifestExtension(std::string_view name) {
  // As fs::path::extension(): a leading dot alone ("./.yaml") is no extension.
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  const std::string_view ext = name.substr(dot);
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Every manifest below `dir`, unsorted. Like a recursive_directory_iterator
// with skip_permission_denied: symlinks to files count, symlinks to
// directories are not followed, an unreadable subdirectory is skipped. With
// readdir's d_type there is no stat per file: listing 10,000 route files is
// part of every reload (route propagation, docs/performance.md).
void listManifests(const std::string& dir, std::vector<std::string>& out, std::error_code& ec, bool root) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (root || errno != EACCES) ec = std::error_code(errno, std::generic_category());
    return;
  }
  const std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = prefix;
    path += name;
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0) continue;
      type = S_ISDIR(st.st_mode)   ? DT_DIR
             : S_ISLNK(st.st_mode) ? DT_LNK
             : S_ISREG(st.st_mode) ? DT_REG
                                   : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      listManifests(path, out, ec, false);
      if (ec) break;
    } else if (hasManifestExtension(name)) {
      struct stat st {};
      if (type == DT_REG || (type == DT_LNK && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)))
        out.push_back(std::move(path));
    }
  }
  ::closedir(d);
}

}  // namespace

bool readWhole(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = std::move(ss).str();
  return !in.bad();
}

std::vector<std::string> expandPaths(const std::vector<std::string>& paths, api::Diagnostics& errors) {
  Loader loader;  // only for its error format
  std::vector<std::string> files;
  for (const auto& path : paths) {
    if (path == "-") {
      files.push_back(path);
      continue;
    }
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      listManifests(path, found, ec, true);
      if (ec) loader.error(path, fmt::format("cannot read directory: {}", ec.message()));
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      files.push_back(path);
    } else {
      loader.error(path, "cannot read: no such file or directory");
    }
  }
  for (auto& d : loader.result.diagnostics) errors.push_back(std::move(d));
  return files;
}

bool isListedManifest(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (!hasManifestExtension(slash == std::string::npos ? path : std::string_view(path).substr(slash + 1))) {
    return false;
  }
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool readInput(const std::string& file, std::string& content) {
  if (file == "-") {
    content.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  return readWhole(file, content);
}

FileLoad decodeFile(std::string_view content, const std::string& file, int64_t firstOrder) {
  Loader loader;
  loader.startOrderAt(firstOrder);
  const bool json = file == "-" ? looksLikeJson(content) : fs::path(file).extension() == ".json";
  loader.loadBuffer(content, file, json);
  return FileLoad{loader.result.documents, std::move(loader.stored), std::move(loader.result.diagnostics),
                  std::move(loader.unknownKindWarnings)};
}

void Assembler::unreadable(const std::string& file) {
  Loader loader;
  loader.error(file, "cannot read file");
  for (auto& d : loader.result.diagnostics) result.diagnostics.push_back(std::move(d));
}

void Assembler::add(const std::string& file, const FileLoad& load) {
  result.files.push_back(file);
  result.documents += load.documents;
  // The loader names an unknown kind once per load; a file decoded on its
  // own names it again, so only the first file's warning is kept.
  auto unknown = load.unknownKinds.begin();
  for (size_t i = 0; i < load.diagnostics.size(); ++i) {
    if (unknown != load.unknownKinds.end() && unknown->first == i) {
      const bool first = unknownKinds_.insert(unknown->second).second;
      ++unknown;
      if (!first) continue;
    }
    result.diagnostics.push_back(load.diagnostics[i]);
  }
  for (const auto& o : load.objects) {
    const api::ObjectMeta* existing = insertOrFind(result.snapshot, o.object);
    const std::string_view kindName = api::kindName(o.kind);
    if (!existing) {
      ++result.objectsByKind[std::string(kindName)];
      continue;
    }
    const api::ObjectMeta& meta =
        std::visit([](const auto& p) -> const api::ObjectMeta& { return p->meta; }, o.object);
    api::Diagnostic d;
    d.severity = api::Severity::Error;
    d.file = meta.source.file;
    d.document = meta.source.document;
    d.line = meta.source.line;
    d.kind = kindName;
    d.namespace_ = meta.namespace_;
    d.name = meta.name;
    d.message = duplicateMessage(kindName, meta, existing->source);
    result.diagnostics.push_back(std::move(d));
  }
}

LoadResult loadPaths(const std::vector<std::string>& paths) {
  Assembler out;
  // Expand directories first so that files are read in a stable order.
  const std::vector<std::string> files = expandPaths(paths, out.result.diagnostics);
  int64_t order = 1;
  for (const auto& file : files) {
    std::string content;
    if (!readInput(file, content)) {
      out.unreadable(file);
      continue;
    }
    const FileLoad load = decodeFile(content, file, order);
    order += static_cast<int64_t>(load.objects.size());
    out.add(file, load);
  }
  return std::move(out.result);
}

DecodedObject decodeObject(const yaml::Node& object, const std::string& origin, int64_t order) {
  Loader loader;
  loader.single(object, origin, order);
  return DecodedObject{std::move(loader.last), std::move(loader.result.diagnostics)};
}

const api::ObjectMeta* insertOrFind(store::Snapshot& snapshot, const AnyObject& object) {
  return std::visit(
      [&](const auto& ptr) -> const api::ObjectMeta* {
        using T = std::remove_const_t<typename std::decay_t<decltype(ptr)>::element_type>;
        auto table = [&]() -> store::Table<T>& {
          auto& s = snapshot;
          if constexpr (std::is_same_v<T, api::GatewayClass>)
            return s.gatewayClasses;
          else if constexpr (std::is_same_v<T, api::Gateway>)
            return s.gateways;
          else if constexpr (std::is_same_v<T, api::ListenerSet>)
            return s.listenerSets;
          else if constexpr (std::is_same_v<T, api::HTTPRoute>)
            return s.httpRoutes;
          else if constexpr (std::is_same_v<T, api::GRPCRoute>)
            return s.grpcRoutes;
          else if constexpr (std::is_same_v<T, api::TLSRoute>)
            return s.tlsRoutes;
          else if constexpr (std::is_same_v<T, api::TCPRoute>)
            return s.tcpRoutes;
          else if constexpr (std::is_same_v<T, api::UDPRoute>)
            return s.udpRoutes;
          else if constexpr (std::is_same_v<T, api::ReferenceGrant>)
            return s.referenceGrants;
          else if constexpr (std::is_same_v<T, api::BackendTLSPolicy>)
            return s.backendTLSPolicies;
          else if constexpr (std::is_same_v<T, api::XBackendTrafficPolicy>)
            return s.backendTrafficPolicies;
          else if constexpr (std::is_same_v<T, api::Service>)
            return s.services;
          else if constexpr (std::is_same_v<T, api::EndpointSlice>)
            return s.endpointSlices;
          else if constexpr (std::is_same_v<T, api::Secret>)
            return s.secrets;
          else if constexpr (std::is_same_v<T, api::ConfigMap>)
            return s.configMaps;
          else if constexpr (std::is_same_v<T, api::Namespace>)
            return s.namespaces;
          else
            return s.crds;
        };
        const auto existing = table().insert(ptr);
        return existing ? &existing->meta : nullptr;
      },
      object);
}

bool insertObject(store::Snapshot& snapshot, const AnyObject& object) {
  return !insertOrFind(snapshot, object);
}

LoadResult loadString(std::string_view content, std::string_view filename) {
  Loader loader;
  loader.result.files.emplace_back(filename);
  const bool json = filename.ends_with(".json") ||
                    (!filename.ends_with(".yaml") && !filename.ends_with(".yml") && looksLikeJson(content));
  loader.loadBuffer(content, loader.result.files.back(), json);
  return std::move(loader.result);
}

}  // namespace portico::source

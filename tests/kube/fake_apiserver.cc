// The test Kubernetes API server (see fake_apiserver.h). One io_context
// thread runs every connection as a coroutine; the object store, the watch
// history and the open watches live under one mutex so the test thread's
// apply()/remove()/compact() and the wire requests see one order of events.
//
// Behaviour follows the real kube-apiserver where a client could notice:
// list items of built-in kinds carry no apiVersion/kind (typed lists) while
// custom resources' items do; a no-op update does not bump resourceVersion
// nor emit a watch event; custom resources and Leases refuse updates without
// metadata.resourceVersion (AllowUnconditionalUpdate is false for them);
// Leases and Events may be created by PUT; status is dropped on create and
// ignored by the main resource's PUT when the kind has a status subresource;
// a watch from a compacted resourceVersion is answered 200 with one ERROR
// event (410 Expired); metadata.generation exists only for custom resources.
#include "kube/fake_apiserver.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <stdexcept>
#include <thread>
#include <variant>

#include "support/test_support.h"

namespace portico::testing {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using json = nlohmann::json;
constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

// ---------------------------------------------------------------------------
// Resources

struct ResourceInfo {
  std::string group;
  std::vector<std::string> versions;  // served; the first is the storage version
  std::string resource;               // plural
  std::string kind;
  bool namespaced = true;
  bool crd = false;  // a custom resource (unstructured lists, generation)
  bool statusSubresource = false;
  bool allowCreateOnUpdate = false;
  bool allowUnconditionalUpdate = true;
  std::vector<std::string> fields;  // top-level fields besides apiVersion, kind, metadata
};

const std::vector<ResourceInfo>& resources() {
  static const std::vector<ResourceInfo> kResources = [] {
    const std::string gw = "gateway.networking.k8s.io";
    const std::vector<std::string> specStatus{"spec", "status"};
    auto crd = [&](std::string group, std::vector<std::string> versions, std::string resource,
                   std::string kind, bool namespaced, bool status = true) {
      ResourceInfo r{std::move(group), std::move(versions), std::move(resource), std::move(kind), namespaced};
      r.crd = true;
      r.statusSubresource = status;
      r.allowUnconditionalUpdate = false;
      r.fields = status ? specStatus : std::vector<std::string>{"spec"};
      return r;
    };
    std::vector<ResourceInfo> out{
        crd(gw, {"v1", "v1beta1"}, "gatewayclasses", "GatewayClass", false),
        crd(gw, {"v1", "v1beta1"}, "gateways", "Gateway", true),
        crd(gw, {"v1"}, "listenersets", "ListenerSet", true),
        crd(gw, {"v1", "v1beta1"}, "httproutes", "HTTPRoute", true),
        crd(gw, {"v1"}, "grpcroutes", "GRPCRoute", true),
        crd(gw, {"v1", "v1alpha2", "v1alpha3"}, "tlsroutes", "TLSRoute", true),
        crd(gw, {"v1", "v1alpha2"}, "tcproutes", "TCPRoute", true),
        crd(gw, {"v1", "v1alpha2"}, "udproutes", "UDPRoute", true),
        crd(gw, {"v1", "v1beta1"}, "referencegrants", "ReferenceGrant", true, false),
        crd(gw, {"v1", "v1alpha3"}, "backendtlspolicies", "BackendTLSPolicy", true),
        crd("gateway.networking.x-k8s.io", {"v1alpha1"}, "xbackendtrafficpolicies", "XBackendTrafficPolicy",
            true),
    };
    ResourceInfo services{"", {"v1"}, "services", "Service", true};
    services.statusSubresource = true;
    services.fields = specStatus;
    ResourceInfo secrets{"", {"v1"}, "secrets", "Secret", true};
    secrets.fields = {"data", "stringData", "type", "immutable"};
    ResourceInfo configmaps{"", {"v1"}, "configmaps", "ConfigMap", true};
    configmaps.fields = {"data", "binaryData", "immutable"};
    ResourceInfo namespaces{"", {"v1"}, "namespaces", "Namespace", false};
    namespaces.statusSubresource = true;
    namespaces.fields = specStatus;
    ResourceInfo events{"", {"v1"}, "events", "Event", true};
    events.allowCreateOnUpdate = true;
    events.fields = {"involvedObject",
                     "reason",
                     "message",
                     "type",
                     "count",
                     "firstTimestamp",
                     "lastTimestamp",
                     "source",
                     "reportingComponent",
                     "reportingInstance",
                     "eventTime",
                     "action",
                     "related",
                     "series"};
    ResourceInfo slices{"discovery.k8s.io", {"v1"}, "endpointslices", "EndpointSlice", true};
    slices.fields = {"addressType", "endpoints", "ports"};
    ResourceInfo leases{"coordination.k8s.io", {"v1"}, "leases", "Lease", true};
    leases.allowCreateOnUpdate = true;
    leases.allowUnconditionalUpdate = false;
    leases.fields = {"spec"};
    for (auto* r : {&services, &secrets, &configmaps, &namespaces, &events, &slices, &leases}) {
      out.push_back(std::move(*r));
    }
    return out;
  }();
  return kResources;
}

const ResourceInfo* findResource(std::string_view group, std::string_view resource) {
  for (const auto& r : resources()) {
    if (r.group == group && r.resource == resource) return &r;
  }
  return nullptr;
}

const ResourceInfo* findKind(std::string_view group, std::string_view kind) {
  for (const auto& r : resources()) {
    if (r.group == group && r.kind == kind) return &r;
  }
  return nullptr;
}

bool serves(const ResourceInfo& r, std::string_view version) {
  return std::find(r.versions.begin(), r.versions.end(), version) != r.versions.end();
}

std::string groupVersion(const std::string& group, const std::string& version) {
  return group.empty() ? version : group + "/" + version;
}

std::pair<std::string, std::string> splitApiVersion(const std::string& apiVersion) {
  auto slash = apiVersion.find('/');
  if (slash == std::string::npos) return {"", apiVersion};
  return {apiVersion.substr(0, slash), apiVersion.substr(slash + 1)};
}

// "gateways.gateway.networking.k8s.io" as the real server names a resource in messages.
std::string qualified(const ResourceInfo& r) {
  return r.group.empty() ? r.resource : r.resource + "." + r.group;
}

// ---------------------------------------------------------------------------
// Small helpers

std::string nowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string randomUid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string randomSuffix() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  static constexpr char kChars[] = "bcdfghjklmnpqrstvwxz2456789";  // the real generator's alphabet
  std::string s;
  for (int i = 0; i < 5; ++i) s += kChars[rng() % (sizeof kChars - 1)];
  return s;
}

std::string percentDecode(std::string_view s, bool plusIsSpace) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plusIsSpace && s[i] == '+') ? ' ' : s[i];
  }
  return out;
}

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(percentDecode(path.substr(i, j - i), false));
    i = j + 1;
  }
  return out;
}

std::map<std::string, std::string> parseQuery(std::string_view q) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < q.size()) {
    size_t j = q.find('&', i);
    if (j == std::string_view::npos) j = q.size();
    std::string_view kv = q.substr(i, j - i);
    size_t eq = kv.find('=');
    if (!kv.empty()) {
      out[percentDecode(kv.substr(0, eq), true)] =
          eq == std::string_view::npos ? "" : percentDecode(kv.substr(eq + 1), true);
    }
    i = j + 1;
  }
  return out;
}

std::string base64url(std::string_view in) {
  std::string b = base64(in);
  for (char& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return b;
}

std::optional<std::string> unbase64url(std::string s) {
  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  if (s.empty() || s.size() % 4 != 0) return std::nullopt;
  std::string out(s.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  if (n < 0) return std::nullopt;
  size_t pad = (s.size() >= 1 && s.back() == '=') + (s.size() >= 2 && s[s.size() - 2] == '=');
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::optional<uint64_t> parseRv(const std::string& s) {
  if (s.empty() || s.size() > 19 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoull(s);
}

// metav1.Time accepts any RFC 3339 time; metav1.MicroTime is parsed with
// Go's RFC3339Micro layout, which needs exactly six fractional digits.
bool isRfc3339(const std::string& s) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$)");
  return std::regex_match(s, re);
}
bool isMicroTime(const std::string& s) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$)");
  return std::regex_match(s, re);
}

// ---------------------------------------------------------------------------
// Errors as metav1.Status

struct ApiError {
  int code;
  std::string reason;
  std::string message;
  json details = nullptr;
};

json statusBody(const ApiError& e) {
  json s{{"kind", "Status"},    {"apiVersion", "v1"},   {"metadata", json::object()},
         {"status", "Failure"}, {"message", e.message}, {"reason", e.reason},
         {"code", e.code}};
  if (!e.details.is_null()) s["details"] = e.details;
  return s;
}

json details(const ResourceInfo& r, const std::string& name) {
  json d{{"name", name}, {"kind", r.resource}};
  if (!r.group.empty()) d["group"] = r.group;
  return d;
}

ApiError notFound(const ResourceInfo& r, const std::string& name) {
  return {404, "NotFound", qualified(r) + " \"" + name + "\" not found", details(r, name)};
}

ApiError conflict(const ResourceInfo& r, const std::string& name) {
  return {
      409, "Conflict",
      "Operation cannot be fulfilled on " + qualified(r) + " \"" + name +
          "\": the object has been modified; please apply your changes to the latest version and try again",
      details(r, name)};
}

ApiError badRequest(std::string message) { return {400, "BadRequest", std::move(message)}; }

// A field error, as the real server's 422 names it: `Kind.group "name" is invalid: path: detail`.
struct FieldError {
  std::string field;
  std::string detail;
};

ApiError invalid(const ResourceInfo& r, const std::string& name, const std::vector<FieldError>& errors) {
  std::string kindName = r.group.empty() ? r.kind : r.kind + "." + r.group;
  std::string msg;
  json causes = json::array();
  for (const auto& e : errors) {
    msg += (msg.empty() ? "" : ", ") + e.field + ": " + e.detail;
    causes.push_back({{"reason", "FieldValueInvalid"}, {"message", e.detail}, {"field", e.field}});
  }
  if (errors.size() > 1) msg = "[" + msg + "]";
  json d = details(r, name);
  d["kind"] = r.kind;
  d["causes"] = causes;
  return {422, "Invalid", kindName + " \"" + name + "\" is invalid: " + msg, d};
}

// ---------------------------------------------------------------------------
// Validation of request bodies against the real field names

class Validator {
 public:
  std::vector<FieldError> errors;

  void unknown(const std::string& path) { errors.push_back({path, "unknown field \"" + path + "\""}); }
  void bad(const std::string& path, const std::string& detail) { errors.push_back({path, detail}); }

  // Every key of `obj` must be in `allowed`.
  void onlyKnown(const json& obj, const std::string& path, const std::vector<std::string_view>& allowed) {
    if (!obj.is_object()) {
      bad(path, "Invalid value: must be an object");
      return;
    }
    for (const auto& [k, v] : obj.items()) {
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) unknown(join(path, k));
    }
  }

  void stringField(const json& obj, const std::string& path, const std::string& key) {
    if (obj.contains(key) && !obj[key].is_string() && !obj[key].is_null())
      bad(join(path, key), "must be a string");
  }
  void intField(const json& obj, const std::string& path, const std::string& key, int64_t min) {
    if (!obj.contains(key) || obj[key].is_null()) return;
    if (!obj[key].is_number_integer()) {
      bad(join(path, key), "must be an integer");
    } else if (obj[key].get<int64_t>() < min) {
      bad(join(path, key),
          "Invalid value: " + obj[key].dump() + ": must be greater than or equal to " + std::to_string(min));
    }
  }
  void timeField(const json& obj, const std::string& path, const std::string& key, bool micro) {
    if (!obj.contains(key) || obj[key].is_null()) return;
    const json& v = obj[key];
    if (!v.is_string() || !(micro ? isMicroTime(v.get<std::string>()) : isRfc3339(v.get<std::string>()))) {
      bad(join(path, key),
          std::string("Invalid value: ") + v.dump() + ": must be " +
              (micro ? "a MicroTime (RFC 3339 with 6 fractional digits)" : "an RFC 3339 time"));
    }
  }
  void stringMap(const json& obj, const std::string& path, const std::string& key) {
    if (!obj.contains(key) || obj[key].is_null()) return;
    if (!obj[key].is_object()) {
      bad(join(path, key), "must be a map of strings");
      return;
    }
    for (const auto& [k, v] : obj[key].items()) {
      if (!v.is_string()) bad(join(join(path, key), k), "must be a string");
    }
  }

  void metadata(const json& m) {
    onlyKnown(m, "metadata",
              {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "labels",
               "annotations", "ownerReferences", "finalizers", "managedFields", "generateName",
               "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"});
    if (!m.is_object()) return;
    for (auto k : {"name", "namespace", "uid", "resourceVersion", "generateName"})
      stringField(m, "metadata", k);
    stringMap(m, "metadata", "labels");
    stringMap(m, "metadata", "annotations");
    if (m.contains("ownerReferences") && m["ownerReferences"].is_array()) {
      for (size_t i = 0; i < m["ownerReferences"].size(); ++i) {
        onlyKnown(m["ownerReferences"][i], "metadata.ownerReferences[" + std::to_string(i) + "]",
                  {"apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion"});
      }
    }
  }

  // metav1.Condition as the Gateway API CRDs declare it: all but
  // observedGeneration required, status an enum, reason a CamelCase word,
  // at most one condition per type (listMapKey).
  void conditions(const json& list, const std::string& path) {
    if (!list.is_array()) {
      bad(path, "must be a list");
      return;
    }
    std::set<std::string> types;
    static const std::regex reasonRe("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string p = path + "[" + std::to_string(i) + "]";
      const json& c = list[i];
      onlyKnown(c, p, {"type", "status", "reason", "message", "lastTransitionTime", "observedGeneration"});
      if (!c.is_object()) continue;
      for (auto req : {"type", "status", "reason", "message", "lastTransitionTime"}) {
        if (!c.contains(req)) bad(join(p, req), "Required value");
      }
      for (auto k : {"type", "status", "reason", "message"}) stringField(c, p, k);
      if (c.contains("status") && c["status"].is_string()) {
        const auto s = c["status"].get<std::string>();
        if (s != "True" && s != "False" && s != "Unknown") {
          bad(join(p, "status"),
              "Unsupported value: \"" + s + "\": supported values: \"True\", \"False\", \"Unknown\"");
        }
      }
      if (c.contains("reason") && c["reason"].is_string() &&
          !std::regex_match(c["reason"].get<std::string>(), reasonRe)) {
        bad(join(p, "reason"), "Invalid value: " + c["reason"].dump() + ": should match '" +
                                   "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$'");
      }
      timeField(c, p, "lastTransitionTime", false);
      intField(c, p, "observedGeneration", 0);
      if (c.contains("type") && c["type"].is_string() && !types.insert(c["type"].get<std::string>()).second) {
        bad(join(p, "type"), "Duplicate value: " + c["type"].dump());
      }
    }
  }

  // Every `conditions` list anywhere under status (Gateway, listeners,
  // route parents, policy ancestors).
  void statusConditions(const json& v, const std::string& path) {
    if (v.is_object()) {
      for (const auto& [k, child] : v.items()) {
        if (k == "conditions") {
          conditions(child, join(path, k));
        } else {
          statusConditions(child, join(path, k));
        }
      }
    } else if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) statusConditions(v[i], path + "[" + std::to_string(i) + "]");
    }
  }

  void leaseSpec(const json& spec) {
    onlyKnown(spec, "spec",
              {"holderIdentity", "leaseDurationSeconds", "acquireTime", "renewTime", "leaseTransitions",
               "preferredHolder", "strategy"});
    if (!spec.is_object()) return;
    stringField(spec, "spec", "holderIdentity");
    intField(spec, "spec", "leaseDurationSeconds", 1);
    intField(spec, "spec", "leaseTransitions", 0);
    timeField(spec, "spec", "acquireTime", true);
    timeField(spec, "spec", "renewTime", true);
    if (spec.contains("preferredHolder") && !spec.contains("strategy")) {
      bad("spec.preferredHolder", "Forbidden: may only be specified if `strategy` is defined");
    }
  }

  // core/v1 Event, with ValidateEventCreate's rules for both styles.
  void event(const json& e, const std::string& ns) {
    static const std::vector<std::string_view> kRef{"kind",       "namespace",       "name",     "uid",
                                                    "apiVersion", "resourceVersion", "fieldPath"};
    if (e.contains("involvedObject")) onlyKnown(e["involvedObject"], "involvedObject", kRef);
    if (e.contains("related") && !e["related"].is_null()) onlyKnown(e["related"], "related", kRef);
    if (e.contains("source") && !e["source"].is_null())
      onlyKnown(e["source"], "source", {"component", "host"});
    if (e.contains("series") && !e["series"].is_null()) {
      onlyKnown(e["series"], "series", {"count", "lastObservedTime"});
      if (e["series"].is_object()) timeField(e["series"], "series", "lastObservedTime", true);
    }
    for (auto k : {"reason", "message", "type", "action", "reportingComponent", "reportingInstance"}) {
      stringField(e, "", k);
    }
    intField(e, "", "count", 0);
    timeField(e, "", "firstTimestamp", false);
    timeField(e, "", "lastTimestamp", false);
    timeField(e, "", "eventTime", true);
    const json involved = e.value("involvedObject", json::object());
    const std::string involvedNs = involved.is_object() ? involved.value("namespace", "") : "";
    const bool newStyle = e.contains("eventTime") && !e["eventTime"].is_null();
    if (newStyle) {
      if (e.value("reportingComponent", "").empty()) bad("reportingComponent", "Required value");
      if (e.value("reportingInstance", "").empty()) bad("reportingInstance", "Required value");
      if (e.value("action", "").empty()) bad("action", "Required value");
      const std::string type = e.value("type", "");
      if (type != "Normal" && type != "Warning") {
        bad("type", "Unsupported value: \"" + type + "\": supported values: \"Normal\", \"Warning\"");
      }
    }
    // An Event about a cluster-scoped object lives in "default"; otherwise
    // in the object's own namespace.
    if (involvedNs.empty()) {
      if (!ns.empty() && ns != "default") {
        bad("involvedObject.namespace", "Invalid value: \"\": does not match event.namespace");
      }
    } else if (involvedNs != ns) {
      bad("involvedObject.namespace",
          "Invalid value: \"" + involvedNs + "\": does not match event.namespace");
    }
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
};

// The whole body of a write: apiVersion/kind, metadata, the kind's fields.
std::vector<FieldError> validateObject(const ResourceInfo& r, const json& obj, const std::string& ns) {
  Validator v;
  for (const auto& [k, val] : obj.items()) {
    if (k == "apiVersion" || k == "kind" || k == "metadata") continue;
    if (std::find(r.fields.begin(), r.fields.end(), k) == r.fields.end()) v.unknown(k);
  }
  if (obj.contains("metadata")) v.metadata(obj["metadata"]);
  if (obj.contains("status") && !obj["status"].is_null()) v.statusConditions(obj["status"], "status");
  if (r.kind == "Lease" && obj.contains("spec") && !obj["spec"].is_null()) v.leaseSpec(obj["spec"]);
  if (r.kind == "Event") v.event(obj, ns);
  return v.errors;
}

// ---------------------------------------------------------------------------
// Selectors

struct LabelReq {
  std::string key;
  enum Op { Eq, NotEq, In, NotIn, Exists, NotExists } op;
  std::vector<std::string> values;
};

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// The selector grammar of k8s.io/apimachinery/pkg/labels: `k=v`, `k==v`,
// `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, joined by commas.
std::optional<std::vector<LabelReq>> parseLabelSelector(const std::string& s) {
  std::vector<std::string> terms;
  int depth = 0;
  std::string cur;
  for (char c : s) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      terms.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  terms.push_back(cur);
  std::vector<LabelReq> out;
  for (auto& t : terms) {
    std::string term = trim(t);
    if (term.empty()) {
      if (terms.size() == 1) break;
      return std::nullopt;
    }
    LabelReq r;
    size_t p;
    if (term[0] == '!') {
      r = {trim(term.substr(1)), LabelReq::NotExists, {}};
    } else if ((p = term.find("!=")) != std::string::npos) {
      r = {trim(term.substr(0, p)), LabelReq::NotEq, {trim(term.substr(p + 2))}};
    } else if ((p = term.find("==")) != std::string::npos) {
      r = {trim(term.substr(0, p)), LabelReq::Eq, {trim(term.substr(p + 2))}};
    } else if ((p = term.find('=')) != std::string::npos) {
      r = {trim(term.substr(0, p)), LabelReq::Eq, {trim(term.substr(p + 1))}};
    } else if (size_t open = term.find('('); open != std::string::npos) {
      size_t close = term.find(')', open);
      if (close == std::string::npos) return std::nullopt;
      std::string head = trim(term.substr(0, open));
      size_t sp = head.rfind(' ');
      if (sp == std::string::npos) return std::nullopt;
      std::string op = head.substr(sp + 1);
      r.key = trim(head.substr(0, sp));
      if (op == "in") {
        r.op = LabelReq::In;
      } else if (op == "notin") {
        r.op = LabelReq::NotIn;
      } else {
        return std::nullopt;
      }
      std::string list = term.substr(open + 1, close - open - 1);
      size_t i = 0;
      while (i <= list.size()) {
        size_t j = list.find(',', i);
        if (j == std::string::npos) j = list.size();
        r.values.push_back(trim(list.substr(i, j - i)));
        i = j + 1;
      }
    } else {
      r = {term, LabelReq::Exists, {}};
    }
    if (r.key.empty()) return std::nullopt;
    out.push_back(std::move(r));
  }
  return out;
}

bool labelsMatch(const std::vector<LabelReq>& sel, const json& obj) {
  const json labels =
      obj.contains("metadata") ? obj["metadata"].value("labels", json::object()) : json::object();
  for (const auto& r : sel) {
    const bool has = labels.contains(r.key);
    const std::string val = has && labels[r.key].is_string() ? labels[r.key].get<std::string>() : "";
    auto in = [&] { return std::find(r.values.begin(), r.values.end(), val) != r.values.end(); };
    switch (r.op) {
      case LabelReq::Eq:
      case LabelReq::In:
        if (!has || !in()) return false;
        break;
      case LabelReq::NotEq:
      case LabelReq::NotIn:
        if (has && in()) return false;
        break;
      case LabelReq::Exists:
        if (!has) return false;
        break;
      case LabelReq::NotExists:
        if (has) return false;
        break;
    }
  }
  return true;
}

struct FieldReq {
  std::vector<std::string> path;
  bool equal;
  std::string value;
};

// Custom resources support only metadata.name and metadata.namespace; Events
// also their involvedObject.*, reason, source, type and reportingComponent.
std::optional<std::vector<FieldReq>> parseFieldSelector(const ResourceInfo& r, const std::string& s,
                                                        std::string& error) {
  std::vector<FieldReq> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    std::string term = trim(s.substr(i, j - i));
    i = j + 1;
    if (term.empty()) continue;
    FieldReq f;
    size_t p;
    std::string field;
    if ((p = term.find("!=")) != std::string::npos) {
      field = term.substr(0, p), f.equal = false, f.value = term.substr(p + 2);
    } else if ((p = term.find("==")) != std::string::npos) {
      field = term.substr(0, p), f.equal = true, f.value = term.substr(p + 2);
    } else if ((p = term.find('=')) != std::string::npos) {
      field = term.substr(0, p), f.equal = true, f.value = term.substr(p + 1);
    } else {
      error = "invalid selector: '" + s + "'; can't understand '" + term + "'";
      return std::nullopt;
    }
    static const std::set<std::string> kEventFields{"involvedObject.kind",
                                                    "involvedObject.namespace",
                                                    "involvedObject.name",
                                                    "involvedObject.uid",
                                                    "involvedObject.apiVersion",
                                                    "involvedObject.resourceVersion",
                                                    "involvedObject.fieldPath",
                                                    "reason",
                                                    "source",
                                                    "type",
                                                    "reportingComponent"};
    if (field != "metadata.name" && field != "metadata.namespace" &&
        !(r.kind == "Event" && kEventFields.count(field))) {
      error = "field label not supported: " + field;
      return std::nullopt;
    }
    if (field == "source") field = "source.component";
    size_t k = 0;
    while (k <= field.size()) {
      size_t d = field.find('.', k);
      if (d == std::string::npos) d = field.size();
      f.path.push_back(field.substr(k, d - k));
      k = d + 1;
    }
    out.push_back(std::move(f));
  }
  return out;
}

bool fieldsMatch(const std::vector<FieldReq>& sel, const json& obj) {
  for (const auto& f : sel) {
    const json* cur = &obj;
    for (const auto& part : f.path) {
      if (!cur->is_object() || !cur->contains(part)) {
        cur = nullptr;
        break;
      }
      cur = &(*cur)[part];
    }
    std::string v = cur && cur->is_string() ? cur->get<std::string>() : "";
    if ((v == f.value) != f.equal) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// The server certificate: IP SAN 127.0.0.1 (what clients dial) and DNS
// localhost, signed by the CA from makeCa. makeCert has no IP SANs, so the
// leaf is made here with OpenSSL directly.

KeyPair makeServerCert(const KeyPair& ca) {
  auto readCert = [](const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return x;
  };
  auto readKey = [](const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return k;
  };
  auto toPem = [](auto writer) {
    BIO* bio = BIO_new(BIO_s_mem());
    writer(bio);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    return out;
  };
  X509* caCert = readCert(ca.certPem);
  EVP_PKEY* caKey = readKey(ca.keyPem);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  if (!caCert || !caKey || !key || !x) throw std::runtime_error("fake apiserver: cannot make certificates");
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), static_cast<long>(std::random_device{}() & 0x7fffffff) + 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
  X509_set_pubkey(x, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("kube-apiserver"), -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(caCert));
  auto ext = [&](int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, caCert, x, nullptr, nullptr, 0);
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  };
  ext(NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  ext(NID_key_usage, "critical,digitalSignature,keyEncipherment");
  ext(NID_ext_key_usage, "serverAuth");
  ext(NID_subject_key_identifier, "hash");
  ext(NID_authority_key_identifier, "keyid:always");
  X509_sign(x, caKey, EVP_sha256());
  KeyPair kp;
  kp.certPem = toPem([&](BIO* b) { PEM_write_bio_X509(b, x); });
  kp.keyPem = toPem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(x);
  EVP_PKEY_free(key);
  X509_free(caCert);
  EVP_PKEY_free(caKey);
  return kp;
}

// ---------------------------------------------------------------------------
// The server

struct Conn {
  Conn(tcp::socket sock, ssl::context& ctx) : stream(std::move(sock), ctx), wake(stream.get_executor()) {}
  ssl::stream<tcp::socket> stream;
  beast::flat_buffer buf;
  // Cancelled to wake a watch stream: new events, closeWatches(), the
  // probe below completing. Waits always re-check their condition, so a
  // late or spurious cancel only costs a loop.
  net::steady_timer wake;
  // A read kept pending during a watch to see the client go away.
  bool probing = false;
  boost::system::error_code probeEc;
  size_t probeBytes = 0;
  std::array<char, 512> probe{};
  void close() {
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).close(ec);
    wake.cancel();
  }
};

struct Watcher {
  const ResourceInfo* res = nullptr;
  std::string version;  // of the URL: objects are sent in it
  std::string ns;       // empty: all namespaces
  std::vector<LabelReq> labels;
  std::vector<FieldReq> fields;
  bool bookmarks = false;
  std::weak_ptr<Conn> conn;  // locked on the io thread only
  // Guarded by the server's mutex.
  std::deque<std::string> pending;
  bool ended = false;  // closeWatches()
};

struct Route {
  bool resourceRequest = false;
  const ResourceInfo* res = nullptr;  // null: not served
  std::string group;                  // as asked, for the record
  std::string resource;
  std::string version;
  std::string ns;
  std::string name;
  std::string subresource;
  std::vector<std::string> segs;  // the whole path, split
};

struct Reply {
  int status = 200;
  json body;
};

// What a watch request resolved to.
struct WatchStart {
  std::shared_ptr<Watcher> watcher;  // null: the stream ends after `initial`
  std::vector<std::string> initial;
  int timeoutSeconds = 0;
};

class FakeApiServerImpl final : public FakeApiServer {
 public:
  explicit FakeApiServerImpl(Options options)
      : options_(std::move(options)),
        io_(std::make_unique<net::io_context>(1)),
        ssl_(ssl::context::tls_server) {
    ca_ = makeCa("portico-test-kube-ca");
    KeyPair leaf = makeServerCert(ca_);
    ssl_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ssl_.use_certificate_chain(net::buffer(leaf.certPem));
    ssl_.use_private_key(net::buffer(leaf.keyPem), ssl::context::pem);
    acceptor_.emplace(*io_);
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    acceptor_->open(ep.protocol());
    acceptor_->bind(ep);
    acceptor_->listen();
    port_ = acceptor_->local_endpoint().port();
    net::co_spawn(*io_, acceptLoop(), net::detached);
    thread_ = std::thread([this] { io_->run(); });
  }

  ~FakeApiServerImpl() override {
    // Close every socket and stop the loop; suspended coroutine frames
    // (holding only closed sockets) are destroyed with the io_context,
    // before the members they refer to.
    net::post(*io_, [this] {
      boost::system::error_code ec;
      acceptor_->close(ec);
      for (auto& [p, weak] : conns_) {
        if (auto c = weak.lock()) c->close();
      }
      io_->stop();
    });
    thread_.join();
    {
      std::lock_guard lock(mu_);
      watchers_.clear();
    }
    acceptor_.reset();
    io_.reset();
  }

  uint16_t port() const override { return port_; }
  std::string url() const override { return "https://127.0.0.1:" + std::to_string(port_); }
  std::string caPem() const override { return ca_.certPem; }
  std::string token() const override { return options_.token; }

  json apply(const json& object) override {
    if (!object.is_object() || !object.contains("apiVersion") || !object.contains("kind")) {
      throw std::invalid_argument("apply: object needs apiVersion and kind");
    }
    auto [group, version] = splitApiVersion(object["apiVersion"].get<std::string>());
    const ResourceInfo* r = findKind(group, object["kind"].get<std::string>());
    if (!r) throw std::invalid_argument("apply: unknown kind " + object["kind"].dump());
    const json meta = object.value("metadata", json::object());
    const std::string name = meta.value("name", "");
    const std::string ns = r->namespaced ? meta.value("namespace", "") : "";
    if (name.empty() || (r->namespaced && ns.empty())) {
      throw std::invalid_argument("apply: object needs metadata.name (and namespace when namespaced)");
    }
    std::lock_guard lock(mu_);
    json obj = object;
    auto& table = store_[r->resource];
    auto it = table.find({ns, name});
    if (it == table.end()) {
      json stored = prepareCreate(*r, std::move(obj), ns, /*keepStatus=*/true);
      commit(*r, "ADDED", stored);
      return stored;
    }
    // kubectl apply never writes status: keep what controllers wrote.
    if (it->second.contains("status")) {
      obj["status"] = it->second["status"];
    }
    json updated = prepareUpdate(*r, it->second, std::move(obj));
    if (updated == it->second) return updated;
    commit(*r, "MODIFIED", updated);
    return updated;
  }

  bool remove(const std::string& apiVersion, const std::string& kind, const std::string& ns,
              const std::string& name) override {
    auto [group, version] = splitApiVersion(apiVersion);
    const ResourceInfo* r = findKind(group, kind);
    if (!r) return false;
    std::lock_guard lock(mu_);
    return eraseLocked(*r, r->namespaced ? ns : "", name).has_value();
  }

  json get(const std::string& apiVersion, const std::string& kind, const std::string& ns,
           const std::string& name) const override {
    auto [group, version] = splitApiVersion(apiVersion);
    const ResourceInfo* r = findKind(group, kind);
    if (!r) return nullptr;
    std::lock_guard lock(mu_);
    auto t = store_.find(r->resource);
    if (t == store_.end()) return nullptr;
    auto it = t->second.find({r->namespaced ? ns : "", name});
    return it == t->second.end() ? json(nullptr) : it->second;
  }

  void compact() override {
    std::lock_guard lock(mu_);
    history_.clear();
    historyStart_ = rv_;
    snapshots_.clear();
    bumpChanges();
  }

  void closeWatches() override {
    std::lock_guard lock(mu_);
    for (auto& w : watchers_) {
      w->ended = true;
      wake(w);
    }
    bumpChanges();
  }

  void sendBookmarks() override {
    std::lock_guard lock(mu_);
    for (auto& w : watchers_) {
      if (!w->bookmarks || w->ended) continue;
      json ev{{"type", "BOOKMARK"},
              {"object",
               {{"kind", w->res->kind},
                {"apiVersion", groupVersion(w->res->group, w->version)},
                {"metadata", {{"resourceVersion", std::to_string(rv_)}}}}}};
      w->pending.push_back(ev.dump() + "\n");
      wake(w);
    }
    bumpChanges();
  }

  void injectStatusConflicts(int count) override {
    std::lock_guard lock(mu_);
    injectedConflicts_ = count;
  }

  std::vector<RecordedRequest> requests() const override {
    std::lock_guard lock(mu_);
    return requests_;
  }

  bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      uint64_t seen;
      {
        std::lock_guard lock(mu_);
        seen = changes_;
      }
      if (pred()) return true;
      std::unique_lock lock(mu_);
      if (!cv_.wait_until(lock, deadline, [&] { return changes_ != seen; })) {
        lock.unlock();
        return pred();
      }
    }
  }

 private:
  using Key = std::pair<std::string, std::string>;  // namespace, name
  struct HistoryEvent {
    uint64_t rv;
    const ResourceInfo* res;
    std::string type;
    json object;
  };
  struct Snapshot {
    uint64_t rv;
    std::vector<json> items;
  };

  // ---- store (callers hold mu_) ----

  void bumpChanges() {
    ++changes_;
    cv_.notify_all();
  }

  void wake(const std::shared_ptr<Watcher>& w) {
    net::post(*io_, [conn = w->conn] {
      if (auto c = conn.lock()) c->wake.cancel();
    });
  }

  // Server-set metadata for a new object; status dropped unless asked to
  // keep it (apply() may seed it; a create request through a kind with a
  // status subresource may not, as on the real server).
  json prepareCreate(const ResourceInfo& r, json obj, const std::string& ns, bool keepStatus) {
    json& m = obj["metadata"];
    if (r.namespaced) {
      m["namespace"] = ns;
    } else {
      m.erase("namespace");
    }
    for (auto k : {"uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
                   "deletionGracePeriodSeconds", "selfLink"}) {
      m.erase(k);
    }
    m["uid"] = randomUid();
    m["creationTimestamp"] = nowRfc3339();
    if (r.crd) m["generation"] = 1;
    if (!keepStatus && r.statusSubresource) obj.erase("status");
    if (r.kind == "Namespace" && !obj.contains("status")) obj["status"] = {{"phase", "Active"}};
    m["resourceVersion"] = std::to_string(rv_ + 1);
    return obj;
  }

  // The main resource's update: server-set metadata kept, generation bumped
  // when anything but metadata and status changed, status kept when the
  // kind has a status subresource. Returns `old` itself for a no-op.
  json prepareUpdate(const ResourceInfo& r, const json& old, json obj) {
    json& m = obj["metadata"];
    const json& om = old["metadata"];
    for (auto k : {"uid", "creationTimestamp", "namespace", "generation", "deletionTimestamp"}) {
      if (om.contains(k)) {
        m[k] = om[k];
      } else {
        m.erase(k);
      }
    }
    m["resourceVersion"] = om["resourceVersion"];
    m.erase("selfLink");
    if (r.statusSubresource) {
      if (old.contains("status")) {
        obj["status"] = old["status"];
      } else {
        obj.erase("status");
      }
    }
    // apiVersion is a matter of presentation (conversion strategy None).
    obj["apiVersion"] = old["apiVersion"];
    if (obj == old) return old;
    if (r.crd && withoutMetaStatus(obj) != withoutMetaStatus(old)) {
      m["generation"] = om.value("generation", 0) + 1;
    }
    m["resourceVersion"] = std::to_string(rv_ + 1);
    return obj;
  }

  // The status subresource's update: only status taken from `obj`.
  json prepareStatusUpdate(const json& old, const json& obj) {
    json out = old;
    if (obj.contains("status")) {
      out["status"] = obj["status"];
    } else {
      out.erase("status");
    }
    if (out == old) return old;
    out["metadata"]["resourceVersion"] = std::to_string(rv_ + 1);
    return out;
  }

  static json withoutMetaStatus(json o) {
    o.erase("metadata");
    o.erase("status");
    o.erase("apiVersion");
    return o;
  }

  // Stores `obj` (whose resourceVersion is rv_+1), records the event in the
  // history and queues it on every matching watch.
  void commit(const ResourceInfo& r, const std::string& type, const json& obj) {
    ++rv_;
    const std::string ns = r.namespaced ? obj["metadata"].value("namespace", "") : "";
    const std::string name = obj["metadata"].value("name", "");
    if (type == "DELETED") {
      store_[r.resource].erase({ns, name});
    } else {
      store_[r.resource][{ns, name}] = obj;
    }
    history_.push_back({rv_, &r, type, obj});
    while (history_.size() > options_.historyLimit) {
      historyStart_ = history_.front().rv;
      history_.pop_front();
    }
    for (auto& w : watchers_) {
      if (w->ended || !watchMatches(*w, r, obj)) continue;
      w->pending.push_back(eventLine(type, obj, w->version));
      wake(w);
    }
    bumpChanges();
  }

  std::optional<json> eraseLocked(const ResourceInfo& r, const std::string& ns, const std::string& name) {
    auto& table = store_[r.resource];
    auto it = table.find({ns, name});
    if (it == table.end()) return std::nullopt;
    json obj = it->second;
    // The DELETED event carries the deletion's resourceVersion.
    obj["metadata"]["resourceVersion"] = std::to_string(rv_ + 1);
    commit(r, "DELETED", obj);
    return obj;
  }

  static bool watchMatches(const Watcher& w, const ResourceInfo& r, const json& obj) {
    if (w.res != &r) return false;
    if (!w.ns.empty() && obj["metadata"].value("namespace", "") != w.ns) return false;
    return labelsMatch(w.labels, obj) && fieldsMatch(w.fields, obj);
  }

  static json present(json obj, const ResourceInfo& r, const std::string& version) {
    obj["apiVersion"] = groupVersion(r.group, version);
    obj["kind"] = r.kind;
    return obj;
  }

  static std::string eventLine(const std::string& type, const json& obj, const std::string& version) {
    json o = obj;
    auto [group, v] = splitApiVersion(o.value("apiVersion", ""));
    o["apiVersion"] = groupVersion(group, version);
    return json{{"type", type}, {"object", std::move(o)}}.dump() + "\n";
  }

  void record(RecordedRequest rq) {
    requests_.push_back(std::move(rq));
    bumpChanges();
  }

  // ---- request routing ----

  static Route route(const std::string& path) {
    Route rt;
    rt.segs = splitPath(path);
    const auto& s = rt.segs;
    std::string& group = rt.group;
    size_t i;
    if (s.size() >= 2 && s[0] == "api") {
      rt.version = s[1];
      i = 2;
    } else if (s.size() >= 3 && s[0] == "apis") {
      group = s[1];
      rt.version = s[2];
      i = 3;
    } else {
      return rt;
    }
    std::vector<std::string> rest(s.begin() + static_cast<long>(i), s.end());
    if (rest.empty()) return rt;  // discovery
    rt.resourceRequest = true;
    // As k8s.io/apiserver's RequestInfoFactory: /namespaces/NS/RESOURCE/...,
    // except /namespaces/NS[/status|/finalize] which is the Namespace itself.
    if (rest[0] == "namespaces" && rest.size() >= 2) {
      if (group.empty() &&
          (rest.size() == 2 || (rest.size() == 3 && (rest[2] == "status" || rest[2] == "finalize")))) {
        rt.name = rest[1];
        if (rest.size() == 3) rt.subresource = rest[2];
        rest = {"namespaces"};
      } else {
        rt.ns = rest[1];
        rest.erase(rest.begin(), rest.begin() + 2);
      }
    }
    if (rest.empty() || rest.size() > 3) return rt;
    rt.resource = rest[0];
    const ResourceInfo* r = findResource(group, rest[0]);
    if (r && serves(*r, rt.version)) rt.res = r;
    if (rest.size() >= 2) rt.name = rest[1];
    if (rest.size() == 3) rt.subresource = rest[2];
    return rt;
  }

  static std::string verbFor(const std::string& method, const Route& rt, bool watch) {
    if (!rt.resourceRequest) {
      std::string v = method;
      std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
      return v;
    }
    if (method == "GET" || method == "HEAD") return watch ? "watch" : rt.name.empty() ? "list" : "get";
    if (method == "POST") return "create";
    if (method == "PUT") return "update";
    if (method == "PATCH") return "patch";
    if (method == "DELETE") return rt.name.empty() ? "deletecollection" : "delete";
    return "";
  }

  // Discovery documents, enough for a client checking what is served.
  static std::optional<json> discovery(const std::vector<std::string>& s,
                                       const std::vector<std::string>& absent) {
    if (s.size() == 1 && s[0] == "api") {
      return json{
          {"kind", "APIVersions"}, {"versions", {"v1"}}, {"serverAddressByClientCIDRs", json::array()}};
    }
    auto groupEntry = [](const std::string& g) {
      json versions = json::array();
      std::vector<std::string> seen;
      for (const auto& r : resources()) {
        if (r.group != g) continue;
        for (const auto& v : r.versions) {
          if (std::find(seen.begin(), seen.end(), v) != seen.end()) continue;
          seen.push_back(v);
          versions.push_back({{"groupVersion", g + "/" + v}, {"version", v}});
        }
      }
      return json{{"name", g}, {"versions", versions}, {"preferredVersion", versions[0]}};
    };
    if (s.size() == 1 && s[0] == "apis") {
      json groups = json::array();
      std::vector<std::string> seen;
      for (const auto& r : resources()) {
        if (r.group.empty() || std::find(seen.begin(), seen.end(), r.group) != seen.end()) continue;
        seen.push_back(r.group);
        groups.push_back(groupEntry(r.group));
      }
      return json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
    }
    if (s.size() == 2 && s[0] == "apis") {
      if (!findGroup(s[1])) return std::nullopt;
      json g = groupEntry(s[1]);
      g["kind"] = "APIGroup";
      g["apiVersion"] = "v1";
      return g;
    }
    std::string group, version;
    if (s.size() == 2 && s[0] == "api") {
      version = s[1];
    } else if (s.size() == 3 && s[0] == "apis") {
      group = s[1];
      version = s[2];
    } else {
      return std::nullopt;
    }
    json list = json::array();
    for (const auto& r : resources()) {
      if (r.group != group || !serves(r, version)) continue;
      if (std::find(absent.begin(), absent.end(), r.resource) != absent.end()) continue;
      list.push_back(
          {{"name", r.resource},
           {"singularName", ""},
           {"namespaced", r.namespaced},
           {"kind", r.kind},
           {"verbs", {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}}});
      if (r.statusSubresource) {
        list.push_back({{"name", r.resource + "/status"},
                        {"singularName", ""},
                        {"namespaced", r.namespaced},
                        {"kind", r.kind},
                        {"verbs", {"get", "patch", "update"}}});
      }
    }
    if (list.empty()) return std::nullopt;
    return json{{"kind", "APIResourceList"},
                {"apiVersion", "v1"},
                {"groupVersion", groupVersion(group, version)},
                {"resources", list}};
  }

  bool absent(const std::string& resource) const {
    const auto& a = options_.absentResources;
    return std::find(a.begin(), a.end(), resource) != a.end();
  }

  static bool findGroup(const std::string& g) {
    return std::any_of(resources().begin(), resources().end(), [&](const auto& r) { return r.group == g; });
  }

 public:
  // Runs on the io thread for one request; everything under mu_.
  // Returns a reply, or a started watch.
  std::variant<Reply, WatchStart> handle(const http::request<http::string_body>& req,
                                         const std::shared_ptr<Conn>& conn) {
    const std::string target(req.target());
    const size_t q = target.find('?');
    const std::string path = target.substr(0, q);
    const auto query = parseQuery(q == std::string::npos ? "" : std::string_view(target).substr(q + 1));
    auto param = [&](const std::string& k) {
      auto it = query.find(k);
      return it == query.end() ? std::string() : it->second;
    };
    const std::string method(req.method_string());
    const bool watch = (method == "GET") && (param("watch") == "1" || param("watch") == "true");
    Route rt = route(path);

    std::lock_guard lock(mu_);
    RecordedRequest rec;
    rec.method = method;
    rec.verb = verbFor(method, rt, watch);
    if (rt.resourceRequest) {
      rec.group = rt.group;
      rec.resource = rt.resource;
      rec.version = rt.version;
      rec.subresource = rt.subresource;
      rec.namespace_ = rt.ns;
      rec.name = rt.name;
    }
    auto fail = [&](const ApiError& e) -> Reply {
      rec.status = e.code;
      record(rec);
      return {e.code, statusBody(e)};
    };

    const auto auth = req[http::field::authorization];
    if (auth != "Bearer " + options_.token) return fail({401, "Unauthorized", "Unauthorized"});

    if (!rt.resourceRequest) {
      if (method == "GET") {
        if (path == "/version") {
          rec.status = 200;
          record(rec);
          return Reply{200, {{"major", "1"}, {"minor", "34"}, {"gitVersion", "v1.34.0-portico-test"}}};
        }
        if (auto d = discovery(rt.segs, options_.absentResources)) {
          rec.status = 200;
          record(rec);
          return Reply{200, *d};
        }
      }
      return fail({404, "NotFound", "the server could not find the requested resource"});
    }
    if (rt.res && absent(rt.res->resource)) rt.res = nullptr;
    if (!rt.res) return fail({404, "NotFound", "the server could not find the requested resource"});
    const ResourceInfo& r = *rt.res;
    if (method == "POST" || method == "PUT") {
      std::string type(req[http::field::content_type]);
      if (auto semi = type.find(';'); semi != std::string::npos) type.resize(semi);
      if (type != "application/json") {
        return fail({415, "UnsupportedMediaType",
                     "the body of the request was in an unknown format - accepted media types include: "
                     "application/json (this test server takes JSON only)"});
      }
    }
    if (!rt.subresource.empty() && !(rt.subresource == "status" && r.statusSubresource)) {
      return fail({404, "NotFound", "the server could not find the requested resource"});
    }
    if (!r.namespaced && !rt.ns.empty()) {
      return fail({404, "NotFound", "the server could not find the requested resource"});
    }
    if (r.namespaced && rt.ns.empty() && (!rt.name.empty() || method != "GET")) {
      if (rt.name.empty() && method == "POST") {
        return fail(
            {405, "MethodNotAllowed", "the server does not allow this method on the requested resource"});
      }
      return fail({404, "NotFound", "the server could not find the requested resource"});
    }

    Result res;
    try {
      if (method == "GET" && watch) {
        auto w = startWatch(r, rt, param, conn);
        if (auto* e = std::get_if<ApiError>(&w)) return fail(*e);
        rec.status = 200;
        record(rec);
        return std::get<WatchStart>(std::move(w));
      }
      if (method == "GET" && rt.name.empty()) {
        res = list(r, rt, param);
      } else if (method == "GET") {
        res = getOne(r, rt);
      } else if (method == "POST" && rt.name.empty()) {
        res = create(r, rt, req.body(), param);
      } else if (method == "PUT" && !rt.name.empty()) {
        res = update(r, rt, req.body());
      } else if (method == "PATCH" && !rt.name.empty()) {
        res = patch(r, rt, req.body(), std::string(req[http::field::content_type]));
      } else if (method == "DELETE" && !rt.name.empty()) {
        res = del(r, rt, req.body());
      } else {
        res = ApiError{405, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource"};
      }
    } catch (const json::exception& e) {
      res = badRequest(std::string("json: ") + e.what());
    }
    if (auto* e = std::get_if<ApiError>(&res)) return fail(*e);
    Reply reply = std::get<Reply>(std::move(res));
    rec.status = reply.status;
    record(rec);
    return reply;
  }

 private:
  using Result = std::variant<Reply, ApiError>;
  using Param = std::function<std::string(const std::string&)>;

  std::optional<ApiError> selectors(const ResourceInfo& r, const Param& param, std::vector<LabelReq>& labels,
                                    std::vector<FieldReq>& fields) {
    if (auto s = param("labelSelector"); !s.empty()) {
      auto l = parseLabelSelector(s);
      if (!l) return badRequest("unable to parse requirement: invalid label selector: " + s);
      labels = std::move(*l);
    }
    if (auto s = param("fieldSelector"); !s.empty()) {
      std::string error;
      auto f = parseFieldSelector(r, s, error);
      if (!f) return badRequest(error);
      fields = std::move(*f);
    }
    return std::nullopt;
  }

  std::vector<json> matching(const ResourceInfo& r, const std::string& ns,
                             const std::vector<LabelReq>& labels, const std::vector<FieldReq>& fields) {
    std::vector<json> out;
    for (const auto& [key, obj] : store_[r.resource]) {  // ordered by namespace, name: etcd key order
      if (!ns.empty() && key.first != ns) continue;
      if (labelsMatch(labels, obj) && fieldsMatch(fields, obj)) out.push_back(obj);
    }
    return out;
  }

  Result list(const ResourceInfo& r, const Route& rt, const Param& param) {
    std::vector<LabelReq> labels;
    std::vector<FieldReq> fields;
    if (auto e = selectors(r, param, labels, fields)) return *e;
    size_t limit = 0;
    if (auto l = param("limit"); !l.empty()) {
      auto n = parseRv(l);
      if (!n) return badRequest("invalid limit: " + l);
      limit = static_cast<size_t>(*n);
    }
    const std::string rvParam = param("resourceVersion");
    if (!rvParam.empty() && !parseRv(rvParam)) {
      return badRequest("invalid resource version: " + rvParam);
    }
    // An exact list from before the kept history cannot be served.
    if (param("resourceVersionMatch") == "Exact") {
      auto want = parseRv(rvParam);
      if (!want) return badRequest("resourceVersionMatch=Exact needs a resourceVersion");
      if (*want < historyStart_) {
        return ApiError{410, "Expired",
                        "too old resource version: " + rvParam + " (" + std::to_string(historyStart_) + ")"};
      }
    }

    uint64_t listRv = rv_;
    std::vector<json> items;
    size_t offset = 0;
    uint64_t snapId = 0;
    if (auto token = param("continue"); !token.empty()) {
      auto decoded = unbase64url(token);
      json t = decoded ? json::parse(*decoded, nullptr, false) : json();
      if (!t.is_object() || !t.contains("id") || !t.contains("offset")) {
        return badRequest("continue key is not valid: " + token);
      }
      snapId = t["id"].get<uint64_t>();
      auto it = snapshots_.find(snapId);
      if (it == snapshots_.end()) {
        return ApiError{
            410, "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can "
            "start a new list without the continue parameter."};
      }
      listRv = it->second.rv;
      items = it->second.items;
      offset = t["offset"].get<size_t>();
    } else {
      items = matching(r, rt.ns, labels, fields);
    }
    json out = json::array();
    const size_t end = limit == 0 ? items.size() : std::min(items.size(), offset + limit);
    for (size_t i = offset; i < end; ++i) {
      // Typed lists of built-in kinds leave apiVersion/kind out of items;
      // custom resources' unstructured lists keep them.
      json item = r.crd ? present(items[i], r, rt.version) : items[i];
      if (!r.crd) {
        item.erase("apiVersion");
        item.erase("kind");
      }
      out.push_back(std::move(item));
    }
    json meta{{"resourceVersion", std::to_string(listRv)}};
    if (end < items.size()) {
      if (snapId == 0) {
        snapId = ++nextSnapshot_;
        snapshots_[snapId] = Snapshot{listRv, items};
        while (snapshots_.size() > 64) snapshots_.erase(snapshots_.begin());
      }
      meta["continue"] = base64url(json{{"id", snapId}, {"offset", end}}.dump());
      meta["remainingItemCount"] = items.size() - end;
    }
    return Reply{200,
                 {{"apiVersion", groupVersion(r.group, rt.version)},
                  {"kind", r.kind + "List"},
                  {"metadata", meta},
                  {"items", out}}};
  }

  Result getOne(const ResourceInfo& r, const Route& rt) {
    auto& table = store_[r.resource];
    auto it = table.find({rt.ns, rt.name});
    if (it == table.end()) return notFound(r, rt.name);
    return Reply{200, present(it->second, r, rt.version)};
  }

  // Parses and checks a write's body: JSON object, apiVersion/kind of the
  // URL, names and namespace consistent with the URL, known fields only.
  std::variant<json, ApiError> body(const ResourceInfo& r, const Route& rt, const std::string& text,
                                    bool create) {
    json obj = json::parse(text, nullptr, false);
    if (obj.is_discarded() || !obj.is_object()) {
      return badRequest(
          "the body of the request was in an unknown format - accepted media types include: "
          "application/json, application/yaml");
    }
    if (!obj.contains("kind") || !obj["kind"].is_string() || obj["kind"].get<std::string>().empty()) {
      return badRequest("Object 'Kind' is missing in '" + text.substr(0, 200) + "'");
    }
    if (!obj.contains("apiVersion") || !obj["apiVersion"].is_string()) {
      return badRequest("Object 'apiVersion' is missing in '" + text.substr(0, 200) + "'");
    }
    const std::string gv = groupVersion(r.group, rt.version);
    if (obj["apiVersion"] != gv || obj["kind"] != r.kind) {
      return badRequest(obj["kind"].get<std::string>() + " in version \"" +
                        obj["apiVersion"].get<std::string>() + "\" cannot be handled as a " + r.kind +
                        ": the object's apiVersion/kind must be " + gv + "/" + r.kind);
    }
    if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
    json& m = obj["metadata"];
    std::string name = m.value("name", "");
    if (create && name.empty() && m.contains("generateName") && m["generateName"].is_string()) {
      name = m["generateName"].get<std::string>() + randomSuffix();
      m["name"] = name;
    }
    if (name.empty()) {
      return invalid(r, "", {{"metadata.name", "Required value: name or generateName is required"}});
    }
    if (!rt.name.empty() && name != rt.name) {
      return badRequest("the name of the object (" + name + ") does not match the name on the URL (" +
                        rt.name + ")");
    }
    if (r.namespaced && m.contains("namespace") && m["namespace"] != "" && m["namespace"] != rt.ns) {
      return badRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
    static const std::regex nameRe(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$)");
    if (name.size() > 253 || !std::regex_match(name, nameRe)) {
      return invalid(r, name,
                     {{"metadata.name", "Invalid value: \"" + name +
                                            "\": a lowercase RFC 1123 subdomain must consist of lower case "
                                            "alphanumeric characters, '-' or '.'"}});
    }
    auto errors = validateObject(r, obj, rt.ns);
    if (!errors.empty()) return invalid(r, name, errors);
    return obj;
  }

  Result create(const ResourceInfo& r, const Route& rt, const std::string& text, const Param& param) {
    auto parsed = body(r, rt, text, true);
    if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
    json obj = std::get<json>(std::move(parsed));
    const std::string name = obj["metadata"]["name"];
    auto& table = store_[r.resource];
    if (table.count({rt.ns, name})) {
      return ApiError{409, "AlreadyExists", qualified(r) + " \"" + name + "\" already exists",
                      details(r, name)};
    }
    json stored = prepareCreate(r, std::move(obj), rt.ns, false);
    if (param("dryRun") == "All") return Reply{201, present(stored, r, rt.version)};
    commit(r, "ADDED", stored);
    return Reply{201, present(stored, r, rt.version)};
  }

  // Stale or missing resourceVersion on an update.
  std::optional<ApiError> rvCheck(const ResourceInfo& r, const json& body, const json& old) {
    const json& m = body["metadata"];
    const std::string sent = m.contains("resourceVersion") && m["resourceVersion"].is_string()
                                 ? m["resourceVersion"].get<std::string>()
                                 : "";
    if (sent.empty()) {
      if (r.allowUnconditionalUpdate) return std::nullopt;
      return invalid(r, m.value("name", ""),
                     {{"metadata.resourceVersion", "Invalid value: 0x0: must be specified for an update"}});
    }
    if (sent != old["metadata"]["resourceVersion"]) return conflict(r, m.value("name", ""));
    return std::nullopt;
  }

  Result update(const ResourceInfo& r, const Route& rt, const std::string& text) {
    auto parsed = body(r, rt, text, false);
    if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
    json obj = std::get<json>(std::move(parsed));
    auto& table = store_[r.resource];
    auto it = table.find({rt.ns, rt.name});
    const bool status = rt.subresource == "status";
    if (it == table.end()) {
      if (status || !r.allowCreateOnUpdate) return notFound(r, rt.name);
      json stored = prepareCreate(r, std::move(obj), rt.ns, false);
      commit(r, "ADDED", stored);
      return Reply{201, present(stored, r, rt.version)};
    }
    if (status && injectedConflicts_ > 0) {
      --injectedConflicts_;
      return conflict(r, rt.name);
    }
    if (auto e = rvCheck(r, obj, it->second)) return *e;
    json updated =
        status ? prepareStatusUpdate(it->second, obj) : prepareUpdate(r, it->second, std::move(obj));
    if (updated != it->second) commit(r, "MODIFIED", updated);
    return Reply{200, present(updated, r, rt.version)};
  }

  Result patch(const ResourceInfo& r, const Route& rt, const std::string& text, std::string contentType) {
    if (auto semi = contentType.find(';'); semi != std::string::npos) contentType.resize(semi);
    const bool merge = contentType == "application/merge-patch+json";
    const bool strategic = contentType == "application/strategic-merge-patch+json";
    const bool jsonPatch = contentType == "application/json-patch+json";
    // Custom resources have no Go struct to read patch strategies from.
    if (!(merge || jsonPatch || (strategic && !r.crd))) {
      return ApiError{415, "UnsupportedMediaType",
                      "the body of the request was in an unknown format - accepted "
                      "media types include: application/json-patch+json, "
                      "application/merge-patch+json" +
                          std::string(r.crd ? ""
                                            : ", application/strategic-merge-"
                                              "patch+json")};
    }
    json p = json::parse(text, nullptr, false);
    if (p.is_discarded() || (jsonPatch ? !p.is_array() : !p.is_object())) {
      return badRequest("error decoding patch: invalid JSON");
    }
    auto& table = store_[r.resource];
    auto it = table.find({rt.ns, rt.name});
    if (it == table.end()) return notFound(r, rt.name);
    const bool status = rt.subresource == "status";
    if (status && injectedConflicts_ > 0) {
      --injectedConflicts_;
      return conflict(r, rt.name);
    }
    json current = present(it->second, r, rt.version);
    json patched;
    if (jsonPatch) {
      try {
        patched = current.patch(p);
      } catch (const json::exception& e) {
        return ApiError{422, "Invalid",
                        std::string("the server rejected our request due to an error in our "
                                    "request: ") +
                            e.what()};
      }
    } else {
      patched = current;
      patched.merge_patch(p);
    }
    // A resourceVersion in the patch is a precondition, as on the real server.
    if (p.is_object() && p.contains("metadata") && p["metadata"].is_object() &&
        p["metadata"].contains("resourceVersion") && p["metadata"]["resourceVersion"].is_string() &&
        p["metadata"]["resourceVersion"] != it->second["metadata"]["resourceVersion"]) {
      return conflict(r, rt.name);
    }
    patched["metadata"]["resourceVersion"] = it->second["metadata"]["resourceVersion"];
    auto checked = body(r, rt, patched.dump(), false);
    if (auto* e = std::get_if<ApiError>(&checked)) return *e;
    json obj = std::get<json>(std::move(checked));
    json updated =
        status ? prepareStatusUpdate(it->second, obj) : prepareUpdate(r, it->second, std::move(obj));
    if (updated != it->second) commit(r, "MODIFIED", updated);
    return Reply{200, present(updated, r, rt.version)};
  }

  Result del(const ResourceInfo& r, const Route& rt, const std::string& text) {
    auto& table = store_[r.resource];
    auto it = table.find({rt.ns, rt.name});
    if (it == table.end()) return notFound(r, rt.name);
    // DeleteOptions' preconditions.
    json opts = text.empty() ? json::object() : json::parse(text, nullptr, false);
    if (opts.is_object() && opts.contains("preconditions") && opts["preconditions"].is_object()) {
      const json& pre = opts["preconditions"];
      if (pre.contains("resourceVersion") &&
          pre["resourceVersion"] != it->second["metadata"]["resourceVersion"]) {
        return conflict(r, rt.name);
      }
      if (pre.contains("uid") && pre["uid"] != it->second["metadata"]["uid"]) return conflict(r, rt.name);
    }
    auto gone = eraseLocked(r, rt.ns, rt.name);
    return Reply{200, present(*gone, r, rt.version)};
  }

  std::variant<WatchStart, ApiError> startWatch(const ResourceInfo& r, const Route& rt, const Param& param,
                                                const std::shared_ptr<Conn>& conn) {
    auto w = std::make_shared<Watcher>();
    w->conn = conn;
    w->res = &r;
    w->version = rt.version;
    w->ns = rt.ns;
    w->bookmarks = param("allowWatchBookmarks") == "true" || param("allowWatchBookmarks") == "1";
    if (auto e = selectors(r, param, w->labels, w->fields)) return *e;
    // The deprecated single-object watch is a field selector on the name.
    if (!rt.name.empty()) w->fields.push_back({{"metadata", "name"}, true, rt.name});
    WatchStart start;
    if (auto t = param("timeoutSeconds"); !t.empty()) {
      auto n = parseRv(t);
      if (!n) return badRequest("invalid timeoutSeconds: " + t);
      start.timeoutSeconds = static_cast<int>(std::min<uint64_t>(*n, 86400));
    }
    const std::string rvParam = param("resourceVersion");
    const bool initialEvents = param("sendInitialEvents") == "true";
    if (rvParam.empty() || rvParam == "0" || initialEvents) {
      // Synthetic ADDED events for the current state, then live ones.
      for (const auto& obj : matching(r, rt.ns, w->labels, w->fields)) {
        start.initial.push_back(eventLine("ADDED", obj, rt.version));
      }
      if (initialEvents && w->bookmarks) {
        json ev{{"type", "BOOKMARK"},
                {"object",
                 {{"kind", r.kind},
                  {"apiVersion", groupVersion(r.group, rt.version)},
                  {"metadata",
                   {{"resourceVersion", std::to_string(rv_)},
                    {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}}}};
        start.initial.push_back(ev.dump() + "\n");
      }
    } else {
      auto from = parseRv(rvParam);
      if (!from) return badRequest("invalid resource version: " + rvParam);
      if (*from < historyStart_) {
        // The real server answers 200 and says it in the stream.
        ApiError gone{410, "Expired",
                      "too old resource version: " + rvParam + " (" + std::to_string(historyStart_) + ")"};
        start.initial.push_back(json{{"type", "ERROR"}, {"object", statusBody(gone)}}.dump() + "\n");
        return start;
      }
      for (const auto& ev : history_) {
        if (ev.rv > *from && watchMatches(*w, *ev.res, ev.object)) {
          start.initial.push_back(eventLine(ev.type, ev.object, rt.version));
        }
      }
    }
    watchers_.push_back(w);
    start.watcher = w;
    return start;
  }

  void dropWatcher(const std::shared_ptr<Watcher>& w) {
    std::lock_guard lock(mu_);
    watchers_.erase(std::remove(watchers_.begin(), watchers_.end(), w), watchers_.end());
    bumpChanges();
  }

  // ---- io thread ----

  net::awaitable<void> acceptLoop() {
    while (acceptor_->is_open()) {
      auto [ec, sock] = co_await acceptor_->async_accept(kUseTuple);
      if (ec == net::error::operation_aborted) co_return;
      if (ec) continue;
      auto c = std::make_shared<Conn>(std::move(sock), ssl_);
      net::co_spawn(*io_, session(c), net::detached);
    }
  }

  net::awaitable<void> session(std::shared_ptr<Conn> c) {
    conns_[c.get()] = c;
    // Runs on normal exit and when the destructor destroys the suspended frame.
    struct Unregister {
      FakeApiServerImpl* self;
      Conn* c;
      ~Unregister() { self->conns_.erase(c); }
    } unregister{this, c.get()};

    auto [hec] = co_await c->stream.async_handshake(ssl::stream_base::server, kUseTuple);
    if (hec) co_return;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      auto [rec, n] = co_await http::async_read(c->stream, c->buf, parser, kUseTuple);
      if (rec) break;
      auto req = parser.release();
      const bool keepAlive = req.keep_alive();
      auto outcome = handle(req, c);
      if (auto* reply = std::get_if<Reply>(&outcome)) {
        http::response<http::string_body> res{static_cast<http::status>(reply->status), req.version()};
        res.set(http::field::content_type, "application/json");
        res.set(http::field::cache_control, "no-cache, private");
        res.keep_alive(keepAlive);
        res.body() = reply->body.dump();
        res.prepare_payload();
        auto [wec, wn] = co_await http::async_write(c->stream, res, kUseTuple);
        if (wec || !keepAlive) break;
        continue;
      }
      const bool reusable = co_await serveWatch(c, std::get<WatchStart>(std::move(outcome)), req.version());
      if (!reusable || !keepAlive) break;
    }
    c->close();
  }

  // Streams one watch. True when the connection may carry another request.
  net::awaitable<bool> serveWatch(std::shared_ptr<Conn> c, WatchStart start, unsigned httpVersion) {
    http::response<http::empty_body> res{http::status::ok, httpVersion};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-cache, private");
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    auto w = start.watcher;
    auto cleanup = [&] {
      if (w) dropWatcher(w);
    };
    auto [hec, hn] = co_await http::async_write_header(c->stream, sr, kUseTuple);
    if (hec) {
      cleanup();
      co_return false;
    }
    // One chunk per event, flushed at once, as the real server does.
    auto writeLine = [c](const std::string& line) -> net::awaitable<bool> {
      auto [ec, n] = co_await net::async_write(c->stream, http::make_chunk(net::buffer(line)), kUseTuple);
      co_return !ec;
    };
    for (const auto& line : start.initial) {
      if (!co_await writeLine(line)) {
        cleanup();
        co_return false;
      }
    }
    bool ok = true;
    if (w) {
      // Notice a client that goes away while nothing is being written.
      c->probing = true;
      c->stream.async_read_some(net::buffer(c->probe), [c](boost::system::error_code ec, size_t n) {
        c->probing = false;
        c->probeEc = ec;
        c->probeBytes = n;
        c->wake.cancel();
      });
      const auto deadline = start.timeoutSeconds > 0 ? std::chrono::steady_clock::now() +
                                                           std::chrono::seconds(start.timeoutSeconds)
                                                     : std::chrono::steady_clock::time_point::max();
      for (;;) {
        std::deque<std::string> lines;
        bool ended;
        {
          std::lock_guard lock(mu_);
          lines.swap(w->pending);
          ended = w->ended;
        }
        if (!lines.empty()) {
          for (const auto& line : lines) {
            if (!(ok = co_await writeLine(line))) break;
          }
          if (!ok) break;
          continue;  // writing yielded: look again before sleeping
        }
        if (ended || !c->probing || std::chrono::steady_clock::now() >= deadline) break;
        // Nothing yields between the look above and this wait, so a wake
        // posted after the look finds the wait pending.
        c->wake.expires_at(deadline);
        co_await c->wake.async_wait(kUseTuple);
      }
      dropWatcher(w);
      w.reset();
      if (c->probing) {
        // Take the probe back before the connection reads the next request.
        boost::system::error_code ec;
        beast::get_lowest_layer(c->stream).cancel(ec);
        while (c->probing) {
          c->wake.expires_at(std::chrono::steady_clock::time_point::max());
          co_await c->wake.async_wait(kUseTuple);
        }
      }
      if (c->probeEc != net::error::operation_aborted || c->probeBytes > 0) ok = false;
    }
    if (!ok) co_return false;
    auto [lec, ln] = co_await net::async_write(c->stream, http::make_chunk_last(), kUseTuple);
    co_return !lec;
  }

  Options options_;
  KeyPair ca_;
  std::unique_ptr<net::io_context> io_;
  ssl::context ssl_;
  std::optional<tcp::acceptor> acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::map<Conn*, std::weak_ptr<Conn>> conns_;  // io thread only

  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t changes_ = 0;
  // Starts well above zero so a client confusing "0" (any) with a real
  // resourceVersion shows.
  uint64_t rv_ = 1000;
  uint64_t historyStart_ = 1000;  // every event after this resourceVersion is in history_
  std::deque<HistoryEvent> history_;
  std::map<std::string, std::map<Key, json>> store_;
  std::vector<std::shared_ptr<Watcher>> watchers_;
  std::map<uint64_t, Snapshot> snapshots_;  // list pages by continue token
  uint64_t nextSnapshot_ = 0;
  int injectedConflicts_ = 0;
  std::vector<RecordedRequest> requests_;
};

}  // namespace

std::unique_ptr<FakeApiServer> FakeApiServer::start(Options options) {
  return std::make_unique<FakeApiServerImpl>(std::move(options));
}

}  // namespace portico::testing

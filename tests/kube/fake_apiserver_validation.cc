// Validation of request bodies against the real field names (see
// fake_apiserver_validation.h).
#include "kube/fake_apiserver_validation.h"

#include <algorithm>
#include <cstdint>
#include <regex>
#include <set>
#include <string_view>

#include "kube/fake_apiserver_wire.h"

namespace portico::testing::fakeapi {

namespace {

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

}  // namespace

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

}  // namespace portico::testing::fakeapi

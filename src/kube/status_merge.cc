#include "kube/status_merge.h"

#include <nlohmann/json.hpp>
#include <type_traits>
#include <vector>

#include "api/refs.h"
#include "status/status_json.h"

namespace portico::kube {
namespace {

using nlohmann::json;

// The translator's CRD default for objects it is not the controller of
// (translate/translator.cc pendingConditions): every condition Unknown,
// reason Pending, observedGeneration 0. Conditions of objects it processed
// always carry the object's generation (≥ 1), so this cannot mistake ours.
bool isCrdDefault(const std::vector<api::Condition>& conds) {
  if (conds.empty()) return false;
  for (const auto& c : conds) {
    if (c.observedGeneration != 0 || c.reason != "Pending" || c.status != "Unknown") return false;
  }
  return true;
}

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

json* child(json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string stringField(const json& obj, const char* key) {
  const json* v = member(obj, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

// observedGeneration: the generation the translation was computed from
// (GEP-1364); the translator sets it, the CRD-default form leaves 0.
void fillGenerations(json* conds, int64_t generation) {
  if (!conds || !conds->is_array()) return;
  for (auto& c : *conds) {
    auto it = c.find("observedGeneration");
    if (it == c.end() || (it->is_number() && it->get<int64_t>() == 0)) c["observedGeneration"] = generation;
  }
}

// Conditions are a map keyed by type (GEP-1364): a condition whose status
// did not change keeps the time of its last transition.
void keepTransitionTimes(json* conds, const json* live) {
  if (!conds || !conds->is_array() || !live || !live->is_array()) return;
  for (auto& c : *conds) {
    const std::string type = stringField(c, "type");
    for (const auto& l : *live) {
      if (stringField(l, "type") != type) continue;
      const json* ltt = member(l, "lastTransitionTime");
      if (stringField(l, "status") == stringField(c, "status") && ltt && ltt->is_string() &&
          !ltt->get<std::string>().empty()) {
        c["lastTransitionTime"] = *ltt;
      }
      break;
    }
  }
}

// Listeners are keyed by name (listeners are a map in Gateway status).
void keepListenerTimes(json& status, const json& live) {
  json* listeners = child(status, "listeners");
  const json* liveListeners = member(live, "listeners");
  if (!listeners || !listeners->is_array() || !liveListeners || !liveListeners->is_array()) return;
  for (auto& l : *listeners) {
    for (const auto& ll : *liveListeners) {
      if (stringField(ll, "name") == stringField(l, "name")) {
        keepTransitionTimes(child(l, "conditions"), member(ll, "conditions"));
        break;
      }
    }
  }
}

void fillListenerGenerations(json& status, int64_t generation) {
  json* listeners = child(status, "listeners");
  if (!listeners || !listeners->is_array()) return;
  for (auto& l : *listeners) fillGenerations(child(l, "conditions"), generation);
}

// A parentRef / ancestorRef with the CRD defaults applied, so a reference
// written with and without its defaults compares equal.
struct RefKey {
  std::string group, kind, namespace_, name, sectionName;
  int64_t port = -1;
  bool operator==(const RefKey&) const = default;
};

RefKey refKey(const json* ref, const std::string& objectNamespace) {
  RefKey k;
  if (!ref || !ref->is_object()) return k;
  k.group = ref->contains("group") ? stringField(*ref, "group") : std::string(api::kGatewayGroup);
  k.kind = ref->contains("kind") ? stringField(*ref, "kind") : std::string("Gateway");
  k.namespace_ = ref->contains("namespace") ? stringField(*ref, "namespace") : objectNamespace;
  k.name = stringField(*ref, "name");
  k.sectionName = stringField(*ref, "sectionName");
  if (const json* p = member(*ref, "port"); p && p->is_number_integer()) k.port = p->get<int64_t>();
  return k;
}

struct EntryMerge {
  json entries = json::array();
  bool oursBefore = false;  // the live list had an entry of ours
  bool oursNow = false;     // the translation has an entry of ours
};

// Route parents / policy ancestors: replace only entries whose
// controllerName is ours ("Implementations MUST only populate status for
// parents/ancestors they are responsible for", RouteParentStatus and
// PolicyAncestorStatus docs), keeping everyone else's in place.
EntryMerge mergeEntries(const json& translated, const json* live, const char* refField,
                        const std::string& controllerName, const std::string& objectNamespace,
                        int64_t generation) {
  EntryMerge out;
  std::vector<json> ours;
  if (translated.is_array()) {
    for (const auto& e : translated) {
      if (stringField(e, "controllerName") != controllerName) continue;  // never speak for others
      ours.push_back(e);
      fillGenerations(child(ours.back(), "conditions"), generation);
    }
  }
  out.oursNow = !ours.empty();
  std::vector<bool> used(ours.size(), false);
  if (live && live->is_array()) {
    for (const auto& e : *live) {
      if (stringField(e, "controllerName") != controllerName) {
        out.entries.push_back(e);
        continue;
      }
      out.oursBefore = true;
      const RefKey key = refKey(member(e, refField), objectNamespace);
      for (size_t i = 0; i < ours.size(); ++i) {
        if (used[i] || refKey(member(ours[i], refField), objectNamespace) != key) continue;
        keepTransitionTimes(child(ours[i], "conditions"), member(e, "conditions"));
        out.entries.push_back(ours[i]);
        used[i] = true;
        break;
      }
      // An entry of ours the translation no longer has is dropped: the
      // route no longer references that parent (or it is not ours anymore).
    }
  }
  for (size_t i = 0; i < ours.size(); ++i) {
    if (!used[i]) out.entries.push_back(std::move(ours[i]));
  }
  return out;
}

}  // namespace

bool writesStatus(const status::ObjectStatus& translated) {
  return std::visit(
      [](const auto& s) {
        using S = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<S, std::monostate>) {
          return false;
        } else if constexpr (std::is_same_v<S, status::GatewayClassStatus>) {
          return !isCrdDefault(s.conditions);
        } else if constexpr (std::is_same_v<S, status::GatewayStatus> ||
                             std::is_same_v<S, status::ListenerSetStatus>) {
          return !(isCrdDefault(s.conditions) && s.listeners.empty());
        } else {
          return true;  // routes and policies: only our entries are ever written
        }
      },
      translated.status);
}

MergeOutcome mergeStatus(const status::ObjectStatus& translated, std::string_view liveObject,
                         std::string_view controllerNameView, std::string_view now) {
  MergeOutcome out;
  json live = json::parse(liveObject, nullptr, false);
  if (live.is_discarded() || !live.is_object()) {
    out.error = "the API server's object is not a JSON object";
    return out;
  }
  const json liveStatus = live.contains("status") ? live["status"] : json();
  if (!writesStatus(translated)) {  // not ours to write: the server's status stands
    out.status = liveStatus.dump();
    return out;
  }
  status::DocumentOptions opts;
  opts.lastTransitionTime = std::string(now);
  const std::string stanza = status::renderStatusStanza(translated, opts);
  json mine = stanza.empty() ? json::object() : json::parse(stanza);
  const std::string controllerName(controllerNameView);
  const int64_t gen = translated.generation;
  const std::string ns = translated.namespace_;

  json merged;
  bool nothingOurs = false;
  const auto mergeList = [&](const char* listField, const char* refField) {
    const json* list = member(mine, listField);
    EntryMerge em = mergeEntries(list ? *list : json::array(), member(liveStatus, listField), refField,
                                 controllerName, ns, gen);
    nothingOurs = !em.oursBefore && !em.oursNow;
    merged = liveStatus.is_object() ? liveStatus : json::object();
    merged[listField] = std::move(em.entries);
  };
  if (std::holds_alternative<status::RouteStatus>(translated.status)) {
    mergeList("parents", "parentRef");
  } else if (std::holds_alternative<status::PolicyStatus>(translated.status)) {
    mergeList("ancestors", "ancestorRef");
  } else {
    // GatewayClass, Gateway, ListenerSet: wholly ours (the translator only
    // fills them for classes whose controllerName is ours; writesStatus()).
    merged = std::move(mine);
    fillGenerations(child(merged, "conditions"), gen);
    fillListenerGenerations(merged, gen);
    keepTransitionTimes(child(merged, "conditions"), member(liveStatus, "conditions"));
    keepListenerTimes(merged, liveStatus);
  }

  out.status = merged.dump();
  if (nothingOurs || merged == liveStatus) return out;  // the server already says it
  out.changed = true;
  live["status"] = std::move(merged);
  out.object = live.dump();
  return out;
}

}  // namespace portico::kube

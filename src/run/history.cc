#include "run/history.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "api/kinds.h"
#include "run/line_diff.h"

namespace portico::run {
namespace {

// "Kind ns/name" -> kind, namespace, name.
ObjectChange changeOf(std::string op, const std::string& id) {
  ObjectChange c;
  c.op = std::move(op);
  const auto space = id.find(' ');
  c.kind = id.substr(0, space);
  const std::string rest = id.substr(space + 1);
  const auto slash = rest.find('/');
  if (slash == std::string::npos) {
    c.name = rest;
  } else {
    c.namespace_ = rest.substr(0, slash);
    c.name = rest.substr(slash + 1);
  }
  return c;
}

using Conditions = std::map<std::tuple<std::string, std::string, std::string>, std::string>;

void addAll(Conditions& out, const std::string& object, const std::string& scope,
            const std::vector<api::Condition>& conds) {
  for (const auto& c : conds) out[{object, scope, c.type}] = fmt::format("{} ({})", c.status, c.reason);
}

std::string parentName(const api::ParentReference& p) {
  std::string s = p.namespace_.value_or("") + "/" + p.name;
  if (p.sectionName) s += "/" + *p.sectionName;
  if (p.port) s += fmt::format(":{}", *p.port);
  return s;
}

Conditions flatten(const status::ObjectStatus& o, const std::string& obj) {
  Conditions out;
  std::visit(
      [&](const auto& s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, status::GatewayClassStatus>) {
          addAll(out, obj, "", s.conditions);
        } else if constexpr (std::is_same_v<T, status::GatewayStatus> ||
                             std::is_same_v<T, status::ListenerSetStatus>) {
          addAll(out, obj, "", s.conditions);
          for (const auto& l : s.listeners) addAll(out, obj, "listener " + l.name, l.conditions);
        } else if constexpr (std::is_same_v<T, status::RouteStatus>) {
          for (const auto& p : s.parents) addAll(out, obj, "parent " + parentName(p.parentRef), p.conditions);
        } else if constexpr (std::is_same_v<T, status::PolicyStatus>) {
          for (const auto& a : s.ancestors)
            addAll(out, obj, "ancestor " + parentName(a.ancestorRef), a.conditions);
        }
      },
      o.status);
  return out;
}

// Adds the change from `was` to `now` (either null when absent) of object
// `id`: additions and modifications to `out`, removals to `removed` (listed
// after them).
void compareText(const std::string& id, const ObjectText* was, const ObjectText* now,
                 std::vector<ObjectChange>& out, std::vector<ObjectChange>& removed) {
  if (!now) {
    if (was) removed.push_back(changeOf("removed", id));
  } else if (!was) {
    out.push_back(changeOf("added", id));
  } else if (was->yaml != now->yaml && *was->yaml != *now->yaml) {
    ObjectChange c = changeOf("modified", id);
    c.diff = compactDiff(*was->yaml, *now->yaml);
    out.push_back(std::move(c));
  }
}

}  // namespace

std::vector<ObjectChange> diffObjects(const ObjectTexts& before, const ObjectTexts& after) {
  std::vector<ObjectChange> out, removed;
  for (const auto& [id, text] : after) {
    const auto old = before.find(id);
    compareText(id, old == before.end() ? nullptr : &old->second, &text, out, removed);
  }
  for (const auto& [id, text] : before) {
    if (!after.count(id)) compareText(id, &text, nullptr, out, removed);
  }
  out.insert(out.end(), std::make_move_iterator(removed.begin()), std::make_move_iterator(removed.end()));
  return out;
}

std::vector<ObjectChange> diffObjects(const ObjectTexts& before, const std::vector<TextUpdate>& updates) {
  std::vector<ObjectChange> out, removed;
  for (const auto& u : updates) {
    const auto old = before.find(u.id);
    compareText(u.id, old == before.end() ? nullptr : &old->second, u.text ? &*u.text : nullptr, out,
                removed);
  }
  out.insert(out.end(), std::make_move_iterator(removed.begin()), std::make_move_iterator(removed.end()));
  return out;
}

std::vector<ConditionFlip> diffConditions(const status::StatusSet& before, const status::StatusSet& after) {
  // Object by object: conditions of objects that came or went are in the
  // object changes, so only objects present on both sides are compared.
  // Both sets list objects in the translator's order, so a cursor finds the
  // previous entry of nearly every object without a lookup structure; the
  // first miss (an object added or removed) builds an index. A reload at
  // 10,000 routes must not build a map of every object per generation.
  using Key = std::tuple<api::Kind, std::string_view, std::string_view>;
  auto keyOf = [](const status::ObjectStatus& o) { return Key(o.kind, o.namespace_, o.name); };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      const std::hash<std::string_view> h;
      return (h(std::get<1>(k)) * 31 + h(std::get<2>(k))) * 31 + static_cast<size_t>(std::get<0>(k));
    }
  };
  std::unordered_map<Key, size_t, KeyHash> index;
  size_t cursor = 0;
  auto previous = [&](const status::ObjectStatus& o) -> const status::ObjectStatus* {
    const Key k = keyOf(o);
    if (cursor < before.objects.size() && keyOf(before.objects[cursor]) == k)
      return &before.objects[cursor++];
    if (index.empty()) {
      for (size_t i = 0; i < before.objects.size(); ++i) index.emplace(keyOf(before.objects[i]), i);
    }
    const auto it = index.find(k);
    if (it == index.end()) return nullptr;  // new: the cursor stays
    cursor = it->second + 1;
    return &before.objects[it->second];
  };
  std::vector<ConditionFlip> out;
  auto flip = [&](const auto& key, std::string from, std::string to) {
    out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::move(from), std::move(to)});
  };
  for (const auto& o : after.objects) {
    const status::ObjectStatus* was = previous(o);
    if (!was || was->status == o.status) continue;  // most objects: unchanged
    const std::string id = objectId(api::kindName(o.kind), o.namespace_, o.name);
    const Conditions a = flatten(*was, id), b = flatten(o, id);
    for (const auto& [k, v] : b) {
      const auto old = a.find(k);
      if (old == a.end()) {
        flip(k, "", v);
      } else if (old->second != v) {
        flip(k, old->second, v);
      }
    }
    for (const auto& [k, v] : a) {
      if (!b.count(k)) flip(k, v, "");
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const ConditionFlip& x, const ConditionFlip& y) {
    return std::tie(x.object, x.scope, x.type) < std::tie(y.object, y.scope, y.type);
  });
  return out;
}

void History::record(Generation g) {
  gens_.push_back(std::move(g));
  while (gens_.size() > keep_) gens_.pop_front();
}

std::string historyJson(const std::deque<Generation>& generations, size_t keep) {
  using json = nlohmann::ordered_json;
  json gens = json::array();
  for (auto it = generations.rbegin(); it != generations.rend(); ++it) {
    const Generation& g = *it;
    json changes = json::array();
    for (const auto& c : g.changes) {
      changes.push_back(
          {{"op", c.op}, {"kind", c.kind}, {"namespace", c.namespace_}, {"name", c.name}, {"diff", c.diff}});
    }
    json flips = json::array();
    for (const auto& f : g.flips) {
      flips.push_back({{"object", f.object},
                       {"scope", f.scope},
                       {"type", f.type},
                       {"before", f.before},
                       {"after", f.after}});
    }
    gens.push_back({{"generation", g.number},
                    {"time", g.time},
                    {"trigger", g.trigger},
                    {"objects", g.objects},
                    {"rejected", g.rejected},
                    {"carried", g.carried},
                    {"diagnostics", g.diagnostics},
                    {"changes", std::move(changes)},
                    {"conditions", std::move(flips)}});
  }
  json j = {{"apiVersion", "portico.dev/changes/v1"},
            {"kind", "ConfigChanges"},
            {"kept", keep},
            {"generations", std::move(gens)}};
  return j.dump(2) + "\n";
}

}  // namespace portico::run

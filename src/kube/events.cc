// Events: which status transitions are worth a core/v1 Event, and the
// recorder that writes them the way client-go's legacy EventRecorder does
// (tools/record): one Event per (object, type, reason, message), a repeat
// PATCHes count and lastTimestamp (its EventCorrelator) instead of creating
// another.
#include "kube/events.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/kinds.h"
#include "kube/resources.h"

namespace portico::kube {
namespace {

using nlohmann::json;

const status::Condition* cond(const std::vector<status::Condition>& conds, const char* type) {
  return status::findCondition(conds, type);
}

bool hasStatus(const status::Condition* c, std::string_view s) { return c && c->status == s; }

// A condition "entered" a state when it is in it now and was not before
// with the same reason (a new reason is a new problem worth telling).
bool entered(const status::Condition* now, const status::Condition* before, std::string_view s) {
  if (!hasStatus(now, s)) return false;
  return !hasStatus(before, s) || before->reason != now->reason;
}

std::string detail(const status::Condition& c) {
  return c.message.empty() ? c.reason : c.reason + ": " + c.message;
}

std::string parentLabel(const api::ParentReference& p) {
  std::string out = p.kind + " " + (p.namespace_ ? *p.namespace_ + "/" : std::string()) + p.name;
  if (p.sectionName) out += " section " + *p.sectionName;
  if (p.port) out += fmt::format(" port {}", *p.port);
  return out;
}

EventSpec baseEvent(const status::ObjectStatus& o) {
  EventSpec e;
  e.kind = std::string(api::kindName(o.kind));
  e.apiVersion = o.apiVersion.empty() ? std::string(api::preferredApiVersion(o.kind)) : o.apiVersion;
  e.namespace_ = o.namespace_;
  e.name = o.name;
  return e;
}

void add(std::vector<EventSpec>& out, const status::ObjectStatus& o, const char* type, const char* reason,
         std::string message) {
  EventSpec e = baseEvent(o);
  e.type = type;
  e.reason = reason;
  e.message = std::move(message);
  out.push_back(std::move(e));
}

void routeEvents(std::vector<EventSpec>& out, const status::ObjectStatus& o, const status::RouteStatus& now,
                 const status::RouteStatus* before) {
  for (const auto& p : now.parents) {
    const status::RouteParentStatus* bp = nullptr;
    if (before) {
      for (const auto& b : before->parents)
        if (b.parentRef == p.parentRef && b.controllerName == p.controllerName) bp = &b;
    }
    const auto* acc = cond(p.conditions, "Accepted");
    const auto* bacc = bp ? cond(bp->conditions, "Accepted") : nullptr;
    if (hasStatus(acc, "False")) {
      if (hasStatus(bacc, "True")) {
        add(out, o, "Warning", "RouteDetached", parentLabel(p.parentRef) + ": " + detail(*acc));
      } else if (entered(acc, bacc, "False")) {
        add(out, o, "Warning", "RouteNotAccepted", parentLabel(p.parentRef) + ": " + detail(*acc));
      }
    }
    const auto* rr = cond(p.conditions, "ResolvedRefs");
    if (entered(rr, bp ? cond(bp->conditions, "ResolvedRefs") : nullptr, "False")) {
      add(out, o, "Warning", "BackendRefInvalid", parentLabel(p.parentRef) + ": " + detail(*rr));
    }
  }
}

void listenerEvents(std::vector<EventSpec>& out, const status::ObjectStatus& o,
                    const std::vector<status::ListenerStatus>& now,
                    const std::vector<status::ListenerStatus>* before) {
  for (const auto& l : now) {
    const status::ListenerStatus* bl = nullptr;
    if (before) {
      for (const auto& b : *before)
        if (b.name == l.name) bl = &b;
    }
    const auto* rr = cond(l.conditions, "ResolvedRefs");
    const auto* brr = bl ? cond(bl->conditions, "ResolvedRefs") : nullptr;
    if (hasStatus(rr, "False") && rr->reason == "InvalidCertificateRef" && entered(rr, brr, "False")) {
      add(out, o, "Warning", "InvalidCertificate", "listener " + l.name + ": " + rr->message);
    }
    const auto* conflicted = cond(l.conditions, "Conflicted");
    if (entered(conflicted, bl ? cond(bl->conditions, "Conflicted") : nullptr, "True")) {
      add(out, o, "Warning", "ListenerConflict", "listener " + l.name + ": " + detail(*conflicted));
    }
  }
}

// Event names: client-go's "<object>.<unix nanoseconds in hex>"; a counter
// keeps two events of one object in the same nanosecond apart. Names are
// DNS subdomains (≤ 253).
std::string eventName(const std::string& object) {
  static std::atomic<uint64_t> counter{0};
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const std::string suffix = fmt::format(".{:x}", static_cast<uint64_t>(nanos) + counter++);
  return object.substr(0, 253 - suffix.size()) + suffix;
}

// Long messages are cut (the events.k8s.io API caps a note at 1 kB; the
// legacy API does not, but a condition message can be long), never inside
// a UTF-8 sequence.
std::string clip(std::string s) {
  constexpr size_t kMax = 1024;
  if (s.size() <= kMax) return s;
  size_t n = kMax;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s;
}

std::string hostName() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return {};
  return buf;
}

std::string describe(const Response& r) {
  if (r.status == 0) return "transport error: " + r.error;
  const auto body = json::parse(r.body, nullptr, false);
  if (body.is_object() && body.contains("message") && body["message"].is_string())
    return fmt::format("{}: {}", r.status, body["message"].get<std::string>());
  return fmt::format("{}: {}", r.status, r.body.substr(0, 200));
}

constexpr size_t kMaxSeen = 4096;  // the API server forgets Events after an hour anyway

}  // namespace

std::vector<EventSpec> eventsForTransitions(const status::StatusSet& before, const status::StatusSet& after) {
  std::vector<EventSpec> out;
  for (const auto& o : after.objects) {
    const status::ObjectStatus* b = before.find(o.kind, o.namespace_, o.name);
    if (const auto* route = std::get_if<status::RouteStatus>(&o.status)) {
      routeEvents(out, o, *route, b ? std::get_if<status::RouteStatus>(&b->status) : nullptr);
    } else if (const auto* gw = std::get_if<status::GatewayStatus>(&o.status)) {
      const auto* bgw = b ? std::get_if<status::GatewayStatus>(&b->status) : nullptr;
      listenerEvents(out, o, gw->listeners, bgw ? &bgw->listeners : nullptr);
      // Programmed False → True (GEP-1364: the data plane is configured).
      // Only for a Gateway seen before, so a restart or a new Gateway does
      // not announce itself; the status says it already.
      const auto* prog = cond(gw->conditions, "Programmed");
      const auto* bprog = bgw ? cond(bgw->conditions, "Programmed") : nullptr;
      if (hasStatus(prog, "True") && bprog && bprog->status != "True") {
        add(out, o, "Normal", "Programmed", prog->message.empty() ? "Gateway is programmed" : prog->message);
      }
    } else if (const auto* ls = std::get_if<status::ListenerSetStatus>(&o.status)) {
      const auto* bls = b ? std::get_if<status::ListenerSetStatus>(&b->status) : nullptr;
      listenerEvents(out, o, ls->listeners, bls ? &bls->listeners : nullptr);
    }
  }
  return out;
}

EventRecorder::EventRecorder(Client& client, std::string component)
    : client_(client), component_(std::move(component)) {}

std::vector<std::string> EventRecorder::record(const std::vector<EventSpec>& events, std::string_view now) {
  std::vector<std::string> errors;
  std::lock_guard lock(mu_);
  static const std::string host = hostName();
  for (const auto& e : events) {
    // Cluster-scoped objects' Events live in "default" (what kubectl
    // describe looks at, and what the API server accepts for them).
    const std::string ns = e.namespace_.empty() ? "default" : e.namespace_;
    const std::string message = clip(e.message);
    const std::string key =
        fmt::format("{}/{}/{}\n{}\n{}\n{}", e.kind, e.namespace_, e.name, e.type, e.reason, message);
    const std::string label = e.kind + " " + (e.namespace_.empty() ? "" : e.namespace_ + "/") + e.name;

    if (auto it = seen_.find(key); it != seen_.end()) {
      const int count = it->second.second + 1;
      const json patch{{"count", count}, {"lastTimestamp", now}};
      const Response r = client_.request("PATCH", resourcePath(eventResource(), ns, it->second.first),
                                         patch.dump(), "application/merge-patch+json");
      if (r.ok()) {
        it->second.second = count;
        continue;
      }
      seen_.erase(it);
      if (r.status != 404) {  // 404: the Event expired (1 h TTL); create a new one
        errors.push_back(fmt::format("event {} on {}: PATCH {}", e.reason, label, describe(r)));
        continue;
      }
    }

    json involved{{"apiVersion", e.apiVersion}, {"kind", e.kind}, {"name", e.name}};
    if (!e.namespace_.empty()) involved["namespace"] = e.namespace_;
    if (!e.uid.empty()) involved["uid"] = e.uid;
    json source{{"component", component_}};
    if (!host.empty()) source["host"] = host;
    json event{{"apiVersion", "v1"},
               {"kind", "Event"},
               {"metadata", {{"name", ""}, {"namespace", ns}}},
               {"involvedObject", std::move(involved)},
               {"reason", e.reason},
               {"message", message},
               {"type", e.type},
               {"count", 1},
               {"firstTimestamp", now},
               {"lastTimestamp", now},
               {"source", std::move(source)},
               {"reportingComponent", component_},
               {"reportingInstance", host.empty() ? component_ : host}};
    Response r;
    std::string name;
    for (int attempt = 0; attempt < 2; ++attempt) {  // a second name if the first was taken
      name = eventName(e.name);
      event["metadata"]["name"] = name;
      r = client_.request("POST", resourcePath(eventResource(), ns), event.dump());
      if (r.status != 409) break;
    }
    if (!r.ok()) {
      errors.push_back(fmt::format("event {} on {}: POST {}", e.reason, label, describe(r)));
      continue;
    }
    if (seen_.size() >= kMaxSeen) seen_.clear();
    seen_[key] = {name, 1};
  }
  return errors;
}

}  // namespace portico::kube

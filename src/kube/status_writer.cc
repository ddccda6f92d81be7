// The status writer's I/O: GET the object, merge (status_merge.cc), PUT
// the status subresource, retry on 409 from a fresh read. The merge rules
// are in status_merge.h.
#include "kube/status_writer.h"

#include <fmt/format.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "api/kinds.h"
#include "http1/serialize.h"
#include "kube/resources.h"
#include "kube/status_merge.h"
#include "status/status_json.h"

namespace portico::kube {
namespace {

std::string objectLabel(const status::ObjectStatus& o) {
  const std::string kind(api::kindName(o.kind));
  if (o.namespace_.empty()) return kind + " " + o.name;
  return kind + " " + o.namespace_ + "/" + o.name;
}

// What a translation says about an object, without the clock: the same
// fingerprint twice means the same status to write, so no request at all.
std::string fingerprint(const status::ObjectStatus& o) {
  status::DocumentOptions opts;  // lastTransitionTime left empty on purpose
  return std::to_string(o.generation) + " " + status::renderStatusStanza(o, opts);
}

// "403 Forbidden: <the Status object's message>" (metav1.Status carries the
// human-readable reason in `message`), or the transport error.
std::string describe(const Response& r) {
  if (r.status == 0) return "transport error: " + r.error;
  std::string detail;
  const auto body = nlohmann::json::parse(r.body, nullptr, false);
  if (body.is_object() && body.contains("message") && body["message"].is_string()) {
    detail = body["message"].get<std::string>();
  } else {
    detail = r.body.substr(0, 200);
  }
  std::string out = std::to_string(r.status);
  if (auto phrase = http1::reasonPhrase(r.status); phrase != "Unknown") out += " " + std::string(phrase);
  if (!detail.empty()) out += ": " + detail;
  return out;
}

}  // namespace

StatusWriter::StatusWriter(Client& client, StatusWriterOptions options)
    : client_(client), options_(std::move(options)) {}

void StatusWriter::reset() {
  std::lock_guard lock(mu_);
  written_.clear();
}

PublishResult StatusWriter::publish(const status::StatusSet& set, std::string_view now) {
  PublishResult result;
  std::set<std::string> present;
  for (const auto& os : set.objects) {
    if (!writesStatus(os)) continue;
    const Resource* res = resourceForKind(os.kind);
    if (!res) continue;
    const std::string key = fmt::format("{}/{}/{}", api::kindName(os.kind), os.namespace_, os.name);
    present.insert(key);
    const std::string fp = fingerprint(os);
    {
      std::lock_guard lock(mu_);
      auto it = written_.find(key);
      if (it != written_.end() && it->second == fp) {
        ++result.unchanged;
        continue;
      }
    }
    const std::string statusPath = resourcePath(*res, os.namespace_, os.name, "status");
    const auto remember = [&] {
      std::lock_guard lock(mu_);
      written_[key] = fp;
    };
    const auto fail = [&](const std::string& why) {
      ++result.failed;
      result.errors.push_back(objectLabel(os) + ": " + why);
    };

    // One attempt, then one more per 409 up to conflictRetries, each from a
    // fresh GET: the resourceVersion (optimistic concurrency, API
    // conventions "Concurrency Control and Consistency") and the other
    // controllers' entries must both be current.
    for (int attempt = 0;; ++attempt) {
      // GET on the status subresource returns the whole object (metadata
      // with resourceVersion, spec, status), and is the only read the RBAC
      // in deploy/ grants on these kinds besides list/watch.
      const Response got = client_.request("GET", statusPath);
      if (got.status == 404) {  // deleted meanwhile: nothing to write
        ++result.unchanged;
        break;
      }
      if (!got.ok()) {
        fail(describe(got));
        break;
      }
      const MergeOutcome merged = mergeStatus(os, got.body, options_.controllerName, now);
      if (!merged.error.empty()) {
        fail(merged.error);
        break;
      }
      if (!merged.changed) {
        ++result.unchanged;
        remember();
        break;
      }
      const Response put = client_.request("PUT", statusPath, merged.object);
      if (put.ok()) {
        ++result.written;
        remember();
        break;
      }
      if (put.status == 404) {
        ++result.unchanged;
        break;
      }
      if (put.status == 409) {
        ++result.conflicts;
        if (attempt < options_.conflictRetries) continue;
        fail(fmt::format("gave up after {} conflicts: {}", attempt + 1, describe(put)));
        break;
      }
      fail(describe(put));
      break;
    }
  }
  // Forget objects that are gone (or no longer ours), so a re-created one
  // is compared with the server again and the map does not grow forever.
  std::lock_guard lock(mu_);
  for (auto it = written_.begin(); it != written_.end();) {
    it = present.count(it->first) ? std::next(it) : written_.erase(it);
  }
  return result;
}

}  // namespace portico::kube

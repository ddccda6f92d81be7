// The API server as a source, after client-go's Reflector
// (k8s.io/client-go/tools/cache/reflector.go): per watched resource, a
// paginated LIST (limit/continue) gives the objects and a resourceVersion,
// then a WATCH from that resourceVersion with allowWatchBookmarks=true
// (API conventions, "Efficient detection of changes") streams ADDED /
// MODIFIED / DELETED / BOOKMARK events. A watch the server ends (its
// timeoutSeconds) resumes from the last resourceVersion without a LIST;
// 410 Gone (the history was compacted) relists; other errors back off
// exponentially (capped at 30 s). Before its first LIST a reflector asks
// discovery (/api/v1, /apis/GROUP/VERSION: an APIResourceList) whether the
// server serves its resource; one it does not serve (a CRD not installed,
// or only another version of it) is empty and asked again slowly. A LIST
// answering 404 later (the CRD was deleted) goes back to discovery.
#include "kube/kube_source.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "kube/resources.h"
#include "source/yaml/json.h"

namespace portico::kube {
namespace {

using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr int kPageLimit = 500;
constexpr std::chrono::milliseconds kBackoffStart{500};
constexpr std::chrono::milliseconds kBackoffCap{30000};
// A kind the server does not serve (CRD not installed) is asked for again
// this often.
constexpr std::chrono::milliseconds kMissingRetry{60000};
// Continuous churn still reconciles at least this often.
constexpr std::chrono::milliseconds kMaxDebounceDelay{1000};

std::string str(const json& j, const char* a, const char* b = nullptr) {
  auto it = j.find(a);
  if (it == j.end()) return {};
  if (b) {
    if (!it->is_object()) return {};
    auto jt = it->find(b);
    return jt != it->end() && jt->is_string() ? jt->get<std::string>() : std::string();
  }
  return it->is_string() ? it->get<std::string>() : std::string();
}

std::string urlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// What a watched object is, compared across events: everything but the
// fields that change on every write without changing meaning
// (resourceVersion, managedFields) and the status Portico itself writes,
// so our own status updates do not trigger reconciles. A Service keeps
// its status (load-balancer addresses feed Gateway addresses).
std::string fingerprint(json object, bool keepStatus) {
  if (!keepStatus) object.erase("status");
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) {
    meta->erase("resourceVersion");
    meta->erase("managedFields");
  }
  return object.dump();
}

// The object as /objects and /changes show it (indented JSON, which is
// YAML too): without status, resourceVersion and managedFields; Secret
// values other than certificates (*.crt) replaced by their size and
// digest, as run/objects.cc does for files: the admin API never hands out
// private keys or tokens.
std::string manifestText(json object) {
  object.erase("status");
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) {
    meta->erase("resourceVersion");
    meta->erase("managedFields");
  }
  if (str(object, "kind") == "Secret") {
    for (const char* field : {"data", "stringData"}) {
      auto d = object.find(field);
      if (d == object.end() || !d->is_object()) continue;
      for (auto& [key, value] : d->items()) {
        if (std::string_view(key).ends_with(".crt") || !value.is_string()) continue;
        const std::string v = value.get<std::string>();
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_Digest(v.data(), v.size(), md, &n, EVP_sha256(), nullptr);
        static constexpr char kHex[] = "0123456789abcdef";
        std::string hex;
        for (unsigned int i = 0; i < 4 && i < n; ++i) {
          hex.push_back(kHex[md[i] >> 4]);
          hex.push_back(kHex[md[i] & 15]);
        }
        value = "<redacted: " + std::to_string(v.size()) + " bytes, sha256 " + hex + ">";
      }
    }
  }
  return object.dump(2) + "\n";
}

struct Entry {
  const Resource* resource = nullptr;
  std::string namespace_, name;
  std::string resourceVersion;
  std::string fingerprint;
  std::shared_ptr<const std::string> manifest;  // shared with every generation that serves it
  int64_t order = 0;
  source::DecodedObject decoded;
  std::vector<std::string> ingress;  // Service status.loadBalancer.ingress (ip or hostname)
};

// One LIST+WATCH loop: a resource, cluster-wide or in one namespace.
struct Reflector {
  const Resource* resource = nullptr;
  std::string namespace_;  // empty = every namespace
  bool listed = false;
  std::set<std::string> keys;  // the entries this reflector owns
  bool missingLogged = false;  // "not served" said once, not every retry
  bool discovered = false;     // discovery listed the resource
};

class Source final : public KubeSource {
 public:
  Source(Client& client, SourceOptions options, std::function<void()> onChange)
      : client_(client), options_(std::move(options)), onChange_(std::move(onChange)) {
    for (const auto& r : watchedResources()) {
      if (r.namespaced && !options_.namespaces.empty()) {
        for (const auto& ns : options_.namespaces) reflectors_.push_back({&r, ns, false, {}, false});
      } else {
        reflectors_.push_back({&r, {}, false, {}, false});
      }
    }
  }

  ~Source() override { stop(); }

  void run() {
    for (auto& r : reflectors_) threads_.emplace_back([this, &r] { reflect(r); });
    threads_.emplace_back([this] { notify(); });
  }

  bool synced() const override {
    std::lock_guard lock(mu_);
    return syncedLocked();
  }

  source::LoadResult load() const override {
    std::lock_guard lock(mu_);
    source::LoadResult out;
    for (const auto& [key, e] : entries_) {
      ++out.documents;
      out.diagnostics.insert(out.diagnostics.end(), e.decoded.diagnostics.begin(),
                             e.decoded.diagnostics.end());
      if (e.decoded.object && source::insertObject(out.snapshot, *e.decoded.object))
        ++out.objectsByKind[std::string(e.resource->kind)];
    }
    return out;
  }

  SourceStats stats() const override {
    std::lock_guard lock(mu_);
    SourceStats s = stats_;
    for (const auto& [key, e] : entries_) ++s.objectsByKind[std::string(e.resource->kind)];
    return s;
  }

  std::map<std::string, std::pair<int64_t, std::shared_ptr<const std::string>>> manifests() const override {
    std::lock_guard lock(mu_);
    std::map<std::string, std::pair<int64_t, std::shared_ptr<const std::string>>> out;
    for (const auto& [key, e] : entries_) {
      if (e.decoded.object) out.emplace(key, std::make_pair(e.order, e.manifest));
    }
    return out;
  }

  std::vector<std::string> serviceIngress(const std::string& ns, const std::string& name) const override {
    std::lock_guard lock(mu_);
    auto it = entries_.find(keyOf("Service", ns, name));
    return it == entries_.end() ? std::vector<std::string>() : it->second.ingress;
  }

  void stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    client_.cancel();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

 private:
  Client& client_;
  SourceOptions options_;
  std::function<void()> onChange_;
  mutable std::mutex mu_;  // everything below
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<Reflector> reflectors_;     // fixed after construction; `listed`/`keys` under mu_
  std::map<std::string, Entry> entries_;  // by "Kind namespace/name"
  int64_t nextOrder_ = 0;
  SourceStats stats_;
  bool dirty_ = false;
  bool notifiedOnce_ = false;
  Clock::time_point firstDirty_{}, lastDirty_{};
  std::vector<std::thread> threads_;

  static std::string keyOf(std::string_view kind, std::string_view ns, std::string_view name) {
    std::string k(kind);
    k += ' ';
    if (!ns.empty()) {
      k += ns;
      k += '/';
    }
    k += name;
    return k;
  }

  bool syncedLocked() const {
    return std::all_of(reflectors_.begin(), reflectors_.end(), [](const Reflector& r) { return r.listed; });
  }

  void markDirtyLocked() {
    const auto now = Clock::now();
    if (!dirty_) firstDirty_ = now;
    dirty_ = true;
    lastDirty_ = now;
    stats_.lastChange = now;
  }

  // Waits `d` or until stop(); false when stopping.
  bool sleepFor(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [&] { return stopping_; });
  }

  bool stopping() const {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  // Decodes `object` (from a list or an event) into an entry; true when
  // what it means changed. Called without the lock (decoding is the slow
  // part); the caller stores the result.
  Entry decode(const Reflector& r, json object, const Entry* previous, int64_t order) {
    Entry e;
    e.resource = r.resource;
    // Items of a LIST carry no apiVersion/kind (API conventions, "Lists
    // and Simple kinds"): they are the list's resource.
    const std::string apiVersion =
        r.resource->group.empty() ? std::string(r.resource->version)
                                  : std::string(r.resource->group) + "/" + std::string(r.resource->version);
    if (!object.contains("apiVersion")) object["apiVersion"] = apiVersion;
    if (!object.contains("kind")) object["kind"] = std::string(r.resource->kind);
    e.namespace_ = r.resource->namespaced ? str(object, "metadata", "namespace") : std::string();
    e.name = str(object, "metadata", "name");
    e.resourceVersion = str(object, "metadata", "resourceVersion");
    const bool isService = r.resource->kind == "Service";
    e.fingerprint = fingerprint(object, isService);
    if (previous && previous->fingerprint == e.fingerprint) {
      e.order = previous->order;
      e.decoded = previous->decoded;  // shared: the same decoded object
      e.ingress = previous->ingress;
      e.manifest = previous->manifest;
      return e;
    }
    e.manifest = std::make_shared<const std::string>(manifestText(object));
    if (isService) {
      auto st = object.find("status");
      if (st != object.end() && st->is_object() && st->contains("loadBalancer")) {
        const auto& lb = (*st)["loadBalancer"];
        if (lb.is_object() && lb.contains("ingress") && lb["ingress"].is_array()) {
          for (const auto& i : lb["ingress"]) {
            if (!i.is_object()) continue;
            if (i.contains("ip") && i["ip"].is_string())
              e.ingress.push_back(i["ip"].get<std::string>());
            else if (i.contains("hostname") && i["hostname"].is_string())
              e.ingress.push_back(i["hostname"].get<std::string>());
          }
        }
      }
    }
    const std::string origin = "kube:" + keyOf(r.resource->kind, e.namespace_, e.name);
    e.order = order;
    // The same conversion as a .json manifest gets (source/yaml/json.h).
    std::shared_ptr<const source::yaml::Tree> tree;
    try {
      tree = source::yaml::fromJson(object);
    } catch (const std::exception&) {
      // Nested too deep: decoded as no object, which names the problem.
    }
    e.decoded = source::decodeObject(tree ? tree->root() : source::yaml::Node(), origin, e.order);
    return e;
  }

  // Stores a decoded entry; true when the snapshot changes.
  bool storeLocked(Reflector& r, Entry e) {
    const std::string key = keyOf(r.resource->kind, e.namespace_, e.name);
    auto it = entries_.find(key);
    const bool changed = it == entries_.end() || it->second.fingerprint != e.fingerprint;
    r.keys.insert(key);
    if (it == entries_.end()) {
      entries_.emplace(key, std::move(e));
    } else {
      it->second = std::move(e);
    }
    return changed;
  }

  // The stored entry for `object` (copied: decoding happens unlocked), or
  // the load order a new one gets.
  bool previousOf(const Reflector& r, const json& object, Entry& previous, int64_t& order) {
    std::lock_guard lock(mu_);
    if (const Entry* p = findLocked(r, object)) {
      previous = *p;
      order = p->order;
      return true;
    }
    order = ++nextOrder_;
    return false;
  }

  const Entry* findLocked(const Reflector& r, const json& object) const {
    const std::string ns = r.resource->namespaced ? str(object, "metadata", "namespace") : std::string();
    auto it = entries_.find(keyOf(r.resource->kind, ns, str(object, "metadata", "name")));
    return it == entries_.end() ? nullptr : &it->second;
  }

  std::string basePath(const Reflector& r) const { return resourcePath(*r.resource, r.namespace_); }

  enum class ListOutcome { Ok, Missing, Failed };

  // Discovery: does the server serve this resource at this version? The
  // group-version's APIResourceList names it (with its subresources as
  // "RESOURCE/status"); 404 means the whole group-version is absent.
  // Non-resource URLs, so no RBAC rule is needed (system:discovery).
  ListOutcome discover(const Reflector& r, std::string& error) {
    const Resource& res = *r.resource;
    const std::string path = res.group.empty() ? fmt::format("/api/{}", res.version)
                                               : fmt::format("/apis/{}/{}", res.group, res.version);
    const Response resp = client_.request("GET", path);
    if (resp.status == 404) return ListOutcome::Missing;
    if (!resp.ok()) {
      error = resp.status ? "HTTP " + std::to_string(resp.status) : resp.error;
      return ListOutcome::Failed;
    }
    const json doc = json::parse(resp.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("resources") ||
        !doc["resources"].is_array()) {
      error = "malformed discovery document at " + path;
      return ListOutcome::Failed;
    }
    for (const auto& entry : doc["resources"]) {
      if (entry.is_object() && entry.value("name", "") == res.resource) return ListOutcome::Ok;
    }
    return ListOutcome::Missing;
  }

  // A full, paginated LIST; replaces the reflector's objects. `rv` gets
  // the list's resourceVersion.
  ListOutcome list(Reflector& r, std::string& rv, std::string& error) {
    std::vector<json> items;
    std::string cont;
    for (;;) {
      std::string path = basePath(r) + "?limit=" + std::to_string(kPageLimit);
      if (!cont.empty()) path += "&continue=" + urlEncode(cont);
      const Response resp = client_.request("GET", path);
      if (resp.status == 404) return ListOutcome::Missing;
      if (resp.status == 410 && !cont.empty()) {
        // The continue token expired mid-list: start over.
        items.clear();
        cont.clear();
        continue;
      }
      if (!resp.ok()) {
        error = resp.status ? "HTTP " + std::to_string(resp.status) + ": " + resp.body.substr(0, 300)
                            : resp.error;
        return ListOutcome::Failed;
      }
      json page = json::parse(resp.body, nullptr, false);
      if (page.is_discarded() || !page.is_object()) {
        error = "malformed list response";
        return ListOutcome::Failed;
      }
      if (page.contains("items") && page["items"].is_array()) {
        for (auto& i : page["items"]) {
          if (i.is_object()) items.push_back(std::move(i));
        }
      }
      rv = str(page, "metadata", "resourceVersion");
      cont = str(page, "metadata", "continue");
      if (cont.empty()) break;
      if (stopping()) return ListOutcome::Failed;
    }
    // Decode outside the lock, reusing what did not change.
    std::vector<Entry> decoded;
    decoded.reserve(items.size());
    for (auto& item : items) {
      Entry previous;
      int64_t order = 0;
      const bool hasPrevious = previousOf(r, item, previous, order);
      decoded.push_back(decode(r, std::move(item), hasPrevious ? &previous : nullptr, order));
    }
    std::lock_guard lock(mu_);
    std::set<std::string> seen;
    bool changed = false;
    for (auto& e : decoded) {
      seen.insert(keyOf(r.resource->kind, e.namespace_, e.name));
      changed |= storeLocked(r, std::move(e));
    }
    for (auto it = r.keys.begin(); it != r.keys.end();) {
      if (seen.count(*it)) {
        ++it;
        continue;
      }
      entries_.erase(*it);
      it = r.keys.erase(it);
      changed = true;
    }
    const bool first = !r.listed;
    r.listed = true;
    if (changed || first) markDirtyLocked();
    cv_.notify_all();
    return ListOutcome::Ok;
  }

  // The reflector's empty state for a resource the server does not serve.
  void clearMissing(Reflector& r) {
    std::lock_guard lock(mu_);
    bool changed = false;
    for (const auto& k : r.keys) changed |= entries_.erase(k) > 0;
    r.keys.clear();
    const bool first = !r.listed;
    r.listed = true;
    if (changed || first) markDirtyLocked();
    cv_.notify_all();
  }

  enum class WatchOutcome { Ended, Gone, Failed };

  WatchOutcome watch(Reflector& r, std::string& rv, bool& progressed, std::string& error) {
    const auto timeoutSeconds =
        std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(options_.watchTimeout).count());
    const std::string path = basePath(r) +
                             "?watch=true&allowWatchBookmarks=true&resourceVersion=" + urlEncode(rv) +
                             "&timeoutSeconds=" + std::to_string(timeoutSeconds);
    bool gone = false, failed = false;
    auto onLine = [&](std::string_view line) {
      json ev = json::parse(line, nullptr, false);
      if (ev.is_discarded() || !ev.is_object() || !ev.contains("object") || !ev["object"].is_object()) {
        error = "malformed watch event";
        failed = true;
        return false;
      }
      const std::string type = str(ev, "type");
      json& object = ev["object"];
      if (type == "ERROR") {
        // A metav1.Status; 410 Gone: our resourceVersion is too old.
        const int code =
            object.contains("code") && object["code"].is_number_integer() ? object["code"].get<int>() : 0;
        if (code == 410) {
          gone = true;
        } else {
          error = "watch error: " + str(object, "message");
          failed = true;
        }
        return false;
      }
      const std::string newRv = str(object, "metadata", "resourceVersion");
      if (type == "BOOKMARK") {
        // Only the resourceVersion is meaningful (API conventions, "Watch bookmarks").
        if (!newRv.empty()) rv = newRv;
        progressed = true;
        std::lock_guard lock(mu_);
        ++stats_.bookmarks;
        return true;
      }
      if (type != "ADDED" && type != "MODIFIED" && type != "DELETED") return true;  // unknown types skipped
      progressed = true;
      if (type == "DELETED") {
        const std::string ns = r.resource->namespaced ? str(object, "metadata", "namespace") : std::string();
        const std::string key = keyOf(r.resource->kind, ns, str(object, "metadata", "name"));
        std::lock_guard lock(mu_);
        ++stats_.events;
        if (entries_.erase(key)) markDirtyLocked();
        r.keys.erase(key);
        cv_.notify_all();
      } else {
        Entry previous;
        int64_t order = 0;
        const bool hasPrevious = previousOf(r, object, previous, order);
        Entry e = decode(r, std::move(object), hasPrevious ? &previous : nullptr, order);
        std::lock_guard lock(mu_);
        ++stats_.events;
        if (storeLocked(r, std::move(e))) markDirtyLocked();
        cv_.notify_all();
      }
      if (!newRv.empty()) rv = newRv;
      return true;
    };
    // No bytes for longer than the server-side timeout plus slack: the
    // connection is dead (bookmarks arrive about once a minute otherwise).
    const Response resp =
        client_.stream(path, onLine, options_.watchTimeout + std::chrono::milliseconds(30000));
    if (gone || resp.status == 410) return WatchOutcome::Gone;
    if (failed) return WatchOutcome::Failed;
    if (resp.status != 0 && !resp.ok()) {
      error = "HTTP " + std::to_string(resp.status) + ": " + resp.body.substr(0, 300);
      return WatchOutcome::Failed;
    }
    if (resp.status == 0 || (!resp.error.empty() && !progressed)) {
      // No answer, or a connection dropped before any event: back off
      // before resuming so a flapping connection is not hammered.
      error = resp.error;
      return WatchOutcome::Failed;
    }
    return WatchOutcome::Ended;  // timeoutSeconds, or the server closed: resume
  }

  void reflect(Reflector& r) {
    std::chrono::milliseconds backoff{0};
    // Jitter (up to +50%, as client-go's wait.Backoff Jitter 0.5) so that
    // replicas that lost the API server together do not come back in step.
    std::minstd_rand rng{std::random_device{}()};
    auto backOff = [&] {
      backoff = backoff.count() == 0 ? kBackoffStart : std::min(backoff * 2, kBackoffCap);
      const auto jitter =
          std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, backoff.count() / 2)(rng));
      return sleepFor(backoff + jitter);
    };
    while (!stopping()) {
      try {
        std::string rv, error;
        ListOutcome lo = r.discovered ? ListOutcome::Ok : discover(r, error);
        if (lo == ListOutcome::Ok) {
          r.discovered = true;
          lo = list(r, rv, error);
        }
        if (lo == ListOutcome::Missing) {
          r.discovered = false;
          // An experimental CRD not installed, say: one line, not a crash
          // loop or a log line per retry. Installing it later needs no restart.
          if (!r.missingLogged && options_.log) {
            options_.log(fmt::format(
                "kube: {} ({}) is not served by the API server (discovery does not list it at {}; CRD "
                "not installed?): skipped, asked again every {} s",
                r.resource->resource, resourcePath(*r.resource), r.resource->version,
                kMissingRetry.count() / 1000));
          }
          r.missingLogged = true;
          clearMissing(r);
          if (!sleepFor(kMissingRetry)) return;
          continue;
        }
        if (lo == ListOutcome::Failed) {
          if (!backOff()) return;
          continue;
        }
        backoff = {};
        // Watch until the history is gone or the watch fails.
        for (;;) {
          bool progressed = false;
          error.clear();
          const WatchOutcome wo = watch(r, rv, progressed, error);
          if (stopping()) return;
          {
            std::lock_guard lock(mu_);
            ++stats_.watchRestarts;
            if (wo == WatchOutcome::Gone) ++stats_.relists;
          }
          if (wo == WatchOutcome::Gone) break;  // relist at once
          if (wo == WatchOutcome::Ended) {
            backoff = {};
            continue;
          }
          if (progressed) backoff = {};
          if (!backOff()) return;
          // A transport error resumes from the same resourceVersion (the
          // server may still have it); an HTTP error relists.
          if (!error.empty() && error.starts_with("HTTP")) {
            std::lock_guard lock(mu_);
            ++stats_.relists;
            break;
          }
        }
      } catch (const std::exception&) {
        // Never past this thread: start over after a pause.
        if (!backOff()) return;
      }
    }
  }

  // Debounced change notification: once everything is listed, then after
  // every burst of changes (quiet for `debounce`, or at most
  // kMaxDebounceDelay after the first change).
  void notify() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || (dirty_ && syncedLocked()); });
      if (stopping_) return;
      for (;;) {
        const auto now = Clock::now();
        const auto due = std::min(lastDirty_ + options_.debounce, firstDirty_ + kMaxDebounceDelay);
        if (now >= due || !notifiedOnce_) break;
        cv_.wait_until(lock, due, [&] { return stopping_; });
        if (stopping_) return;
      }
      dirty_ = false;
      notifiedOnce_ = true;
      lock.unlock();
      try {
        onChange_();
      } catch (const std::exception&) {
        // The callback's own business; never past this thread.
      }
      lock.lock();
    }
  }
};

}  // namespace

std::unique_ptr<KubeSource> KubeSource::start(Client& client, SourceOptions options,
                                              std::function<void()> onChange) {
  auto s = std::make_unique<Source>(client, std::move(options), std::move(onChange));
  s->run();
  return s;
}

}  // namespace portico::kube

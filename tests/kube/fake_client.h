// A scripted, in-memory kube::Client for unit tests of the status writer,
// the leader elector and the event recorder: no sockets. It keeps objects by
// path with Kubernetes' optimistic concurrency (resourceVersion, 409 on a
// stale one, 409 AlreadyExists on create), understands the status
// subresource and merge patches, records every call, and lets a test
// script responses (a queue per method + path, or a handler consulted
// first). Thread-safe: the elector calls it from its own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kube/client.h"

namespace portico::testing {

struct FakeCall {
  std::string method, path, body, contentType;
  int status = 0;  // what was answered
};

class FakeClient : public kube::Client {
 public:
  // Consulted before the scripts and the store; nullopt falls through.
  using Handler = std::function<std::optional<kube::Response>(const FakeCall&)>;

  void setHandler(Handler h) {
    std::lock_guard lock(mu_);
    handler_ = std::move(h);
  }

  // The next call with this method and path answers `r` (FIFO per key).
  void script(const std::string& method, const std::string& path, kube::Response r) {
    std::lock_guard lock(mu_);
    scripts_[method + " " + path].push_back(std::move(r));
  }

  // Stores `object` at `path` (".../NAME") as a user's write would: a new
  // resourceVersion, metadata.uid kept or assigned. Returns what is stored.
  nlohmann::json store(const std::string& path, nlohmann::json object) {
    std::lock_guard lock(mu_);
    stamp(object);
    objects_[path] = object;
    ++version_;
    changed_.notify_all();
    return object;
  }

  std::optional<nlohmann::json> object(const std::string& path) const {
    std::lock_guard lock(mu_);
    auto it = objects_.find(path);
    if (it == objects_.end()) return std::nullopt;
    return it->second;
  }

  std::vector<FakeCall> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

  size_t count(const std::string& method, const std::string& path = {}) const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& c : calls_)
      if (c.method == method && (path.empty() || c.path == path)) ++n;
    return n;
  }

  void clearCalls() {
    std::lock_guard lock(mu_);
    calls_.clear();
  }

  // Waits (condition variable, re-checked after every call and store) until
  // `pred` holds or `timeout` passes. `pred` runs under no lock of ours.
  bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mu_);
    for (;;) {
      const uint64_t seen = version_;
      lock.unlock();
      if (pred()) return true;
      lock.lock();
      if (!changed_.wait_until(lock, deadline, [&] { return version_ != seen; })) {
        lock.unlock();
        return pred();
      }
    }
  }

  kube::Response request(std::string_view method, std::string_view path, std::string_view body,
                         std::string_view contentType) override {
    FakeCall call{std::string(method), std::string(path), std::string(body), std::string(contentType), 0};
    Handler handler;
    {
      std::lock_guard lock(mu_);
      handler = handler_;
    }
    std::optional<kube::Response> r;
    if (handler) r = handler(call);
    std::lock_guard lock(mu_);
    if (!r) {
      auto it = scripts_.find(call.method + " " + call.path);
      if (it != scripts_.end() && !it->second.empty()) {
        r = std::move(it->second.front());
        it->second.pop_front();
      }
    }
    if (!r) r = serve(call);
    call.status = r->status;
    calls_.push_back(std::move(call));
    ++version_;
    changed_.notify_all();
    return *r;
  }

  kube::Response stream(std::string_view, const std::function<bool(std::string_view)>&,
                        std::chrono::milliseconds) override {
    return {501, {}, "not supported by FakeClient"};
  }
  void cancel() override {}

  static kube::Response status(int code, const std::string& reason, const std::string& message) {
    nlohmann::json s{{"apiVersion", "v1"}, {"kind", "Status"},   {"status", "Failure"},
                     {"reason", reason},   {"message", message}, {"code", code}};
    return {code, s.dump(), {}};
  }

 private:
  void stamp(nlohmann::json& object) {
    auto& meta = object["metadata"];
    meta["resourceVersion"] = std::to_string(++resourceVersion_);
    if (!meta.contains("uid")) meta["uid"] = "uid-" + std::to_string(resourceVersion_);
  }

  static std::string stripQuery(const std::string& p) { return p.substr(0, p.find('?')); }

  // Called with mu_ held.
  kube::Response serve(const FakeCall& c) {
    using nlohmann::json;
    std::string path = stripQuery(c.path);
    const bool statusSub = path.size() > 7 && path.compare(path.size() - 7, 7, "/status") == 0;
    if (statusSub) path.resize(path.size() - 7);
    if (c.method == "GET") {
      auto it = objects_.find(path);
      if (it == objects_.end()) return status(404, "NotFound", path + " not found");
      return {200, it->second.dump(), {}};
    }
    json body = json::parse(c.body, nullptr, false);
    if (body.is_discarded()) return status(400, "BadRequest", "body is not JSON");
    if (c.method == "POST") {
      const std::string name = body["metadata"].value("name", "");
      const std::string target = path + "/" + name;
      if (name.empty()) return status(422, "Invalid", "metadata.name: Required value");
      if (objects_.count(target)) return status(409, "AlreadyExists", name + " already exists");
      stamp(body);
      objects_[target] = body;
      return {201, body.dump(), {}};
    }
    auto it = objects_.find(path);
    if (it == objects_.end()) return status(404, "NotFound", path + " not found");
    if (c.method == "PATCH") {  // JSON merge patch (RFC 7386)
      it->second.merge_patch(body);
      stamp(it->second);
      return {200, it->second.dump(), {}};
    }
    if (c.method == "PUT") {
      const std::string rv = body["metadata"].value("resourceVersion", "");
      if (rv != it->second["metadata"].value("resourceVersion", "")) {
        return status(409, "Conflict",
                      "Operation cannot be fulfilled: the object has been modified; please apply your "
                      "changes to the latest version and try again");
      }
      if (statusSub) {
        // The status subresource ignores everything but status.
        it->second["status"] = body.contains("status") ? body["status"] : json();
      } else {
        json status = it->second.contains("status") ? it->second["status"] : json();
        it->second = body;
        if (!status.is_null()) it->second["status"] = status;
      }
      stamp(it->second);
      return {200, it->second.dump(), {}};
    }
    return status(405, "MethodNotAllowed", c.method);
  }

  mutable std::mutex mu_;
  std::condition_variable changed_;
  uint64_t version_ = 0;
  Handler handler_;
  std::map<std::string, std::deque<kube::Response>> scripts_;
  std::map<std::string, nlohmann::json> objects_;
  std::vector<FakeCall> calls_;
  uint64_t resourceVersion_ = 100;
};

}  // namespace portico::testing

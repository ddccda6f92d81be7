// A test Kubernetes API server speaking the real wire protocol over HTTPS
// (no kube-apiserver package exists on Debian 12): list and watch as JSON
// streams with chunked encoding, resourceVersion semantics, bookmarks, 410
// Gone for compacted history, the status subresource, 409 Conflict on a
// stale resourceVersion, Lease and Event objects, bearer-token auth. Every
// request is recorded (verb, group, resource, subresource) for the RBAC test.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace portico::testing {

struct RecordedRequest {
  std::string method;  // HTTP method
  std::string path;    // without the query
  // false for non-resource URLs (/version, discovery under /api and /apis),
  // which RBAC grants every authenticated user (system:discovery).
  bool resourceRequest = false;
  std::string verb;   // Kubernetes verb: get list watch create update patch delete
  std::string group;  // "" = core
  std::string version;
  std::string resource;     // plural
  std::string subresource;  // "status" or ""
  std::string namespace_;
  std::string name;
  std::string user;  // who it was authenticated as: "token", or a client certificate's CN; "" when not
  int status = 0;    // HTTP status answered
};

class FakeApiServer {
 public:
  struct Options {
    std::string token = "portico-test-token";  // accepted as "Authorization: Bearer ..."
    // X.509 client-certificate authentication (kube-apiserver's
    // --client-ca-file): a client certificate this CA signed authenticates
    // its request as the certificate's CN, with or without a token.
    // Empty: bearer tokens only.
    std::string clientCaPem;
    // Events kept for watches; a watch from an older resourceVersion gets 410.
    size_t historyLimit = 1000;
    // Resource plurals (e.g. "xbackendtrafficpolicies") answered 404 and
    // left out of discovery, as when their CRD is not installed.
    std::vector<std::string> absentResources;
  };

  static std::unique_ptr<FakeApiServer> start(Options options);
  static std::unique_ptr<FakeApiServer> start() { return start(Options{}); }
  virtual ~FakeApiServer() = default;

  virtual uint16_t port() const = 0;
  virtual std::string url() const = 0;    // "https://127.0.0.1:PORT"
  virtual std::string caPem() const = 0;  // signs the server certificate (SAN IP 127.0.0.1, DNS localhost)
  virtual std::string token() const = 0;

  // Create or replace an object (apiVersion, kind, metadata.name[,
  // namespace], spec...), as a user's `kubectl apply` would: assigns uid,
  // creationTimestamp and resourceVersion; bumps metadata.generation when
  // anything but metadata and status changed; keeps the stored status.
  // Notifies watchers. Returns the stored object.
  virtual nlohmann::json apply(const nlohmann::json& object) = 0;
  virtual bool remove(const std::string& apiVersion, const std::string& kind, const std::string& ns,
                      const std::string& name) = 0;
  // The stored object, or null.
  virtual nlohmann::json get(const std::string& apiVersion, const std::string& kind, const std::string& ns,
                             const std::string& name) const = 0;

  // Forget all watch history: every watch resuming from an older
  // resourceVersion gets 410 Gone (as after etcd compaction).
  virtual void compact() = 0;
  // Ends every open watch stream (as an API server restart or timeout would).
  virtual void closeWatches() = 0;
  // Sends a BOOKMARK event on every watch that asked for them.
  virtual void sendBookmarks() = 0;
  // The next `count` status writes answer 409 Conflict (someone else wrote first).
  virtual void injectStatusConflicts(int count) = 0;

  // A watch is recorded once it is registered: after waitFor() has seen it,
  // every change, sendBookmarks() and closeWatches() reach it.
  virtual std::vector<RecordedRequest> requests() const = 0;
  // Waits until `pred` holds, re-checking it after every request served and
  // every change (condition variable, no polling sleeps), or until `timeout`.
  // `pred` runs without the server's lock, so it may call get()/requests().
  virtual bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) = 0;
};

}  // namespace portico::testing

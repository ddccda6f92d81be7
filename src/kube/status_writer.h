// Writes the translator's status back to the API server through the status
// subresource (GEP-1364 conventions): only when it changed, with
// observedGeneration, lastTransitionTime kept when a condition's status did
// not change, a fresh read and retry on 409 Conflict, and only Portico's own
// entries (route parents and policy ancestors whose controllerName is
// another controller's are preserved). Only the leader calls publish().
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client.h"
#include "status/types.h"

namespace portico::kube {

struct StatusWriterOptions {
  std::string controllerName;  // whose parent/ancestor entries are ours
  int conflictRetries = 5;     // fresh GET + PUT attempts after a 409
};

struct PublishResult {
  size_t written = 0;               // PUT /status succeeded
  size_t unchanged = 0;             // nothing to write (same as last written, or as on the server)
  size_t conflicts = 0;             // 409s met (each followed by a fresh read)
  size_t failed = 0;                // gave up (the error is in `errors`)
  std::vector<std::string> errors;  // "HTTPRoute default/foo: 403 Forbidden: ..."
};

class StatusWriter {
 public:
  StatusWriter(Client& client, StatusWriterOptions options);

  // `now` (RFC 3339) stamps conditions whose status changed or that are new.
  PublishResult publish(const status::StatusSet& set, std::string_view now);

  // Forget what was written: the next publish() compares with the server.
  // Called on becoming leader (another replica may have written since).
  void reset();

 private:
  Client& client_;
  StatusWriterOptions options_;
  // publish() runs on the controller's status thread, reset() on the leader
  // elector's; mu_ is held only while written_ is read or changed, never
  // across a request.
  std::mutex mu_;
  // kind/namespace/name -> fingerprint of the status last written or found equal.
  std::map<std::string, std::string> written_;
};

}  // namespace portico::kube

// The pure half of the status writer: the translator's status for one
// object + the live object as the API server returned it → the object to
// PUT to its status subresource, or "nothing to write". No I/O, so every
// merge rule is unit-tested without a server (tests/kube/status_writer_test.cc).
#pragma once

#include <string>
#include <string_view>

#include "status/types.h"

namespace portico::kube {

// Whether Portico writes this object's status at all. False for kinds
// without status (ReferenceGrant) and for a GatewayClass, Gateway or
// ListenerSet the translator left at the CRD default (Accepted Unknown,
// reason Pending, observedGeneration 0): that is how it marks objects whose
// controller is not Portico, and another controller owns their status.
bool writesStatus(const status::ObjectStatus& translated);

struct MergeOutcome {
  bool changed = false;  // the merged status differs from the live one
  std::string object;    // when changed: the live object with the merged status, to PUT
  std::string status;    // the merged `.status` (compact JSON)
  std::string error;     // the live object is not a JSON object; nothing else is set
};

// Rules (GEP-1364 and the Gateway API status conventions):
//  - GatewayClass, Gateway, ListenerSet: the whole status is Portico's.
//  - Routes (`parents`) and policies (`ancestors`): only entries whose
//    controllerName is `controllerName` are replaced; other controllers'
//    entries stay where they are. An entry of ours matching a translated
//    one by reference (defaults applied: group gateway.networking.k8s.io,
//    kind Gateway, the object's namespace) is replaced in place; ours that
//    the translation no longer has are dropped; new ones are appended.
//  - A condition keeps the live lastTransitionTime when the live condition
//    of the same type (same listener / same parent) has the same status
//    (metav1.Condition: "the last time the condition transitioned from one
//    status to another"); otherwise it is stamped `now`.
//  - A condition's observedGeneration is the generation the translator saw
//    (ObjectStatus::generation when the condition carries none).
//  - No entry of ours before and none now: unchanged (never writes an
//    empty `parents` onto a route Portico has nothing to say about).
//  - An object writesStatus() refuses is always unchanged.
MergeOutcome mergeStatus(const status::ObjectStatus& translated, std::string_view liveObject,
                         std::string_view controllerName, std::string_view now);

}  // namespace portico::kube

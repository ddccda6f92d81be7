// Why a cross-namespace reference is not permitted, and the ReferenceGrant
// that permits it (spec §8, §12.14). The verdict itself is the
// translator's (ReferenceGrantIndex); this only explains it by finding
// the grants that were probably meant for the reference.
#pragma once

#include <string>
#include <vector>

#include "diagnose/findings.h"
#include "store/snapshot.h"

namespace portico::diagnose::detail {

struct GrantNeed {
  std::string fromKind;  // HTTPRoute, Gateway, ListenerSet, ... (group gateway.networking.k8s.io)
  std::string fromNamespace;
  std::string toKind;  // Service, Secret, ConfigMap (core group)
  std::string toNamespace;
  std::string toName;
};

struct GrantVerdict {
  std::string code;  // PD-REF-GRANT-*
  std::string cause;
  std::vector<Evidence> evidence;
  std::vector<ObjectRef> related;
  Fix fix;
};

GrantVerdict explainMissingGrant(const store::Snapshot& snap, const GrantNeed& need);

// The least-privilege grant for `need` (to.name set), as YAML.
std::string grantYaml(const GrantNeed& need);

}  // namespace portico::diagnose::detail

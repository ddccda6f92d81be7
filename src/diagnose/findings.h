// What `portico diagnose` reports: findings with a stable code, the object
// and field at fault, the symptom as a user meets it, the root cause, the
// evidence (conditions the translator wrote, references, certificate dates,
// endpoints) and a concrete fix. Codes are documented one by one in
// docs/troubleshooting.md; they never change meaning once released (the
// `-o json` output and CI gates depend on them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::diagnose {

enum class Severity { Error, Warning, Info };

std::string_view severityName(Severity s);  // "error" | "warning" | "info"

// A Kubernetes object: kind, namespace ("" for cluster-scoped), name.
struct ObjectRef {
  std::string kind;
  std::string namespace_;
  std::string name;

  std::string display() const;  // "HTTPRoute shop/store", "GatewayClass portico"
  bool operator==(const ObjectRef&) const = default;
  auto operator<=>(const ObjectRef&) const = default;
};

// One fact backing a finding. `kind` says what sort of fact it is:
// "condition" (a status condition the translator wrote), "reference",
// "object" (what the input holds or lacks), "certificate", "endpoints",
// "grant", "precedence".
struct Evidence {
  std::string kind;
  std::string text;
};

// One RFC 6902 JSON Patch operation on `Fix::target`. `valueJson` is the
// JSON value ("" for remove).
struct PatchOp {
  std::string op;  // add | replace | remove
  std::string path;
  std::string valueJson;
};

// How to make the finding go away. Any of `yaml` (objects to create or
// replace with `kubectl apply`), `patch` (JSON Patch on an existing
// object) and `commands` may be set; `summary` always is.
struct Fix {
  std::string summary;
  std::string yaml;
  ObjectRef target;  // object `patch` applies to
  std::vector<PatchOp> patch;
  std::vector<std::string> commands;

  bool empty() const { return summary.empty(); }
};

struct Finding {
  std::string code;  // e.g. PD-ROUTE-NAMESPACE-NOT-ALLOWED
  Severity severity = Severity::Error;
  ObjectRef object;
  std::string field;    // e.g. spec.parentRefs[0]; "" = the whole object
  std::string subject;  // discriminates findings of one code on one field (e.g. a listener name)
  std::string symptom;  // "requests for shop.example.com/api get 404"
  std::string cause;
  std::vector<Evidence> evidence;
  Fix fix;
  std::vector<ObjectRef> related;  // other objects involved (for -n filtering)

  // Identity across runs (before/after comparison): code, object, field,
  // subject. Texts may change without making it another finding.
  std::string key() const;
};

struct Summary {
  int errors = 0;
  int warnings = 0;
  int infos = 0;
  int objects = 0;  // objects in the input
};

// Which config generation a live report (diagnose --admin) describes.
struct LiveState {
  uint64_t generation = 0;
  std::string appliedAt;
  std::string trigger;
  uint64_t reloadsOk = 0;
  uint64_t reloadsRejected = 0;
};

struct Report {
  std::vector<Finding> findings;  // sorted: severity, then chain order, then object
  Summary summary;
  std::optional<LiveState> live;  // set for diagnose --admin
};

// The catalog: every code `diagnose` can emit, its default severity and a
// one-line title (used by docs/troubleshooting.md and `-o json`).
struct CodeInfo {
  std::string_view code;
  Severity severity;
  std::string_view title;
};
const std::vector<CodeInfo>& codeCatalog();
const CodeInfo* findCode(std::string_view code);

// The docs anchor of a code: "docs/troubleshooting.md#pd-route-hostname-mismatch".
std::string docsLink(std::string_view code);

}  // namespace portico::diagnose

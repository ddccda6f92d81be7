// One Ingress path (with its pathType and, for regular-expression paths,
// ingress-nginx's rewrite-target) as an HTTPRoute path match plus an
// optional URLRewrite path modifier.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/routes.h"

namespace portico::migrate {

struct PathPlan {
  bool ok = false;  // false: the path cannot be converted (see `problems`)
  api::HTTPPathMatch match;
  std::optional<api::HTTPPathModifier> rewrite;
  // ingress-nginx matched characters, PathPrefix matches whole segments
  // ("/foo" no longer matches "/foobar").
  bool segmentNarrowed = false;
  // Notes for the path (-> warnings on the path's field) and for the
  // rewrite-target annotation (-> warnings on the annotation).
  std::vector<std::string> pathNotes;
  std::vector<std::string> rewriteNotes;
};

// `regex`: the Ingress uses use-regex or rewrite-target (ingress-nginx then
// reads every path as a case-insensitive regular expression anchored at
// the start). `rewriteTarget`: null when the annotation is absent.
PathPlan planPath(std::string_view path, std::string_view pathType, bool regex,
                  const std::string* rewriteTarget);

// The HTTPPathMatch CEL rules for Exact and PathPrefix values; `why` says
// what is wrong.
bool validMatchPath(std::string_view v, std::string* why);

}  // namespace portico::migrate

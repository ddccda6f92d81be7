// ObjectMeta and the shared reference / selector / session-persistence
// decoders, with their CRD defaults.
#include "source/decode/decode.h"
#include "source/decode/refs.h"

namespace portico::source::decode {

bool isEnvelopeKey(std::string_view key) {
  // `status` is written by controllers, never read from manifests.
  return key == "apiVersion" || key == "kind" || key == "metadata" || key == "status";
}

void decodeMeta(Ctx& c, const Node& n, const FieldPath& p, api::ObjectMeta& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "name") return c.str(v, fp, out.name), true;
    if (k == "namespace") return c.str(v, fp, out.namespace_), true;
    if (k == "generation") return c.i64(v, fp, out.generation), true;
    if (k == "creationTimestamp") return c.str(v, fp, out.creationTimestamp), true;
    if (k == "uid") return c.str(v, fp, out.uid), true;
    if (k == "resourceVersion") return c.str(v, fp, out.resourceVersion), true;
    if (k == "labels") return c.strMap(v, fp, out.labels), true;
    if (k == "annotations") return c.strMap(v, fp, out.annotations), true;
    // ObjectMeta fields Portico does not model are accepted as-is.
    return k == "generateName" || k == "managedFields" || k == "ownerReferences" || k == "finalizers" ||
           k == "deletionTimestamp" || k == "deletionGracePeriodSeconds" || k == "selfLink";
  });
}

void decodeParentRef(Ctx& c, const Node& n, const FieldPath& p, api::ParentReference& out) {
  fields(c, n, p, {"name"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "group") return c.str(v, fp, out.group), true;
    if (k == "kind") return c.str(v, fp, out.kind), true;
    if (k == "namespace") return c.str(v, fp, out.namespace_), true;
    if (k == "name") return c.str(v, fp, out.name), true;
    if (k == "sectionName") return c.str(v, fp, out.sectionName), true;
    if (k == "port") return c.i32(v, fp, out.port), true;
    return false;
  });
}

bool decodeCommonRouteField(Ctx& c, std::string_view key, const Node& v, const FieldPath& p,
                            api::CommonRouteSpec& out) {
  if (key == "parentRefs") {
    list(c, v, p, out.parentRefs,
         [&](const Node& n, const FieldPath& ip, api::ParentReference& r) { decodeParentRef(c, n, ip, r); });
    return true;
  }
  if (key == "useDefaultGateways") return c.str(v, p, out.useDefaultGateways), true;
  return false;
}

namespace {

bool backendObjectRefField(Ctx& c, std::string_view k, const Node& v, const FieldPath& fp,
                           api::BackendObjectReference& out) {
  if (k == "group") return c.str(v, fp, out.group), true;
  if (k == "kind") return c.str(v, fp, out.kind), true;
  if (k == "name") return c.str(v, fp, out.name), true;
  if (k == "namespace") return c.str(v, fp, out.namespace_), true;
  if (k == "port") return c.i32(v, fp, out.port), true;
  return false;
}

}  // namespace

void decodeBackendObjectRef(Ctx& c, const Node& n, const FieldPath& p, api::BackendObjectReference& out) {
  fields(c, n, p, {"name"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    return backendObjectRefField(c, k, v, fp, out);
  });
}

bool decodeBackendRefField(Ctx& c, std::string_view key, const Node& v, const FieldPath& p,
                           api::HTTPBackendRef& out) {
  if (key == "weight") return c.i32(v, p, out.weight), true;
  return backendObjectRefField(c, key, v, p, out.ref);
}

void decodeSecretRef(Ctx& c, const Node& n, const FieldPath& p, api::SecretObjectReference& out) {
  fields(c, n, p, {"name"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "group") return c.str(v, fp, out.group), true;
    if (k == "kind") return c.str(v, fp, out.kind), true;
    if (k == "name") return c.str(v, fp, out.name), true;
    if (k == "namespace") return c.str(v, fp, out.namespace_), true;
    return false;
  });
}

void decodeObjectRef(Ctx& c, const Node& n, const FieldPath& p, api::ObjectReference& out) {
  fields(c, n, p, {"group", "kind", "name"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "group") return c.str(v, fp, out.group), true;
    if (k == "kind") return c.str(v, fp, out.kind), true;
    if (k == "name") return c.str(v, fp, out.name), true;
    if (k == "namespace") return c.str(v, fp, out.namespace_), true;
    return false;
  });
}

void decodeLocalRef(Ctx& c, const Node& n, const FieldPath& p, api::LocalObjectReference& out) {
  fields(c, n, p, {"group", "kind", "name"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "group") return c.str(v, fp, out.group), true;
    if (k == "kind") return c.str(v, fp, out.kind), true;
    if (k == "name") return c.str(v, fp, out.name), true;
    return false;
  });
}

void decodePolicyTargetRef(Ctx& c, const Node& n, const FieldPath& p, api::PolicyTargetReference& out,
                           bool withSectionName) {
  fields(c, n, p, {"group", "kind", "name"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "group") return c.str(v, fp, out.group), true;
    if (k == "kind") return c.str(v, fp, out.kind), true;
    if (k == "name") return c.str(v, fp, out.name), true;
    if (k == "sectionName" && withSectionName) return c.str(v, fp, out.sectionName), true;
    return false;
  });
}

void decodeLabelSelector(Ctx& c, const Node& n, const FieldPath& p, api::LabelSelector& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "matchLabels") return c.strMap(v, fp, out.matchLabels), true;
    if (k == "matchExpressions") {
      list(c, v, fp, out.matchExpressions,
           [&](const Node& e, const FieldPath& ep, api::LabelSelectorRequirement& r) {
             fields(c, e, ep, {"key", "operator"}, [&](std::string_view ek, const Node& ev, const FieldPath& efp) {
               if (ek == "key") return c.str(ev, efp, r.key), true;
               if (ek == "operator") return c.str(ev, efp, r.operator_), true;
               if (ek == "values") return c.strList(ev, efp, r.values), true;
               return false;
             });
           });
      return true;
    }
    return false;
  });
}

void decodeSessionPersistence(Ctx& c, const Node& n, const FieldPath& p, api::SessionPersistence& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "sessionName") return c.str(v, fp, out.sessionName), true;
    if (k == "absoluteTimeout") return c.str(v, fp, out.absoluteTimeout), true;
    // Removed in v1.6 but still decoded for older manifests; validation
    // warns about it.
    if (k == "idleTimeout") return c.str(v, fp, out.idleTimeout), true;
    if (k == "type") return c.str(v, fp, out.type), true;
    if (k == "cookieConfig") {
      auto& cc = out.cookieConfig.emplace();
      fields(c, v, fp, {}, [&](std::string_view ck, const Node& cv, const FieldPath& cfp) {
        if (ck == "lifetimeType") return c.str(cv, cfp, cc.lifetimeType), true;
        return false;
      });
      return true;
    }
    return false;
  });
}

void decodeHeaderMatch(Ctx& c, const Node& n, const FieldPath& p, api::HTTPHeaderMatch& out) {
  fields(c, n, p, {"name", "value"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "type") return c.str(v, fp, out.type), true;
    if (k == "name") return c.str(v, fp, out.name), true;
    if (k == "value") return c.str(v, fp, out.value), true;
    return false;
  });
}

}  // namespace portico::source::decode

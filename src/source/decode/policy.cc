// ReferenceGrant, BackendTLSPolicy and XBackendTrafficPolicy decoding.
#include "source/decode/decode.h"
#include "source/decode/refs.h"

namespace portico::source::decode {

void decode(Ctx& c, const Node& root, api::ReferenceGrant& out) {
  withSpec(c, root, [&](const Node& spec, const FieldPath& sp) {
    fields(c, spec, sp, {"from", "to"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
      if (k == "from") {
        list(c, v, fp, out.from, [&](const Node& n, const FieldPath& ip, api::ReferenceGrantFrom& f) {
          fields(c, n, ip, {"group", "kind", "namespace"}, [&](std::string_view fk, const Node& fv, const FieldPath& ffp) {
            if (fk == "group") return c.str(fv, ffp, f.group), true;
            if (fk == "kind") return c.str(fv, ffp, f.kind), true;
            if (fk == "namespace") return c.str(fv, ffp, f.namespace_), true;
            return false;
          });
        });
        return true;
      }
      if (k == "to") {
        list(c, v, fp, out.to, [&](const Node& n, const FieldPath& ip, api::ReferenceGrantTo& t) {
          fields(c, n, ip, {"group", "kind"}, [&](std::string_view tk, const Node& tv, const FieldPath& tfp) {
            if (tk == "group") return c.str(tv, tfp, t.group), true;
            if (tk == "kind") return c.str(tv, tfp, t.kind), true;
            if (tk == "name") return c.str(tv, tfp, t.name), true;
            return false;
          });
        });
        return true;
      }
      return false;
    });
  });
}

void decode(Ctx& c, const Node& root, api::BackendTLSPolicy& out) {
  withSpec(c, root, [&](const Node& spec, const FieldPath& sp) {
    fields(c, spec, sp, {"targetRefs", "validation"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
      if (k == "targetRefs") {
        list(c, v, fp, out.targetRefs, [&](const Node& n, const FieldPath& ip, api::PolicyTargetReference& r) {
          decodePolicyTargetRef(c, n, ip, r, true);
        });
        return true;
      }
      if (k == "options") return c.strMap(v, fp, out.options), true;
      if (k == "validation") {
        auto& val = out.validation;
        fields(c, v, fp, {"hostname"}, [&](std::string_view vk, const Node& vv, const FieldPath& vfp) {
          if (vk == "caCertificateRefs") {
            list(c, vv, vfp, val.caCertificateRefs, [&](const Node& n, const FieldPath& ip, api::LocalObjectReference& r) {
              decodeLocalRef(c, n, ip, r);
            });
            return true;
          }
          if (vk == "wellKnownCACertificates") return c.str(vv, vfp, val.wellKnownCACertificates), true;
          if (vk == "hostname") return c.str(vv, vfp, val.hostname), true;
          if (vk == "subjectAltNames") {
            list(c, vv, vfp, val.subjectAltNames, [&](const Node& n, const FieldPath& ip, api::SubjectAltName& s) {
              fields(c, n, ip, {"type"}, [&](std::string_view sk, const Node& sv, const FieldPath& sfp) {
                if (sk == "type") return c.str(sv, sfp, s.type), true;
                if (sk == "hostname") return c.str(sv, sfp, s.hostname), true;
                if (sk == "uri") return c.str(sv, sfp, s.uri), true;
                return false;
              });
            });
            return true;
          }
          return false;
        });
        return true;
      }
      return false;
    });
  });
}

void decode(Ctx& c, const Node& root, api::XBackendTrafficPolicy& out) {
  withSpec(c, root, [&](const Node& spec, const FieldPath& sp) {
    fields(c, spec, sp, {"targetRefs"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
      if (k == "targetRefs") {
        // LocalPolicyTargetReference: no sectionName.
        list(c, v, fp, out.targetRefs, [&](const Node& n, const FieldPath& ip, api::PolicyTargetReference& r) {
          decodePolicyTargetRef(c, n, ip, r, false);
        });
        return true;
      }
      if (k == "retryConstraint") {
        auto& rc = out.retryConstraint.emplace();
        fields(c, v, fp, {}, [&](std::string_view rk, const Node& rv, const FieldPath& rfp) {
          if (rk == "budget") {
            auto& b = rc.budget.emplace();
            fields(c, rv, rfp, {}, [&](std::string_view bk, const Node& bv, const FieldPath& bfp) {
              if (bk == "percent") return c.i32(bv, bfp, b.percent), true;
              if (bk == "interval") return c.str(bv, bfp, b.interval), true;
              return false;
            });
            return true;
          }
          if (rk == "minRetryRate") {
            auto& m = rc.minRetryRate.emplace();
            fields(c, rv, rfp, {}, [&](std::string_view mk, const Node& mv, const FieldPath& mfp) {
              if (mk == "count") return c.i32(mv, mfp, m.count), true;
              if (mk == "interval") return c.str(mv, mfp, m.interval), true;
              return false;
            });
            return true;
          }
          return false;
        });
        // CRD defaults: budget {percent 20, interval 10s}, minRetryRate
        // {count 10, interval 1s} when retryConstraint is given without them.
        if (!rc.budget) rc.budget.emplace();
        if (!rc.minRetryRate) rc.minRetryRate.emplace();
        return true;
      }
      if (k == "sessionPersistence") return decodeSessionPersistence(c, v, fp, out.sessionPersistence.emplace()), true;
      return false;
    });
  });
}

}  // namespace portico::source::decode

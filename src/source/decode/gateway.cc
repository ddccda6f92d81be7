// GatewayClass, Gateway and ListenerSet decoding. Defaults: listener
// allowedRoutes.namespaces.from Same, route kinds group
// gateway.networking.k8s.io, certificateRefs group ""/kind Secret, address
// type IPAddress, allowedListeners.namespaces.from None, frontend
// validation mode AllowValidOnly. ListenerTLSConfig.mode stays unset when
// not written (validation and the translator treat unset as Terminate).
#include "source/decode/decode.h"
#include "source/decode/refs.h"

namespace portico::source::decode {
namespace {

void routeNamespaces(Ctx& c, const Node& n, const FieldPath& p, api::RouteNamespaces& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "from") return c.str(v, fp, out.from), true;
    if (k == "selector") return decodeLabelSelector(c, v, fp, out.selector.emplace()), true;
    return false;
  });
}

void listener(Ctx& c, const Node& n, const FieldPath& p, api::Listener& out) {
  fields(c, n, p, {"name", "port", "protocol"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "name") return c.str(v, fp, out.name), true;
    if (k == "hostname") return c.str(v, fp, out.hostname), true;
    if (k == "port") return c.i32(v, fp, out.port), true;
    if (k == "protocol") return c.str(v, fp, out.protocol), true;
    if (k == "tls") {
      auto& t = out.tls.emplace();
      fields(c, v, fp, {}, [&](std::string_view tk, const Node& tv, const FieldPath& tfp) {
        if (tk == "mode") return c.str(tv, tfp, t.mode), true;
        if (tk == "certificateRefs") {
          list(c, tv, tfp, t.certificateRefs,
               [&](const Node& r, const FieldPath& rp, api::SecretObjectReference& ref) {
                 decodeSecretRef(c, r, rp, ref);
               });
          return true;
        }
        if (tk == "options") return c.strMap(tv, tfp, t.options), true;
        return false;
      });
      return true;
    }
    if (k == "allowedRoutes") {
      auto& a = out.allowedRoutes;
      fields(c, v, fp, {}, [&](std::string_view ak, const Node& av, const FieldPath& afp) {
        if (ak == "namespaces") return routeNamespaces(c, av, afp, a.namespaces), true;
        if (ak == "kinds") {
          a.kindsSet = list(c, av, afp, a.kinds, [&](const Node& kn, const FieldPath& kp, api::RouteGroupKind& gk) {
            fields(c, kn, kp, {"kind"}, [&](std::string_view kk, const Node& kv, const FieldPath& kfp) {
              if (kk == "group") return c.str(kv, kfp, gk.group), true;
              if (kk == "kind") return c.str(kv, kfp, gk.kind), true;
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
}

void listeners(Ctx& c, const Node& v, const FieldPath& p, std::vector<api::Listener>& out) {
  list(c, v, p, out, [&](const Node& n, const FieldPath& ip, api::Listener& l) { listener(c, n, ip, l); });
}

void tlsValidation(Ctx& c, const Node& n, const FieldPath& p, api::TLSConfig& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k != "validation") return false;
    auto& val = out.validation.emplace();
    fields(c, v, fp, {"caCertificateRefs"}, [&](std::string_view vk, const Node& vv, const FieldPath& vfp) {
      if (vk == "mode") return c.str(vv, vfp, val.mode), true;
      if (vk == "caCertificateRefs") {
        list(c, vv, vfp, val.caCertificateRefs, [&](const Node& r, const FieldPath& rp, api::ObjectReference& ref) {
          decodeObjectRef(c, r, rp, ref);
        });
        return true;
      }
      return false;
    });
    return true;
  });
}

void gatewayTLS(Ctx& c, const Node& n, const FieldPath& p, api::GatewayTLSConfig& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "backend") {
      auto& b = out.backend.emplace();
      fields(c, v, fp, {}, [&](std::string_view bk, const Node& bv, const FieldPath& bfp) {
        if (bk == "clientCertificateRef") return decodeSecretRef(c, bv, bfp, b.clientCertificateRef.emplace()), true;
        return false;
      });
      return true;
    }
    if (k == "frontend") {
      auto& f = out.frontend.emplace();
      fields(c, v, fp, {"default"}, [&](std::string_view fk, const Node& fv, const FieldPath& ffp) {
        if (fk == "default") return tlsValidation(c, fv, ffp, f.default_), true;
        if (fk == "perPort") {
          list(c, fv, ffp, f.perPort, [&](const Node& pn, const FieldPath& pp, api::TLSPortConfig& pc) {
            fields(c, pn, pp, {"port", "tls"}, [&](std::string_view pk, const Node& pv, const FieldPath& pfp) {
              if (pk == "port") return c.i32(pv, pfp, pc.port), true;
              if (pk == "tls") return tlsValidation(c, pv, pfp, pc.tls), true;
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
}

}  // namespace

void decode(Ctx& c, const Node& root, api::GatewayClass& out) {
  withSpec(c, root, [&](const Node& spec, const FieldPath& sp) {
    fields(c, spec, sp, {"controllerName"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
      if (k == "controllerName") return c.str(v, fp, out.controllerName), true;
      if (k == "description") return c.str(v, fp, out.description), true;
      if (k == "parametersRef") {
        auto& r = out.parametersRef.emplace();
        fields(c, v, fp, {"group", "kind", "name"}, [&](std::string_view rk, const Node& rv, const FieldPath& rfp) {
          if (rk == "group") return c.str(rv, rfp, r.group), true;
          if (rk == "kind") return c.str(rv, rfp, r.kind), true;
          if (rk == "name") return c.str(rv, rfp, r.name), true;
          if (rk == "namespace") return c.str(rv, rfp, r.namespace_), true;
          return false;
        });
        return true;
      }
      return false;
    });
  });
}

void decode(Ctx& c, const Node& root, api::Gateway& out) {
  withSpec(c, root, [&](const Node& spec, const FieldPath& sp) {
    fields(c, spec, sp, {"gatewayClassName", "listeners"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
      if (k == "gatewayClassName") return c.str(v, fp, out.gatewayClassName), true;
      if (k == "listeners") return listeners(c, v, fp, out.listeners), true;
      if (k == "addresses") {
        list(c, v, fp, out.addresses, [&](const Node& a, const FieldPath& ap, api::GatewayAddress& addr) {
          fields(c, a, ap, {}, [&](std::string_view ak, const Node& av, const FieldPath& afp) {
            if (ak == "type") return c.str(av, afp, addr.type), true;
            if (ak == "value") return c.str(av, afp, addr.value), true;
            return false;
          });
        });
        return true;
      }
      if (k == "infrastructure") {
        auto& inf = out.infrastructure.emplace();
        fields(c, v, fp, {}, [&](std::string_view ik, const Node& iv, const FieldPath& ifp) {
          if (ik == "labels") return c.strMap(iv, ifp, inf.labels), true;
          if (ik == "annotations") return c.strMap(iv, ifp, inf.annotations), true;
          if (ik == "parametersRef") return decodeLocalRef(c, iv, ifp, inf.parametersRef.emplace()), true;
          return false;
        });
        return true;
      }
      if (k == "allowedListeners") {
        auto& al = out.allowedListeners.emplace();
        fields(c, v, fp, {}, [&](std::string_view ak, const Node& av, const FieldPath& afp) {
          if (ak == "namespaces") return routeNamespaces(c, av, afp, al.namespaces), true;
          return false;
        });
        return true;
      }
      if (k == "tls") return gatewayTLS(c, v, fp, out.tls.emplace()), true;
      if (k == "defaultScope") return c.str(v, fp, out.defaultScope), true;
      return false;
    });
  });
}

void decode(Ctx& c, const Node& root, api::ListenerSet& out) {
  withSpec(c, root, [&](const Node& spec, const FieldPath& sp) {
    fields(c, spec, sp, {"parentRef", "listeners"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
      if (k == "listeners") return listeners(c, v, fp, out.listeners), true;
      if (k == "parentRef") {
        auto& r = out.parentRef;
        fields(c, v, fp, {"name"}, [&](std::string_view rk, const Node& rv, const FieldPath& rfp) {
          if (rk == "group") return c.str(rv, rfp, r.group), true;
          if (rk == "kind") return c.str(rv, rfp, r.kind), true;
          if (rk == "name") return c.str(rv, rfp, r.name), true;
          if (rk == "namespace") return c.str(rv, rfp, r.namespace_), true;
          return false;
        });
        return true;
      }
      return false;
    });
  });
}

}  // namespace portico::source::decode

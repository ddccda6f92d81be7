// HTTPRoute, GRPCRoute, TLSRoute, TCPRoute and UDPRoute decoding.
// Defaults (httproute_types.go): an HTTPRoute without `rules` gets one rule
// matching PathPrefix "/"; a match without `path` gets PathPrefix "/". A
// rule without `matches` keeps an empty list (the translator treats it as
// one PathPrefix "/" match, which is what the CRD default expands to).
#include "source/decode/decode.h"
#include "source/decode/refs.h"

namespace portico::source::decode {
namespace {

void httpMatch(Ctx& c, const Node& n, const FieldPath& p, api::HTTPRouteMatch& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "path") {
      auto& pm = out.path.emplace();
      fields(c, v, fp, {}, [&](std::string_view pk, const Node& pv, const FieldPath& pfp) {
        if (pk == "type") return c.str(pv, pfp, pm.type), true;
        if (pk == "value") return c.str(pv, pfp, pm.value), true;
        return false;
      });
      return true;
    }
    if (k == "headers") {
      list(c, v, fp, out.headers,
           [&](const Node& h, const FieldPath& hp, api::HTTPHeaderMatch& m) { decodeHeaderMatch(c, h, hp, m); });
      return true;
    }
    if (k == "queryParams") {
      list(c, v, fp, out.queryParams,
           [&](const Node& h, const FieldPath& hp, api::HTTPQueryParamMatch& m) { decodeHeaderMatch(c, h, hp, m); });
      return true;
    }
    if (k == "method") return c.str(v, fp, out.method), true;
    return false;
  });
  if (!out.path) out.path.emplace();  // CRD default {type: PathPrefix, value: "/"}
}

void filterList(Ctx& c, const Node& v, const FieldPath& p, std::vector<api::HTTPRouteFilter>& out, bool grpc) {
  list(c, v, p, out,
       [&](const Node& n, const FieldPath& ip, api::HTTPRouteFilter& f) { decodeFilter(c, n, ip, f, grpc); });
}

void backendRefs(Ctx& c, const Node& v, const FieldPath& p, std::vector<api::HTTPBackendRef>& out,
                 bool withFilters, bool grpc) {
  list(c, v, p, out, [&](const Node& n, const FieldPath& ip, api::HTTPBackendRef& b) {
    fields(c, n, ip, {"name"}, [&](std::string_view k, const Node& bv, const FieldPath& fp) {
      if (withFilters && k == "filters") return filterList(c, bv, fp, b.filters, grpc), true;
      return decodeBackendRefField(c, k, bv, fp, b);
    });
  });
}

void httpRule(Ctx& c, const Node& n, const FieldPath& p, api::HTTPRouteRule& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "name") return c.str(v, fp, out.name), true;
    if (k == "matches") {
      list(c, v, fp, out.matches,
           [&](const Node& m, const FieldPath& mp, api::HTTPRouteMatch& r) { httpMatch(c, m, mp, r); });
      return true;
    }
    if (k == "filters") return filterList(c, v, fp, out.filters, false), true;
    if (k == "backendRefs") return backendRefs(c, v, fp, out.backendRefs, true, false), true;
    if (k == "timeouts") {
      auto& t = out.timeouts.emplace();
      fields(c, v, fp, {}, [&](std::string_view tk, const Node& tv, const FieldPath& tfp) {
        if (tk == "request") return c.str(tv, tfp, t.request), true;
        if (tk == "backendRequest") return c.str(tv, tfp, t.backendRequest), true;
        return false;
      });
      return true;
    }
    if (k == "retry") {
      auto& r = out.retry.emplace();
      fields(c, v, fp, {}, [&](std::string_view rk, const Node& rv, const FieldPath& rfp) {
        if (rk == "codes") {
          list(c, rv, rfp, r.codes, [&](const Node& cn, const FieldPath& cp, int32_t& code) { c.i32(cn, cp, code); });
          return true;
        }
        if (rk == "attempts") return c.i32(rv, rfp, r.attempts), true;
        if (rk == "backoff") return c.str(rv, rfp, r.backoff), true;
        return false;
      });
      return true;
    }
    if (k == "sessionPersistence") return decodeSessionPersistence(c, v, fp, out.sessionPersistence.emplace()), true;
    return false;
  });
}

void grpcMatch(Ctx& c, const Node& n, const FieldPath& p, api::GRPCRouteMatch& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "method") {
      auto& m = out.method.emplace();
      fields(c, v, fp, {}, [&](std::string_view mk, const Node& mv, const FieldPath& mfp) {
        if (mk == "type") return c.str(mv, mfp, m.type), true;
        if (mk == "service") return c.str(mv, mfp, m.service), true;
        if (mk == "method") return c.str(mv, mfp, m.method), true;
        return false;
      });
      return true;
    }
    if (k == "headers") {
      list(c, v, fp, out.headers,
           [&](const Node& h, const FieldPath& hp, api::HTTPHeaderMatch& m) { decodeHeaderMatch(c, h, hp, m); });
      return true;
    }
    return false;
  });
}

void grpcRule(Ctx& c, const Node& n, const FieldPath& p, api::GRPCRouteRule& out) {
  fields(c, n, p, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
    if (k == "name") return c.str(v, fp, out.name), true;
    if (k == "matches") {
      list(c, v, fp, out.matches,
           [&](const Node& m, const FieldPath& mp, api::GRPCRouteMatch& r) { grpcMatch(c, m, mp, r); });
      return true;
    }
    if (k == "filters") return filterList(c, v, fp, out.filters, true), true;
    if (k == "backendRefs") return backendRefs(c, v, fp, out.backendRefs, true, true), true;
    if (k == "sessionPersistence") return decodeSessionPersistence(c, v, fp, out.sessionPersistence.emplace()), true;
    return false;
  });
}

}  // namespace

void decode(Ctx& c, const Node& root, api::HTTPRoute& out) {
  bool rulesSet = false;
  withSpec(c, root, [&](const Node& spec, const FieldPath& sp) {
    fields(c, spec, sp, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
      if (decodeCommonRouteField(c, k, v, fp, out.common)) return true;
      if (k == "hostnames") return c.strList(v, fp, out.hostnames), true;
      if (k == "rules") {
        rulesSet = true;
        list(c, v, fp, out.rules, [&](const Node& r, const FieldPath& rp, api::HTTPRouteRule& rule) {
          httpRule(c, r, rp, rule);
        });
        return true;
      }
      return false;
    });
  });
  // CRD default for an absent `rules`: [{matches: [{path: PathPrefix "/"}]}].
  if (!rulesSet) out.rules.emplace_back().matches.emplace_back().path.emplace();
}

void decode(Ctx& c, const Node& root, api::GRPCRoute& out) {
  withSpec(c, root, [&](const Node& spec, const FieldPath& sp) {
    fields(c, spec, sp, {}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
      if (decodeCommonRouteField(c, k, v, fp, out.common)) return true;
      if (k == "hostnames") return c.strList(v, fp, out.hostnames), true;
      if (k == "rules") {
        list(c, v, fp, out.rules, [&](const Node& r, const FieldPath& rp, api::GRPCRouteRule& rule) {
          grpcRule(c, r, rp, rule);
        });
        return true;
      }
      return false;
    });
  });
}

void decodeL4(Ctx& c, const Node& root, api::L4Route& out, bool tls) {
  withSpec(c, root, [&](const Node& spec, const FieldPath& sp) {
    fields(c, spec, sp, {"rules"}, [&](std::string_view k, const Node& v, const FieldPath& fp) {
      if (decodeCommonRouteField(c, k, v, fp, out.common)) return true;
      if (tls && k == "hostnames") return c.strList(v, fp, out.hostnames), true;
      if (k == "rules") {
        list(c, v, fp, out.rules, [&](const Node& r, const FieldPath& rp, api::L4RouteRule& rule) {
          fields(c, r, rp, {"backendRefs"}, [&](std::string_view rk, const Node& rv, const FieldPath& rfp) {
            if (rk == "name") return c.str(rv, rfp, rule.name), true;
            if (rk == "backendRefs") return backendRefs(c, rv, rfp, rule.backendRefs, false, false), true;
            return false;
          });
        });
        return true;
      }
      return false;
    });
  });
}

}  // namespace portico::source::decode

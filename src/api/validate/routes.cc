// GRPCRoute, TLSRoute, TCPRoute and UDPRoute validation
// (gateway.networking.k8s.io_{grpc,tls,tcp,udp}routes.yaml).
#include <fmt/format.h>

#include "api/validate/patterns.h"
#include "api/validate/route_common.h"
#include "api/validate/validate.h"

namespace portico::api::validate {
namespace {

void grpcMethod(Checker& c, const FieldPath& p, const GRPCMethodMatch& m) {
  c.oneOf(p.field("type"), m.type, {"Exact", "RegularExpression"});
  if (m.service) c.length(p.field("service"), *m.service, 0, 1024);
  if (m.method) c.length(p.field("method"), *m.method, 0, 1024);
  // GRPCMethodMatch CEL: type (always set once defaulted) needs service
  // and/or method; Exact values must be valid protobuf names.
  if (!m.service && !m.method) c.error(p, "one or both of service and method must be set");
  if (m.type == "Exact") {
    if (m.service && !isGrpcService(*m.service)) {
      c.error(p.field("service"), fmt::format("invalid service {}: an Exact service must be a dotted protobuf name "
                                              "(^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)",
                                              quote(*m.service)));
    }
    if (m.method && !isGrpcMethod(*m.method)) {
      c.error(p.field("method"), fmt::format("invalid method {}: an Exact method must match ^[A-Za-z_][A-Za-z_0-9]*$",
                                             quote(*m.method)));
    }
  }
}

void grpcHeaders(Checker& c, const FieldPath& p, const std::vector<HTTPHeaderMatch>& hs) {
  c.items(p, hs.size(), 0, 16);
  for (size_t i = 0; i < hs.size(); ++i) {
    FieldPath hp = p.at(i);
    c.oneOf(hp.field("type"), hs[i].type, {"Exact", "RegularExpression"});
    c.headerName(hp.field("name"), hs[i].name);
    c.length(hp.field("value"), hs[i].value, 1, 4096);
    for (size_t j = 0; j < i; ++j) {
      if (hs[j].name == hs[i].name) {
        c.error(hp.field("name"), fmt::format("duplicate name {} (also {})", quote(hs[i].name), p.at(j).str()));
        break;
      }
    }
  }
}

void l4(const L4Route& obj, Issues& out, bool tls, bool legacy) {
  Checker c(out);
  FieldPath spec = FieldPath::root("spec");
  c.parentRefs(spec.field("parentRefs"), obj.common.parentRefs);
  if (obj.common.useDefaultGateways) c.oneOf(spec.field("useDefaultGateways"), *obj.common.useDefaultGateways, {"All", "None"});
  if (tls) {
    FieldPath hp = spec.field("hostnames");
    // v1: 1-1024 and (CEL) never an IP address; v1alpha2/3: 0-1024.
    hostnames(c, hp, obj.hostnames, legacy ? 0 : 1, 1024);
    if (!legacy) {
      for (size_t i = 0; i < obj.hostnames.size(); ++i) {
        if (isIPAddress(obj.hostnames[i])) c.error(hp.at(i), fmt::format("{} is an IP address; hostnames cannot be IPs", quote(obj.hostnames[i])));
      }
    }
  }
  FieldPath rp = spec.field("rules");
  if (legacy) {
    c.items(rp, obj.rules.size(), 1, 16);
  } else if (obj.rules.size() != 1) {
    c.error(rp, fmt::format("must have exactly 1 rule (has {})", obj.rules.size()));
  }
  for (size_t i = 0; i < obj.rules.size(); ++i) {
    FieldPath rulePath = rp.at(i);
    FieldPath bp = rulePath.field("backendRefs");
    c.items(bp, obj.rules[i].backendRefs.size(), 1, 16);
    for (size_t k = 0; k < obj.rules[i].backendRefs.size(); ++k) c.backendRef(bp.at(k), obj.rules[i].backendRefs[k]);
  }
  ruleNames(c, rp, obj.rules);
}

}  // namespace

void validate(const GRPCRoute& obj, Issues& out) {
  Checker c(out);
  FieldPath spec = FieldPath::root("spec");
  c.parentRefs(spec.field("parentRefs"), obj.common.parentRefs);
  if (obj.common.useDefaultGateways) c.oneOf(spec.field("useDefaultGateways"), *obj.common.useDefaultGateways, {"All", "None"});
  hostnames(c, spec.field("hostnames"), obj.hostnames, 0, 16);
  FieldPath rp = spec.field("rules");
  c.items(rp, obj.rules.size(), 0, 16);
  size_t total = 0;
  for (size_t i = 0; i < obj.rules.size(); ++i) {
    const auto& r = obj.rules[i];
    FieldPath p = rp.at(i);
    FieldPath mp = p.field("matches");
    c.items(mp, r.matches.size(), 0, 64);
    total += r.matches.size();
    for (size_t k = 0; k < r.matches.size(); ++k) {
      if (r.matches[k].method) grpcMethod(c, mp.at(k).field("method"), *r.matches[k].method);
      grpcHeaders(c, mp.at(k).field("headers"), r.matches[k].headers);
    }
    routeFilters(c, p.field("filters"), r.filters, true);
    FieldPath bp = p.field("backendRefs");
    c.items(bp, r.backendRefs.size(), 0, 16);
    for (size_t k = 0; k < r.backendRefs.size(); ++k) {
      c.backendRef(bp.at(k), r.backendRefs[k]);
      routeFilters(c, bp.at(k).field("filters"), r.backendRefs[k].filters, true);
    }
    if (r.sessionPersistence) c.sessionPersistence(p.field("sessionPersistence"), *r.sessionPersistence);
  }
  if (total > 128) c.error(rp, fmt::format("too many matches: at most 128 across all rules (has {})", total));
  ruleNames(c, rp, obj.rules);
}

void validate(const TLSRoute& obj, Issues& out, bool legacy) { l4(obj, out, true, legacy); }
void validate(const TCPRoute& obj, Issues& out, bool legacy) { l4(obj, out, false, legacy); }
void validate(const UDPRoute& obj, Issues& out, bool legacy) { l4(obj, out, false, legacy); }

}  // namespace portico::api::validate

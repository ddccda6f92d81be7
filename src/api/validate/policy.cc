// ReferenceGrant, BackendTLSPolicy and XBackendTrafficPolicy validation, and
// the few checks the API server applies to the core kinds Portico reads.
#include <fmt/format.h>

#include "api/validate/checker.h"
#include "api/validate/patterns.h"
#include "api/validate/validate.h"

namespace portico::api::validate {

void validate(const ReferenceGrant& obj, Issues& out) {
  Checker c(out);
  FieldPath spec = FieldPath::root("spec");
  FieldPath fp = spec.field("from");
  c.items(fp, obj.from.size(), 1, 16);
  for (size_t i = 0; i < obj.from.size(); ++i) {
    c.group(fp.at(i).field("group"), obj.from[i].group);
    c.kind(fp.at(i).field("kind"), obj.from[i].kind);
    c.namespaceName(fp.at(i).field("namespace"), obj.from[i].namespace_);
  }
  FieldPath tp = spec.field("to");
  c.items(tp, obj.to.size(), 1, 16);
  for (size_t i = 0; i < obj.to.size(); ++i) {
    c.group(tp.at(i).field("group"), obj.to[i].group);
    c.kind(tp.at(i).field("kind"), obj.to[i].kind);
    if (obj.to[i].name) c.objectName(tp.at(i).field("name"), *obj.to[i].name);
  }
}

void validate(const BackendTLSPolicy& obj, Issues& out) {
  Checker c(out);
  FieldPath spec = FieldPath::root("spec");
  c.policyTargetRefs(spec.field("targetRefs"), obj.targetRefs, true);
  FieldPath op = spec.field("options");
  c.properties(op, obj.options.size(), 16);
  for (const auto& [k, v] : obj.options) c.length(op.field(k), v, 0, 4096);

  const auto& v = obj.validation;
  FieldPath vp = spec.field("validation");
  FieldPath cp = vp.field("caCertificateRefs");
  c.items(cp, v.caCertificateRefs.size(), 0, 8);
  for (size_t i = 0; i < v.caCertificateRefs.size(); ++i) c.localRef(cp.at(i), v.caCertificateRefs[i]);
  FieldPath wp = vp.field("wellKnownCACertificates");
  if (v.wellKnownCACertificates && c.length(wp, *v.wellKnownCACertificates, 1, 253) &&
      !isWellKnownCA(*v.wellKnownCACertificates)) {
    c.error(wp, fmt::format("unsupported value {}: must be System or a domain-prefixed name such as "
                            "example.com/bundle",
                            quote(*v.wellKnownCACertificates)));
  }
  // Validation CEL: exactly one of caCertificateRefs and wellKnownCACertificates.
  const bool hasRefs = !v.caCertificateRefs.empty();
  const bool hasWellKnown = v.wellKnownCACertificates && !v.wellKnownCACertificates->empty();
  if (hasRefs && hasWellKnown) {
    c.error(wp, "must not be set together with caCertificateRefs: specify exactly one of them");
  } else if (!hasRefs && !hasWellKnown) {
    c.error(cp, "one of caCertificateRefs or wellKnownCACertificates must be specified");
  }
  c.preciseHostname(vp.field("hostname"), v.hostname);
  FieldPath sp = vp.field("subjectAltNames");
  c.items(sp, v.subjectAltNames.size(), 0, 5);
  for (size_t i = 0; i < v.subjectAltNames.size(); ++i) {
    const auto& s = v.subjectAltNames[i];
    FieldPath p = sp.at(i);
    c.oneOf(p.field("type"), s.type, {"Hostname", "URI"});
    if (s.hostname) c.hostname(p.field("hostname"), *s.hostname);
    if (s.uri && c.length(p.field("uri"), *s.uri, 1, 253) && !isAbsoluteUri(*s.uri)) {
      c.error(p.field("uri"), fmt::format("invalid URI {}: must be an absolute URI such as spiffe://domain/path", quote(*s.uri)));
    }
    // SubjectAltName CEL: the member named by type is required, the other forbidden.
    const bool hasHost = s.hostname && !s.hostname->empty();
    const bool hasUri = s.uri && !s.uri->empty();
    if (s.type == "Hostname" && !hasHost) c.error(p.field("hostname"), "required when type is Hostname");
    if (s.type != "Hostname" && hasHost) c.error(p.field("hostname"), "may only be set when type is Hostname");
    if (s.type == "URI" && !hasUri) c.error(p.field("uri"), "required when type is URI");
    if (s.type != "URI" && hasUri) c.error(p.field("uri"), "may only be set when type is URI");
  }
}

void validate(const XBackendTrafficPolicy& obj, Issues& out) {
  Checker c(out);
  FieldPath spec = FieldPath::root("spec");
  c.policyTargetRefs(spec.field("targetRefs"), obj.targetRefs, false);
  if (obj.retryConstraint) {
    FieldPath rp = spec.field("retryConstraint");
    if (const auto& b = obj.retryConstraint->budget) {
      FieldPath bp = rp.field("budget");
      c.range(bp.field("percent"), b->percent, 0, 100);
      // CEL: 1s <= interval <= 1h.
      if (auto d = c.duration(bp.field("interval"), b->interval); d && (*d < 1000 || *d > 3600000)) {
        c.error(bp.field("interval"), fmt::format("{} is out of range: must be between 1s and 1h", quote(b->interval)));
      }
    }
    if (const auto& m = obj.retryConstraint->minRetryRate) {
      FieldPath mp = rp.field("minRetryRate");
      c.range(mp.field("count"), m->count, 1, 1000000);
      // CEL: 0s < interval <= 1h.
      if (auto d = c.duration(mp.field("interval"), m->interval); d && (*d == 0 || *d > 3600000)) {
        c.error(mp.field("interval"), fmt::format("{} is out of range: must be greater than 0s and at most 1h",
                                                  quote(m->interval)));
      }
    }
  }
  if (obj.sessionPersistence) c.sessionPersistence(spec.field("sessionPersistence"), *obj.sessionPersistence);
}

void validate(const Service& obj, Issues& out) {
  Checker c(out);
  FieldPath spec = FieldPath::root("spec");
  FieldPath pp = spec.field("ports");
  for (size_t i = 0; i < obj.ports.size(); ++i) {
    const auto& sp = obj.ports[i];
    c.port(pp.at(i).field("port"), sp.port);
    c.oneOf(pp.at(i).field("protocol"), sp.protocol, {"TCP", "UDP", "SCTP"});
    // Several ports need names; names must be unique.
    if (obj.ports.size() > 1 && sp.name.value_or("").empty()) {
      c.error(pp.at(i).field("name"), "required when the Service has more than one port");
    }
    for (size_t j = 0; j < i; ++j) {
      if (sp.name && obj.ports[j].name == sp.name && !sp.name->empty()) {
        c.error(pp.at(i).field("name"), fmt::format("duplicate port name {} (also {})", quote(*sp.name), pp.at(j).str()));
        break;
      }
    }
  }
  c.oneOf(spec.field("type"), obj.type, {"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"});
}

void validate(const EndpointSlice& obj, Issues& out) {
  Checker c(out);
  c.oneOf(FieldPath::root("addressType"), obj.addressType, {"IPv4", "IPv6", "FQDN"});
  FieldPath pp = FieldPath::root("ports");
  for (size_t i = 0; i < obj.ports.size(); ++i) {
    if (obj.ports[i].port) c.range(pp.at(i).field("port"), *obj.ports[i].port, 0, 65535);
    c.oneOf(pp.at(i).field("protocol"), obj.ports[i].protocol, {"TCP", "UDP", "SCTP"});
  }
  FieldPath ep = FieldPath::root("endpoints");
  for (size_t i = 0; i < obj.endpoints.size(); ++i) {
    c.items(ep.at(i).field("addresses"), obj.endpoints[i].addresses.size(), 1, 100);
  }
}

void validate(const Secret&, Issues&) {}
void validate(const ConfigMap&, Issues&) {}
void validate(const Namespace&, Issues&) {}

}  // namespace portico::api::validate

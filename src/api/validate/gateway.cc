// GatewayClass, Gateway and ListenerSet validation, plus ObjectMeta
// (gateway.networking.k8s.io_gatewayclasses/gateways/listenersets.yaml).
#include <fmt/format.h>

#include "api/validate/checker.h"
#include "api/validate/patterns.h"
#include "api/validate/validate.h"

namespace portico::api::validate {
namespace {

void allowedRoutes(Checker& c, const FieldPath& p, const AllowedRoutes& a) {
  c.oneOf(p.field("namespaces").field("from"), a.namespaces.from, {"All", "Selector", "Same"});
  FieldPath kp = p.field("kinds");
  c.items(kp, a.kinds.size(), 0, 8);
  for (size_t i = 0; i < a.kinds.size(); ++i) {
    c.group(kp.at(i).field("group"), a.kinds[i].group);
    c.kind(kp.at(i).field("kind"), a.kinds[i].kind);
  }
}

void listenerTLS(Checker& c, const FieldPath& p, const ListenerTLSConfig& t) {
  if (t.mode) c.oneOf(p.field("mode"), *t.mode, {"Terminate", "Passthrough"});
  FieldPath cp = p.field("certificateRefs");
  c.items(cp, t.certificateRefs.size(), 0, 64);
  for (size_t i = 0; i < t.certificateRefs.size(); ++i) c.secretRef(cp.at(i), t.certificateRefs[i]);
  FieldPath op = p.field("options");
  c.properties(op, t.options.size(), 16);
  for (const auto& [k, v] : t.options) c.length(op.field(k), v, 0, 4096);
  // ListenerTLSConfig CEL: mode (default Terminate) Terminate needs at least
  // one certificateRef or one option.
  if (t.mode.value_or("Terminate") == "Terminate" && t.certificateRefs.empty() && t.options.empty()) {
    c.error(p.field("certificateRefs"), "at least one certificateRef (or an option) is required when mode is Terminate");
  }
}

bool sameHostname(const Listener& a, const Listener& b) {
  return a.hostname.has_value() == b.hostname.has_value() && (!a.hostname || *a.hostname == *b.hostname);
}

// Listener fields and the listener-list CEL rules shared by
// Gateway.spec.listeners and ListenerSet.spec.listeners.
void listeners(Checker& c, const FieldPath& p, const std::vector<Listener>& ls) {
  c.items(p, ls.size(), 1, 64);
  for (size_t i = 0; i < ls.size(); ++i) {
    const Listener& l = ls[i];
    FieldPath lp = p.at(i);
    c.sectionName(lp.field("name"), l.name);
    if (l.hostname) c.hostname(lp.field("hostname"), *l.hostname);
    c.port(lp.field("port"), l.port);
    FieldPath pp = lp.field("protocol");
    if (c.length(pp, l.protocol, 1, 255) && !isProtocolType(l.protocol)) {
      c.error(pp, fmt::format("invalid protocol {}: must be HTTP, HTTPS, TLS, TCP, UDP, another "
                              "alphanumeric name, or a domain-prefixed name such as example.com/proto",
                              quote(l.protocol)));
    }
    if (l.tls) listenerTLS(c, lp.field("tls"), *l.tls);
    allowedRoutes(c, lp.field("allowedRoutes"), l.allowedRoutes);

    const std::string& proto = l.protocol;
    if ((proto == "HTTP" || proto == "TCP" || proto == "UDP") && l.tls) {
      c.error(lp.field("tls"), fmt::format("must not be set for protocol {} (only HTTPS and TLS take tls)", proto));
    }
    if (proto == "HTTPS" && l.tls && !l.tls->mode.value_or("").empty() && *l.tls->mode != "Terminate") {
      c.error(lp.field("tls").field("mode"), fmt::format("must be Terminate for protocol HTTPS (got {})",
                                                         quote(*l.tls->mode)));
    }
    if (proto == "TLS" && (!l.tls || l.tls->mode.value_or("").empty())) {
      c.error(lp.field("tls").field("mode"), "must be set (Terminate or Passthrough) for protocol TLS");
    }
    if ((proto == "TCP" || proto == "UDP") && l.hostname && !l.hostname->empty()) {
      c.error(lp.field("hostname"), fmt::format("must not be set for protocol {}", proto));
    }
    for (size_t j = 0; j < i; ++j) {
      if (ls[j].name == l.name) {
        c.error(lp.field("name"), fmt::format("duplicate listener name {} (also {}): names must be unique",
                                              quote(l.name), p.at(j).str()));
        break;
      }
    }
    for (size_t j = 0; j < i; ++j) {
      if (ls[j].port == l.port && ls[j].protocol == l.protocol && sameHostname(ls[j], l)) {
        c.error(lp, fmt::format("same port, protocol and hostname as {}: the combination must be unique",
                                p.at(j).str()));
        break;
      }
    }
  }
}

void frontendValidation(Checker& c, const FieldPath& p, const FrontendTLSValidation& v) {
  FieldPath cp = p.field("caCertificateRefs");
  c.items(cp, v.caCertificateRefs.size(), 1, 16);
  for (size_t i = 0; i < v.caCertificateRefs.size(); ++i) c.objectRef(cp.at(i), v.caCertificateRefs[i]);
  c.oneOf(p.field("mode"), v.mode, {"AllowValidOnly", "AllowInsecureFallback"});
}

void addresses(Checker& c, const FieldPath& p, const std::vector<GatewayAddress>& as) {
  c.items(p, as.size(), 0, 16);
  for (size_t i = 0; i < as.size(); ++i) {
    const auto& a = as[i];
    FieldPath ap = p.at(i);
    FieldPath tp = ap.field("type");
    if (c.length(tp, a.type, 1, 253) && !isAddressType(a.type)) {
      c.error(tp, fmt::format("invalid address type {}: must be IPAddress, Hostname, NamedAddress or a "
                              "domain-prefixed type such as example.com/type",
                              quote(a.type)));
    }
    if (!a.value) continue;
    FieldPath vp = ap.field("value");
    c.length(vp, *a.value, 0, 253);
    if (a.type == "IPAddress" && !isIPAddress(*a.value)) {
      c.error(vp, fmt::format("{} is not a valid IPv4 or IPv6 address (type is IPAddress)", quote(*a.value)));
    }
    if (a.type == "Hostname" && !isWildcardHostname(*a.value)) {
      c.error(vp, fmt::format("{} is not a valid hostname (type is Hostname): must be a lowercase RFC 1123 "
                              "DNS name, optionally starting with \"*.\"",
                              quote(*a.value)));
    }
    // CEL: IPAddress values unique, Hostname values unique.
    if (a.type == "IPAddress" || a.type == "Hostname") {
      for (size_t j = 0; j < i; ++j) {
        if (as[j].type == a.type && as[j].value == a.value) {
          c.error(vp, fmt::format("duplicate {} value {} (also {})", a.type, quote(*a.value), p.at(j).str()));
          break;
        }
      }
    }
  }
}

}  // namespace

void validateMeta(const ObjectMeta& meta, Kind kind, Issues& out) {
  Checker c(out);
  FieldPath root;
  FieldPath mp = root.field("metadata");
  FieldPath np = mp.field("name");
  // Names: Namespace is an RFC 1123 label, Service an RFC 1035 label, every
  // other kind (custom resources included) an RFC 1123 subdomain.
  if (kind == Kind::Namespace || kind == Kind::Service) {
    if (c.length(np, meta.name, 1, 63)) {
      const bool ok = isDnsLabel(meta.name) && (kind != Kind::Service || (meta.name[0] >= 'a' && meta.name[0] <= 'z'));
      if (!ok) {
        c.error(np, fmt::format("invalid name {}: must be a DNS label (lowercase letters, digits and '-'{})",
                                quote(meta.name), kind == Kind::Service ? ", starting with a letter" : ""));
      }
    }
  } else if (c.length(np, meta.name, 1, 253) && !isDnsSubdomain(meta.name)) {
    c.error(np, fmt::format("invalid name {}: must be a lowercase RFC 1123 subdomain (letters, digits, '-' "
                            "and '.')",
                            quote(meta.name)));
  }
  if (!isClusterScoped(kind)) c.namespaceName(mp.field("namespace"), meta.namespace_);
  c.labels(mp.field("labels"), meta.labels, 0);
  c.annotations(mp.field("annotations"), meta.annotations, 0);
  if (meta.generation < 0) c.minimum(mp.field("generation"), meta.generation, 0);
}

void validate(const GatewayClass& obj, Issues& out) {
  Checker c(out);
  FieldPath spec = FieldPath::root("spec");
  FieldPath cp = spec.field("controllerName");
  if (c.length(cp, obj.controllerName, 1, 253) && !isControllerName(obj.controllerName)) {
    c.error(cp, fmt::format("invalid controller name {}: must be a domain-prefixed path such as "
                            "example.com/gateway-controller",
                            quote(obj.controllerName)));
  }
  if (obj.description) c.length(spec.field("description"), *obj.description, 0, 64);
  if (obj.parametersRef) {
    FieldPath pp = spec.field("parametersRef");
    c.group(pp.field("group"), obj.parametersRef->group);
    c.kind(pp.field("kind"), obj.parametersRef->kind);
    c.objectName(pp.field("name"), obj.parametersRef->name);
    if (obj.parametersRef->namespace_) c.namespaceName(pp.field("namespace"), *obj.parametersRef->namespace_);
  }
}

void validate(const Gateway& obj, Issues& out) {
  Checker c(out);
  FieldPath spec = FieldPath::root("spec");
  c.length(spec.field("gatewayClassName"), obj.gatewayClassName, 1, 253);
  listeners(c, spec.field("listeners"), obj.listeners);
  addresses(c, spec.field("addresses"), obj.addresses);
  if (obj.infrastructure) {
    FieldPath ip = spec.field("infrastructure");
    c.labels(ip.field("labels"), obj.infrastructure->labels, 8);
    c.annotations(ip.field("annotations"), obj.infrastructure->annotations, 16);
    if (obj.infrastructure->parametersRef) c.localRef(ip.field("parametersRef"), *obj.infrastructure->parametersRef);
  }
  if (obj.allowedListeners) {
    c.oneOf(spec.field("allowedListeners").field("namespaces").field("from"), obj.allowedListeners->namespaces.from,
            {"All", "Selector", "Same", "None"});
  }
  if (obj.tls) {
    FieldPath tp = spec.field("tls");
    if (obj.tls->backend && obj.tls->backend->clientCertificateRef) {
      c.secretRef(tp.field("backend").field("clientCertificateRef"), *obj.tls->backend->clientCertificateRef);
    }
    if (obj.tls->frontend) {
      FieldPath fp = tp.field("frontend");
      const auto& f = *obj.tls->frontend;
      if (f.default_.validation) frontendValidation(c, fp.field("default").field("validation"), *f.default_.validation);
      FieldPath pp = fp.field("perPort");
      c.items(pp, f.perPort.size(), 0, 64);
      for (size_t i = 0; i < f.perPort.size(); ++i) {
        c.port(pp.at(i).field("port"), f.perPort[i].port);
        if (f.perPort[i].tls.validation) {
          frontendValidation(c, pp.at(i).field("tls").field("validation"), *f.perPort[i].tls.validation);
        }
        for (size_t j = 0; j < i; ++j) {
          if (f.perPort[j].port == f.perPort[i].port) {
            c.error(pp.at(i).field("port"), fmt::format("duplicate port {} (also {}): each port may have only one "
                                                        "TLS configuration",
                                                        f.perPort[i].port, pp.at(j).str()));
            break;
          }
        }
      }
    }
  }
  if (obj.defaultScope) c.oneOf(spec.field("defaultScope"), *obj.defaultScope, {"All", "None"});
}

void validate(const ListenerSet& obj, Issues& out) {
  Checker c(out);
  FieldPath spec = FieldPath::root("spec");
  FieldPath pp = spec.field("parentRef");
  c.group(pp.field("group"), obj.parentRef.group);
  c.kind(pp.field("kind"), obj.parentRef.kind);
  c.objectName(pp.field("name"), obj.parentRef.name);
  if (obj.parentRef.namespace_) c.namespaceName(pp.field("namespace"), *obj.parentRef.namespace_);
  listeners(c, spec.field("listeners"), obj.listeners);
}

}  // namespace portico::api::validate

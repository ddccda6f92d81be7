// Listener certificates (spec §3 ListenerTLSConfig, §11 Listener
// ResolvedRefs, §12.1: the intersected hostname is what certificates must
// cover): each certificateRef is followed to its Secret and inspected with
// OpenSSL, beyond the translator's verdict: validity dates, names, chain.
#include <fmt/format.h>

#include <algorithm>

#include "diagnose/analysis.h"
#include "diagnose/grants.h"
#include "diagnose/text.h"
#include "diagnose/x509.h"
#include "translate/certs.h"
#include "translate/hostname.h"

namespace portico::diagnose::detail {
namespace {

struct Site {
  const ListenerView* l;
  size_t index;
  std::string field;
  ObjectRef secret;
};

std::string secretCommand(const ObjectRef& s) {
  return fmt::format(
      "kubectl create secret tls {} -n {} \\\n"
      "  --cert=tls.crt --key=tls.key --dry-run=client -o yaml |\n"
      "  kubectl apply -f -",
      s.name, s.namespace_);
}

Finding& add(Analysis& a, const Site& s, std::string_view code, std::string cause) {
  Finding& f = a.add(code, s.l->owner(), s.field);
  f.related.push_back(s.secret);
  f.cause = std::move(cause);
  f.symptom = fmt::format(
      "TLS handshakes on port {}{} fail: clients see a certificate error or the connection "
      "is refused",
      s.l->spec->port, s.l->spec->hostname ? " for " + *s.l->spec->hostname : std::string());
  return f;
}

std::string describeCert(const CertInfo& c) {
  return fmt::format("subject {}; issuer {}; valid {} to {}; names {}", c.subject, c.issuer,
                     rfc3339(c.notBefore), rfc3339(c.notAfter),
                     fmt::format("{}", fmt::join(c.dnsNames, ", ")));
}

void dates(Analysis& a, const Site& s, const std::vector<CertInfo>& chain) {
  const CertInfo& leaf = chain[0];
  const long days = static_cast<long>((leaf.notAfter - a.now) / 86400);
  Finding* f = nullptr;
  if (a.now > leaf.notAfter) {
    f = &add(a, s, "PD-TLS-CERT-EXPIRED",
             fmt::format("The certificate expired on {}.", rfc3339(leaf.notAfter)));
  } else if (a.now < leaf.notBefore) {
    f = &add(a, s, "PD-TLS-CERT-NOT-YET-VALID",
             fmt::format("The certificate is valid only from {} (check the issuer's and this host's clocks).",
                         rfc3339(leaf.notBefore)));
  } else if (days < a.opt.expiryWarningDays) {
    f = &add(a, s, "PD-TLS-CERT-EXPIRING",
             fmt::format("The certificate expires on {} (in {} days).", rfc3339(leaf.notAfter), days));
    f->symptom = fmt::format("TLS on port {} breaks on {} unless the certificate is renewed", s.l->spec->port,
                             rfc3339(leaf.notAfter));
  }
  if (!f) return;
  f->evidence.push_back({"certificate", describeCert(leaf)});
  f->fix.summary = fmt::format("Renew the certificate and replace the Secret's tls.crt and tls.key:");
  f->fix.commands.push_back(secretCommand(s.secret));
}

void chainOrder(Analysis& a, const Site& s, const std::vector<CertInfo>& chain) {
  std::string problem;
  for (size_t i = 0; i + 1 < chain.size() && problem.empty(); ++i) {
    if (chain[i].issuer != chain[i + 1].subject) {
      problem = fmt::format(
          "certificate {} ({}) is not the issuer of certificate {} (issued by {}): wrong order "
          "or an unrelated certificate",
          i + 1, chain[i + 1].subject, i, chain[i].issuer);
    }
  }
  if (problem.empty() && chain.size() == 1 && !chain[0].selfIssued) {
    problem = fmt::format(
        "tls.crt holds only the leaf certificate, issued by {}; if that is an intermediate CA, "
        "clients that do not have it fail with \"unable to get local issuer certificate\"",
        chain[0].issuer);
  }
  if (problem.empty()) return;
  Finding& f = add(a, s, "PD-TLS-CHAIN-INCOMPLETE", problem + ".");
  f.symptom = "some clients (curl, Go, Java, mobile apps) reject the certificate; browsers may still work";
  for (const auto& c : chain) f.evidence.push_back({"certificate", describeCert(c)});
  f.fix.summary = "Put the leaf first in tls.crt, followed by each intermediate CA certificate in order.";
  f.fix.commands.push_back("cat leaf.crt intermediate.crt > tls.crt");
  f.fix.commands.push_back(secretCommand(s.secret));
}

// Returns the names of the certificate when it is usable.
std::vector<std::string> checkRef(Analysis& a, const ListenerView& l, size_t j) {
  const auto& ref = l.spec->tls->certificateRefs[j];
  const ObjectRef owner = l.owner();
  const std::string ns = ref.namespace_.value_or(owner.namespace_);
  const Site s{&l, j, fmt::format("{}.tls.certificateRefs[{}]", l.field(), j), {"Secret", ns, ref.name}};
  if (!ref.group.empty() || ref.kind != "Secret") {
    Finding& f =
        add(a, s, "PD-TLS-CERT-REF-KIND",
            fmt::format("certificateRefs[{}] is {}/{}; Portico reads certificates only from core Secrets.", j,
                        ref.group.empty() ? "core" : ref.group, ref.kind));
    f.fix.summary = "Reference a kubernetes.io/tls Secret:";
    f.fix.target = owner;
    f.fix.patch.push_back(patchOp("add",
                                  fmt::format("/spec/listeners/{}/tls/certificateRefs/{}/kind", l.index, j),
                                  jsonString("Secret")));
    f.fix.patch.push_back(patchOp(
        "add", fmt::format("/spec/listeners/{}/tls/certificateRefs/{}/group", l.index, j), jsonString("")));
    return {};
  }
  if (!a.grants().permits({api::kGatewayGroup, owner.kind, owner.namespace_}, {"", "Secret", ns, ref.name})) {
    GrantVerdict g = explainMissingGrant(a.snap, {owner.kind, owner.namespace_, "Secret", ns, ref.name});
    Finding& f = add(a, s, g.code, g.cause);
    f.evidence = g.evidence;
    f.related.insert(f.related.end(), g.related.begin(), g.related.end());
    f.fix = g.fix;
    return {};
  }
  const api::Secret* secret = a.snap.secrets.find(ns, ref.name);
  if (!secret) {
    Finding& f =
        add(a, s, "PD-TLS-SECRET-NOT-FOUND", fmt::format("Secret {}/{} does not exist.", ns, ref.name));
    std::vector<std::string> names;
    for (const auto& [key, sec] : a.snap.secrets) {
      if (sec->meta.namespace_ == ns && sec->type == "kubernetes.io/tls") names.push_back(sec->meta.name);
    }
    f.evidence.push_back({"object", names.empty()
                                        ? fmt::format("no kubernetes.io/tls Secret in namespace {}", ns)
                                        : fmt::format("TLS Secrets in {}: {}", ns, fmt::join(names, ", "))});
    if (auto near = closest(ref.name, names); !near.empty()) {
      f.fix.summary = fmt::format("Did you mean Secret {}?", near);
      f.fix.target = owner;
      f.fix.patch.push_back(patchOp("replace",
                                    fmt::format("/spec/listeners/{}/tls/certificateRefs/{}/name", l.index, j),
                                    jsonString(near)));
    } else {
      f.fix.summary = fmt::format("Create the Secret from the certificate and key files:");
      f.fix.commands.push_back(secretCommand(s.secret));
    }
    return {};
  }
  if (secret->type != "kubernetes.io/tls") {
    Finding& f =
        add(a, s, "PD-TLS-SECRET-WRONG-TYPE",
            fmt::format("Secret {}/{} has type {}; a listener certificate must be of type kubernetes.io/tls "
                        "(keys tls.crt and tls.key).",
                        ns, ref.name, secret->type));
    f.fix.summary = "The type of a Secret cannot change: recreate it as a TLS Secret.";
    f.fix.commands.push_back(fmt::format("kubectl delete secret {} -n {}", ref.name, ns));
    f.fix.commands.push_back(secretCommand(s.secret));
    return {};
  }
  auto crt = secret->data.find("tls.crt");
  auto key = secret->data.find("tls.key");
  const std::string certPem = crt == secret->data.end() ? std::string() : crt->second;
  const translate::ParsedCertificate parsed =
      translate::parseKeyPair(certPem, key == secret->data.end() ? std::string() : key->second);
  if (!parsed.ok) {
    const bool mismatch = parsed.error.find("does not match") != std::string::npos;
    Finding& f = add(a, s, mismatch ? "PD-TLS-KEY-MISMATCH" : "PD-TLS-CERT-UNPARSABLE",
                     fmt::format("Secret {}/{}: {}.", ns, ref.name, parsed.error));
    for (const auto& c : parseChain(certPem)) f.evidence.push_back({"certificate", describeCert(c)});
    f.fix.summary =
        mismatch ? "Put the key that belongs to the certificate in tls.key (compare `openssl x509 "
                   "-noout -pubkey -in tls.crt` with `openssl pkey -pubout -in tls.key`):"
                 : "Store PEM data (-----BEGIN CERTIFICATE----- / PRIVATE KEY) in tls.crt and tls.key:";
    f.fix.commands.push_back(secretCommand(s.secret));
    return {};
  }
  const auto chain = parseChain(certPem);
  if (chain.empty()) return parsed.dnsNames;
  dates(a, s, chain);
  chainOrder(a, s, chain);
  return parsed.dnsNames;
}

bool covered(const std::vector<std::string>& names, const std::string& host) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return translate::certificateNameCovers(n, host); });
}

// Hostnames this listener serves: its own, or else the routes' intersected
// hostnames (the IR's virtual hosts).
std::vector<std::string> servedHosts(const Analysis& a, const ListenerView& l) {
  if (l.spec->hostname) return {*l.spec->hostname};
  std::vector<std::string> out;
  for (const auto& b : a.tr.ir.binds) {
    for (const auto& il : b.listeners) {
      if (il.gatewayNamespace != l.gateway->meta.namespace_ || il.gatewayName != l.gateway->meta.name ||
          il.name != l.spec->name)
        continue;
      for (const auto& vh : il.virtualHosts) {
        if (vh.hostname != "*" && std::find(out.begin(), out.end(), vh.hostname) == out.end())
          out.push_back(vh.hostname);
      }
    }
  }
  return out;
}

void hostnames(Analysis& a, const ListenerView& l, const std::vector<std::string>& names) {
  std::vector<std::string> missing;
  for (const auto& h : servedHosts(a, l)) {
    if (!covered(names, h)) missing.push_back(h);
  }
  if (missing.empty()) return;
  const ObjectRef owner = l.owner();
  Finding& f =
      a.add("PD-TLS-CERT-HOSTNAME-MISMATCH", owner, l.field() + (l.spec->hostname ? ".hostname" : ".tls"));
  f.symptom = fmt::format("HTTPS clients for {} get a certificate name mismatch", fmt::join(missing, ", "));
  f.evidence.push_back({"certificate", fmt::format("certificate names: {}", fmt::join(names, ", "))});
  if (l.spec->hostname) {
    f.cause = fmt::format(
        "The listener serves {}, which no certificate of the listener covers (a leading \"*.\" "
        "in a certificate covers exactly one label, RFC 6125).",
        *l.spec->hostname);
    f.fix.summary = fmt::format("Use a certificate whose subjectAltName includes {}:", *l.spec->hostname);
    f.fix.commands.push_back(fmt::format(
        "openssl x509 -noout -ext subjectAltName -in tls.crt   # must list {}", *l.spec->hostname));
    return;
  }
  // One listener without hostname serving several names with one
  // certificate: a listener per hostname, each with its certificate, was
  // most likely meant (the users' guide §4.1).
  f.cause = fmt::format(
      "The listener has no hostname, so it serves every route hostname ({}), but its "
      "certificate covers only {}.",
      fmt::join(servedHosts(a, l), ", "), fmt::join(names, ", "));
  const std::string& host = missing[0];
  std::string secret = host;
  std::replace(secret.begin(), secret.end(), '.', '-');
  std::replace(secret.begin(), secret.end(), '*', 'x');
  f.fix.summary =
      fmt::format("Add a listener per hostname, each with its own certificate (here for {}):", host);
  f.fix.target = owner;
  f.fix.patch.push_back(patchOp(
      "add", "/spec/listeners/-",
      fmt::format(
          R"({{"name": {}, "protocol": "HTTPS", "port": {}, "hostname": {}, "tls": {{"certificateRefs": )"
          R"([{{"kind": "Secret", "name": {}}}]}}, "allowedRoutes": {{"namespaces": {{"from": {}}}}}}})",
          jsonString("https-" + secret), l.spec->port, jsonString(host), jsonString(secret + "-tls"),
          jsonString(l.spec->allowedRoutes.namespaces.from))));
  f.fix.commands.push_back(secretCommand({"Secret", owner.namespace_, secret + "-tls"}));
}

}  // namespace

void checkTLS(Analysis& a) {
  for (const auto& l : a.allListeners()) {
    if (!l.status || !a.ourGateway(*l.gateway) || !l.spec->tls) continue;
    const bool terminate = l.spec->tls->mode.value_or("Terminate") == "Terminate";
    if (!terminate || (l.spec->protocol != "HTTPS" && l.spec->protocol != "TLS")) continue;
    std::vector<std::string> names;
    for (size_t j = 0; j < l.spec->tls->certificateRefs.size(); ++j) {
      auto n = checkRef(a, l, j);
      names.insert(names.end(), n.begin(), n.end());
    }
    if (!names.empty()) hostnames(a, l, names);
  }
}

}  // namespace portico::diagnose::detail

#include "diagnose/certificates.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "diagnose/x509.h"

namespace portico::diagnose {
namespace {

using json = nlohmann::ordered_json;

std::string bindName(const ir::Bind& b) {
  return fmt::format("{}:{}", b.address.empty() ? "*" : b.address, b.port);
}

long daysLeft(std::time_t notAfter, std::time_t now) { return static_cast<long>((notAfter - now) / 86400); }

// Calls f(bind, listener, certificate) for every served certificate.
template <class F>
void eachCertificate(const ir::Config& config, F&& f) {
  for (const auto& b : config.binds) {
    for (const auto& l : b.listeners) {
      for (const auto& c : l.certificates) f(b, l, c);
    }
  }
}

}  // namespace

std::string listenerOwner(const ir::Listener& l) {
  return l.listenerSet.empty() ? fmt::format("Gateway {}/{}", l.gatewayNamespace, l.gatewayName)
                               : fmt::format("ListenerSet {}", l.listenerSet);
}

std::string chainText(const std::string& pem, std::time_t now) {
  const auto chain = detail::parseChain(pem);
  if (chain.empty()) return "  (no certificate could be parsed)\n";
  std::string out;
  for (size_t i = 0; i < chain.size(); ++i) {
    const auto& ci = chain[i];
    out += fmt::format("  [{}] subject {}\n      issuer  {}\n", i, ci.subject, ci.issuer);
    if (!ci.dnsNames.empty()) out += fmt::format("      names   {}\n", fmt::join(ci.dnsNames, ", "));
    out += fmt::format("      valid   {} .. {} ({} days left)\n", detail::rfc3339(ci.notBefore),
                       detail::rfc3339(ci.notAfter), daysLeft(ci.notAfter, now));
  }
  return out;
}

json chainJson(const std::string& pem, std::time_t now) {
  json chain = json::array();
  for (const auto& ci : detail::parseChain(pem)) {
    chain.push_back({{"subject", ci.subject},
                     {"issuer", ci.issuer},
                     {"dnsNames", ci.dnsNames},
                     {"notBefore", detail::rfc3339(ci.notBefore)},
                     {"notAfter", detail::rfc3339(ci.notAfter)},
                     {"daysLeft", daysLeft(ci.notAfter, now)},
                     {"selfIssued", ci.selfIssued}});
  }
  return chain;
}

std::string renderCertificatesJson(const ir::Config& config, std::time_t now) {
  json listeners = json::array();
  eachCertificate(config, [&](const ir::Bind& b, const ir::Listener& l, const ir::Certificate& c) {
    listeners.push_back({{"owner", listenerOwner(l)},
                         {"listener", l.name},
                         {"bind", bindName(b)},
                         {"hostname", l.hostname.value_or("")},
                         {"secret", c.secret},
                         {"chain", chainJson(c.certPem, now)}});
  });
  json j = {{"apiVersion", "portico.dev/certificates/v1"},
            {"kind", "ServedCertificates"},
            {"listeners", std::move(listeners)}};
  return j.dump(2) + "\n";
}

std::string renderCertificatesText(const ir::Config& config, std::time_t now) {
  std::string out;
  eachCertificate(config, [&](const ir::Bind& b, const ir::Listener& l, const ir::Certificate& c) {
    out += fmt::format("{} listener \"{}\" on {}{}\n  secret {}\n", listenerOwner(l), l.name, bindName(b),
                       l.hostname ? " hostname " + *l.hostname : "", c.secret);
    out += chainText(c.certPem, now);
  });
  if (out.empty()) out = "No listener serves a certificate.\n";
  return out;
}

}  // namespace portico::diagnose

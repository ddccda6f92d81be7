#include "diagnose/served_certificates.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "diagnose/certificates.h"
#include "diagnose/tls_probe.h"

namespace portico::diagnose {
namespace {

using json = nlohmann::ordered_json;

struct Probe {
  const ir::Bind* bind = nullptr;
  const ir::Listener* listener = nullptr;
  std::string sni;  // "" = none sent
  TlsProbeResult result;
  std::string servedSecret;  // the configured Secret whose leaf was served; "" = none of them
};

// A name a client of this listener would send: the listener's hostname
// (a wildcard gets a made-up first label), else the names its
// certificates cover, else no SNI at all.
std::vector<std::string> namesFor(const ir::Listener& l) {
  auto concrete = [](const std::string& h) {
    return h.rfind("*.", 0) == 0 ? "portico-probe" + h.substr(1) : h;
  };
  std::set<std::string> out;
  if (l.hostname) {
    out.insert(concrete(*l.hostname));
  } else {
    for (const auto& c : l.certificates) {
      if (!c.dnsNames.empty()) out.insert(concrete(c.dnsNames.front()));
    }
    out.insert("");
  }
  return {out.begin(), out.end()};
}

std::vector<Probe> probeAll(const ir::Config& config, const ServedCertificatesOptions& o) {
  std::vector<Probe> probes;
  for (const auto& b : config.binds) {
    for (const auto& l : b.listeners) {
      if (l.certificates.empty() || l.tlsPassthrough) continue;
      for (const auto& sni : namesFor(l)) {
        Probe p{&b, &l, sni, {}, {}};
        const std::vector<std::string> alpn = l.protocol == ir::Protocol::HTTPS
                                                  ? std::vector<std::string>{"h2", "http/1.1"}
                                                  : std::vector<std::string>{};
        p.result = probeTls(o.dialAddress(b), b.port, sni, alpn, o.timeout);
        const std::string served = leafFingerprint(p.result.chainPem);
        for (const auto& c : l.certificates) {
          if (!served.empty() && leafFingerprint(c.certPem) == served) p.servedSecret = c.secret;
        }
        probes.push_back(std::move(p));
      }
    }
  }
  return probes;
}

std::vector<std::string> configuredSecrets(const ir::Listener& l) {
  std::vector<std::string> out;
  for (const auto& c : l.certificates) out.push_back(c.secret);
  return out;
}

// "ok", "mismatch" (a certificate none of this listener's Secrets holds)
// or "failed" (no handshake).
const char* verdict(const Probe& p) {
  if (!p.result.ok) return "failed";
  return p.servedSecret.empty() ? "mismatch" : "ok";
}

}  // namespace

std::string renderServedCertificatesJson(const ir::Config& config, const ServedCertificatesOptions& options) {
  json probes = json::array();
  for (const auto& p : probeAll(config, options)) {
    probes.push_back({{"owner", listenerOwner(*p.listener)},
                      {"listener", p.listener->name},
                      {"dial", fmt::format("{}:{}", options.dialAddress(*p.bind), p.bind->port)},
                      {"sni", p.sni},
                      {"result", verdict(p)},
                      {"error", p.result.error},
                      {"tlsVersion", p.result.version},
                      {"alpn", p.result.alpn},
                      {"configuredSecrets", configuredSecrets(*p.listener)},
                      {"servedSecret", p.servedSecret},
                      {"leafSha256", leafFingerprint(p.result.chainPem)},
                      {"chain", chainJson(p.result.chainPem, options.now)}});
  }
  json j = {{"apiVersion", "portico.dev/served-certificates/v1"},
            {"kind", "CertificateProbes"},
            {"probes", std::move(probes)}};
  return j.dump(2) + "\n";
}

std::string renderServedCertificatesText(const ir::Config& config, const ServedCertificatesOptions& options) {
  std::string out;
  for (const auto& p : probeAll(config, options)) {
    const std::string sni = p.sni.empty() ? "(no SNI)" : "SNI " + p.sni;
    out += fmt::format("{} listener \"{}\": {}:{} {}\n", listenerOwner(*p.listener), p.listener->name,
                       options.dialAddress(*p.bind), p.bind->port, sni);
    if (!p.result.ok) {
      out += fmt::format("  FAILED  {}\n", p.result.error);
      continue;
    }
    out += fmt::format(
        "  {}{}  {}\n", p.result.version, p.result.alpn.empty() ? "" : " alpn " + p.result.alpn,
        p.servedSecret.empty() ? "MISMATCH: the leaf served is in none of this listener's Secrets (" +
                                     fmt::format("{}", fmt::join(configuredSecrets(*p.listener), ", ")) + ")"
                               : "serves secret " + p.servedSecret);
    out += chainText(p.result.chainPem, options.now);
  }
  if (out.empty()) out = "No listener terminates TLS.\n";
  return out;
}

}  // namespace portico::diagnose

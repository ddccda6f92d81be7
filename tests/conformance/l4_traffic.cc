#include "conformance/l4_traffic.h"

#include <fmt/format.h>

#include <functional>
#include <thread>

#include "conformance/comparator.h"
#include "conformance/dns_request.h"
#include "conformance/json_fields.h"
#include "conformance/tcp_request.h"
#include "conformance/udp_request.h"
#include "conformance/weighted_distribution.h"

namespace portico::conformance {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The UDP helpers' per-probe deadline (conn.SetDeadline(2 s)).
constexpr milliseconds kUdpProbe = seconds(2);

struct L4 {
  const json& rc;
  std::string address;
  int port;
  LiveCase& env;
  const Timeouts& t;

  // Polls `probe` every 1 s until it returns {true, ""} or a definite
  // failure {true, why}; {false, why} is retried until `window` runs out.
  std::string poll(milliseconds window, const std::function<std::pair<bool, std::string>()>& probe) const {
    const auto deadline = Clock::now() + window;
    for (;;) {
      auto [done, why] = probe();
      if (done) return why;
      if (Clock::now() >= deadline)
        return fmt::format("not satisfied within {} s: {}", window.count() / 1000, why);
      std::this_thread::sleep_for(seconds(1));
    }
  }

  // The UDP helpers wait 60 s where the TCP and TLS ones wait
  // MaxTimeToConsistency (30 s): twice the configured consistency window.
  milliseconds udpWindow() const { return 2 * t.consistency; }

  std::string payload() const {
    const json& p = field(rc["request"], "payload");
    return p.is_string() ? p.get<std::string>() : std::string("gateway-api-conformance-udp-echo");
  }

  // The client's TLS for tls-tcp-echo: ServerName = sni, RootCAs from the
  // CA ConfigMap (or a Secret's certificate).
  StreamTls clientTls() const {
    StreamTls tls;
    tls.sni = str(rc["request"], "sni");
    const json& cfg = field(rc, "tls");
    if (const json& cm = field(cfg, "trustCACertificateFromConfigMap"); cm.is_object()) {
      tls.trustPem = env.configMapData(str(cm, "namespace"), str(cm, "name"),
                                       str(cm, "key").empty() ? "ca.crt" : str(cm, "key"));
    } else if (const json& s = field(cfg, "trustCertificateFromSecret"); s.is_object()) {
      tls.trustPem = env.secretData(str(s, "namespace"), str(s, "name"), "tls.crt");
    }
    return tls;
  }

  // MakeTCPRequestAndExpectEventuallyValidResponse: only transport errors
  // are retried; the first completed exchange decides.
  std::string tcpEventually(bool useTls) const {
    const StreamTls tls = useTls ? clientTls() : StreamTls{};
    if (useTls && tls.trustPem.empty())
      return "no trust root for the TLS client (ConfigMap or Secret missing)";
    return poll(t.consistency, [&]() -> std::pair<bool, std::string> {
      const TcpEchoResult r = tcpEchoExchange(address, port, useTls ? &tls : nullptr, t.request);
      if (!r.transportError.empty()) return {false, r.transportError};
      return {true, compareTcpEcho(rc["expected"], r)};
    });
  }

  // MakeTLSConnectionAndExpectEventuallyConnectionRejection.
  std::string tlsRejected() const {
    const StreamTls tls{str(rc["request"], "sni"), ""};
    return poll(t.consistency, [&]() -> std::pair<bool, std::string> {
      StreamConn conn(address, port, &tls, t.request);
      if (conn.rejectedDuringHandshake()) return {true, ""};
      return {false, conn.ok() ? "the TLS handshake succeeded" : conn.error()};
    });
  }

  std::string udpEventually() const {
    return poll(udpWindow(), [&]() -> std::pair<bool, std::string> {
      std::string e = compareUdpEcho(rc["expected"], udpExchange(address, port, payload(), kUdpProbe));
      return {e.empty(), e};
    });
  }

  std::string dnsEventually() const {
    const json& q = field(rc["request"], "dnsQuestion");
    return poll(udpWindow(), [&]() -> std::pair<bool, std::string> {
      std::string e = dnsExchange(address, port, str(q, "name"), str(q, "type"), kUdpProbe);
      return {e.empty(), e};
    });
  }

  // TCPRouteMultipleRoutesAttachment: EchoSendOnce N times (5 s each),
  // every pod with the wanted prefix; any error fails.
  std::string tcpRepeat() const {
    const json& ex = rc["expected"];
    const std::string want = str(ex, "podPrefix"), forbidden = str(ex, "forbiddenPodPrefix");
    for (int i = 0; i < rc.value("repeat", 100); ++i) {
      auto [e, pod] = tcpEchoSendOnce(address, port, seconds(5));
      if (!e.empty()) return fmt::format("exchange {}: {}", i, e);
      if (!forbidden.empty() && pod.starts_with(forbidden))
        return fmt::format("exchange {} reached {} ({})", i, pod, forbidden);
      if (!pod.starts_with(want))
        return fmt::format("exchange {}: pod {} does not start with {}", i, pod, want);
    }
    return {};
  }

  // UDPRouteMultipleRoutesAttachment: rounds of 20 probes; a probe error
  // retries the round, a reply from another backend fails at once.
  std::string udpPollBatch() const {
    const std::string want = str(rc["expected"], "backend");
    return poll(udpWindow(), [&]() -> std::pair<bool, std::string> {
      for (int i = 0; i < 20; ++i) {
        auto [e, pod] = udpEchoPod(udpExchange(address, port, payload(), kUdpProbe));
        if (!e.empty()) return {false, e};
        if (deploymentOfPod(pod) != want) return {true, fmt::format("reply from {}, want {}", pod, want)};
      }
      return {true, ""};
    });
  }

  std::string weighted(const std::string& protocol) const {
    if (protocol == "tcp-echo") {
      // ExpectAddressBeAvailable: a TCP connect succeeds (100 ms polls).
      const auto deadline = Clock::now() + t.consistency;
      while (!StreamConn(address, port, nullptr, t.request).ok()) {
        if (Clock::now() >= deadline)
          return fmt::format("{}:{} never accepted a TCP connection", address, port);
        std::this_thread::sleep_for(milliseconds(100));
      }
      return weightedDistribution(rc["weightedDistribution"],
                                  [&] { return tcpEchoSendOnce(address, port, t.request); });
    }
    return weightedDistribution(rc["weightedDistribution"],
                                [&] { return udpEchoPod(udpExchange(address, port, payload(), kUdpProbe)); });
  }
};

}  // namespace

bool isL4Protocol(const std::string& p) {
  return p == "tcp-echo" || p == "tls-tcp-echo" || p == "udp-echo" || p == "dns-udp" ||
         p == "tls-connect-reject";
}

std::string runL4RequestCase(const json& rc, const std::string& address, LiveCase& env, const Timeouts& t) {
  const std::string protocol = rc.value("protocol", ""), mode = rc.value("mode", "eventually");
  const L4 l4{rc, address, rc.value("port", 0), env, t};
  if (mode == "eventually") {
    if (protocol == "tcp-echo" || protocol == "tls-tcp-echo")
      return l4.tcpEventually(protocol == "tls-tcp-echo");
    if (protocol == "tls-connect-reject") return l4.tlsRejected();
    if (protocol == "udp-echo") return l4.udpEventually();
    if (protocol == "dns-udp") return l4.dnsEventually();
  }
  if (mode == "repeat" && protocol == "tcp-echo") return l4.tcpRepeat();
  if (mode == "pollBatch" && protocol == "udp-echo") return l4.udpPollBatch();
  if (mode == "weightedDistribution" && (protocol == "tcp-echo" || protocol == "udp-echo"))
    return l4.weighted(protocol);
  return "mode " + mode + " of protocol " + protocol + " is not supported by the runner";
}

}  // namespace portico::conformance

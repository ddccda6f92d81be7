#include "conformance/traffic.h"

#include <fmt/format.h>

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "conformance/comparator.h"
#include "conformance/grpc_request.h"
#include "conformance/l4_traffic.h"
#include "conformance/websocket_request.h"
#include "conformance/weighted_distribution.h"

namespace portico::conformance {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string uuid() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  const uint64_t a = rng(), b = rng();
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                     0x8000 | ((b >> 48) & 0x3fff), b & 0xffffffffffffULL);
}

void replaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
}

json substitute(const json& j, const std::string& placeholder, const std::string& value) {
  std::string text = j.dump();
  replaceAll(text, placeholder, value);
  return json::parse(text);
}

struct Sender {
  LiveCase& env;
  const Timeouts& t;
  std::string address;

  // One request as the suite's client sends it, following redirects unless
  // the case says not to. Empty error = a response arrived.
  RoundTrip send(const json& rc, const std::vector<std::pair<std::string, std::string>>& extra = {}) const {
    const json& rq = rc["request"];
    ClientRequest r;
    r.address = address;
    r.port = rc.value("port", 80);
    // tls-passthrough: HTTPS that the Gateway passes through to an echo
    // terminating TLS itself (TLSRoute), sent and compared as https.
    r.https = rc.value("protocol", "http") == "https" || rc.value("protocol", "http") == "tls-passthrough";
    r.method = rq.value("method", "GET");
    r.path = rq.value("path", "/");
    const std::string host = rq.value("host", "");
    const int defaultPort = r.https ? 443 : 80;
    r.host = !host.empty() ? host : r.port == defaultPort ? address : fmt::format("{}:{}", address, r.port);
    const json headers = rq.value("headers", json::object());  // named: items() does not extend a temporary
    for (const auto& [k, v] : headers.items())
      r.headers.emplace_back(canonicalHeaderKey(k), v.get<std::string>());
    // Always sent, even empty (http.MakeRequest).
    std::string echoSet;
    const json echoHeaders = rq.value("echoSetResponseHeaders", json::object());
    for (const auto& [k, v] : echoHeaders.items()) {
      echoSet += (echoSet.empty() ? "" : ",") + k + ":" + v.get<std::string>();
    }
    r.headers.emplace_back("X-Echo-Set-Header", echoSet);
    for (const auto& h : extra) r.headers.push_back(h);
    if (rq.contains("body") && rq["body"].is_string()) r.body = rq["body"].get<std::string>();
    // "H2" (TLS, ALPN h2) or "H2C_PRIOR_KNOWLEDGE".
    r.http2 = rq.contains("httpProtocol") && rq["httpProtocol"].is_string();
    if (r.https) {
      r.tls.sni = rq.value("sni", "");
      const json& tls = rc.value("tls", json::object());
      if (tls.contains("trustCertificateFromSecret") && tls["trustCertificateFromSecret"].is_object()) {
        const auto& s = tls["trustCertificateFromSecret"];
        r.tls.trustPem = env.secretData(s.value("namespace", ""), s.value("name", ""), "tls.crt");
      }
      if (tls.contains("clientCertificateFromSecret") && tls["clientCertificateFromSecret"].is_object()) {
        const auto& s = tls["clientCertificateFromSecret"];
        r.tls.clientCertPem = env.secretData(s.value("namespace", ""), s.value("name", ""), "tls.crt");
        r.tls.clientKeyPem = env.secretData(s.value("namespace", ""), s.value("name", ""), "tls.key");
      }
    }
    const bool follow = rq.value("followRedirects", true);
    RoundTrip rt = roundTrip(r, t.request);
    for (int hop = 0; follow && rt.ok && hop < 10; ++hop) {
      const int st = rt.response.status;
      const auto [location, any] = rt.response.header("location");
      if (!(st == 301 || st == 302 || st == 303 || st == 307 || st == 308) || !any) break;
      // Follow to the same gateway address (the Location names a host
      // the test machine cannot resolve), as Host/path of the Location.
      std::string rest = location;
      if (auto p = rest.find("://"); p != std::string::npos) {
        r.https = rest.substr(0, p) == "https";
        rest = rest.substr(p + 3);
        const size_t slash = rest.find('/');
        r.host = rest.substr(0, slash);
        rest = slash == std::string::npos ? "/" : rest.substr(slash);
        const auto colon = r.host.rfind(':');
        r.port = colon == std::string::npos ? (r.https ? 443 : 80) : std::atoi(r.host.c_str() + colon + 1);
      }
      r.path = rest;
      if (st == 303 || ((st == 301 || st == 302) && r.method == "POST")) {
        r.method = "GET";
        r.body.clear();
      }
      rt = roundTrip(r, t.request);
    }
    return rt;
  }

  std::string check(const json& rc, const RoundTrip& rt) const {
    if (!rt.ok) return "request failed: " + rt.error;
    return compare(rc["expected"], rt.response, rc["request"].value("method", "GET"),
                   rc["request"].value("path", "/"));
  }

  // One request of the case's protocol, compared as the suite compares
  // it: empty when it matches.
  std::string attempt(const json& rc) const {
    const std::string protocol = rc.value("protocol", "http");
    if (protocol == "grpc") return compareGrpc(rc["expected"], sendGrpc(rc, address, t.request));
    if (protocol == "websocket")
      return websocketEcho(rc, address, "ws://gateway/" + env.caseName(), t.request);
    return check(rc, send(rc));
  }

  // One sample of a weighted run: the pod that answered, or (first) why
  // the sample failed. http.AddEntropy / the gRPC x-jitter metadata: half
  // the samples carry a random value.
  std::pair<std::string, std::string> sample(const json& rc) const {
    thread_local std::mt19937 rng(std::random_device{}());
    std::vector<std::pair<std::string, std::string>> extra;
    if (rc.value("protocol", "http") == "grpc") {
      if (rng() % 2) extra.emplace_back("x-jitter", std::to_string(rng() % 10000));
      const testing::GrpcEchoResult r = sendGrpc(rc, address, t.request, extra);
      // Per sample the suite checks only the status code.
      if (r.code != 0)
        return {fmt::format("gRPC status {} ({})", testing::grpcStatusName(r.code), r.message), ""};
      return {"", r.pod};
    }
    if (rng() % 2) extra.emplace_back("X-Jitter", std::to_string(rng() % 10000));
    RoundTrip rt = send(rc, extra);
    if (std::string e = check(rc, rt); !e.empty()) return {e, ""};
    return {"", echoedRequest(rt.response).value("pod", "")};
  }
};

// The mirror Deployments' echo pods logged the request within 10 s of it
// being first sent (http.ExpectMirroredRequest).
std::string checkMirrors(const json& rc, LiveCase& env, Clock::time_point firstSent) {
  const json& mirrors = rc["expected"].value("mirroredTo", json::array());
  const std::string line = "Echoing back request made to " + rc["request"].value("path", "/") + " to client";
  for (const auto& m : mirrors) {
    const Pod* pod = env.fleet().pod(m.value("namespace", ""), m.value("name", ""));
    if (!pod || !pod->process) return "mirror backend " + m.value("name", "") + " is not running";
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        firstSent + std::chrono::seconds(10) - Clock::now());
    if (!pod->process->waitForLine(line, std::max(left, std::chrono::milliseconds(1)))) {
      return "mirror " + m.value("name", "") + " never received " + rc["request"].value("path", "/");
    }
  }
  return {};
}

// MakeRequestAndExpectEventuallyConsistentResponse: 3 matches in a row
// within the consistency window; a failure waits 1 s.
std::string eventuallyConsistent(const Sender& s, const json& rc) {
  const auto deadline = Clock::now() + s.t.consistency;
  const auto firstSent = Clock::now();
  int streak = 0;
  std::string last;
  const bool perAttempt = rc.dump().find("{UUID}") != std::string::npos;
  for (;;) {
    // HTTPRouteRetry: a fresh UUID on every attempt (the echo's /retry/
    // handler counts attempts per uuid).
    const json attempt = perAttempt ? substitute(rc, "{UUID}", uuid()) : rc;
    last = s.attempt(attempt);
    if (last.empty()) {
      if (++streak == 3) break;
      continue;
    }
    streak = 0;
    if (Clock::now() >= deadline)
      return fmt::format("not consistent within {} s: {}", s.t.consistency.count() / 1000, last);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (rc["expected"].contains("mirroredTo")) return checkMirrors(rc, s.env, firstSent);
  return {};
}

// weight.TestWeightedDistribution, one sample per request of the case.
std::string weighted(const Sender& s, const json& rc) {
  return weightedDistribution(rc["weightedDistribution"], [&] { return s.sample(rc); });
}

// HTTPRouteRequestPercentageMirror: the mirror's share of 500 requests
// within 3 standard deviations of the configured fraction.
std::string percentageMirror(const Sender& s, const json& rc) {
  // First one plain consistent request; the mirror share is measured
  // below, not per request.
  json first = rc;
  first["expected"].erase("mirroredTo");
  if (auto e = eventuallyConsistent(s, first); !e.empty()) return e;
  const json& pm = rc["percentageMirror"];
  const int total = pm.value("totalRequests", 500), conc = pm.value("concurrency", 10);
  const double p = pm.value("expectedMirroredFraction", 0.0), k = pm.value("toleranceStdDevs", 3.0);
  const double lo = total * p - k * std::sqrt(total * p * (1 - p)),
               hi = total * p + k * std::sqrt(total * p * (1 - p));
  const json& m = rc["expected"]["mirroredTo"][0];
  const Pod* pod = s.env.fleet().pod(m.value("namespace", ""), m.value("name", ""));
  if (!pod || !pod->process) return "mirror backend is not running";
  std::string last;
  for (int attempt = 0; attempt < pm.value("maxAttempts", 5); ++attempt) {
    const std::string id = uuid();
    json one = rc;
    const std::string path = rc["request"].value("path", "/") + "?gateway-api-conformance-request-id=" + id;
    one["request"]["path"] = path;
    one["expected"]["backendRequest"]["path"] = path;
    std::atomic<int> failures{0};
    std::string failure;
    std::mutex mu;
    fanOut(total, conc, [&](int) {
      std::string e = s.check(one, s.send(one));
      if (!e.empty()) {
        ++failures;
        std::lock_guard lock(mu);
        failure = e;
      }
    });
    if (failures) return fmt::format("{} of {} requests failed: {}", failures.load(), total, failure);
    // Mirrors are fire-and-forget: count once the log stops growing.
    const std::string line = "Echoing back request made to " + path + " to client";
    size_t count = pod->process->countLines(line);
    for (int quiet = 0, i = 0; quiet < 3 && i < 100; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const size_t now = pod->process->countLines(line);
      quiet = now == count ? quiet + 1 : 0;
      count = now;
    }
    if (count >= lo && count <= hi) return {};
    last = fmt::format("{} of {} mirrored, want [{:.0f}, {:.0f}]", count, total, lo, hi);
  }
  return last;
}

// http.MakeRequestAndExpectFailure (BackendTLSPolicy with a backend whose
// certificate must not validate): 5 answers in a row that are neither 200
// nor a timeout (408/504); transport errors and timeouts reset the streak
// and wait 1 s; any 200 fails at once.
std::string expectFailure(const Sender& s, const json& rc) {
  const auto deadline = Clock::now() + s.t.consistency;
  std::string last = "no answer";
  for (int streak = 0; streak < 5;) {
    const RoundTrip rt = s.send(rc);
    const int st = rt.ok ? rt.response.status : 0;
    if (st == 200) return "answered 200, want a failure";
    if (rt.ok && st != 408 && st != 504) {
      ++streak;
      continue;
    }
    streak = 0;
    last = rt.ok ? fmt::format("answered {}", st) : rt.error;
    if (Clock::now() >= deadline)
      return fmt::format("no 5 failures in a row within {} s: {}", s.t.consistency.count() / 1000, last);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return {};
}

// tls.MakeTLSRequestAndExpectFailureResponse: one HTTPS request that must
// end in a client-side error (a refused handshake, a reset) before any
// HTTP response. (Go also asserts that a configured client certificate was
// asked for during the handshake; the runner does not see that.)
std::string expectRequestError(const Sender& s, const json& rc) {
  const RoundTrip rt = s.send(rc);
  if (rt.ok) return fmt::format("answered {}, want a request error", rt.response.status);
  return {};
}

// The Backend header names the pod that answered (weights with per-backend
// header filters). Runs after the case's previous, eventually consistent
// request ("after the first request is consistent").
std::string repeatCheckBackendHeader(const Sender& s, const json& rc) {
  const std::string name = rc["expected"].value("backendRequestHeaderEqualsPodPrefix", "Backend");
  for (int i = 0; i < rc.value("repeat", 100); ++i) {
    RoundTrip rt = s.send(rc);
    if (!rt.ok) return "request failed: " + rt.error;
    const json echo = echoedRequest(rt.response);
    const json& values =
        echo.is_object() ? echo.value("headers", json::object()).value(name, json::array()) : json::array();
    if (values.size() != 1) return fmt::format("backend saw {} {} headers", values.size(), name);
    if (!echo.value("pod", "").starts_with(values[0].get<std::string>())) {
      return fmt::format("pod {} does not start with {}: {}", echo.value("pod", ""), name, values[0].dump());
    }
  }
  return {};
}

}  // namespace

std::string runRequestCase(const json& input, LiveCase& env, const Timeouts& timeouts) {
  const std::string protocol = input.value("protocol", "http");
  if (protocol != "http" && protocol != "https" && protocol != "grpc" && protocol != "websocket" &&
      protocol != "tls-passthrough" && !isL4Protocol(protocol))
    return "protocol " + protocol + " is not supported by the runner yet";
  const json rc = substitute(input, "{REQUEST_ID}", uuid());
  const json& gw = rc["gateway"];
  Sender s{env, timeouts, env.gatewayAddress(gw.value("namespace", ""), gw.value("name", ""))};
  if (s.address.empty()) return "Gateway " + gw.value("name", "") + " has no address in status";
  if (isL4Protocol(protocol)) return runL4RequestCase(rc, s.address, env, timeouts);
  const std::string mode = rc.value("mode", "eventuallyConsistent");
  if (mode == "eventuallyConsistent") return eventuallyConsistent(s, rc);
  if (mode == "expectFailure") return expectFailure(s, rc);
  if (mode == "tlsExpectRequestError") return expectRequestError(s, rc);
  if (mode == "weightedDistribution") return weighted(s, rc);
  if (mode == "percentageMirror") return percentageMirror(s, rc);
  if (mode == "repeatCheckBackendHeader") return repeatCheckBackendHeader(s, rc);
  return "request mode " + mode + " is not supported by the runner yet";
}

}  // namespace portico::conformance

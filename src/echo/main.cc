// portico-echo: the backend of the quickstart, the end-to-end tests and
// the conformance runner. Answers every request with JSON describing it,
// in the shape of the Gateway API conformance echo server (echo-basic).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "echo/options.h"
#include "echo/server.h"

namespace {

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "portico-echo";
  return buf;
}

bool parseEndpoints(const std::vector<std::string>& in, std::vector<portico::echo::Endpoint>& out) {
  for (const std::string& text : in) {
    auto e = portico::echo::parseEndpoint(text);
    if (!e) {
      std::cerr << "portico-echo: expected ADDR:PORT or [ADDR]:PORT, got \"" << text << "\"" << std::endl;
      return false;
    }
    out.push_back(*e);
  }
  return true;
}

}  // namespace

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char** argv) {
  portico::echo::Options opts;
  std::vector<std::string> listen, tlsListen, h2cListen, responseHeaders;
  std::vector<std::string> tcpListen, tcpTlsListen, udpListen, dnsListen;
  CLI::App app{"portico-echo: HTTP echo backend (Gateway API conformance echo JSON)"};
  app.add_option("--listen", listen, "Serve HTTP/1.1 on ADDR:PORT (repeatable; port 0 picks one)");
  bool dieWithParent = false;
  app.add_flag("--die-with-parent", dieWithParent,
               "Exit when the parent process dies (test harnesses: no orphan holding their output)");
  app.add_option("--tls-listen", tlsListen,
                 "Serve HTTPS (ALPN h2 or http/1.1) on ADDR:PORT (repeatable; needs --tls-cert/--tls-key)");
  app.add_option("--h2c-listen", h2cListen,
                 "Serve HTTP/2 cleartext on ADDR:PORT: prior knowledge or HTTP/1.1 Upgrade: h2c; other "
                 "HTTP/1.1 requests get 400 (repeatable)");
  // echo-basic's other modes (TCP_ECHO_SERVER, UDP_ECHO_SERVER) and the
  // coredns of the UDPRoute test; see l4_serve.h.
  app.add_option(
      "--tcp-listen", tcpListen,
      "Serve the conformance TCP echo (welcome line, PING, IS_TLS, TEST) on ADDR:PORT (repeatable)");
  app.add_option(
      "--tcp-tls-listen", tcpTlsListen,
      "Serve the TCP echo over TLS, without ALPN, on ADDR:PORT (repeatable; needs --tls-cert/--tls-key)");
  app.add_option("--udp-listen", udpListen,
                 "Answer every UDP datagram on ADDR:PORT with the conformance UDP echo JSON (repeatable)");
  app.add_option("--dns-listen", dnsListen,
                 "Answer DNS queries over UDP on ADDR:PORT: A for foo.bar.com. and below gets the client's "
                 "address, other names REFUSED (repeatable)");
  app.add_option("--tls-cert", opts.tlsCert, "PEM certificate chain")->envname("TLS_SERVER_CERT");
  app.add_option("--tls-key", opts.tlsKey, "PEM private key")->envname("TLS_SERVER_PRIVKEY");
  app.add_option("--tls-client-ca", opts.tlsClientCa,
                 "Request client certificates, verify them against this CA")
      ->envname("TLS_CLIENT_CACERTS");
  app.add_option("--namespace", opts.identity.namespace_, "Reported namespace")->envname("NAMESPACE");
  app.add_option("--service", opts.identity.service, "Reported service")->envname("SERVICE_NAME");
  app.add_option("--ingress", opts.identity.ingress, "Reported ingress")->envname("INGRESS_NAME");
  app.add_option("--pod", opts.identity.pod, "Reported pod (default: hostname)")->envname("POD_NAME");
  app.add_option("--http-port", opts.httpPort,
                 "Reported httpPort (default: the port the request came in on)");
  app.add_option("--response-header", responseHeaders,
                 "Name:value added to every echo response (repeatable)");
  app.add_option("--status", opts.status, "Answer echo requests with this status")
      ->check(CLI::Range(200, 599));
  app.add_option("--fail-first", opts.failFirst, "Answer 500 to the first N echo requests")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--threads", opts.threads, "Threads running the event loop")->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);
  if (dieWithParent) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() == 1) return 0;  // the parent is already gone
  }

  if (!parseEndpoints(listen, opts.listen) || !parseEndpoints(tlsListen, opts.tlsListen) ||
      !parseEndpoints(h2cListen, opts.h2cListen) || !parseEndpoints(tcpListen, opts.tcpListen) ||
      !parseEndpoints(tcpTlsListen, opts.tcpTlsListen) || !parseEndpoints(udpListen, opts.udpListen) ||
      !parseEndpoints(dnsListen, opts.dnsListen))
    return 2;
  if (opts.listen.empty() && opts.tlsListen.empty() && opts.h2cListen.empty() && opts.tcpListen.empty() &&
      opts.tcpTlsListen.empty() && opts.udpListen.empty() && opts.dnsListen.empty()) {
    std::cerr << "portico-echo: give at least one --listen, --tls-listen, --h2c-listen, --tcp-listen, "
                 "--tcp-tls-listen, --udp-listen or --dns-listen"
              << std::endl;
    return 2;
  }
  if ((!opts.tlsListen.empty() || !opts.tcpTlsListen.empty()) &&
      (opts.tlsCert.empty() || opts.tlsKey.empty())) {
    std::cerr << "portico-echo: --tls-listen and --tcp-tls-listen need --tls-cert and --tls-key" << std::endl;
    return 2;
  }
  for (const std::string& h : responseHeaders) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      std::cerr << "portico-echo: --response-header wants Name:value, got \"" << h << "\"" << std::endl;
      return 2;
    }
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    opts.responseHeaders.emplace_back(h.substr(0, colon), value);
  }
  if (opts.identity.pod.empty()) opts.identity.pod = hostname();
  std::signal(SIGPIPE, SIG_IGN);
  return portico::echo::runServer(opts);
}

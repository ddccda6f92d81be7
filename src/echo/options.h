// portico-echo configuration: what main.cc parses from flags and the
// environment, and what the server and the request handler read. No Asio.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace portico::echo {

struct Endpoint {
  std::string host;  // literal IP address ("127.0.0.1", "::1")
  uint16_t port = 0;
};

// "ADDR:PORT" or "[V6ADDR]:PORT"; nullopt when malformed.
std::optional<Endpoint> parseEndpoint(const std::string& text);
// The inverse, with brackets around IPv6 addresses.
std::string formatEndpoint(const std::string& host, uint16_t port);

struct Identity {
  std::string namespace_;
  std::string ingress;
  std::string service;
  std::string pod;
};

struct Options {
  std::vector<Endpoint> listen;
  std::vector<Endpoint> tlsListen;
  std::vector<Endpoint> h2cListen;  // h2c prior knowledge or Upgrade; plain HTTP/1.1 gets 400
  // echo-basic's other modes (tcp_serve.cc, udp_serve.cc, dns_serve.cc).
  std::vector<Endpoint> tcpListen;     // TCP echo (TCP_ECHO_SERVER, TCP_PORT)
  std::vector<Endpoint> tcpTlsListen;  // TCP echo over TLS (TLS_PORT), --tls-cert/--tls-key
  std::vector<Endpoint> udpListen;     // UDP echo (UDP_ECHO_SERVER, UDP_PORT)
  std::vector<Endpoint> dnsListen;     // DNS over UDP, standing in for the suite's coredns
  std::string tlsCert;
  std::string tlsKey;
  std::string tlsClientCa;  // when set, client certificates are requested and verified if given
  Identity identity;
  std::string httpPort;  // reported as "httpPort"; empty = the local port of the connection
  std::vector<std::pair<std::string, std::string>> responseHeaders;
  int status = 0;     // fixed status for every echo response (0 = 200)
  int failFirst = 0;  // answer 500 to the first N echo requests
  int threads = 1;
};

}  // namespace portico::echo

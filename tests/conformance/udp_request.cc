#include "conformance/udp_request.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "conformance/json_fields.h"

namespace portico::conformance {

using nlohmann::json;

UdpReply udpExchange(const std::string& address, int port, const std::string& payload,
                     std::chrono::milliseconds timeout, size_t maxReply) {
  UdpReply out;
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &a.sin_addr) != 1) {
    ::close(fd);
    out.error = "bad address " + address;
    return out;
  }
  // Connected, as Go's net.Dial("udp"): the kernel drops datagrams from any
  // other source, and an ICMP port unreachable surfaces as ECONNREFUSED.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::send(fd, payload.data(), payload.size(), 0) != static_cast<ssize_t>(payload.size())) {
    out.error = fmt::format("UDP send to {}:{}: {}", address, port, std::strerror(errno));
    ::close(fd);
    return out;
  }
  std::vector<char> buf(maxReply);
  const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
  if (n < 0) {
    out.error = errno == EAGAIN || errno == EWOULDBLOCK
                    ? fmt::format("no UDP reply from {}:{} within {} ms", address, port, timeout.count())
                    : fmt::format("UDP read from {}:{}: {}", address, port, std::strerror(errno));
  } else {
    out.data.assign(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

std::string compareUdpEcho(const json& expected, const UdpReply& reply) {
  if (!reply.error.empty()) return reply.error;
  const std::string service = str(expected, "udpEchoService"), ns = str(expected, "namespace");
  if (service.empty() && ns.empty()) return {};  // any reply passes
  const json j = json::parse(reply.data, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "UDP reply is not the echo JSON: " + reply.data;
  if (!service.empty() && str(j, "service") != service)
    return fmt::format("UDP echo service {:?}, want {:?} (pod {:?})", str(j, "service"), service,
                       str(j, "pod"));
  if (!ns.empty() && str(j, "namespace") != ns)
    return fmt::format("UDP echo namespace {:?}, want {:?} (pod {:?})", str(j, "namespace"), ns,
                       str(j, "pod"));
  return {};
}

std::pair<std::string, std::string> udpEchoPod(const UdpReply& reply) {
  if (!reply.error.empty()) return {reply.error, ""};
  const json j = json::parse(reply.data, nullptr, false);
  if (j.is_discarded() || str(j, "pod").empty()) return {"UDP reply without a pod: " + reply.data, ""};
  return {"", str(j, "pod")};
}

}  // namespace portico::conformance

// The UDPRoute test's DNS client ("dns-udp"): miekg/dns's Exchange of an A
// query over UDP, which returns any well-formed reply carrying the query's
// ID whatever its rcode. Written apart from portico-echo's DNS codec, so a
// bug in one is not mirrored by the other.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace portico::conformance {

// The DNS query of "dns-udp" (name, type "A") with a random ID: empty when
// a response with that ID parses (any rcode, as dns.Exchange returns it).
std::string dnsExchange(const std::string& address, int port, const std::string& name,
                        const std::string& type, std::chrono::milliseconds timeout);

// The query itself and the check of its reply, apart from sockets.
std::string dnsQuery(uint16_t id, const std::string& name, uint16_t type);
std::string checkDnsReply(const std::string& reply, uint16_t id);

}  // namespace portico::conformance

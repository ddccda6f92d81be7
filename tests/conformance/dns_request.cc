#include "conformance/dns_request.h"

#include <fmt/format.h>

#include <random>

#include "conformance/udp_request.h"

namespace portico::conformance {
namespace {

uint16_t get16(const std::string& w, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(w[at]) << 8) | static_cast<uint8_t>(w[at + 1]));
}

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

// Skips a (possibly compressed) name; false when it runs off the message.
bool skipName(const std::string& w, size_t& pos) {
  while (pos < w.size()) {
    const auto len = static_cast<uint8_t>(w[pos]);
    if ((len & 0xc0) == 0xc0) {
      pos += 2;
      return pos <= w.size();
    }
    if (len == 0) {
      ++pos;
      return true;
    }
    pos += 1 + len;
  }
  return false;
}

}  // namespace

std::string dnsQuery(uint16_t id, const std::string& name, uint16_t type) {
  // miekg/dns SetQuestion: RD set, one question, class IN.
  std::string q;
  put16(q, id);
  put16(q, 0x0100);
  put16(q, 1);
  put16(q, 0);
  put16(q, 0);
  put16(q, 0);
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q.push_back(static_cast<char>(dot - start));
    q.append(name, start, dot - start);
    start = dot + 1;
  }
  q.push_back('\0');
  put16(q, type);
  put16(q, 1);
  return q;
}

std::string checkDnsReply(const std::string& w, uint16_t id) {
  if (w.size() < 12) return fmt::format("DNS reply of {} bytes is shorter than a header", w.size());
  if (get16(w, 0) != id) return fmt::format("DNS reply ID {} does not match the query's {}", get16(w, 0), id);
  if ((get16(w, 2) & 0x8000) == 0) return "DNS reply is not a response (QR clear)";
  size_t pos = 12;
  for (uint16_t i = 0, n = get16(w, 4); i < n; ++i) {
    if (!skipName(w, pos) || pos + 4 > w.size()) return "DNS reply's question section is truncated";
    pos += 4;
  }
  const int records = get16(w, 6) + get16(w, 8) + get16(w, 10);
  for (int i = 0; i < records; ++i) {
    if (!skipName(w, pos) || pos + 10 > w.size()) return "DNS reply's records are truncated";
    pos += 10 + get16(w, pos + 8);
    if (pos > w.size()) return "DNS reply's record data is truncated";
  }
  return {};
}

std::string dnsExchange(const std::string& address, int port, const std::string& name,
                        const std::string& type, std::chrono::milliseconds timeout) {
  if (type != "A") return "DNS query type " + type + " is not supported by the runner";
  thread_local std::mt19937 rng(std::random_device{}());
  const auto id = static_cast<uint16_t>(rng());
  const UdpReply reply = udpExchange(address, port, dnsQuery(id, name, 1), timeout, 65535);
  if (!reply.error.empty()) return reply.error;
  return checkDnsReply(reply.data, id);
}

}  // namespace portico::conformance

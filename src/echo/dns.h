// A minimal DNS message codec (RFC 1035, section 4) for portico-echo's
// --dns-listen, which stands in for the suite's coredns Deployment in the
// UDPRoute test: the Go test only needs *a* DNS response to an A query for
// foo.bar.com. (dns.Exchange checks the ID and that the message parses).
// Pure: no sockets, no Asio.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::echo::dns {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kClassIn = 1;

enum class Rcode : uint8_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5
};

struct Question {
  std::string name;  // dotted, with the trailing dot ("foo.bar.com."), as received
  uint16_t type = 0;
  uint16_t klass = 0;
};

struct Record {
  std::string name;
  uint16_t type = kTypeA;
  uint16_t klass = kClassIn;
  uint32_t ttl = 0;
  std::string rdata;
};

struct Message {
  uint16_t id = 0;
  uint16_t flags = 0;  // QR, opcode, AA, TC, RD, RA, Z, rcode as on the wire
  std::vector<Question> questions;
  std::vector<Record> answers;

  bool isResponse() const { return (flags & 0x8000) != 0; }
  uint8_t opcode() const { return static_cast<uint8_t>((flags >> 11) & 0xf); }
  Rcode rcode() const { return static_cast<Rcode>(flags & 0xf); }
};

// The header, the questions and the answer records of `wire` (name
// compression pointers are followed, backwards only). Authority and
// additional sections are not read. nullopt when truncated or malformed.
std::optional<Message> parse(std::string_view wire);

// `m` on the wire: header, questions, answers (no compression).
// Names are written label by label; nullopt when one is not a valid name
// (an empty label inside it, a label over 63 bytes, over 255 in all).
std::optional<std::string> serialize(const Message& m);

// "foo.bar.com." (or without the final dot) as wire labels; nullopt when
// invalid, as above.
std::optional<std::string> encodeName(std::string_view dotted);

// What the coredns of the base manifests answers (its Corefile: zone
// foo.bar.com served by the whoami plugin, everything else forwarded to
// public resolvers). An A query in `zone` gets the client's address as an
// A record (whoami); other types in the zone get an empty NOERROR; names
// outside it get REFUSED (no upstream here); a non-QUERY opcode gets
// NOTIMP; unparseable questions get FORMERR. Empty (drop the datagram)
// when `wire` is too short for a header or is itself a response.
std::string respond(std::string_view wire, std::string_view zone, const std::array<uint8_t, 4>& client);

}  // namespace portico::echo::dns

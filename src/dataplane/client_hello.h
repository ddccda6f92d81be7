// The server name (SNI, RFC 6066 §3) and ALPN list (RFC 7301 §3.1) of a
// TLS ClientHello (RFC 8446 §4.1.2; TLS 1.2's is a prefix of it, RFC 5246
// §7.4.1.2), read from the raw bytes a client sent before any handshake:
// TLS passthrough routes on them without terminating (Gateway API
// TLSRoute, GEP-2643). A pure function of bytes, no I/O: it is fuzzed.
//
// The ClientHello may span several TLS records (a handshake message can be
// fragmented, RFC 8446 §5.1) and the records may arrive over several
// reads: call again with everything read so far until the result is not
// NeedMore. Nothing past `bytes` is read; the message is bounded by
// kMaxClientHello.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace portico::dataplane {

// Largest ClientHello handshake message accepted (post-quantum key shares
// make them ~1.8 KB today; one full record is 16 KiB).
inline constexpr size_t kMaxClientHello = 16 * 1024;
// Largest number of wire bytes (records with their headers) read to find
// it: a ClientHello cut into many tiny records still ends within this.
inline constexpr size_t kMaxClientHelloWire = kMaxClientHello + 4096;

enum class HelloStatus {
  Complete,  // parsed: see sni / alpn
  NeedMore,  // a prefix of a valid ClientHello: read more and call again
  Invalid,   // not a TLS handshake, not a ClientHello, or malformed
  TooLarge,  // longer than kMaxClientHello (or its records than kMaxClientHelloWire)
};

struct ClientHello {
  HelloStatus status = HelloStatus::NeedMore;
  bool hasSni = false;
  std::string sni;                // host_name, lower-cased; empty without the extension
  std::vector<std::string> alpn;  // protocols offered, in the client's order
  size_t wireBytes = 0;           // bytes of the records that carry the message (Complete)
};

ClientHello parseClientHello(std::string_view bytes);

}  // namespace portico::dataplane

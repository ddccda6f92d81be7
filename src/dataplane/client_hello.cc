#include "dataplane/client_hello.h"

#include <cstdint>

namespace portico::dataplane {
namespace {

constexpr uint8_t kHandshakeRecord = 22;  // ContentType.handshake (RFC 8446 §5.1)
constexpr uint8_t kClientHelloType = 1;   // HandshakeType.client_hello (§4)
constexpr size_t kMaxRecord = 16384;      // TLSPlaintext.length limit (§5.1)
constexpr uint16_t kServerNameExt = 0;    // RFC 6066 §3
constexpr uint16_t kAlpnExt = 16;         // RFC 7301 §3.1
constexpr uint8_t kHostNameType = 0;      // NameType.host_name
constexpr size_t kMaxHostName = 255;      // DNS name limit (RFC 1035 §2.3.4)

// Bounds-checked big-endian reader over one byte range.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool ok() const { return ok_; }
  size_t left() const { return b_.size() - pos_; }
  uint32_t u(size_t n) {  // n in 1..3
    if (!ok_ || left() < n) return fail();
    uint32_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(b_[pos_++]);
    return v;
  }
  std::string_view take(size_t n) {
    if (!ok_ || left() < n) {
      fail();
      return {};
    }
    std::string_view s = b_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // A vector with an n-byte length prefix (RFC 8446 §3.4).
  std::string_view vec(size_t n) { return take(u(n)); }

 private:
  uint32_t fail() {
    ok_ = false;
    return 0;
  }
  std::string_view b_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// A host_name is ASCII letters, digits, '-', '.' and (seen in the wild)
// '_'; no trailing dot (RFC 6066 §3). Anything else is refused: the name
// is matched against listener and route hostnames.
bool validHostName(std::string_view n) {
  if (n.empty() || n.size() > kMaxHostName || n.back() == '.' || n.front() == '.') return false;
  for (char c : n) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool parseServerName(std::string_view data, ClientHello& out) {
  Reader r(data);
  Reader list(r.vec(2));
  if (!r.ok() || r.left() != 0 || list.left() == 0) return false;
  while (list.left() > 0) {
    const uint32_t type = list.u(1);
    std::string_view name = list.vec(2);
    if (!list.ok()) return false;
    // At most one name per type (RFC 6066 §3); other types are skipped.
    if (type != kHostNameType) continue;
    if (out.hasSni || !validHostName(name)) return false;
    out.hasSni = true;
    out.sni.reserve(name.size());
    for (char c : name) out.sni.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return true;
}

bool parseAlpn(std::string_view data, ClientHello& out) {
  Reader r(data);
  Reader list(r.vec(2));
  if (!r.ok() || r.left() != 0 || list.left() == 0) return false;
  while (list.left() > 0) {
    std::string_view p = list.vec(1);
    if (!list.ok() || p.empty()) return false;  // empty names are not allowed (RFC 7301 §3.1)
    out.alpn.emplace_back(p);
  }
  return true;
}

// The ClientHello body (after the 4-byte handshake header).
bool parseBody(std::string_view body, ClientHello& out) {
  Reader r(body);
  r.u(2);                                  // legacy_version
  r.take(32);                              // random
  if (r.vec(1).size() > 32) return false;  // legacy_session_id
  std::string_view suites = r.vec(2);      // cipher_suites
  if (!r.ok() || suites.size() < 2 || suites.size() % 2) return false;
  if (r.vec(1).empty()) return false;  // legacy_compression_methods
  if (!r.ok()) return false;
  if (r.left() == 0) return true;  // TLS 1.2 without extensions: no SNI
  Reader exts(r.vec(2));
  if (!r.ok() || r.left() != 0) return false;  // nothing may follow the extensions
  bool seenSni = false, seenAlpn = false;
  while (exts.left() > 0) {
    const uint32_t type = exts.u(2);
    std::string_view data = exts.vec(2);
    if (!exts.ok()) return false;
    // An extension type appears at most once (RFC 8446 §4.2).
    if (type == kServerNameExt) {
      if (seenSni || !parseServerName(data, out)) return false;
      seenSni = true;
    } else if (type == kAlpnExt) {
      if (seenAlpn || !parseAlpn(data, out)) return false;
      seenAlpn = true;
    }
  }
  return true;
}

}  // namespace

ClientHello parseClientHello(std::string_view bytes) {
  ClientHello out;
  std::string msg;  // the handshake message, reassembled from record fragments
  size_t pos = 0;
  for (;;) {
    // Enough of the message to know its length, and all of it?
    if (msg.size() >= 4) {
      if (static_cast<uint8_t>(msg[0]) != kClientHelloType) {
        out.status = HelloStatus::Invalid;
        return out;
      }
      const size_t len = (static_cast<size_t>(static_cast<uint8_t>(msg[1])) << 16) |
                         (static_cast<size_t>(static_cast<uint8_t>(msg[2])) << 8) |
                         static_cast<uint8_t>(msg[3]);
      if (len > kMaxClientHello) {
        out.status = HelloStatus::TooLarge;
        return out;
      }
      if (msg.size() >= 4 + len) {
        // Bytes after the ClientHello in the same record would be a second
        // handshake message, which a client never sends before the
        // server's answer.
        if (msg.size() != 4 + len || !parseBody(std::string_view(msg).substr(4, len), out)) {
          out = ClientHello{};
          out.status = HelloStatus::Invalid;
          return out;
        }
        out.status = HelloStatus::Complete;
        out.wireBytes = pos;
        return out;
      }
    }
    if (pos >= kMaxClientHelloWire) {
      out.status = HelloStatus::TooLarge;
      return out;
    }
    // The next record header: checked as soon as its bytes are there, so
    // garbage is refused without waiting for more.
    const size_t have = bytes.size() - pos;
    const auto at = [&](size_t i) { return static_cast<uint8_t>(bytes[pos + i]); };
    if (have >= 1 && at(0) != kHandshakeRecord) break;
    if (have >= 2 && at(1) != 3) break;  // legacy_record_version 3.x
    if (have < 5) {
      out.status = HelloStatus::NeedMore;
      return out;
    }
    const size_t rlen = (static_cast<size_t>(at(3)) << 8) | at(4);
    if (rlen == 0 || rlen > kMaxRecord) break;  // empty handshake fragments are not allowed (§5.1)
    if (pos + 5 + rlen > kMaxClientHelloWire) {
      out.status = HelloStatus::TooLarge;
      return out;
    }
    if (have < 5 + rlen) {
      // Check what is there of the message header early too.
      if (msg.empty() && have > 5 && at(5) != kClientHelloType) break;
      out.status = HelloStatus::NeedMore;
      return out;
    }
    msg.append(bytes.substr(pos + 5, rlen));
    pos += 5 + rlen;
  }
  out.status = HelloStatus::Invalid;
  return out;
}

}  // namespace portico::dataplane

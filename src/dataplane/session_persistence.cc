#include "dataplane/session_persistence.h"

#include <array>
#include <cstring>

#include "http1/header.h"

namespace portico::dataplane {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kRawSize = 1 + 8 + 6 + 6 + 8;           // see the header
constexpr size_t kEncodedSize = (kRawSize * 4 + 2) / 3;  // base64url without padding: 39
constexpr std::string_view kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

void sipRound(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
  v0 += v1;
  v1 = rotl(v1, 13);
  v1 ^= v0;
  v0 = rotl(v0, 32);
  v2 += v3;
  v3 = rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = rotl(v1, 17);
  v1 ^= v2;
  v2 = rotl(v2, 32);
}

void putBytes(uint8_t* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t getBytes(const uint8_t* in, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(in[i]) << (8 * i);
  return v;
}

int b64Index(char c) {
  const size_t p = kB64.find(c);
  return p == std::string_view::npos ? -1 : static_cast<int>(p);
}

bool ieq(std::string_view a, std::string_view b) { return http1::iequals(a, b); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

SessionKey SessionKey::fromSecret(std::string_view secret) {
  // Two hashes of the secret under fixed keys: any secret length, a 128-bit key.
  const SessionKey base{0x706f727469636f2dULL, 0x73657373696f6e31ULL};  // "portico-" "session1"
  if (secret.empty()) return base;
  return SessionKey{sipHash24(base, secret), sipHash24(SessionKey{base.k1, base.k0}, secret)};
}

uint64_t sipHash24(const SessionKey& key, std::string_view data) {
  uint64_t v0 = key.k0 ^ 0x736f6d6570736575ULL;
  uint64_t v1 = key.k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = key.k0 ^ 0x6c7967656e657261ULL;
  uint64_t v3 = key.k1 ^ 0x7465646279746573ULL;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t n = data.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t m = getBytes(p + i, 8);
    v3 ^= m;
    sipRound(v0, v1, v2, v3);
    sipRound(v0, v1, v2, v3);
    v0 ^= m;
  }
  uint64_t last = static_cast<uint64_t>(n & 0xff) << 56;
  last |= getBytes(p + i, static_cast<int>(n - i));
  v3 ^= last;
  sipRound(v0, v1, v2, v3);
  sipRound(v0, v1, v2, v3);
  v0 ^= last;
  v2 ^= 0xff;
  for (int r = 0; r < 4; ++r) sipRound(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t sessionEndpointId(const SessionKey& key, std::string_view address, int32_t port) {
  // "address:port" on the stack (an IPv6 address is at most 45 characters).
  std::array<char, 96> buf;
  if (address.size() + 12 > buf.size())
    return sipHash24(key, std::string(address) + ":" + std::to_string(port));
  std::memcpy(buf.data(), address.data(), address.size());
  size_t n = address.size();
  buf[n++] = ':';
  const std::string digits = std::to_string(port);  // short: within the small-string buffer
  std::memcpy(buf.data() + n, digits.data(), digits.size());
  n += digits.size();
  return sipHash24(key, std::string_view(buf.data(), n));
}

std::string encodeSessionToken(const SessionKey& key, const SessionToken& t) {
  std::array<uint8_t, kRawSize> raw{};
  raw[0] = kVersion;
  putBytes(&raw[1], t.endpoint, 8);
  putBytes(&raw[9], t.startMs, 6);
  putBytes(&raw[15], t.lastUseMs, 6);
  putBytes(&raw[21], sipHash24(key, std::string_view(reinterpret_cast<const char*>(raw.data()), 21)), 8);
  std::string out;
  out.reserve(kEncodedSize);
  for (size_t i = 0; i < kRawSize; i += 3) {
    uint32_t v = static_cast<uint32_t>(raw[i]) << 16;
    if (i + 1 < kRawSize) v |= static_cast<uint32_t>(raw[i + 1]) << 8;
    if (i + 2 < kRawSize) v |= raw[i + 2];
    const size_t chars = std::min<size_t>(4, (kRawSize - i) * 4 / 3 + ((kRawSize - i) % 3 ? 1 : 0));
    for (size_t c = 0; c < chars; ++c) out.push_back(kB64[(v >> (18 - 6 * c)) & 63]);
  }
  return out;
}

std::optional<SessionToken> decodeSessionToken(const SessionKey& key, std::string_view value) {
  if (value.size() != kEncodedSize) return std::nullopt;
  std::array<uint8_t, kRawSize + 2> raw{};
  size_t o = 0;
  for (size_t i = 0; i < value.size(); i += 4) {
    uint32_t v = 0;
    const size_t chars = std::min<size_t>(4, value.size() - i);
    for (size_t c = 0; c < 4; ++c) {
      int d = 0;
      if (c < chars && (d = b64Index(value[i + c])) < 0) return std::nullopt;
      v |= static_cast<uint32_t>(d) << (18 - 6 * c);
    }
    for (size_t b = 0; b < chars - 1; ++b) raw[o++] = static_cast<uint8_t>(v >> (16 - 8 * b));
  }
  if (o != kRawSize || raw[0] != kVersion) return std::nullopt;
  const uint64_t mac = sipHash24(key, std::string_view(reinterpret_cast<const char*>(raw.data()), 21));
  if (getBytes(&raw[21], 8) != mac) return std::nullopt;
  return SessionToken{getBytes(&raw[1], 8), getBytes(&raw[9], 6), getBytes(&raw[15], 6)};
}

bool sessionLive(const ir::SessionPersistence& sp, const SessionToken& t, uint64_t nowMs) {
  if (sp.absoluteTimeoutMs && nowMs > t.startMs && nowMs - t.startMs >= sp.absoluteTimeoutMs) return false;
  if (sp.idleTimeoutMs && nowMs > t.lastUseMs && nowMs - t.lastUseMs >= sp.idleTimeoutMs) return false;
  return true;
}

std::string_view sessionName(const ir::SessionPersistence& sp) {
  if (!sp.name.empty()) return sp.name;
  return sp.header ? std::string_view("x-portico-session") : std::string_view("portico-session");
}

std::optional<std::string_view> cookieValue(std::string_view cookies, std::string_view name) {
  while (!cookies.empty()) {
    const size_t semi = cookies.find(';');
    std::string_view pair = trim(cookies.substr(0, semi));
    cookies = semi == std::string_view::npos ? std::string_view() : cookies.substr(semi + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name)
      continue;  // names are case-sensitive
    std::string_view v = trim(pair.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"')
      v = v.substr(1, v.size() - 2);  // RFC 6265 §4.1.1
    return v;
  }
  return std::nullopt;
}

std::optional<std::string_view> sessionValueInHead(const ir::SessionPersistence& sp, std::string_view head) {
  const std::string_view name = sessionName(sp);
  const std::string_view field = sp.header ? name : std::string_view("cookie");
  size_t pos = head.find("\r\n");  // past the request line
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const size_t start = pos + 2;
    const size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos || end == start) break;  // the blank line
    const std::string_view line = head.substr(start, end - start);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && ieq(line.substr(0, colon), field)) {
      const std::string_view value = trim(line.substr(colon + 1));
      if (sp.header) return value;
      if (auto v = cookieValue(value, name)) return v;
    }
    pos = end;
  }
  return std::nullopt;
}

std::optional<std::string_view> sessionValueInFields(
    const ir::SessionPersistence& sp, const std::vector<std::pair<std::string, std::string>>& f) {
  const std::string_view name = sessionName(sp);
  for (const auto& [n, v] : f) {
    if (sp.header) {
      if (ieq(n, name)) return trim(v);
    } else if (ieq(n, "cookie")) {
      if (auto c = cookieValue(v, name)) return c;
    }
  }
  return std::nullopt;
}

std::pair<std::string, std::string> sessionResponseField(const ir::SessionPersistence& sp,
                                                         std::string_view value, const SessionToken& t,
                                                         uint64_t nowMs) {
  const std::string_view name = sessionName(sp);
  if (sp.header) return {std::string(name), std::string(value)};
  std::string c;
  c.reserve(name.size() + value.size() + sp.cookiePath.size() + 40);
  c.append(name).append("=").append(value);
  if (!sp.cookiePath.empty()) c.append("; Path=").append(sp.cookiePath);
  // Permanent: the browser keeps the cookie for absoluteTimeout from the
  // session start (GEP-1619 lifetimeType). Session: no Max-Age, the
  // browser drops it when it closes; absoluteTimeout is enforced here.
  if (sp.permanent && sp.absoluteTimeoutMs) {
    const uint64_t end = t.startMs + sp.absoluteTimeoutMs;
    const uint64_t leftMs = end > nowMs ? end - nowMs : 0;
    c.append("; Max-Age=").append(std::to_string((leftMs + 999) / 1000));
  }
  c.append("; HttpOnly");
  return {"set-cookie", std::move(c)};
}

}  // namespace portico::dataplane

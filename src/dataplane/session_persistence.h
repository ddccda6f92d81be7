// Session persistence values (Gateway API sessionPersistence, GEP-1619):
// what the cookie or header carries, how it is read from a request and
// written on a response. No sockets, no clock: times are passed in, so the
// rules are unit-tested with any "now".
//
// The value is opaque (GEP-1619: implementations should not expose the
// backend's address) and self-contained, so every worker and every Portico
// replica with the same secret honours it, across config reloads:
//
//   base64url( version(1) | endpoint id(8) | session start ms(6) |
//              last use ms(6) | MAC(8) )                      = 39 chars
//
// endpoint id = SipHash-2-4(key, "address:port"): the request's endpoint is
// the cluster endpoint whose id matches, so no table is shared. The MAC
// (SipHash over the first 21 bytes) makes the times tamper-evident: a
// client cannot extend a session past absoluteTimeout by editing it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ir/ir.h"

namespace portico::dataplane {

struct SessionKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
  // The key for `secret` (ServerOptions::sessionSecret); an empty secret
  // gives a fixed built-in key (opaque, not secret: see
  // docs/session-persistence.md).
  static SessionKey fromSecret(std::string_view secret);
};

// SipHash-2-4 (Aumasson and Bernstein, 2012), 64-bit output.
uint64_t sipHash24(const SessionKey& key, std::string_view data);

// The id of `address:port` in session values.
uint64_t sessionEndpointId(const SessionKey& key, std::string_view address, int32_t port);

struct SessionToken {
  uint64_t endpoint = 0;
  uint64_t startMs = 0;    // wall clock (ms since the epoch) the session began
  uint64_t lastUseMs = 0;  // wall clock of the request that last refreshed it
};

std::string encodeSessionToken(const SessionKey& key, const SessionToken& t);
// nullopt for anything that is not a value this key wrote.
std::optional<SessionToken> decodeSessionToken(const SessionKey& key, std::string_view value);

// Whether a session is still valid at `nowMs`: absoluteTimeout from its
// start, idleTimeout (v1.0-v1.5) from its last use (GEP-1619: once either
// has elapsed "the session becomes invalid"). A value from the future
// (clock skew between replicas) is accepted.
bool sessionLive(const ir::SessionPersistence& sp, const SessionToken& t, uint64_t nowMs);

// The cookie or header name (GEP-1619 leaves the default to the
// implementation).
std::string_view sessionName(const ir::SessionPersistence& sp);

// The value of cookie `name` in one Cookie field value ("a=1; b=2").
std::optional<std::string_view> cookieValue(std::string_view cookies, std::string_view name);

// The session value of a request, from its HTTP/1.1 head as sent upstream
// (forward.cc's output: one field per line) or from HTTP/2 fields (cookie
// crumbs may be separate fields, RFC 9113 §8.2.3).
std::optional<std::string_view> sessionValueInHead(const ir::SessionPersistence& sp, std::string_view head);
std::optional<std::string_view> sessionValueInFields(
    const ir::SessionPersistence& sp, const std::vector<std::pair<std::string, std::string>>& f);

// The response field that hands the session to the client: Set-Cookie
// (Path, HttpOnly, and Max-Age only for a Permanent cookie, whose lifetime
// is absoluteTimeout from the session start) or the session header.
std::pair<std::string, std::string> sessionResponseField(const ir::SessionPersistence& sp,
                                                         std::string_view value, const SessionToken& t,
                                                         uint64_t nowMs);

}  // namespace portico::dataplane

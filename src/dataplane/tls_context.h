// Server-side TLS contexts for terminating listeners (OpenSSL 3).
#pragma once

#include <string>

#include "dataplane/runtime.h"

namespace portico::dataplane {

// TLS 1.2 and 1.3, ALPN "h2" then "http/1.1" when `httpAlpn`, session
// resumption through tickets and the server-side cache. Loads every
// certificate of the listener; OpenSSL picks by key type, the SNI callback
// of the bind picks the listener.
SslCtxPtr makeServerContext(const ir::Listener& listener, std::string& error, bool httpAlpn = true);

// Installs the ClientHello (and servername) callbacks that move a
// handshake to the context of the listener the router picks for the
// server name, before any session lookup.
void installSniSelector(SSL_CTX* ctx, const BindRuntime* bind);

// The listener whose context the handshake ended on (null before SNI).
const ir::Listener* listenerOf(SSL* ssl, const BindRuntime& bind);

// The handshake negotiated HTTP/2 (ALPN "h2").
bool alpnIsH2(SSL* ssl);

}  // namespace portico::dataplane

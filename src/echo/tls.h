// TLS for portico-echo, on plain OpenSSL handles (the server owns the
// Asio side).
#pragma once

#include <openssl/ssl.h>

#include <string>

#include "echo/handler.h"

namespace portico::echo {

// What ALPN selects, the server's preference first (as Go's TLS servers
// choose): HTTP serves h2 or http/1.1, gRPC only h2. The TCP echo selects
// none (echo-basic's tcpserver sets no NextProtos).
enum class Alpn { kHttp, kGrpc, kNone };

// Loads the certificate chain and key into `ctx`, selects ALPN (a client
// offering nothing we speak continues without ALPN) and, with a CA file,
// requests client certificates and verifies them if given. Returns an
// error message, "" on success.
std::string configureServerContext(SSL_CTX* ctx, const std::string& certFile, const std::string& keyFile,
                                   const std::string& clientCaFile, Alpn alpn = Alpn::kHttp);

// Version, SNI, ALPN, cipher suite and peer certificates of an established
// server-side connection.
TlsInfo describeTls(SSL* ssl);

}  // namespace portico::echo

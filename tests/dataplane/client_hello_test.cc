// parseClientHello over real ClientHellos (an OpenSSL client driven into
// a memory BIO), re-framed into many records, cut at every length, and
// over malformed input.
#include "dataplane/client_hello.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <random>
#include <string>
#include <vector>

namespace portico::dataplane {
namespace {

// The first flight of an OpenSSL client: one or more TLS records.
std::string realClientHello(const std::string& sni, const std::vector<std::string>& alpn = {},
                            int maxVersion = 0) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (maxVersion) SSL_CTX_set_max_proto_version(ctx, maxVersion);
  SSL* ssl = SSL_new(ctx);
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, rbio, wbio);
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl, sni.c_str());
  if (!alpn.empty()) {
    std::string wire;
    for (const auto& p : alpn) wire.append(1, static_cast<char>(p.size())).append(p);
    SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned int>(wire.size()));
  }
  SSL_set_connect_state(ssl);
  SSL_do_handshake(ssl);  // wants to read the ServerHello: the ClientHello is in wbio
  char* data = nullptr;
  long n = BIO_get_mem_data(wbio, &data);
  std::string out(data, static_cast<size_t>(n));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return out;
}

// The handshake message carried by `records` (one record assumed).
std::string message(const std::string& records) { return records.substr(5); }

// `msg` cut into records of at most `size` bytes.
std::string reframe(const std::string& msg, size_t size) {
  std::string out;
  for (size_t i = 0; i < msg.size(); i += size) {
    const size_t n = std::min(size, msg.size() - i);
    out += std::string{22, 3, 1, static_cast<char>(n >> 8), static_cast<char>(n & 0xff)};
    out += msg.substr(i, n);
  }
  return out;
}

TEST(ClientHello, ParsesServerNameAndAlpn) {
  const std::string hello = realClientHello("App.Example.com", {"h2", "http/1.1"});
  ClientHello h = parseClientHello(hello);
  ASSERT_EQ(h.status, HelloStatus::Complete);
  EXPECT_TRUE(h.hasSni);
  EXPECT_EQ(h.sni, "app.example.com");  // lower-cased for matching
  EXPECT_EQ(h.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_EQ(h.wireBytes, hello.size());
}

TEST(ClientHello, Tls12ClientHello) {
  ClientHello h = parseClientHello(realClientHello("old.example.com", {}, TLS1_2_VERSION));
  ASSERT_EQ(h.status, HelloStatus::Complete);
  EXPECT_EQ(h.sni, "old.example.com");
  EXPECT_TRUE(h.alpn.empty());
}

TEST(ClientHello, NoServerName) {
  ClientHello h = parseClientHello(realClientHello(""));
  ASSERT_EQ(h.status, HelloStatus::Complete);
  EXPECT_FALSE(h.hasSni);
  EXPECT_EQ(h.sni, "");
}

TEST(ClientHello, EveryPrefixNeedsMore) {
  const std::string hello = realClientHello("a.example.com", {"h2"});
  for (size_t n = 0; n < hello.size(); ++n) {
    // A copy of exactly n bytes, so reading past it shows under ASan.
    const std::string prefix = hello.substr(0, n);
    ASSERT_EQ(parseClientHello(prefix).status, HelloStatus::NeedMore) << "prefix of " << n;
  }
}

TEST(ClientHello, FragmentedOverRecords) {
  const std::string msg = message(realClientHello("frag.example.com", {"x"}));
  for (size_t size : {1, 2, 3, 7, 100, 512}) {
    const std::string records = reframe(msg, size);
    ClientHello h = parseClientHello(records);
    ASSERT_EQ(h.status, HelloStatus::Complete) << "records of " << size;
    EXPECT_EQ(h.sni, "frag.example.com");
    EXPECT_EQ(h.alpn, std::vector<std::string>{"x"});
    EXPECT_EQ(h.wireBytes, records.size());
    // And over reads: every cut of the record stream waits for more.
    for (size_t n = 0; n < records.size(); n += std::max<size_t>(1, records.size() / 97)) {
      ASSERT_EQ(parseClientHello(records.substr(0, n)).status, HelloStatus::NeedMore) << size << "/" << n;
    }
  }
}

TEST(ClientHello, BytesAfterTheHelloAreNotPartOfIt) {
  const std::string hello = realClientHello("a.example.com");
  // A following record (e.g. TLS 1.3 early data) does not change the result.
  ClientHello h = parseClientHello(hello + std::string("\x17\x03\x03\x00\x01x", 6));
  ASSERT_EQ(h.status, HelloStatus::Complete);
  EXPECT_EQ(h.wireBytes, hello.size());
}

TEST(ClientHello, GarbageIsInvalidAtOnce) {
  EXPECT_EQ(parseClientHello("GET / HTTP/1.1\r\n").status, HelloStatus::Invalid);
  EXPECT_EQ(parseClientHello("G").status, HelloStatus::Invalid);
  EXPECT_EQ(parseClientHello(std::string("\x16\x02", 2)).status, HelloStatus::Invalid);  // not 3.x
  EXPECT_EQ(parseClientHello(std::string("\x16\x03\x01\x00\x00", 5)).status, HelloStatus::Invalid);  // empty
  // A handshake record that starts another message than ClientHello.
  EXPECT_EQ(parseClientHello(std::string("\x16\x03\x01\x00\x10\x02", 6)).status, HelloStatus::Invalid);
  // An alert record.
  EXPECT_EQ(parseClientHello(std::string("\x15\x03\x01\x00\x02\x02\x28", 7)).status, HelloStatus::Invalid);
}

TEST(ClientHello, OversizedIsRefused) {
  // A ClientHello claiming 64 KiB: refused on the header, before reading it.
  std::string big("\x16\x03\x01\x00\x04\x01\x01\x00\x00", 9);
  EXPECT_EQ(parseClientHello(big).status, HelloStatus::TooLarge);
  // A record longer than TLS allows.
  EXPECT_EQ(parseClientHello(std::string("\x16\x03\x01\x40\x01\x01", 6)).status, HelloStatus::Invalid);
  // A message within the limit cut into so many records that the wire
  // bytes exceed kMaxClientHelloWire.
  std::string msg(4 + 8000, '\0');
  msg[0] = 1;
  msg[2] = static_cast<char>(8000 >> 8);
  msg[3] = static_cast<char>(8000 & 0xff);
  EXPECT_EQ(parseClientHello(reframe(msg, 1)).status, HelloStatus::TooLarge);
}

TEST(ClientHello, MalformedExtensionsAreInvalid) {
  const std::string msg = message(realClientHello("a.example.com"));
  // Find the server_name extension (type 0, then the list) and break its
  // lengths: the name length is the 2 bytes before "a.example.com".
  const size_t name = msg.find("a.example.com");
  ASSERT_NE(name, std::string::npos);
  std::string longer = msg;
  longer[name - 1] = static_cast<char>(longer[name - 1] + 1);  // name runs past its list
  EXPECT_EQ(parseClientHello(reframe(longer, 16384)).status, HelloStatus::Invalid);
  std::string bad = msg;
  bad[name] = '\0';  // not a host name
  EXPECT_EQ(parseClientHello(reframe(bad, 16384)).status, HelloStatus::Invalid);
  std::string trailing = msg + "x";  // a byte after the message in its record
  EXPECT_EQ(parseClientHello(reframe(trailing, 16384)).status, HelloStatus::Invalid);
}

TEST(ClientHello, RandomMutationsNeverCrashOrOverread) {
  const std::string base = realClientHello("m.example.com", {"h2", "http/1.1"});
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string m = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) m[rng() % m.size()] = static_cast<char>(rng());
    m.resize(rng() % (m.size() + 1));
    ClientHello h = parseClientHello(m);
    if (h.status == HelloStatus::Complete) {
      EXPECT_LE(h.wireBytes, m.size());
      EXPECT_LE(h.sni.size(), 255u);
    }
  }
}

}  // namespace
}  // namespace portico::dataplane

// HTTP/1.1 heads the data-plane microbenchmarks parse and rewrite: a
// browser-like request (~12 fields, ~600 bytes, with the kind of debug
// fields a RequestHeaderModifier removes), a curl-like one, and two
// responses. Shared so every benchmark measures the same bytes.
#pragma once

#include <string_view>

namespace portico::bench {

using namespace std::string_view_literals;

inline constexpr std::string_view kBrowserRequest =
    "GET /catalog/items/42?view=full&ref=home HTTP/1.1\r\n"
    "Host: shop.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br, zstd\r\n"
    "Referer: https://shop.example.com/\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=3f6c2a9e1b7d4c08a5e2f1d3c4b5a697; theme=dark; consent=yes\r\n"
    "Upgrade-Insecure-Requests: 1\r\n"
    "X-Debug: 1\r\n"
    "X-Internal-Trace: 7f3e2a\r\n"
    "\r\n"sv;

inline constexpr std::string_view kCurlRequest =
    "GET / HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "User-Agent: curl/8.5.0\r\n"
    "Accept: */*\r\n"
    "\r\n"sv;

inline constexpr std::string_view kTypicalResponse =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.24.0\r\n"
    "Date: Wed, 27 Nov 2024 12:00:00 GMT\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Length: 5120\r\n"
    "Connection: keep-alive\r\n"
    "Cache-Control: private, max-age=0\r\n"
    "ETag: \"5f3a-64c1b2e0\"\r\n"
    "Vary: Accept-Encoding\r\n"
    "X-Powered-By: Express\r\n"
    "\r\n"sv;

inline constexpr std::string_view kMinimalResponse = "HTTP/1.1 204 No Content\r\n\r\n"sv;

}  // namespace portico::bench

// Query strings of admin requests: parsing (with percent-decoding) on the
// server side, encoding on the client side (portico diagnose/explain/
// changes --admin).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace portico::admin {

// "a=1&b=x%20y&a=2" -> {a: [1, 2], b: ["x y"]}; '+' is a space. Malformed
// escapes are kept literally.
using Query = std::map<std::string, std::vector<std::string>, std::less<>>;
Query parseQuery(std::string_view query);

// The first value of `name`, or `fallback`.
std::string queryValue(const Query& q, std::string_view name, std::string_view fallback = {});

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string encodeQueryValue(std::string_view value);

}  // namespace portico::admin

// Small helpers of the test API server's wire protocol (fake_apiserver.cc):
// timestamps, uids and generated names, percent-decoding and splitting of
// request paths and queries, base64url continue tokens, resourceVersion
// parsing and the RFC 3339 time formats of metav1.Time and MicroTime.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portico::testing::fakeapi {

std::string nowRfc3339();
std::string randomUid();
// A generateName suffix: five characters of the real generator's alphabet.
std::string randomSuffix();

std::string percentDecode(std::string_view s, bool plusIsSpace);
// The path's segments, percent-decoded; empty segments dropped.
std::vector<std::string> splitPath(std::string_view path);
std::map<std::string, std::string> parseQuery(std::string_view q);

std::string base64url(std::string_view in);
std::optional<std::string> unbase64url(std::string s);

// A resourceVersion (or other unsigned decimal parameter); null when not one.
std::optional<uint64_t> parseRv(const std::string& s);

// metav1.Time accepts any RFC 3339 time; metav1.MicroTime is parsed with
// Go's RFC3339Micro layout, which needs exactly six fractional digits.
bool isRfc3339(const std::string& s);
bool isMicroTime(const std::string& s);

}  // namespace portico::testing::fakeapi

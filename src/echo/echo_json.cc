// Pure helpers: Go header casing, Go durations, query parameters and the
// echo JSON document.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "echo/handler.h"

namespace portico::echo {
namespace {

bool isTokenChar(unsigned char c) {
  if (std::isalnum(c)) return true;
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return kExtra.find(static_cast<char>(c)) != std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string canonicalHeaderKey(std::string_view name) {
  for (unsigned char c : name) {
    if (!isTokenChar(c)) return std::string(name);
  }
  std::string out(name);
  bool upper = true;
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    } else if (!upper && c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    upper = c == '-';
  }
  return out;
}

std::optional<std::chrono::nanoseconds> parseGoDuration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return std::nullopt;
  static const std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1.0}, {"us", 1e3}, {"\xC2\xB5s", 1e3}, {"\xCE\xBCs", 1e3},
      {"ms", 1e6}, {"s", 1e9},  {"m", 60e9},        {"h", 3600e9}};
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    double value = 0;
    bool digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      value = value * 10 + (s[i++] - '0');
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      double scale = 0.1;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        value += (s[i++] - '0') * scale;
        scale /= 10;
        digits = true;
      }
    }
    if (!digits) return std::nullopt;
    size_t u = i;
    while (u < s.size() && s[u] != '.' && !std::isdigit(static_cast<unsigned char>(s[u]))) ++u;
    const std::string_view unit = s.substr(i, u - i);
    const auto* match =
        std::find_if(std::begin(kUnits), std::end(kUnits), [&](const auto& p) { return p.first == unit; });
    if (match == std::end(kUnits)) return std::nullopt;
    total += value * match->second;
    s.remove_prefix(u);
  }
  if (total > 9.2e18) return std::nullopt;  // Go: "invalid duration" on int64 overflow
  const auto ns = std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total)));
  return negative ? -ns : ns;
}

std::optional<std::string> queryParam(std::string_view target, std::string_view name) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (percentDecode(pair.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::string echoJson(const RequestInfo& req, const Options& opts) {
  // Go's net/http moves Host into Request.Host and Transfer-Encoding into
  // Request.TransferEncoding; neither is in Request.Header.
  std::map<std::string, std::vector<std::string>> headers;
  for (const auto& [name, value] : req.headers) {
    if (iequals(name, "Host") || iequals(name, "Transfer-Encoding")) continue;
    headers[canonicalHeaderKey(name)].push_back(value);
  }
  nlohmann::ordered_json j;
  j["path"] = req.target;
  j["host"] = req.host;
  j["method"] = req.method;
  j["proto"] = "HTTP/" + std::to_string(req.versionMajor) + "." + std::to_string(req.versionMinor);
  j["headers"] = headers;
  j["httpPort"] = opts.httpPort.empty() ? std::to_string(req.localPort) : opts.httpPort;
  j["namespace"] = opts.identity.namespace_;
  j["ingress"] = opts.identity.ingress;
  j["service"] = opts.identity.service;
  j["pod"] = opts.identity.pod;
  if (req.tls) {
    nlohmann::ordered_json t;
    t["version"] = req.tls->version;
    if (!req.tls->peerCertificates.empty()) t["peerCertificates"] = req.tls->peerCertificates;
    t["serverName"] = req.tls->serverName;
    if (!req.tls->negotiatedProtocol.empty()) t["negotiatedProtocol"] = req.tls->negotiatedProtocol;
    t["cipherSuite"] = req.tls->cipherSuite;
    j["tls"] = std::move(t);
  }
  return j.dump(1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace portico::echo

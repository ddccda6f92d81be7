#include "conformance/comparator.h"

#include <fmt/format.h>
#include <strings.h>

#include <algorithm>

#include "conformance/json_fields.h"

namespace portico::conformance {
namespace {

using nlohmann::json;

// The echoed values of a request header, joined with "," (names compared
// case-insensitively: Go canonicalises them).
std::pair<std::string, bool> echoedHeader(const json& echo, const std::string& name) {
  const json& headers = echo.is_object() && echo.contains("headers") ? echo["headers"] : json::object();
  for (auto it = headers.begin(); it != headers.end(); ++it) {
    if (strcasecmp(it.key().c_str(), name.c_str()) != 0) continue;
    std::string joined;
    bool first = true;
    for (const auto& v : it.value()) {
      joined += (first ? "" : ",") + v.get<std::string>();
      first = false;
    }
    return {joined, true};
  }
  return {"", false};
}

std::string stripSpaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

struct Location {
  std::string scheme, host, port, path;
};

// url.Parse for the absolute or path-only Locations a gateway sends.
Location parseLocation(const std::string& loc) {
  Location l;
  std::string rest = loc;
  if (auto p = rest.find("://"); p != std::string::npos) {
    l.scheme = rest.substr(0, p);
    rest = rest.substr(p + 3);
    const size_t slash = rest.find_first_of("/?#");
    std::string authority = rest.substr(0, slash);
    rest = slash == std::string::npos ? "" : rest.substr(slash);
    if (!authority.empty() && authority[0] == '[') {
      const size_t close = authority.find(']');
      l.host = authority.substr(1, close - 1);
      if (close + 1 < authority.size() && authority[close + 1] == ':') l.port = authority.substr(close + 2);
    } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
      l.host = authority.substr(0, colon);
      l.port = authority.substr(colon + 1);
    } else {
      l.host = authority;
    }
  }
  l.path = rest.substr(0, rest.find_first_of("?#"));
  return l;
}

std::string compareRedirect(const json& want, const ClientResponse& r) {
  const auto [location, any] = r.header("location");
  if (!any) return "redirect without a Location header";
  const Location l = parseLocation(location);
  if (has(want, "host") && str(want, "host") != l.host)
    return fmt::format("redirect host {} want {}", l.host, str(want, "host"));
  if (str(want, "scheme") != l.scheme)
    return fmt::format("redirect scheme {} want {} ({})", l.scheme, str(want, "scheme"), location);
  if (str(want, "path") != l.path)
    return fmt::format("redirect path {} want {} ({})", l.path, str(want, "path"), location);
  if (has(want, "port")) {
    const std::string port =
        want["port"].is_number() ? std::to_string(want["port"].get<int>()) : str(want, "port");
    if (port != l.port) return fmt::format("redirect port '{}' want {} ({})", l.port, port, location);
  } else {
    const std::string def = l.scheme == "https" ? "443" : l.scheme == "http" ? "80" : "";
    if (!l.port.empty() && l.port != def)
      return fmt::format("redirect port {} should be omitted ({})", l.port, location);
  }
  return {};
}

std::string compareBackend(const json& expected, const ClientResponse& r, const std::string& sentMethod,
                           const std::string& sentPath) {
  const json echo = echoedRequest(r);
  const json br = has(expected, "backendRequest") ? expected["backendRequest"]
                                                  : json{{"path", sentPath}, {"method", sentMethod}};
  const std::string gotPath = str(echo, "path"),
                    gotMethod = echo.is_null() ? sentMethod : str(echo, "method");
  if (has(br, "host") && str(br, "host") != str(echo, "host")) {
    return fmt::format("backend saw host '{}' want '{}'", str(echo, "host"), str(br, "host"));
  }
  if (str(br, "path") != gotPath)
    return fmt::format("backend saw path '{}' want '{}'", gotPath, str(br, "path"));
  const std::string wantMethod = has(br, "method") ? str(br, "method") : "GET";
  if (wantMethod != gotMethod) return fmt::format("backend saw method {} want {}", gotMethod, wantMethod);
  const std::string wantNs = str(expected, "namespace");
  if (wantNs != str(echo, "namespace"))
    return fmt::format("answered from namespace '{}' want '{}'", str(echo, "namespace"), wantNs);
  if (has(br, "headers")) {
    for (auto it = br["headers"].begin(); it != br["headers"].end(); ++it) {
      const auto [got, any] = echoedHeader(echo, it.key());
      if (!any) return fmt::format("backend did not receive header {}", it.key());
      if (got != it.value().get<std::string>()) {
        return fmt::format("backend saw {}: '{}' want '{}'", it.key(), got, it.value().get<std::string>());
      }
    }
  }
  if (has(br, "absentHeaders")) {
    for (const auto& h : br["absentHeaders"]) {
      if (echoedHeader(echo, h.get<std::string>()).second)
        return "backend received header " + h.get<std::string>() + " that should be absent";
    }
  }
  if (has(br, "httpPort") && str(br, "httpPort") != str(echo, "httpPort")) {
    return fmt::format("backend httpPort {} want {}", str(echo, "httpPort"), str(br, "httpPort"));
  }
  const bool noSpace = expected.value("ignoreWhitespaceInHeaderValues", false);
  auto norm = [&](std::string s) { return noSpace ? stripSpaces(std::move(s)) : s; };
  if (has(expected, "responseHeaders")) {
    for (auto it = expected["responseHeaders"].begin(); it != expected["responseHeaders"].end(); ++it) {
      const auto [got, any] = r.header(it.key());
      if (!any) return "response lacks header " + it.key();
      if (norm(got) != norm(it.value().get<std::string>())) {
        return fmt::format("response {}: '{}' want '{}'", it.key(), got, it.value().get<std::string>());
      }
    }
  }
  if (has(expected, "responseHeaderOneOf")) {
    for (auto it = expected["responseHeaderOneOf"].begin(); it != expected["responseHeaderOneOf"].end();
         ++it) {
      const auto [got, any] = r.header(it.key());
      bool ok = false;
      for (const auto& v : it.value()) ok = ok || norm(got) == norm(v.get<std::string>());
      if (!any || !ok)
        return fmt::format("response {}: '{}' is none of {}", it.key(), got, it.value().dump());
    }
  }
  if (has(expected, "absentResponseHeaders")) {
    for (const auto& h : expected["absentResponseHeaders"]) {
      if (r.header(h.get<std::string>()).second)
        return "response has header " + h.get<std::string>() + " that should be absent";
    }
  }
  const std::string backend = str(expected, "backend");
  if (!backend.empty() && !str(echo, "pod").starts_with(backend)) {
    return fmt::format("answered by pod '{}' want {}*", str(echo, "pod"), backend);
  }
  return {};
}

}  // namespace

json echoedRequest(const ClientResponse& response) {
  const auto [type, any] = response.header("content-type");
  if (!any || type != "application/json") return nullptr;
  json j = json::parse(response.body, nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

std::string compare(const json& expected, const ClientResponse& r, const std::string& sentMethod,
                    const std::string& sentPath) {
  std::vector<int> codes;
  if (has(expected, "anyOfStatus")) {
    for (const auto& c : expected["anyOfStatus"]) codes.push_back(c.get<int>());
  } else if (has(expected, "status")) {
    codes.push_back(expected["status"].get<int>());
  }
  auto expects = [&](int c) { return std::find(codes.begin(), codes.end(), c) != codes.end(); };
  if ((r.status == 408 || r.status == 504) && (expects(408) || expects(504))) return {};
  if (!codes.empty() && !expects(r.status)) {
    return fmt::format(
        "status {} want {} (body: {})", r.status,
        has(expected, "anyOfStatus") ? expected["anyOfStatus"].dump() : std::to_string(codes[0]),
        r.body.substr(0, 200));
  }
  if (has(expected, "responseProtocol") && str(expected, "responseProtocol") != r.proto) {
    return fmt::format("response protocol {} want {}", r.proto, str(expected, "responseProtocol"));
  }
  if (r.status == 200 || r.status == 204) return compareBackend(expected, r, sentMethod, sentPath);
  if (r.status >= 300 && r.status <= 308 && has(expected, "redirect"))
    return compareRedirect(expected["redirect"], r);
  return {};
}

std::string deploymentOfPod(const std::string& pod) {
  size_t last = pod.rfind('-');
  if (last == std::string::npos || last == 0) return pod;
  size_t prev = pod.rfind('-', last - 1);
  return prev == std::string::npos ? pod : pod.substr(0, prev);
}

}  // namespace portico::conformance

// Request routing of the echo server: /health, /status/NNN, /ws, the
// /retry/ simulator and the echo handler with its knobs.
#include "echo/handler.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace portico::echo {
namespace {

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::vector<std::string> headerValues(const RequestInfo& req, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : req.headers) {
    if (iequals(n, name)) out.push_back(v);
  }
  return out;
}

// Non-negative decimal integer, nullopt otherwise.
std::optional<int> parseInt(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// The path used for routing: path of the request-target, "//" collapsed.
std::string routePath(std::string_view target) {
  if (!target.empty() && target.front() != '/') {  // absolute-form: skip scheme://authority
    const size_t scheme = target.find("://");
    if (scheme != std::string_view::npos) {
      const size_t slash = target.find('/', scheme + 3);
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  target = target.substr(0, target.find('?'));
  std::string out;
  for (char c : target) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  return out;
}

Plan simple(int status, std::string contentType, std::string body) {
  Plan p;
  p.status = status;
  p.headers.emplace_back("Content-Type", std::move(contentType));
  p.body = std::move(body);
  return p;
}

Plan message(int status, const std::string& text) {
  return simple(status, "application/json", nlohmann::json{{"message", text}}.dump());
}

// Applies every X-Echo-Set-Header value ("Name:value,Name2:value2"); names
// keep their case and a repeated name gets "first,second".
void applySetHeader(const RequestInfo& req, Plan& plan) {
  std::vector<std::pair<std::string, std::string>> set;
  for (const std::string& value : headerValues(req, "X-Echo-Set-Header")) {
    std::string_view rest = value;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view entry = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      const size_t colon = entry.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name = trim(entry.substr(0, colon));
      std::string val = trim(entry.substr(colon + 1));
      if (name.empty()) continue;
      auto it = std::find_if(set.begin(), set.end(), [&](const auto& p) { return p.first == name; });
      if (it == set.end()) {
        set.emplace_back(std::move(name), std::move(val));
      } else {
        it->second += "," + val;
      }
    }
  }
  for (auto& h : set) plan.headers.push_back(std::move(h));
}

Plan echo(const RequestInfo& req, const Options& opts, State& state) {
  Plan plan;
  std::optional<std::string> delay = queryParam(req.target, "delay");
  if (!delay) {
    const auto values = headerValues(req, "X-Echo-Delay");
    if (!values.empty()) delay = values.front();
  }
  if (delay) {
    const auto d = parseGoDuration(*delay);
    if (!d) return message(500, "invalid delay \"" + *delay + "\"");
    plan.delay = *d;
  }
  plan.status = opts.status > 0 ? opts.status : 200;
  for (const std::string& v : headerValues(req, "X-Echo-Set-Status")) {
    const auto code = parseInt(trim(v));
    if (code && *code >= 200 && *code <= 599) plan.status = *code;
  }
  if (state.takeFailure(opts.failFirst)) plan.status = 500;
  plan.headers = opts.responseHeaders;
  applySetHeader(req, plan);
  plan.headers.emplace_back("Content-Type", "application/json");
  plan.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (plan.status != 204 && plan.status != 304) plan.body = echoJson(req, opts);
  plan.log = true;
  return plan;
}

}  // namespace

int State::nextAttempt(const std::string& uuid) {
  std::lock_guard lock(mu_);
  return ++attempts_[uuid];
}

Plan planResponse(const RequestInfo& req, const Options& opts, State& state) {
  const std::string path = routePath(req.target);
  if (path == "/health") return simple(200, "text/plain; charset=utf-8", "OK");
  if (path.starts_with("/status/")) {
    const auto code = path.size() == 11 ? parseInt(std::string_view(path).substr(8)) : std::nullopt;
    if (!code || *code < 200 || *code > 599) return message(400, "expected /status/NNN");
    return simple(*code, "text/plain; charset=utf-8", "");
  }
  if (path == "/ws") {
    if (!req.websocketUpgrade) return simple(400, "text/plain; charset=utf-8", "Bad Request");
    Plan p;
    p.websocket = true;
    return p;
  }
  if (path.starts_with("/retry/")) {
    const auto uuid = queryParam(req.target, "uuid");
    const auto after = queryParam(req.target, "succeedAfter");
    const auto succeedAfter = after ? parseInt(*after) : std::nullopt;
    if (!uuid || uuid->empty() || !succeedAfter) return message(400, "uuid and succeedAfter are required");
    std::optional<int> code;
    if (const auto c = queryParam(req.target, "responseCode")) {
      code = parseInt(*c);
      if (!code || *code < 200 || *code > 599) return message(400, "invalid responseCode");
    }
    std::chrono::nanoseconds wait{0};
    if (const auto d = queryParam(req.target, "delayRetry")) {
      const auto parsed = parseGoDuration(*d);
      if (!parsed) return message(400, "invalid delayRetry");
      wait = *parsed;
    }
    if (state.nextAttempt(*uuid) <= *succeedAfter) {
      Plan p = code ? message(*code, "retry attempt failed on purpose") : Plan{};
      p.reset = !code;
      p.delay = wait;
      return p;
    }
  }
  return echo(req, opts, state);
}

}  // namespace portico::echo

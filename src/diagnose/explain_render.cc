// Text and JSON renderings of an Explanation. JSON schema
// "portico.dev/explain/v1" (docs/troubleshooting.md).
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "diagnose/explain.h"

namespace portico::diagnose {
namespace {

using json = nlohmann::ordered_json;

// "label     text" wrapped at `width`, continuation lines indented.
void line(std::ostream& out, std::string_view label, std::string_view text, int width, size_t indent = 11) {
  const size_t avail = width > static_cast<int>(indent) + 20 ? static_cast<size_t>(width) - indent : 40;
  std::istringstream words{std::string(text)};
  std::string w, cur;
  bool first = true;
  auto flush = [&] {
    out << (first ? fmt::format("{:<{}}", label, indent) : std::string(indent + 2, ' ')) << cur << '\n';
    first = false;
    cur.clear();
  };
  while (words >> w) {
    if (!cur.empty() && cur.size() + 1 + w.size() > avail - (first ? 0 : 2)) flush();
    if (!cur.empty()) cur.push_back(' ');
    cur += w;
  }
  if (!cur.empty() || first) flush();
}

void block(std::ostream& out, const std::string& text, size_t indent) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (!l.empty()) out << std::string(indent, ' ') << l << '\n';
  }
}

std::string marker(const std::string& verdict, bool color) {
  auto paint = [&](std::string_view code, std::string_view t) {
    return color ? fmt::format("\033[{}m{}\033[0m", code, t) : std::string(t);
  };
  if (verdict == "chosen") return paint("1;32", "CHOSEN");
  if (verdict == "lost") return paint("33", "lost");
  if (verdict == "not-consulted") return "skipped";
  return "no match";
}

}  // namespace

std::string renderExplainText(const Explanation& e, const TextOptions& o) {
  std::ostringstream out;
  const int w = o.width;
  std::string url = fmt::format("{}://{}", e.scheme, e.host);
  if (!((e.scheme == "http" && e.port == 80) || (e.scheme == "https" && e.port == 443)))
    url += fmt::format(":{}", e.port);
  url += e.path + (e.query.empty() ? "" : "?" + e.query);
  out << "portico explain: " << e.method << " " << url << "\n\n";
  for (const auto& s : e.steps) line(out, "connection", s, w);
  for (const auto& l : e.listeners) {
    line(out, l.chosen ? "listener" : "",
         fmt::format("{} {}: {}", l.chosen ? "CHOSEN" : "not chosen", l.name, l.reason), w);
  }
  if (!e.candidates.empty()) out << "\nrules (precedence order, most specific host first)\n";
  std::string host;
  for (const auto& c : e.candidates) {
    if (c.host != host) {
      host = c.host;
      out << "  host " << (host == "*" ? "* (any)" : host) << '\n';
    }
    line(out, "    " + marker(c.verdict, o.color), fmt::format("{} [{}]: {}", c.route, c.matchText, c.reason),
         w, 13);
  }
  if (!e.filters.empty()) {
    out << "\nfilters (in the order the data plane applies them)\n";
    int i = 0;
    for (const auto& f : e.filters) line(out, fmt::format("  {}.", ++i), f.filter + ": " + f.effect, w, 6);
  }
  if (!e.backends.empty()) {
    out << "\nbackends\n";
    for (const auto& b : e.backends) {
      line(out, "",
           fmt::format("{} weight {} ({:.0f}%): {}", b.cluster.empty() ? "(invalid reference)" : b.cluster,
                       b.weight, b.share, b.note),
           w, 2);
    }
  }
  // Backends receiving the same request are listed together.
  std::vector<bool> shown(e.backends.size(), false);
  for (size_t i = 0; i < e.backends.size(); ++i) {
    if (shown[i] || e.backends[i].upstreamRequest.empty()) continue;
    std::vector<std::string> names;
    for (size_t j = i; j < e.backends.size(); ++j) {
      if (!shown[j] && e.backends[j].upstreamRequest == e.backends[i].upstreamRequest) {
        shown[j] = true;
        names.push_back(e.backends[j].cluster);
      }
    }
    out << "\nrequest sent to " << fmt::format("{}", fmt::join(names, " and ")) << ":\n";
    block(out, e.backends[i].upstreamRequest, 4);
  }
  out << '\n';
  line(out, "result", e.outcome, w);
  for (const auto& h : e.hints) line(out, "why", h, w);
  if (!e.response.empty()) {
    out << "\nresponse from Portico:\n";
    block(out, e.response, 4);
  }
  return out.str();
}

std::string renderExplainJson(const Explanation& e) {
  json j;
  j["apiVersion"] = "portico.dev/explain/v1";
  j["kind"] = "Explanation";
  j["request"] = {{"method", e.method}, {"scheme", e.scheme}, {"host", e.host},
                  {"port", e.port},     {"path", e.path},     {"query", e.query}};
  j["steps"] = e.steps;
  j["listeners"] = json::array();
  for (const auto& l : e.listeners)
    j["listeners"].push_back({{"listener", l.name}, {"chosen", l.chosen}, {"reason", l.reason}});
  j["candidates"] = json::array();
  for (const auto& c : e.candidates) {
    j["candidates"].push_back(
        {{"route", {{"kind", c.routeKind}, {"namespace", c.routeNamespace}, {"name", c.routeName}}},
         {"rule", c.rule},
         {"match", c.match},
         {"host", c.host},
         {"matchText", c.matchText},
         {"verdict", c.verdict},
         {"reason", c.reason}});
  }
  j["filters"] = json::array();
  for (const auto& f : e.filters) j["filters"].push_back({{"filter", f.filter}, {"effect", f.effect}});
  j["backends"] = json::array();
  for (const auto& b : e.backends) {
    j["backends"].push_back({{"cluster", b.cluster},
                             {"weight", b.weight},
                             {"percent", b.share},
                             {"endpoints", b.endpoints},
                             {"status", b.status},
                             {"note", b.note},
                             {"upstreamRequest", b.upstreamRequest}});
  }
  j["status"] = e.status;
  j["outcome"] = e.outcome;
  j["response"] = e.response;
  j["hints"] = e.hints;
  return j.dump(2) + "\n";
}

}  // namespace portico::diagnose

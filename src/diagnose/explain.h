// `portico explain`: what Portico does with one request, step by step:
// the listener, every candidate rule and why it won or lost, the filters in
// order, the backend choice and the request the backend receives (or the
// answer Portico sends itself). The decisions are the data plane's own:
// http1::parseRequestHead, router::BindRouter, router/filters and
// dataplane::buildUpstreamHead; this file only records them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "diagnose/diagnose.h"
#include "diagnose/render.h"
#include "ir/ir.h"
#include "store/snapshot.h"

namespace portico::diagnose {

struct ExplainRequest {
  std::string url;  // http(s)://host[:port]/path?query
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;  // -H; a Host header overrides the URL's
  std::string clientAddress = "192.0.2.10";                  // peer address for X-Forwarded-For
};

struct ListenerTrace {
  std::string name;  // Gateway infra/gw listener "http" (HTTP, port 80, hostname *.example.com)
  bool chosen = false;
  std::string reason;
};

struct CandidateTrace {
  std::string route;  // HTTPRoute shop/store rule 1 (name) match 0
  std::string routeKind, routeNamespace, routeName;
  uint32_t rule = 0, match = 0;
  std::string host;  // the virtual host (intersected hostname) it sits under
  std::string matchText;
  std::string verdict;  // "chosen" | "lost" | "no-match" | "not-consulted"
  std::string reason;
};

struct FilterStep {
  std::string filter;  // "RequestHeaderModifier (rule)"
  std::string effect;
};

struct BackendTrace {
  std::string cluster;  // "" for an invalid reference
  uint32_t weight = 0;
  double share = 0;  // percent of requests
  size_t endpoints = 0;
  int status = 0;  // 0 = proxied; 500 invalid reference; 503 no ready endpoint
  std::string note;
  std::string upstreamRequest;  // the request head the backend receives
};

struct Explanation {
  std::string method, scheme, host, path, query;
  int port = 0;
  std::vector<std::string> steps;  // connection-level decisions (port, TLS, SNI)
  std::vector<ListenerTrace> listeners;
  std::vector<CandidateTrace> candidates;
  std::vector<FilterStep> filters;
  std::vector<BackendTrace> backends;
  // What the client gets when Portico answers itself (404, 421, 3xx, 500,
  // a CORS preflight, 0 when the request is proxied); -1 when the
  // connection itself fails.
  int status = 0;
  std::string outcome;   // one sentence
  std::string response;  // the response head Portico sends, for local answers
  // Diagnose findings on routes meant for this host that did not attach
  // (filled by addHints, for 404s).
  std::vector<std::string> hints;
};

Explanation explain(const ir::Config& config, const store::Snapshot& snapshot, const ExplainRequest& request);

// For a 404: the error findings of routes whose hostnames cover the
// request's host (they are why nothing matched).
void addHints(Explanation& e, const store::Snapshot& snapshot, const Report& report);

std::string renderExplainText(const Explanation& e, const TextOptions& options);
std::string renderExplainJson(const Explanation& e);

}  // namespace portico::diagnose

#include "translate/precedence.h"

#include <tuple>

namespace portico::translate {
namespace {

void fillTieBreaks(RouteSortKey& k, const api::ObjectMeta& meta, uint32_t rule, uint32_t match) {
  k.hasTimestamp = !meta.creationTimestamp.empty();
  k.timestamp = meta.creationTimestamp;
  k.order = k.hasTimestamp ? 0 : meta.order;
  k.namespace_ = meta.namespace_;
  k.name = meta.name;
  k.rule = rule;
  k.match = match;
}

}  // namespace

RouteSortKey httpSortKey(const api::ObjectMeta& meta, const ir::Match& m, uint32_t rule, uint32_t match) {
  RouteSortKey k;
  // Exact, then RegularExpression, then PathPrefix (regex precedence is
  // implementation-specific, spec §12.5). Ranking regexes after every
  // prefix would make them unreachable behind a catch-all "/" route;
  // Envoy-based gateways order them the same way.
  k.kindRank = m.path.kind == ir::PathMatchKind::Exact ? 0 : m.path.kind == ir::PathMatchKind::Regex ? 1 : 2;
  // "/" is stored as "/" and "/foo/" as "/foo": lengths compare the
  // significant characters, so "/foo" and "/foo/" tie, as they match the
  // same requests.
  k.length1 = (m.path.kind == ir::PathMatchKind::Prefix && m.path.value == "/") ? 0 : m.path.value.size();
  k.length2 = m.method ? 1 : 0;
  k.headers = m.headers.size();
  k.queries = m.queryParams.size();
  fillTieBreaks(k, meta, rule, match);
  return k;
}

RouteSortKey grpcSortKey(const api::ObjectMeta& meta, size_t serviceLen, size_t methodLen, size_t headers,
                         uint32_t rule, uint32_t match) {
  RouteSortKey k;
  k.length1 = serviceLen;
  k.length2 = methodLen;
  k.headers = headers;
  fillTieBreaks(k, meta, rule, match);
  return k;
}

bool precedes(const RouteSortKey& a, const RouteSortKey& b) {
  if (a.kindRank != b.kindRank) return a.kindRank < b.kindRank;
  if (a.length1 != b.length1) return a.length1 > b.length1;
  if (a.length2 != b.length2) return a.length2 > b.length2;
  if (a.headers != b.headers) return a.headers > b.headers;
  if (a.queries != b.queries) return a.queries > b.queries;
  if (a.hasTimestamp != b.hasTimestamp) return a.hasTimestamp;
  if (a.timestamp != b.timestamp) return a.timestamp < b.timestamp;
  if (a.order != b.order) return a.order < b.order;
  return std::tie(a.namespace_, a.name, a.rule, a.match) < std::tie(b.namespace_, b.name, b.rule, b.match);
}

}  // namespace portico::translate

// The routes of one virtual host (HTTPRoute or GRPCRoute list), indexed by
// path so a lookup does not scan every route (spec §12.5 semantics: the
// first route in the translator's sorted order whose match passes).
//
// Index: every Exact-path route sits in a bucket keyed by its path, every
// Prefix route in a bucket keyed by its prefix ("/" in its own bucket that
// every path reaches). Buckets hold route indices in ascending (= precedence)
// order and each route is checked in full (method, headers, query), so
// method/header/query conditions never force a linear scan. Only
// RegularExpression paths are scanned linearly, and only those sorting
// before the best candidate found through the buckets, each after a cheap
// check of its possible-match range (and, when some regex has no literal
// range, after an RE2::Set pass over all of them says one matches). Within
// a bucket, a run of routes that differ only in the value of one exact
// header match (tenant or version routing on a shared path) is looked up by
// that value instead of route by route. Issue 8's target: lookup at 10,000
// routes within 10% of 10.
#pragma once

#include <re2/re2.h>
#include <re2/set.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http1/header.h"
#include "ir/ir.h"
#include "router/host_index.h"

namespace portico::router {

struct RequestView;

// PathPrefix semantics of §12.5 on a prefix stored as in the IR: "/" (or "")
// matches every path; otherwise a plain prefix that ends at a segment
// boundary ("/abc" matches "/abc", "/abc/", "/abc/x", not "/abcd").
bool prefixMatches(std::string_view prefix, std::string_view path);

// The value of the first occurrence of header `lowerName`, if any.
const http1::Header* firstHeader(const RequestView& req, std::string_view lowerName);
// The value of the first `name` parameter in a raw query string ("a=1&b"
// gives "1" for a and "" for b); false when absent.
bool firstQueryValue(std::string_view query, std::string_view name, std::string_view& value);

class RouteTable {
 public:
  explicit RouteTable(const std::vector<ir::Route>& routes);
  RouteTable(RouteTable&&) = default;
  ~RouteTable();

  bool empty() const { return routes_->empty(); }
  // Index of the first matching route, or -1.
  int64_t find(const RequestView& req) const;

 private:
  struct Condition {
    const ir::StringMatch* match;
    std::unique_ptr<RE2> re;  // for Regex values
  };
  struct Compiled {
    const ir::Match* match = nullptr;
    std::unique_ptr<RE2> pathRe;  // Regex paths
    // Every path pathRe can match lies in [pathMin, pathMax] (RE2's
    // PossibleMatchRange): a cheap filter before running it.
    std::string pathMin, pathMax;
    bool pathRange = false;
    std::vector<Condition> headers;
    std::vector<Condition> queries;
    bool broken = false;  // a regex RE2 rejected: never matches
  };
  struct Span {
    uint32_t begin = 0;
    uint32_t size = 0;
  };
  using Buckets = std::unordered_map<std::string_view, Span, SvHash, std::equal_to<>>;
  // Consecutive bucket slots [begin, end) whose routes each have exactly
  // one condition: an Exact match on header `name` (no method, no query),
  // so at most one value can match a request: value -> first slot with it.
  struct HeaderRun {
    uint32_t end = 0;
    std::string_view name;
    std::unordered_map<std::string_view, uint32_t, SvHash, std::equal_to<>> byValue;
  };

  // A Regex-path route with the bytes every path it can match starts
  // with (the common prefix of its possible-match range, at most 8) as a
  // word and a mask: one compare rules out most regexes, where a range
  // check costs two string compares (BM_Lookup at 100 routes per host).
  struct RegexEntry {
    uint64_t word = 0, mask = 0;
    uint32_t idx = 0;
  };

  bool conditionsPass(const Compiled& c, const RequestView& req) const;
  // Lowers `best` to the first route of the bucket passing its conditions.
  void scanBucket(Span s, const RequestView& req, uint32_t& best) const;
  void indexHeaderRuns(Span bucket);
  static RegexEntry literalPrefix(const Compiled& c, uint32_t idx);

  const std::vector<ir::Route>* routes_;
  std::vector<Compiled> compiled_;  // parallel to *routes_
  Buckets exact_;
  Buckets prefix_;
  Span root_;                    // Prefix "/" routes
  std::vector<uint32_t> slots_;  // bucket storage
  std::vector<int32_t> runAt_;   // parallel to slots_: index into runs_ where a run begins, else -1
  std::vector<HeaderRun> runs_;
  std::vector<RegexEntry> regex_;  // ascending by idx
  // prefixLen_[n]: whether prefix keys of length n exist, and whether
  // they end with '/' or not (bits in route_table.cc): a length is hashed
  // only where the path has a boundary such a key can end at.
  std::vector<uint8_t> prefixLen_;
  // Every valid Regex path, anchored at both ends; null when fewer than two.
  std::unique_ptr<RE2::Set> regexSet_;
  // Lowest index of a Prefix route: an Exact hit below it ends the lookup.
  uint32_t firstPrefix_ = UINT32_MAX;
};

}  // namespace portico::router

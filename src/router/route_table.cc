#include "router/route_table.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>

#include "router/router.h"

namespace portico::router {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

// RouteTable::prefixLen_ bits: what the prefix keys of one length end with.
constexpr uint8_t kEndsInSegment = 1;  // "/api"
constexpr uint8_t kEndsWithSlash = 2;  // "/api/"

std::unique_ptr<RE2> compile(const std::string& pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  return std::make_unique<RE2>(pattern, opts);
}

bool isRoot(std::string_view prefix) { return prefix.empty() || prefix == "/"; }

// The first (up to) 8 bytes of `s` as a word, zero-padded: paths never hold
// a NUL byte, so a path shorter than a literal prefix never equals it.
uint64_t prefixWord(std::string_view s) {
  uint64_t w = 0;
  std::memcpy(&w, s.data(), std::min<size_t>(s.size(), sizeof(w)));
  return w;
}

}  // namespace

bool prefixMatches(std::string_view prefix, std::string_view path) {
  if (isRoot(prefix)) return true;
  if (!path.starts_with(prefix)) return false;
  // Segment-wise (§12.5): the prefix must end at a '/' boundary of the path.
  return path.size() == prefix.size() || path[prefix.size()] == '/' || prefix.back() == '/';
}

const http1::Header* firstHeader(const RequestView& req, std::string_view lowerName) {
  for (const auto& h : req.headers) {
    if (http1::iequals(h.name, lowerName)) return &h;
  }
  return nullptr;
}

bool firstQueryValue(std::string_view query, std::string_view name, std::string_view& value) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = part.find('=');
    if (part.substr(0, eq) == name) {
      value = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
      return true;
    }
  }
  return false;
}

RouteTable::RouteTable(const std::vector<ir::Route>& routes) : routes_(&routes) {
  compiled_.resize(routes.size());
  std::map<std::string_view, std::vector<uint32_t>> exact, prefix;
  std::vector<uint32_t> root;
  auto conditions = [](const std::vector<ir::StringMatch>& in, std::vector<Condition>& out, bool& broken) {
    for (const auto& m : in) {
      Condition c{&m, nullptr};
      if (m.kind == ir::StringMatchKind::Regex) {
        c.re = compile(m.value);
        if (!c.re->ok()) broken = true;
      }
      out.push_back(std::move(c));
    }
  };
  for (uint32_t i = 0; i < routes.size(); ++i) {
    const ir::Match& m = routes[i].match;
    Compiled& c = compiled_[i];
    c.match = &m;
    conditions(m.headers, c.headers, c.broken);
    conditions(m.queryParams, c.queries, c.broken);
    switch (m.path.kind) {
      case ir::PathMatchKind::Regex:
        c.pathRe = compile(m.path.value);
        if (!c.pathRe->ok())
          c.broken = true;
        else
          c.pathRange = c.pathRe->PossibleMatchRange(&c.pathMin, &c.pathMax, 16);
        regex_.push_back(literalPrefix(c, i));
        break;
      case ir::PathMatchKind::Exact:
        exact[m.path.value].push_back(i);
        break;
      case ir::PathMatchKind::Prefix:
        if (isRoot(m.path.value)) {
          root.push_back(i);
        } else {
          prefix[m.path.value].push_back(i);
        }
        break;
    }
  }
  auto store = [&](const std::vector<uint32_t>& v) {
    Span s{static_cast<uint32_t>(slots_.size()), static_cast<uint32_t>(v.size())};
    slots_.insert(slots_.end(), v.begin(), v.end());
    return s;
  };
  for (const auto& [k, v] : exact) exact_.emplace(k, store(v));
  for (const auto& [k, v] : prefix) {
    prefix_.emplace(k, store(v));
    if (prefixLen_.size() <= k.size()) prefixLen_.resize(k.size() + 1, 0);
    prefixLen_[k.size()] |= k.back() == '/' ? kEndsWithSlash : kEndsInSegment;
  }
  root_ = store(root);
  runAt_.assign(slots_.size(), -1);
  for (const auto& [k, s] : exact_) indexHeaderRuns(s);
  for (const auto& [k, s] : prefix_) indexHeaderRuns(s);
  indexHeaderRuns(root_);
  for (const auto& [k, v] : prefix) firstPrefix_ = std::min(firstPrefix_, v.front());
  if (!root.empty()) firstPrefix_ = std::min(firstPrefix_, root.front());
  // The set only pays when some regex has no useful literal range (one
  // starting with ".*", say); otherwise the range filter below is cheaper.
  const bool unbounded = std::any_of(regex_.begin(), regex_.end(), [&](const RegexEntry& r) {
    const Compiled& c = compiled_[r.idx];
    return !c.broken && (!c.pathRange || c.pathMin.size() <= 1);
  });
  if (regex_.size() >= 2 && unbounded) {
    RE2::Options opts;
    opts.set_log_errors(false);
    auto set = std::make_unique<RE2::Set>(opts, RE2::ANCHOR_BOTH);
    bool ok = true;
    for (const RegexEntry& r : regex_) {
      if (!compiled_[r.idx].broken && set->Add(routes[r.idx].match.path.value, nullptr) < 0) ok = false;
    }
    if (ok && set->Compile()) regexSet_ = std::move(set);
  }
}

RouteTable::~RouteTable() = default;

RouteTable::RegexEntry RouteTable::literalPrefix(const Compiled& c, uint32_t idx) {
  RegexEntry e;
  e.idx = idx;
  if (!c.pathRange) return e;  // mask 0: every path passes to the full check
  // Every match lies between pathMin and pathMax, so it starts with
  // whatever bytes the two share.
  const auto [a, b] = std::mismatch(c.pathMin.begin(), c.pathMin.end(), c.pathMax.begin(), c.pathMax.end());
  const size_t n = std::min<size_t>(static_cast<size_t>(a - c.pathMin.begin()), sizeof(uint64_t));
  e.word = prefixWord(std::string_view(c.pathMin).substr(0, n));
  e.mask = n == sizeof(uint64_t) ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1;
  return e;
}

void RouteTable::indexHeaderRuns(Span s) {
  // The one header a route's match consists of, or null.
  auto soleHeader = [&](uint32_t idx) -> const ir::StringMatch* {
    const Compiled& c = compiled_[idx];
    const ir::Match& m = *c.match;
    if (c.broken || m.method || !m.queryParams.empty() || m.headers.size() != 1) return nullptr;
    return m.headers[0].kind == ir::StringMatchKind::Exact ? &m.headers[0] : nullptr;
  };
  // Within one bucket only: its routes are the ones whose path matched.
  constexpr uint32_t kMinRun = 4;  // shorter runs scan as fast
  const uint32_t last = s.begin + s.size;
  for (uint32_t k = s.begin; k < last;) {
    const ir::StringMatch* h = soleHeader(slots_[k]);
    uint32_t end = k + 1;
    while (h && end < last) {
      const ir::StringMatch* next = soleHeader(slots_[end]);
      if (!next || next->name != h->name) break;
      ++end;
    }
    if (h && end - k >= kMinRun) {
      HeaderRun run;
      run.end = end;
      run.name = h->name;
      for (uint32_t j = k; j < end; ++j)
        run.byValue.try_emplace(compiled_[slots_[j]].match->headers[0].value, j);
      runAt_[k] = static_cast<int32_t>(runs_.size());
      runs_.push_back(std::move(run));
    }
    k = end;
  }
}

bool RouteTable::conditionsPass(const Compiled& c, const RequestView& req) const {
  if (c.broken) return false;
  const ir::Match& m = *c.match;
  if (m.method && *m.method != req.method) return false;
  // §12.5: header names compare case-insensitively (IR names are lower
  // case); a repeated request header is judged by its first occurrence.
  for (const auto& h : c.headers) {
    const http1::Header* got = firstHeader(req, h.match->name);
    if (!got) return false;
    if (h.re ? !RE2::FullMatch(got->value, *h.re) : got->value != h.match->value) return false;
  }
  // Query names exact; the first value wins; compared as sent.
  for (const auto& q : c.queries) {
    std::string_view value;
    if (!firstQueryValue(req.query, q.match->name, value)) return false;
    if (q.re ? !RE2::FullMatch(value, *q.re) : value != q.match->value) return false;
  }
  return true;
}

void RouteTable::scanBucket(Span s, const RequestView& req, uint32_t& best) const {
  for (uint32_t k = s.begin; k < s.begin + s.size; ++k) {
    uint32_t idx = slots_[k];
    if (idx >= best) return;  // ascending: nothing better in this bucket
    if (runAt_[k] >= 0) {
      // Only the route(s) naming the request's value can match, and the
      // first of them is the run's answer.
      const HeaderRun& run = runs_[static_cast<size_t>(runAt_[k])];
      if (const http1::Header* got = firstHeader(req, run.name)) {
        if (auto it = run.byValue.find(got->value); it != run.byValue.end()) {
          best = std::min(best, slots_[it->second]);
          return;
        }
      }
      k = run.end - 1;  // nothing in the run matches: on after it
      continue;
    }
    if (conditionsPass(compiled_[idx], req)) {
      best = idx;
      return;
    }
  }
}

int64_t RouteTable::find(const RequestView& req) const {
  uint32_t best = kNone;
  const std::string_view path = req.path;
  if (!exact_.empty()) {
    if (auto it = exact_.find(path); it != exact_.end()) scanBucket(it->second, req, best);
  }
  // Exact routes sort before every Prefix route (§12.5 precedence).
  if (!prefix_.empty() && best > firstPrefix_) {
    // Candidate prefixes end at a segment boundary of the path; only key
    // lengths present in the table are hashed. Longest first, so that with
    // HTTP precedence the shorter buckets stop at their first entry.
    size_t j = std::min(path.size(), prefixLen_.size() - 1);
    for (; j >= 1; --j) {
      // A key ending in '/' ("/api/") matches where the path has that '/';
      // any other key only where a segment of the path ends (§12.5).
      const uint8_t kinds = prefixLen_[j];
      if (!(((kinds & kEndsInSegment) && (j == path.size() || path[j] == '/')) ||
            ((kinds & kEndsWithSlash) && path[j - 1] == '/')))
        continue;
      if (auto it = prefix_.find(path.substr(0, j)); it != prefix_.end()) scanBucket(it->second, req, best);
    }
  }
  scanBucket(root_, req, best);
  if (regex_.empty() || regex_.front().idx >= best) return best == kNone ? -1 : static_cast<int64_t>(best);
  if (regexSet_) {
    RE2::Set::ErrorInfo error{};
    // No regex path matches (the common case): done. The set cannot say
    // which matched without allocating, so a match falls through to the
    // ordered scan below, as does a DFA out of memory.
    if (!regexSet_->Match(path, nullptr, &error) && error.kind == RE2::Set::kNoError)
      return best == kNone ? -1 : static_cast<int64_t>(best);
  }
  const uint64_t word = prefixWord(path);
  for (const RegexEntry& r : regex_) {
    if (r.idx >= best) break;
    if ((word & r.mask) != r.word) continue;
    const Compiled& c = compiled_[r.idx];
    if (c.broken || (c.pathRange && (path < c.pathMin || path > c.pathMax))) continue;
    if (RE2::FullMatch(path, *c.pathRe) && conditionsPass(c, req)) {
      best = r.idx;
      break;
    }
  }
  return best == kNone ? -1 : static_cast<int64_t>(best);
}

}  // namespace portico::router

#include "run/line_diff.h"

#include <fmt/format.h>

#include <algorithm>

namespace portico::run {
namespace {

std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const auto nl = s.find('\n');
    out.push_back(s.substr(0, nl));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

// Manifests are small; beyond this many cells the LCS table is not worth
// it and the object is shown as replaced.
constexpr size_t kMaxCells = 4'000'000;

}  // namespace

std::vector<std::string> compactDiff(std::string_view before, std::string_view after, size_t maxLines) {
  const auto a = lines(before), b = lines(after);
  const size_t n = a.size(), m = b.size();
  // ops: ' ' kept, '-' removed from a, '+' added from b, in order.
  std::vector<std::pair<char, std::string_view>> ops;
  if (n * m <= kMaxCells) {
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;) {
      for (size_t j = m; j-- > 0;) {
        at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
      }
    }
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] == b[j]) {
        ops.emplace_back(' ', a[i++]);
        ++j;
      } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
        ops.emplace_back('-', a[i++]);  // removals first, as in unified diffs
      } else {
        ops.emplace_back('+', b[j++]);
      }
    }
  } else {
    for (auto l : a) ops.emplace_back('-', l);
    for (auto l : b) ops.emplace_back('+', l);
  }
  std::vector<std::string> out;
  size_t changed = 0, shown = 0;
  std::string_view context;
  bool haveContext = false, inRun = false;
  for (const auto& [op, text] : ops) {
    if (op == ' ') {
      context = text;
      haveContext = true;
      inRun = false;
      continue;
    }
    ++changed;
    if (out.size() >= maxLines) continue;
    if (!inRun && haveContext) out.push_back(fmt::format("  {}", context));
    inRun = true;
    out.push_back(fmt::format("{} {}", op, text));
    ++shown;
  }
  if (changed > shown) out.push_back(fmt::format("… {} more changed lines", changed - shown));
  return out;
}

}  // namespace portico::run

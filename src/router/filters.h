// Pure filter helpers over the IR (spec §12.7-§12.9). They allocate (they
// build new strings) but never touch sockets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ir/ir.h"

namespace portico::router {

// §12.8 path modifier. ReplaceFullPath returns the value. ReplacePrefixMatch
// swaps the matched prefix (rw.matchedPrefix, stored without its trailing
// '/') for rw.value with any trailing '/' dropped, keeping the rest of the
// path as is, so slashes never double: "/foo/bar" -> "/xyz/bar", "/foo" ->
// "/xyz", "/foo/" -> "/xyz/"; replacement "" or "/": "/foo/bar" -> "/bar",
// "/foo" and "/foo/" -> "/". With the root prefix "/" nothing is removed
// ("/a" -> "/xyz/a", "/" -> "/xyz/"). A path the prefix does not match, and
// PathRewriteKind::None, give the path unchanged.
std::string rewritePath(const ir::PathRewrite& rw, std::string_view path);

// §12.8 Location for a RequestRedirect: scheme (filter or request) +
// hostname (filter or Host minus port) + port (filter, else the scheme's
// well-known port when the filter sets a scheme, else the listener port;
// ":80" on http and ":443" on https are left out) + path (rewritten or
// original) + "?query" when the query is non-empty.
std::string redirectLocation(const ir::Redirect& r, std::string_view requestScheme,
                             std::string_view requestHostNoPort, int listenerPort, std::string_view path,
                             std::string_view query);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// §12.9 header modifier on an owned header list. Names compare
// case-insensitively. Order: `set` (the first instance takes the new name
// and value in place, the other instances go; appended when absent), then
// `add` (another line at the end: the client sees "orig,new" once the
// lines are folded), then `remove` (every instance).
void applyHeaderOps(const ir::HeaderOps& ops, HeaderList& headers);

// §12.7 weighted choice: backend i gets weight_i / sum(weights) of the
// values of `random` (uniform 64-bit, supplied by the caller); weight 0 is
// never chosen. Returns an index into `backends`, or -1 when every weight is 0.
int pickWeighted(const std::vector<ir::Backend>& backends, uint64_t random);

}  // namespace portico::router

// `portico status -o table`: one line per object with the conditions users
// look at first, and one indented line per Gateway/ListenerSet listener.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "status/types.h"

namespace portico::status {

struct TableOptions {
  // Target line width. A REASON that does not fit goes on its own indented
  // line below the row, cut to this width. 0 = no limit (always in-line).
  int width = 80;
  // Ports are part of the spec, not of the status; callers that have the
  // snapshot fill this (see listenerPortKey). Missing listeners show the
  // name only.
  std::map<std::string, int32_t> listenerPorts;
};

// Key of `TableOptions::listenerPorts` for listener `listener` of the
// Gateway or ListenerSet `ns/name`.
std::string listenerPortKey(api::Kind kind, std::string_view ns, std::string_view name,
                            std::string_view listener);

std::string renderTable(const StatusSet& set, const TableOptions& options = {});

}  // namespace portico::status

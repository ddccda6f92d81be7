// What a plain (unquoted, untagged) scalar means under the YAML 1.2 core
// schema, as Kubernetes' YAML-to-JSON conversion reads it: `80` is an
// integer, `true` a boolean, `~` null, anything else a string.
#pragma once

#include <string_view>

#include "source/yaml/tree.h"

namespace portico::source::yaml {

enum class PlainType { Null, String, Integer, Number, Boolean };

PlainType resolvePlain(std::string_view s);

// A scalar node's type: explicit tags (`!!str`, `!!int`, ...) first, then
// quoted means string, then resolvePlain.
PlainType scalarType(const Node& n);

}  // namespace portico::source::yaml

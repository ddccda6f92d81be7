// Between Trees and JSON values. fromJson: a manifest file in JSON, or an
// object from the API server, as a Tree, so one set of decoders reads both
// (strings become quoted scalars, so "80" stays a string; numbers and
// booleans plain scalars; no line marks). toJson: a parsed manifest as the
// JSON Kubernetes would store (keys sorted, as kubectl prints them), for
// /objects and history.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>

#include "source/yaml/tree.h"

namespace portico::source::yaml {

std::shared_ptr<const Tree> fromJson(const nlohmann::json& value);
std::shared_ptr<const Tree> fromJson(const nlohmann::ordered_json& value);

// Scalars typed as decoding types them (source/yaml/resolve.h); an integer
// or number that does not fit stays its text.
nlohmann::json toJson(const Node& n);

}  // namespace portico::source::yaml

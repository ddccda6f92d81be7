// Evaluates a cases.json StatusCheck against translator output, with the
// semantics the README gives for each `check` type.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "store/snapshot.h"
#include "translate/translator.h"

namespace portico::conformance {

// Empty when the check holds; otherwise what is wrong.
std::string evaluate(const nlohmann::json& check, const translate::Result& result, const store::Snapshot& snap);

}  // namespace portico::conformance

// Evaluates a cases.json StatusCheck with the semantics the README gives
// for each `check` type, against status in the Kubernetes shape (the List
// `portico status -o json` prints and the admin server's /status serves):
// the same objects the Go suite reads from the API server. The in-process
// status test and the live traffic runner share it.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "store/snapshot.h"
#include "translate/translator.h"

namespace portico::conformance {

// The items of a status List, by (kind, namespace, name).
class StatusView {
 public:
  explicit StatusView(const nlohmann::json& list);
  const nlohmann::json* find(const std::string& kind, const std::string& ns, const std::string& name) const;

 private:
  std::map<std::tuple<std::string, std::string, std::string>, nlohmann::json> items_;
};

// The translator's status rendered as that List.
nlohmann::json statusList(const translate::Result& result);

// Empty when the check holds; otherwise what is wrong. `snap` supplies
// what status does not carry (Gateway annotations for namespacesReady).
std::string evaluate(const nlohmann::json& check, const StatusView& status, const store::Snapshot& snap,
                     const std::string& controllerName = translate::kDefaultControllerName);

}  // namespace portico::conformance

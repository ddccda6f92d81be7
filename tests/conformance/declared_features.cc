#include "conformance/declared_features.h"

#include <algorithm>
#include <cstdlib>

#include "translate/translator.h"

namespace portico::conformance {

std::vector<std::string> forcedFeatures() {
  std::vector<std::string> out;
  const char* env = std::getenv("PORTICO_CONFORMANCE_FORCE_FEATURES");
  if (!env) return out;
  std::string list = env;
  for (size_t start = 0; start <= list.size();) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string f = list.substr(start, comma - start);
    f.erase(0, f.find_first_not_of(' '));
    f.erase(f.find_last_not_of(' ') + 1);
    if (!f.empty()) out.push_back(f);
    start = comma + 1;
  }
  return out;
}

bool featureClaimed(const std::string& feature) {
  const auto& declared = translate::supportedFeatures();
  if (std::binary_search(declared.begin(), declared.end(), feature)) return true;
  const std::vector<std::string> forced = forcedFeatures();
  return std::find(forced.begin(), forced.end(), feature) != forced.end();
}

std::string missingFeature(const nlohmann::json& theCase) {
  for (const auto& f : theCase.value("features", nlohmann::json::array())) {
    if (!featureClaimed(f.get<std::string>())) return f.get<std::string>();
  }
  return {};
}

std::string earlyReturn(const nlohmann::json& theCase) {
  const auto skipIf = theCase.find("skipIfFeature");
  if (skipIf != theCase.end() && skipIf->is_string() && featureClaimed(skipIf->get<std::string>()))
    return "the implementation claims " + skipIf->get<std::string>();
  const auto skipUnless = theCase.find("skipUnlessFeature");
  if (skipUnless != theCase.end() && skipUnless->is_string() &&
      !featureClaimed(skipUnless->get<std::string>()))
    return "the implementation does not claim " + skipUnless->get<std::string>();
  return {};
}

}  // namespace portico::conformance

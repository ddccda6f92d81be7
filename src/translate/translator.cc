// Placeholder; replaced by the real translator.
#include "translate/translator.h"

namespace portico::translate {
Result translate(const store::Snapshot&, const Options&) { return {}; }
const std::vector<std::string>& supportedFeatures() {
  static const std::vector<std::string> kFeatures;
  return kFeatures;
}
}  // namespace portico::translate

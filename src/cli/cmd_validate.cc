// `portico validate`: load and validate only; nothing is translated.
#include <ostream>

#include "cli/commands.h"
#include "cli/common.h"

namespace portico::cli {

int runValidate(const ValidateArgs& args, std::ostream& out, std::ostream& err) {
  const Loaded loaded = loadAndReport(args.paths, err);
  // Fixed wording (no singulars) so scripts can match on it.
  out << loaded.result.snapshot.objectCount() << " objects valid, " << loaded.counts.errors << " errors, "
      << loaded.counts.warnings << " warnings\n";
  return loaded.counts.errors > 0 ? 1 : 0;
}

}  // namespace portico::cli

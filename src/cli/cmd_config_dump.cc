// `portico config-dump`: the compiled IR the data plane would serve.
#include <ostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "ir/ir_json.h"
#include "translate/translator.h"

namespace portico::cli {

int runConfigDump(const ConfigDumpArgs& args, std::ostream& out, std::ostream& err) {
  const Loaded loaded = loadAndReport(args.paths, err);
  translate::Options options;
  if (!args.controllerName.empty()) options.controllerName = args.controllerName;
  const translate::Result result = translate::translate(loaded.result.snapshot, options);
  const DiagnosticCounts translateCounts = printDiagnostics(result.diagnostics, err);
  out << ir::toJson(result.ir, args.pretty);
  return loaded.counts.errors + translateCounts.errors > 0 ? 1 : 0;
}

}  // namespace portico::cli

// `portico status`: the status Portico would write for every Gateway API
// object, as a Kubernetes List (yaml/json) or an at-a-glance table.
#include <ostream>

#include "cli/commands.h"
#include "cli/common.h"
#include "status/status_json.h"
#include "status/status_table.h"
#include "translate/translator.h"

namespace portico::cli {
namespace {

// Listener ports live in the spec, not in the status; the table shows them
// next to the listener name.
std::map<std::string, int32_t> listenerPorts(const store::Snapshot& snap) {
  std::map<std::string, int32_t> ports;
  for (const auto& [key, gw] : snap.gateways) {
    for (const auto& l : gw->listeners) {
      ports[status::listenerPortKey(api::Kind::Gateway, gw->meta.namespace_, gw->meta.name, l.name)] = l.port;
    }
  }
  for (const auto& [key, ls] : snap.listenerSets) {
    for (const auto& l : ls->listeners) {
      ports[status::listenerPortKey(api::Kind::ListenerSet, ls->meta.namespace_, ls->meta.name, l.name)] =
          l.port;
    }
  }
  return ports;
}

}  // namespace

int runStatus(const StatusArgs& args, std::ostream& out, std::ostream& err) {
  const Loaded loaded = loadAndReport(args.paths, err);

  translate::Options options;
  if (!args.controllerName.empty()) options.controllerName = args.controllerName;
  const translate::Result result = translate::translate(loaded.result.snapshot, options);
  const DiagnosticCounts translateCounts = printDiagnostics(result.diagnostics, err);

  if (args.format == StatusFormat::Table) {
    status::TableOptions table;
    table.width = args.width;
    table.listenerPorts = listenerPorts(loaded.result.snapshot);
    out << status::renderTable(result.status, table);
  } else {
    status::DocumentOptions doc;
    doc.format =
        args.format == StatusFormat::Yaml ? status::DocumentFormat::Yaml : status::DocumentFormat::Json;
    doc.lastTransitionTime = args.lastTransitionTime.empty() ? utcNowRfc3339() : args.lastTransitionTime;
    out << status::renderKubeList(result.status, doc);
  }
  // Rejected objects make the run fail even though the rest is printed:
  // a CI check must not pass on manifests the cluster would refuse.
  return loaded.counts.errors + translateCounts.errors > 0 ? 1 : 0;
}

}  // namespace portico::cli

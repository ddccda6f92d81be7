#include "cli/live.h"

#include <ostream>

#include "admin/client.h"
#include "admin/query.h"
#include "cli/report_options.h"

namespace portico::cli {

std::string withQuery(const std::string& path, const QueryParams& params) {
  std::string out = path;
  char sep = '?';
  for (const auto& [k, v] : params) {
    out += sep + admin::encodeQueryValue(k) + "=" + admin::encodeQueryValue(v);
    sep = '&';
  }
  return out;
}

void addReportParams(QueryParams& params, const ReportOptions& options, const std::ostream& out) {
  const diagnose::TextOptions text = textOptions(options, out);
  params.emplace_back("o", options.format == OutputFormat::Json ? "json" : "text");
  params.emplace_back("width", std::to_string(text.width));
  params.emplace_back("color", text.color ? "1" : "0");
}

int fetchReport(const std::string& admin, const std::string& target, std::ostream& out, std::ostream& err) {
  const admin::FetchResult r = admin::fetch(admin, target);
  if (!r.ok) {
    err << "error: " << r.error << '\n';
    return 2;
  }
  const std::string exit = r.header("x-portico-exit");
  if (r.status != 200 || exit.empty()) {
    err << "error: " << admin << target.substr(0, target.find('?')) << " answered " << r.status << ": "
        << r.body;
    if (r.status == 404) err << "(is this a Portico admin server of the same version?)\n";
    return 2;
  }
  out << r.body;
  return exit == "0" ? 0 : 1;
}

}  // namespace portico::cli

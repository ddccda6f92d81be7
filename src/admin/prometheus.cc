#include "admin/prometheus.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace portico::admin {
namespace {

// HELP text escapes only backslash and newline; label values also escape
// the double quote that would end them.
void appendEscaped(std::string& out, std::string_view s, bool quote) {
  for (char ch : s) {
    if (ch == '\\') {
      out += "\\\\";
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '"' && quote) {
      out += "\\\"";
    } else {
      out += ch;
    }
  }
}

}  // namespace

std::string formatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

MetricsWriter::Family& MetricsWriter::family(std::string_view name, std::string_view help,
                                             std::string_view type) {
  auto [it, inserted] = index_.try_emplace(std::string(name), families_.size());
  if (inserted) {
    families_.push_back(Family{std::string(name), std::string(help), std::string(type), {}});
    return families_.back();
  }
  Family& f = families_[it->second];
  if (f.type != type) {
    throw std::invalid_argument(fmt::format("metric {} is a {}, not a {}", name, f.type, type));
  }
  return f;
}

void MetricsWriter::sample(std::string& out, std::string_view name, const MetricLabels& labels,
                           std::string_view value, std::string_view le) {
  out += name;
  if (!labels.empty() || !le.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out += ',';
      first = false;
      out += k;
      out += "=\"";
      appendEscaped(out, v, true);
      out += '"';
    }
    if (!le.empty()) {
      if (!first) out += ',';
      out += "le=\"";
      out += le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

void MetricsWriter::counter(std::string_view name, std::string_view help, const MetricLabels& labels,
                            double value) {
  sample(family(name, help, "counter").samples, name, labels, formatMetricValue(value));
}

void MetricsWriter::gauge(std::string_view name, std::string_view help, const MetricLabels& labels,
                          double value) {
  sample(family(name, help, "gauge").samples, name, labels, formatMetricValue(value));
}

void MetricsWriter::histogram(std::string_view name, std::string_view help, const MetricLabels& labels,
                              const std::vector<double>& bucketBounds,
                              const std::vector<uint64_t>& bucketCounts, double sum, uint64_t count) {
  std::string& out = family(name, help, "histogram").samples;
  const std::string bucket = fmt::format("{}_bucket", name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bucketBounds.size(); ++i) {
    if (std::isinf(bucketBounds[i]) && bucketBounds[i] > 0)
      break;  // +Inf is always written below, from count
    if (i < bucketCounts.size()) cumulative += bucketCounts[i];
    sample(out, bucket, labels, std::to_string(cumulative), formatMetricValue(bucketBounds[i]));
  }
  sample(out, bucket, labels, std::to_string(count), "+Inf");
  sample(out, fmt::format("{}_sum", name), labels, formatMetricValue(sum));
  sample(out, fmt::format("{}_count", name), labels, std::to_string(count));
}

void MetricsWriter::summary(std::string_view name, std::string_view help, const MetricLabels& labels,
                            double sum, uint64_t count) {
  std::string& out = family(name, help, "summary").samples;
  sample(out, fmt::format("{}_sum", name), labels, formatMetricValue(sum));
  sample(out, fmt::format("{}_count", name), labels, std::to_string(count));
}

std::string MetricsWriter::str() const {
  std::string out;
  for (const Family& f : families_) {
    out += "# HELP ";
    out += f.name;
    out += ' ';
    appendEscaped(out, f.help, false);
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += f.type;
    out += '\n';
    out += f.samples;
  }
  return out;
}

}  // namespace portico::admin

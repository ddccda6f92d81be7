// What a request leaves behind: the worker's counters (by status code,
// listener, backend and, opt-in, route; the latency histograms, overall
// and, opt-in, per route) and the access-log line (access_log.h).
#include "dataplane/session_impl.h"

namespace portico::dataplane {

void Worker::countResponse(RequestRecord& rec, int status, const Runtime* rt, const ir::Listener* listener,
                           const std::string* backendLabel) {
  rec.status = status;
  stats.add(stats.requestsByProtocol[static_cast<size_t>(rec.protocol)]);
  const size_t cls = status >= 100 && status < 600 ? static_cast<size_t>(status / 100) : 0;
  if (rt && listener) {
    auto it = rt->listenerLabels.find(listener);
    if (it != rt->listenerLabels.end()) {
      auto c = labelled.byListener.find(it->second);
      if (c == labelled.byListener.end()) c = labelled.byListener.emplace(it->second, ClassCounts{}).first;
      ++c->second[cls];
    }
  }
  if (backendLabel) {
    auto c = labelled.byBackend.find(*backendLabel);
    if (c == labelled.byBackend.end()) c = labelled.byBackend.emplace(*backendLabel, ClassCounts{}).first;
    ++c->second[cls];
  }
  if (options().routeMetrics && !rec.route.empty()) ++labelled.byRoute[rec.route][cls];
}

void Worker::finishRequest(const RequestRecord& rec, std::string_view peer,
                           std::chrono::steady_clock::time_point answered) {
  const auto now = std::chrono::steady_clock::now();
  const double ms = std::chrono::duration<double, std::milli>(now - rec.start).count();
  const auto latencyEnd = answered == std::chrono::steady_clock::time_point{} ? now : answered;
  const double seconds = std::chrono::duration<double>(latencyEnd - rec.start).count();
  stats.observe(rec.status, seconds);
  // Per route only when asked for, like byRoute (an entry per route per
  // worker); the dashboard's p50/p99 per route come from it (/traffic).
  if (options().routeMetrics && !rec.route.empty()) labelled.routeTime[rec.route].observe(seconds);
  if (!options().accessLog) return;
  options().accessLog(
      formatAccessLog(options().accessLogFormat, rec, peer, ms, std::chrono::system_clock::now()));
}

template <class Stream>
void Session<Stream>::countResponse(int status) {
  w_.countResponse(rec_, status, rt_.get(), listener_, backendLabel_);
}

template <class Stream>
void Session<Stream>::logRequest() {
  // An upgraded connection is logged once, when it closes, with its 101
  // (nginx and Envoy do the same): duration and bytes are the tunnel's.
  w_.finishRequest(rec_, peer_, tunnel_ ? switchedAt_ : std::chrono::steady_clock::time_point{});
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

}  // namespace portico::dataplane

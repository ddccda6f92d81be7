// What a request leaves behind: the worker's counters (by status code,
// listener, backend and, opt-in, route; the latency histogram) and the
// access-log line (access_log.h).
#include "dataplane/session_impl.h"

namespace portico::dataplane {

// Labelled counters move when the response head is about to be written,
// so a client that has its response also sees it counted.
template <class Stream>
void Session<Stream>::countResponse(int status) {
  rec_.status = status;
  const size_t cls = status >= 100 && status < 600 ? static_cast<size_t>(status / 100) : 0;
  if (rt_ && listener_) {
    auto it = rt_->listenerLabels.find(listener_);
    if (it != rt_->listenerLabels.end()) {
      auto c = w_.labelled.byListener.find(it->second);
      if (c == w_.labelled.byListener.end())
        c = w_.labelled.byListener.emplace(it->second, ClassCounts{}).first;
      ++c->second[cls];
    }
  }
  if (backendLabel_) {
    auto c = w_.labelled.byBackend.find(*backendLabel_);
    if (c == w_.labelled.byBackend.end())
      c = w_.labelled.byBackend.emplace(*backendLabel_, ClassCounts{}).first;
    ++c->second[cls];
  }
  if (w_.options().routeMetrics && !rec_.route.empty()) ++w_.labelled.byRoute[rec_.route][cls];
}

template <class Stream>
void Session<Stream>::logRequest() {
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - rec_.start).count();
  w_.stats.observe(rec_.status, ms / 1000.0);

  const auto& opts = w_.options();
  if (!opts.accessLog) return;
  opts.accessLog(formatAccessLog(opts.accessLogFormat, rec_, peer_, ms, std::chrono::system_clock::now()));
}

template class Session<tcp::socket>;
template class Session<asio::ssl::stream<tcp::socket>>;

}  // namespace portico::dataplane

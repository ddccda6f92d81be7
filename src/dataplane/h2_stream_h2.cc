// An HTTP/2 stream proxied to an HTTP/2 backend (gRPC, h2c): the request
// body and the response stream both ways as they come (client, server and
// bidirectional streaming RPCs never wait for a whole message list), each
// direction bounded by its buffer and the peers' windows; trailers pass
// through; grpc-timeout caps the request's deadline; failures become gRPC
// statuses for gRPC clients (docs/grpc.md).
#include <algorithm>

#include "dataplane/attempts.h"
#include "dataplane/grpc_status.h"
#include "dataplane/h2_fields.h"
#include "dataplane/h2_request.h"
#include "dataplane/h2_upstream.h"
#include "dataplane/mirror.h"
#include "dataplane/session_impl.h"
#include "router/filters.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace portico::dataplane {
namespace {

// A body the route may retry is held for resending up to this size;
// longer ones stream and get one attempt (as on HTTP/1.1).
constexpr size_t kHoldForRetry = 64 * 1024;

}  // namespace

awaitable<void> H2Request::proxyH2(const ir::Route& route, const ir::Backend& backend,
                                   const ir::Cluster& cluster) {
  if (contentLength_ >= 0) {
    req_.framing = http1::BodyFraming::ContentLength;
    req_.contentLength = static_cast<uint64_t>(contentLength_);
  }
  const UpstreamRequest request = upstreamRequest(route, backend);
  const FieldList fields = upstreamH2Fields(request, teTrailers_ || grpc_);
  // Mirrors take the HTTP/1.1 head (mirror.h); written only when there are any.
  const std::string head = route.filters.mirrors.empty() ? std::string() : serializeUpstreamHead(request);

  // HTTPRoute/GRPCRoute timeouts.request, and the client's own gRPC
  // deadline when it is sooner (the backend sees grpc-timeout too).
  const auto now = std::chrono::steady_clock::now();
  SteadyTime overall = requestDeadline(route, now);
  if (grpc_) {
    if (const auto* t = http1::findHeader(req_.headers, "grpc-timeout")) {
      if (auto d = parseGrpcTimeout(t->value)) overall = std::min(overall, now + *d);
    }
  }

  // Body bytes already here are taken now (a unary call usually has its
  // whole message in).
  if (!st_.body.empty() || st_.bodyEnd) {
    if (!co_await c_.takeBody(st_, held_)) co_return;
  }
  // A route that retries waits for a short body to end, so every attempt
  // can send it (as HTTP/1.1 does). Not for gRPC: a streaming call may
  // wait for an answer before it ends its request.
  if (!grpc_ && route.retry) {
    while (held_.size() <= kHoldForRetry && !(st_.bodyEnd && st_.body.empty())) {
      if (!co_await c_.takeBody(st_, held_)) co_return;
    }
  }
  bodyWhole_ = st_.bodyEnd && st_.body.empty();
  // Mirrors get the request once its body is complete, if that is at most
  // kHoldForRetry (now, or when the pump reaches the end: a unary gRPC
  // call's message usually arrives after its headers); never held back for
  // them, so a streaming call is not delayed and a long one not mirrored.
  if (!route.filters.mirrors.empty()) {
    mirror_ = {&route, &head, held_};
    if (bodyWhole_) startMirrors();
  }

  const int attempts = bodyWhole_ ? attemptCount(route) : 1;
  H2Outcome ex;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const bool last = attempt + 1 == attempts;
    const auto budget = attemptBudget(route, overall, std::chrono::steady_clock::now());
    if (!budget) {
      timedOut_ = true;
      ex = h2Outcome(504, false, false);
      break;
    }
    if (budget->count() == 0) {
      ex = co_await exchangeH2(route, backend, cluster, fields, !last);
    } else {
      using namespace asio::experimental::awaitable_operators;
      asio::steady_timer timer(w_.io(), *budget);
      auto r = co_await (exchangeH2(route, backend, cluster, fields, !last) ||
                         timer.async_wait(asio::as_tuple(asio::use_awaitable)));
      if (r.index() == 0) {
        ex = std::get<0>(r);
      } else {
        timedOut_ = true;  // gRPC: DEADLINE_EXCEEDED, whichever timeout it was
        ex = h2Outcome(504, responseStarted_, !responseStarted_);
      }
    }
    if (ex.responded || !ex.retryable || last || st_.closed) break;
    w_.stats.add(w_.stats.retries);
    if (const auto backoff = retryBackoff(route, attempt); backoff.count() > 0) {
      asio::steady_timer pause(w_.io(), backoff);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
  if (ex.responded) {
    // A deadline that ran out mid-response: the stream cannot end cleanly.
    if (ex.status == 504 && !st_.outEof)
      failStarted(timedOut_ ? kGrpcDeadlineExceeded : kGrpcUnavailable, "upstream timed out");
    co_return;
  }
  const char* why = ex.status == 504 ? "upstream timed out" : "upstream failed";
  co_await respond(ex.status, why);
}

// One attempt: an endpoint (connect failures move to the next one), a
// stream on its multiplexed connection, the exchange. A stream the backend
// refused unprocessed (REFUSED_STREAM, or past its GOAWAY) goes again once.
awaitable<H2Outcome> H2Request::exchangeH2(const ir::Route& route, const ir::Backend& backend,
                                           const ir::Cluster& cluster, const FieldList& fields,
                                           bool mayRetryStatus) {
  // The session field (if any) joins the response fields (corsHeaders_).
  H2EndpointPicker picker(w_, cluster, sessionPersistenceFor(route, cluster), &corsHeaders_);
  // BackendTLSPolicy: this request's pinned config and listener (its
  // backend client certificate) decide the TLS settings.
  picker.useTls(rt_.get(), listener_, &rec_.upstreamError);
  H2Outcome ex = h2Outcome(503, false, true);
  bool replayed = false;
  while (!st_.closed) {
    H2UpstreamStream up = co_await picker.open(fields, bodyWhole_ && held_.empty());
    if (picker.refused()) co_return h2Outcome(kUnusableTlsPolicyStatus, false, false);
    if (!up) break;
    rec_.upstream = up.conn->endpoint();
    ex = co_await streamH2(*up.conn, *up.stream, route, backend, mayRetryStatus);
    if (ex.unsent == H2Unsent::NoResponse && !replayed && !bodyStarted_) {
      replayed = true;
      w_.stats.add(w_.stats.staleReplays);
      continue;
    }
    picker.answered(ex.status);
    co_return ex;
  }
  co_return ex;
}

awaitable<H2Outcome> H2Request::streamH2(H2ClientConnection& conn, H2ClientStream& up, const ir::Route& route,
                                         const ir::Backend& backend, bool mayRetryStatus) {
  // The client resetting its stream (or going away) cancels this one.
  st_.abandonUpstream = [&conn, &up] {
    conn.reset(up, kH2Cancel);
    up.inWake.cancel();
    up.outWake.cancel();
  };
  struct Release {
    H2Stream& st;
    H2ClientConnection& conn;
    H2ClientStream& up;
    ~Release() {
      st.abandonUpstream = nullptr;
      conn.reset(up, kH2Cancel);  // no-op once the stream ended both ways
    }
  } release{st_, conn, up};

  using namespace asio::experimental::awaitable_operators;
  bool stop = false;
  co_return co_await (pumpRequestBody(conn, up, stop) &&
                      relayResponse(conn, up, route, backend, mayRetryStatus, stop));
}

// Client -> backend: the held prefix, then DATA as the client sends it.
awaitable<void> H2Request::pumpRequestBody(H2ClientConnection& conn, H2ClientStream& up, const bool& stop) {
  if (!held_.empty()) {
    if (!co_await conn.write(up, held_)) co_return;
    if (!bodyWhole_) {
      bodyStarted_ = true;
      held_.clear();
    }
  }
  std::string chunk;
  for (;;) {
    if (stop || up.closed || st_.closed) co_return;
    if (st_.bodyEnd && st_.body.empty()) break;
    chunk.clear();
    if (!co_await c_.takeBody(st_, chunk, &stop)) co_return;
    if (chunk.empty()) continue;
    bodyStarted_ = true;
    if (mirror_.route) {
      mirror_.body.append(chunk);
      if (mirror_.body.size() > kHoldForRetry) mirror_.route = nullptr;  // too long to mirror
    }
    if (!co_await conn.write(up, chunk)) co_return;
  }
  startMirrors();
  conn.finish(up);
}

void H2Request::startMirrors() {
  if (!mirror_.route) return;
  const ir::Route& route = *mirror_.route;
  mirror_.route = nullptr;  // once per request, whatever the attempts
  auto body = mirror_.body.empty() ? nullptr : std::make_shared<const std::string>(std::move(mirror_.body));
  sendMirrors(w_, *rt_, route, *mirror_.head, std::move(body), teTrailers_ || grpc_, listener_);
}

FieldList H2Request::responseFields(const FieldList& upstream, const ir::Route& route,
                                    const ir::Backend& backend) const {
  FieldList fields;
  fields.reserve(upstream.size() + corsHeaders_.size());
  for (const auto& f : upstream) {
    if (!isConnectionSpecific(f.first)) fields.push_back(f);
  }
  router::applyHeaderOps(route.filters.responseHeaders, fields);
  if (backend.filters) router::applyHeaderOps(backend.filters->responseHeaders, fields);
  for (const auto& f : corsHeaders_) fields.push_back(f);
  return fields;
}

// Backend -> client: the head (or a failure before it), DATA as it comes,
// trailers. Ends the request pump.
awaitable<H2Outcome> H2Request::relayResponse(H2ClientConnection& conn, H2ClientStream& up,
                                              const ir::Route& route, const ir::Backend& backend,
                                              bool mayRetryStatus, bool& stop) {
  // Whatever ends the relay ends the pump: a request still streaming when
  // the response is over is reset (the backend has answered).
  struct StopPump {
    H2Stream& st;
    H2ClientConnection& conn;
    H2ClientStream& up;
    bool& stop;
    ~StopPump() {
      stop = true;
      st.bodyWake.cancel();
      conn.reset(up, kH2Cancel);
      up.outWake.cancel();
    }
  } stopPump{st_, conn, up, stop};
  const auto sent = std::chrono::steady_clock::now();
  auto wait = [&]() -> awaitable<bool> {
    up.inWake.expires_at(std::chrono::steady_clock::time_point::max());
    co_await up.inWake.async_wait(asio::as_tuple(asio::use_awaitable));
    auto cs = co_await asio::this_coro::cancellation_state;
    co_return cs.cancelled() == asio::cancellation_type::none;
  };

  while (!up.headersDone && !up.closed && !st_.closed) {
    if (!co_await wait()) co_return h2Outcome(504, false, false);
  }
  if (st_.closed) co_return h2Outcome(0, true, false);  // the client went away
  if (!up.headersDone) {
    // Closed without a response: unprocessed ones may go again.
    if (up.refused) co_return h2Outcome(503, false, true, H2Unsent::NoResponse);
    co_return h2Outcome(502, false, true);
  }
  if (mayRetryStatus && retryableStatus(route, up.status)) co_return h2Outcome(up.status, false, true);

  const bool hasBody = !(up.inEnd && up.in.empty());
  countResponse(up.status);
  responseStarted_ = true;
  c_.submitResponse(st_, up.status, responseFields(up.headers, route, backend), hasBody);
  if (!hasBody) co_return h2Outcome(up.status, true, false);  // Trailers-Only (gRPC errors) or bodiless
  std::string data;
  for (;;) {
    if (!up.in.empty()) {
      data.clear();
      data.swap(up.in);
      if (!co_await c_.pushData(st_, data)) co_return h2Outcome(up.status, true, false);
      rec_.bytesOut += data.size();
      conn.consume(up, data.size());
      continue;
    }
    if (up.inEnd) break;
    if (st_.closed) co_return h2Outcome(up.status, true, false);
    if (up.closed) {
      // Reset mid-response (or the connection died): a gRPC client gets
      // UNAVAILABLE in trailers, anyone else a reset stream.
      failStarted(kGrpcUnavailable, "upstream reset the stream");
      co_return h2Outcome(up.status, true, false);
    }
    if (!co_await wait()) co_return h2Outcome(504, true, false);
  }
  if (backendLabel_) {
    auto& h = w_.labelled.upstreamTime[*backendLabel_];
    h.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count());
  }
  c_.finishData(st_, std::move(up.trailers));
  co_return h2Outcome(up.status, true, false);
}

void H2Request::failStarted(int grpcStatus, std::string_view message) {
  if (st_.closed || st_.outEof) return;
  if (!grpc_) {
    c_.resetStream(st_);
    return;
  }
  FieldList trailers;
  trailers.emplace_back("grpc-status", std::to_string(grpcStatus));
  trailers.emplace_back("grpc-message", encodeGrpcMessage(message));
  c_.finishData(st_, std::move(trailers));
}

}  // namespace portico::dataplane

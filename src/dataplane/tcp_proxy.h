// The two halves of an L4 connection once its route is known: connecting
// to an endpoint of the chosen backend, and relaying bytes both ways.
// Internal to the data plane (Asio types).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "dataplane/asio.h"
#include "dataplane/worker.h"

namespace portico::dataplane {

// A connection to an endpoint of `cluster` within upstreamConnectTimeout;
// a failure moves on to the next endpoint (at most 3 tries, like an HTTP
// attempt) and counts a connect error. Nothing when the cluster has no
// endpoints or every try failed. `closing` is checked between tries (the
// client's connection was closed meanwhile).
awaitable<std::optional<tcp::socket>> connectL4(Worker& w, const ir::Cluster& cluster, const bool& closing);

struct SpliceBytes {
  uint64_t fromClient = 0;
  uint64_t toClient = 0;
};

// Copies bytes client -> upstream and upstream -> client until both
// directions ended, through one bounded buffer each (back pressure: a
// side is read again only when its last bytes were written). An end of
// stream is passed on as a half-close (TCP FIN); under TLS the upstream's
// end closes the connection (a close_notify would need a write racing the
// other direction's read). Any error closes both sides. `idle` bounds the
// silence in both directions. Counts bytes in the worker's stats as they
// pass.
template <class Stream>
awaitable<SpliceBytes> splice(Worker& w, Stream& client, tcp::socket& upstream,
                              std::chrono::milliseconds idle);

}  // namespace portico::dataplane

// The portico-echo server (Asio, Beast and nghttp2 stay in its sources).
#pragma once

#include <string>

#include "echo/log.h"
#include "echo/options.h"

namespace portico::echo {

// Binds every listener, prints "listening on ADDR:PORT" for each (plain
// listeners first, then TLS ones, then h2c ones, TCP echo, TCP echo over
// TLS, and "listening on udp ADDR:PORT" for UDP echo and DNS, each in the
// order given),
// serves until SIGTERM or SIGINT. Returns the process exit code.
int runServer(const Options& opts);

}  // namespace portico::echo

// The portico-echo server (Asio and Beast stay inside server.cc).
#pragma once

#include <string>

#include "echo/options.h"

namespace portico::echo {

// Binds every listener, prints "listening on ADDR:PORT" for each (plain
// listeners first, then TLS ones, each in the order given), serves until
// SIGTERM or SIGINT. Returns the process exit code.
int runServer(const Options& opts);

// One line on stdout, written whole and flushed.
void logLine(const std::string& line);

}  // namespace portico::echo

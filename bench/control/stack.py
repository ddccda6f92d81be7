"""Starts the benchmark stack: a generated route set (routeset.py), one
portico-echo backend on 127.0.0.1 and 127.0.0.2, and `portico run`
watching the route directory; returns once the last route answers 200."""

import os
import time

import harness
from routeset import RouteSet, host_of


def start_stack(portico_bin, echo_bin, routes, tmp, workers=1):
    port, backend, admin = harness.free_port(), harness.free_port(), harness.free_port()
    rs = RouteSet(os.path.join(tmp, "config"), routes, port=port, backend_port=backend)
    rs.write()
    echo = harness.Process([echo_bin, "--listen", f"127.0.0.1:{backend}", "--listen",
                            f"127.0.0.2:{backend}", "--die-with-parent"],
                           os.path.join(tmp, "echo.log"))
    started = time.monotonic()
    portico = harness.Process([portico_bin, "run", "-c", rs.root, "--workers", str(workers),
                               "--listen-address", "127.0.0.1", "--access-log", "off",
                               "--admin-address", f"127.0.0.1:{admin}"],
                              os.path.join(tmp, "portico.log"))
    client = harness.Client(port)
    last = routes - 1

    def ready():
        if not portico.alive():
            raise RuntimeError("portico exited:\n" + portico.tail())
        return client.get(host_of(last, rs.hosts), f"/r{last}/") == 200

    def admin_up():
        with open(portico.log_path, errors="replace") as f:
            return "admin server on" in f.read()

    try:
        harness.wait_for(ready, 300, f"the last of {routes} routes to answer 200")
        serving = time.monotonic() - started
        # The first reload's log line and the admin server come after traffic.
        harness.wait_for(admin_up, 300, "the admin server")
    except BaseException:
        portico.stop()
        echo.stop()
        raise
    return rs, echo, portico, client, serving, admin

#!/usr/bin/env python3
"""Scale: what Portico costs at 1,000 / 5,000 / 10,000 HTTPRoutes (100
hostnames, two weighted backendRefs each, every Service with two
endpoints: routeset.py), idle and under load, and per idle connection.

Per size: time to the first 200 from the last route (decode + translate +
data plane), the startup reload's split (load / translate from the log),
RSS and CPU idle, Prometheus series at /metrics (default flags), then wrk
for `--load-seconds` cycling over every route: req/s, CPU per request and
RSS after. Once (at the first size): 10,000 idle keep-alive connections
(each has made one request), RSS growth per connection.
Prints one JSON object.
"""

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from churn import WRK_SCRIPT, parse_wrk  # noqa: E402
from routeset import host_of  # noqa: E402
from stack import start_stack  # noqa: E402


def series(admin_port):
    with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=10) as r:
        text = r.read().decode()
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def idle_connections(port, rs, count, portico_pid):
    """Opens `count` keep-alive connections, one request each, and returns
    the RSS growth per connection in KiB (connections still open)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 256)), hard))
    before = harness.rss_kib(portico_pid)
    socks = []
    try:
        for i in range(count):
            s = socket.create_connection(("127.0.0.1", port), 10)
            socks.append(s)
            s.sendall(f"GET /r{i % rs.routes}/ HTTP/1.1\r\nHost: {host_of(i % rs.routes, rs.hosts)}\r\n\r\n".encode())
        ok = 0
        for s in socks:
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            ok += data.startswith(b"HTTP/1.1 200")
        time.sleep(0.5)  # let the workers settle their buffers (not synchronisation: a reading)
        after = harness.rss_kib(portico_pid)
        return {"connections": count, "answered_200": ok,
                "rss_before_mib": round(before / 1024, 1), "rss_after_mib": round(after / 1024, 1),
                "kib_per_connection": round((after - before) / count, 2)}
    finally:
        for s in socks:
            s.close()


def one_size(args, routes, tmp, with_idle):
    rs, echo, portico, client, startup, admin = start_stack(args.portico, args.echo, routes,
                                                            os.path.join(tmp, str(routes)))
    try:
        applied, load_ms, translate_ms = (harness.reloads(portico.log_path) or [(0.0, 0.0, 0.0)])[0]
        time.sleep(1.0)
        cpu0, t0 = harness.cpu_seconds(portico.pid), time.monotonic()
        time.sleep(2.0)
        idle_cpu = (harness.cpu_seconds(portico.pid) - cpu0) / (time.monotonic() - t0) * 100
        out = {"routes": routes, "startup_s": round(startup, 2), "startup_applied_ms": applied,
               "startup_load_ms": load_ms, "startup_translate_ms": translate_ms,
               "rss_idle_mib": round(harness.rss_kib(portico.pid) / 1024, 1),
               "cpu_idle_pct": round(idle_cpu, 1), "prometheus_series": series(admin)}
        script = os.path.join(tmp, "cycle.lua")
        with open(script, "w") as f:
            f.write(WRK_SCRIPT)
        cpu0 = harness.cpu_seconds(portico.pid)
        wrk = subprocess.run(["wrk", "-t1", "-c32", f"-d{args.load_seconds}s", "-s", script,
                              f"http://127.0.0.1:{rs.port}/", "--", str(routes), str(rs.hosts)],
                             capture_output=True, text=True, timeout=args.load_seconds + 60)
        w = parse_wrk(wrk.stdout)
        cpu = harness.cpu_seconds(portico.pid) - cpu0
        out.update({"load_rps": w.get("rps", 0), "load_errors": w["non_2xx"] + w["socket_errors"],
                    "load_cpu_us_per_req": round(cpu / max(w["requests"], 1) * 1e6, 1),
                    "rss_after_load_mib": round(harness.rss_kib(portico.pid) / 1024, 1),
                    "rss_peak_mib": round(harness.hwm_kib(portico.pid) / 1024, 1),
                    "prometheus_series_after_load": series(admin)})
        if with_idle:
            client.close()  # the cap is 10,000 connections per worker: make room for all of them
            out["idle"] = idle_connections(rs.port, rs, args.idle_connections, portico.pid)
        return out
    finally:
        portico.stop()
        echo.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portico", required=True)
    ap.add_argument("--echo", required=True)
    ap.add_argument("--sizes", default="1000,5000,10000")
    ap.add_argument("--load-seconds", type=int, default=5)
    ap.add_argument("--idle-connections", type=int, default=10000)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="portico-scale.")
    try:
        results = []
        for n, routes in enumerate(int(x) for x in args.sizes.split(",")):
            results.append(one_size(args, routes, tmp, with_idle=(n == 0 and args.idle_connections > 0)))
            print(json.dumps(results[-1]), file=sys.stderr)
        print(json.dumps({"sizes": results}))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

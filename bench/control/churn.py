#!/usr/bin/env python3
"""Churn without errors: constant load on existing routes while routes are
added, changed and removed every 100 ms; every non-2xx and every connection
error is counted (the issue's target is 0).

- Load: wrk (one thread, `--connections`) cycling over every route of the
  generated set (routeset.py), so the routes the churn rewrites are under
  load too.
- Churn (one operation per `--period`, in turn): add a new route file;
  rewrite an existing route (a new header value, same matches); remove the
  oldest added route that has lived for at least a second.
- A poller asks every added route until its first 200 (that time is its
  propagation under churn), then keeps asking it until its removal starts:
  any answer but 200 after the first success is an error.
Prints one JSON object.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from routeset import host_of, write_atomic  # noqa: E402
from stack import start_stack  # noqa: E402

WRK_SCRIPT = """
local paths = {}
local hosts = {}
local n = 0
init = function(args)
  local routes = tonumber(args[1])
  local nhosts = tonumber(args[2])
  for i = 0, routes - 1 do
    paths[i] = "/r" .. i .. "/x"
    hosts[i] = "h" .. (i % nhosts) .. ".bench.test"
  end
  n = routes
end
local i = 0
request = function()
  i = (i + 7919) % n
  return wrk.format("GET", paths[i], {["Host"] = hosts[i]})
end
"""


class Added:
    def __init__(self, name, host, path, written):
        self.name, self.host, self.path, self.written = name, host, path, written
        self.first_ok = None
        self.removing = False


class Churn(threading.Thread):
    def __init__(self, rs, period, stop_event):
        super().__init__(daemon=True)
        self.rs, self.period, self.stop_event = rs, period, stop_event
        self.live = []          # Added, oldest first
        self.lock = threading.Lock()
        self.adds = self.changes = self.removes = 0
        self.error = None

    def run(self):
        try:
            self._run()
        except Exception as e:  # reported, never silently lost
            self.error = repr(e)

    def _run(self):
        k = 0
        next_at = time.monotonic()
        while not self.stop_event.is_set():
            op = k % 3
            if op == 0:
                name = f"churn-{k}"
                a = Added(name, host_of(k, self.rs.hosts), f"/{name}/", time.perf_counter())
                write_atomic(self.rs.route_path(name), self.rs.route(k, name=name, extra_paths=[a.path]))
                with self.lock:
                    self.live.append(a)
                self.adds += 1
            elif op == 1:
                i = (k * 7919) % self.rs.routes
                write_atomic(self.rs.route_path(f"r{i}"), self.rs.route(i, header_value=f"v{k}"))
                self.changes += 1
            else:
                victim = None
                with self.lock:
                    if self.live and self.live[0].first_ok and time.perf_counter() - self.live[0].first_ok > 1.0:
                        victim = self.live.pop(0)
                        victim.removing = True  # before the file goes: the poller stops counting it
                if victim:
                    os.unlink(self.rs.route_path(victim.name))
                    self.removes += 1
            k += 1
            next_at += self.period
            self.stop_event.wait(max(0.0, next_at - time.monotonic()))

    def snapshot(self):
        with self.lock:
            return list(self.live)


class Poller(threading.Thread):
    def __init__(self, port, churn, stop_event):
        super().__init__(daemon=True)
        self.client = harness.Client(port)
        self.churn, self.stop_event = churn, stop_event
        self.requests = 0
        self.errors = []
        self.first_ok_ms = []

    def run(self):
        while not self.stop_event.is_set():
            live = self.churn.snapshot()
            if not live:
                time.sleep(0.005)
                continue
            for a in live:
                status = self.client.get(a.host, a.path)
                self.requests += 1
                if a.removing:
                    continue
                if a.first_ok is None:
                    if status == 200:
                        a.first_ok = time.perf_counter()
                        self.first_ok_ms.append((a.first_ok - a.written) * 1000)
                elif status != 200:
                    self.errors.append(f"{a.host}{a.path}: {status or 'connection error'}")
            time.sleep(0.002)


def parse_wrk(text):
    out = {"requests": 0, "non_2xx": 0, "socket_errors": 0}
    m = re.search(r"(\d+) requests in", text)
    if m:
        out["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        out["non_2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["socket_errors"] = sum(int(x) for x in m.groups())
    m = re.search(r"Requests/sec:\s+([0-9.]+)", text)
    if m:
        out["rps"] = float(m.group(1))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portico", required=True)
    ap.add_argument("--echo", required=True)
    ap.add_argument("--routes", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=300)
    ap.add_argument("--period", type=float, default=0.1)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="portico-churn.")
    procs = []
    try:
        rs, echo, portico, client, _, _ = start_stack(args.portico, args.echo, args.routes, tmp)
        procs = [portico, echo]
        script = os.path.join(tmp, "cycle.lua")
        with open(script, "w") as f:
            f.write(WRK_SCRIPT)
        stop = threading.Event()
        churn = Churn(rs, args.period, stop)
        poller = Poller(rs.port, churn, stop)
        cpu0 = harness.cpu_seconds(portico.pid)
        wrk = subprocess.Popen(["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "-s", script,
                                f"http://127.0.0.1:{rs.port}/", "--", str(args.routes), str(rs.hosts)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        churn.start()
        poller.start()
        wrk_out, _ = wrk.communicate(timeout=args.seconds + 60)
        stop.set()
        churn.join()
        poller.join()
        cpu = harness.cpu_seconds(portico.pid) - cpu0
        w = parse_wrk(wrk_out)
        if w["requests"] == 0:
            raise RuntimeError("wrk made no requests:\n" + wrk_out)
        out = {
            "routes": args.routes, "seconds": args.seconds, "period_ms": round(args.period * 1000),
            "wrk_requests": w["requests"], "wrk_rps": w.get("rps", 0), "wrk_non_2xx": w["non_2xx"],
            "wrk_socket_errors": w["socket_errors"],
            "added": churn.adds, "changed": churn.changes, "removed": churn.removes,
            "new_route_requests": poller.requests, "new_route_errors": len(poller.errors),
            "new_route_error_samples": poller.errors[:5],
            "new_route_first_200_ms_p50": round(harness.percentile(poller.first_ok_ms, 50), 1),
            "new_route_first_200_ms_p99": round(harness.percentile(poller.first_ok_ms, 99), 1),
            "new_routes_never_200": sum(1 for a in churn.snapshot() if a.first_ok is None
                                        and time.perf_counter() - a.written > 5),
            "portico_cpu_s": round(cpu, 1),
            "rss_mib": round(harness.rss_kib(portico.pid) / 1024, 1),
            "churn_error": churn.error,
        }
        out["errors_total"] = out["wrk_non_2xx"] + out["wrk_socket_errors"] + out["new_route_errors"]
        print(json.dumps(out))
    finally:
        for p in procs:
            p.stop()
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Route propagation: how long from writing a route file to the first 200.

With N HTTPRoutes loaded (one file each, routeset.py) and `portico run`
watching the directory, a client polls (keep-alive, every millisecond) the
path a change will serve, and the time from the rename that puts the file
in place to the first 200 is one sample. Two kinds of change, `changes`
samples each:
  add     a new HTTPRoute file (a new hostname+path)
  modify  an existing route gains a path match
and the same two again with a churn loop rewriting other routes (a header
value) every 100 ms. Prints one JSON object.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from routeset import host_of, write_atomic  # noqa: E402
from stack import start_stack  # noqa: E402


def measure(client, host, path, apply_change, timeout=30.0):
    """Milliseconds from apply_change() to the first 200 on host+path."""
    if client.get(host, path) == 200:
        raise RuntimeError(f"{host}{path} answers 200 before the change")
    t0 = time.perf_counter()
    apply_change()
    deadline = t0 + timeout
    while True:
        if client.get(host, path) == 200:
            return (time.perf_counter() - t0) * 1000
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{host}{path} did not answer 200 within {timeout:.0f} s")
        time.sleep(0.001)


class Churn(threading.Thread):
    """Rewrites routes [lo, hi) round-robin, one every `period` seconds,
    changing a header value (a real change each time)."""

    def __init__(self, rs, lo, hi, period=0.1):
        super().__init__(daemon=True)
        self.rs, self.lo, self.hi, self.period = rs, lo, hi, period
        self.stop_event = threading.Event()
        self.writes = 0

    def run(self):
        i = self.lo
        next_at = time.monotonic()
        while not self.stop_event.is_set():
            write_atomic(self.rs.route_path(f"r{i}"), self.rs.route(i, header_value=f"v{self.writes}"))
            self.writes += 1
            i = i + 1 if i + 1 < self.hi else self.lo
            next_at += self.period
            self.stop_event.wait(max(0.0, next_at - time.monotonic()))

    def stop(self):
        self.stop_event.set()
        self.join()


def summary(samples):
    return {"n": len(samples), "p50_ms": round(harness.percentile(samples, 50), 1),
            "p99_ms": round(harness.percentile(samples, 99), 1), "max_ms": round(max(samples), 1)}


def run(args):
    tmp = tempfile.mkdtemp(prefix="portico-propagation.")
    procs = []
    try:
        rs, echo, portico, client, startup, _ = start_stack(args.portico, args.echo, args.routes, tmp)
        procs = [portico, echo]
        out = {"routes": args.routes, "startup_s": round(startup, 2),
               "rss_mib": round(harness.rss_kib(portico.pid) / 1024, 1)}
        half = max(1, args.routes // 2)
        churn = None
        for phase in ("quiet", "churn"):
            if phase == "churn":
                churn = Churn(rs, half, args.routes)
                churn.start()
            adds, mods = [], []
            for k in range(args.changes):
                name = f"new-{phase}-{k}"
                host = host_of(k, rs.hosts)
                path = f"/{name}/"
                adds.append(measure(client, host, path, lambda: write_atomic(
                    rs.route_path(name), rs.route(k, name=name, extra_paths=[path]))))
                j = (k * 7919) % half
                mpath = f"/r{j}-{phase}-{k}/"
                mods.append(measure(client, host_of(j, rs.hosts), mpath, lambda: write_atomic(
                    rs.route_path(f"r{j}"), rs.route(j, extra_paths=[mpath]))))
            if churn:
                churn.stop()
                out["churn_writes"] = churn.writes
            out[f"add_{phase}"] = summary(adds)
            out[f"modify_{phase}"] = summary(mods)
        reloads = [applied for applied, _, _ in harness.reloads(portico.log_path)[1:]]  # after startup
        out["reload_ms_p50"] = round(harness.percentile(reloads, 50), 1)
        out["reload_ms_p99"] = round(harness.percentile(reloads, 99), 1)
        out["reloads"] = len(reloads)
        out["rss_after_mib"] = round(harness.rss_kib(portico.pid) / 1024, 1)
        print(json.dumps(out))
    finally:
        for p in procs:
            p.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portico", required=True)
    ap.add_argument("--echo", required=True)
    ap.add_argument("--routes", type=int, required=True)
    ap.add_argument("--changes", type=int, default=50)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (config and logs)")
    run(ap.parse_args())


if __name__ == "__main__":
    main()

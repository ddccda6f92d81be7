#!/usr/bin/env python3
"""Writes the data-plane section of bench/RESULTS.md from one JSON result of
the shared benchmark harness (run by bench/dataplane/run.sh --record).

    record.py RESULT.json bench/RESULTS.md [--build-dir DIR] [--candidate portico]

Only the text between the data-plane BEGIN/END markers is replaced; when the
markers are missing, a "## Data plane" section with them is appended.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time

BEGIN = "<!-- BEGIN data-plane (written by bench/dataplane/run.sh --record) -->"
END = "<!-- END data-plane -->"


def fmt(v, nd=1):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return "{:,.0f}".format(v)
    return ("%%.%df" % nd) % v


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return "%.2f" % (a / b)


def git(repo, *args):
    try:
        return subprocess.run(["git", "-C", repo] + list(args), capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("results_md")
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--candidate", default="portico")
    ap.add_argument("--commit", help="what was measured (default: HEAD now)")
    ap.add_argument("--note", action="append", default=[], help="extra line under Problems")
    a = ap.parse_args()

    with open(a.json) as f:
        data = json.load(f)
    meta, results = data["meta"], data["results"]
    cand = a.candidate
    md_dir = os.path.dirname(os.path.abspath(a.results_md))
    repo = git(md_dir, "rev-parse", "--show-toplevel") or md_dir

    commit = a.commit
    if not commit:
        commit = git(repo, "rev-parse", "--short", "HEAD") or "unknown"
        if git(repo, "status", "--porcelain", "--", "src", "CMakeLists.txt"):
            commit += " (with uncommitted changes in src/)"
    build_type = ""
    try:
        with open(os.path.join(a.build_dir, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:STRING="):
                    build_type = line.split("=", 1)[1].strip()
    except OSError:
        pass

    by = {(r["scenario"], r["proxy"]): r for r in results}
    proxies = meta["proxies"]
    peers = [p for p in proxies if p != cand]
    scen = meta["scenarios"]
    stamp = datetime.datetime.strptime(meta["timestamp"], "%Y%m%d-%H%M%S")
    host, v, cpus = meta["host"], meta["versions"], meta["cpus"]
    rel_json = os.path.relpath(os.path.abspath(a.json), repo)

    out = [BEGIN, ""]
    # the harness stamps its runs in the machine's local time
    out.append("- Date: %s %s" % (stamp.strftime("%Y-%m-%dT%H:%M"), time.strftime("%Z")))
    out.append("- Commit: %s; build %s (%s)" % (commit, build_type or "unknown",
                                               os.path.basename(os.path.normpath(a.build_dir))))
    out.append("- Machine: %d CPUs, %s, kernel %s (shared with other sessions)" % (
        host.get("ncpu", 0), host.get("cpu_model", "unknown CPU"), host.get("kernel", "?")))
    out.append("- Harness: `../shared/bench` in %s mode: %d x %d s throughput runs per proxy "
               "and scenario (interleaved), %d s fixed-rate latency run at %d req/s; "
               "pinning: proxy on CPU %s, load generator + backend nginx on CPU %s; "
               "%.0f s in all" % (
                   meta["mode"], meta["reps"], meta["duration_s"], meta["lat_duration_s"],
                   meta["lat_rps"], cpus.get("proxy"), cpus.get("load"), meta["elapsed_s"]))
    out.append("- Peers (Debian 12): %s; wrk %s, h2load %s, OpenSSL %s" % (
        ", ".join("%s %s" % (p, v.get(p, "?")) for p in peers),
        v.get("wrk", "?"), v.get("h2load", "?"), v.get("openssl", "?")))
    out.append("- Command: `make bench-dataplane RECORD=1`; raw numbers: `%s`" % rel_json)
    out.append("")

    # 1. Ratios first: they are what this run can say.
    out.append("Ratios %s / peer in this run (req/s: higher is better for %s; "
               "CPU µs/req and latency: lower is better):" % (cand, cand))
    out.append("")
    hdr = ["scenario"]
    for p in peers:
        hdr += ["req/s x%s" % p]
    for p in peers:
        hdr += ["CPU µs/req x%s" % p]
    for p in peers:
        hdr += ["p50 x%s" % p, "p99 x%s" % p]
    out.append("| " + " | ".join(hdr) + " |")
    out.append("|---|" + "---:|" * (len(hdr) - 1))
    for s in scen:
        c = by.get((s, cand), {})
        row = [s]
        if c.get("skipped") or not c.get("rps_mean"):
            row += ["n/a"] * (len(hdr) - 1)
        else:
            for p in peers:
                row.append(ratio(c.get("rps_mean"), by.get((s, p), {}).get("rps_mean")))
            for p in peers:
                row.append(ratio(c.get("cpu_us_per_req"), by.get((s, p), {}).get("cpu_us_per_req")))
            cl = c.get("latency") or {}
            for p in peers:
                pl = by.get((s, p), {}).get("latency") or {}
                row += [ratio(cl.get("p50_ms"), pl.get("p50_ms")),
                        ratio(cl.get("p99_ms"), pl.get("p99_ms"))]
        out.append("| " + " | ".join(row) + " |")
    out.append("")

    # 2. The figures.
    out.append("Figures (absolute numbers are only comparable within this run):")
    out.append("")
    out.append("| scenario | proxy | req/s | ± | proxy CPU %% | CPU µs/req | p50 ms @%d/s | "
               "p99 ms @%d/s | peak RSS MiB | errors | other CPU %% |" % (
                   meta["lat_rps"], meta["lat_rps"]))
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in scen:
        for p in proxies:
            r = by.get((s, p))
            if r is None:
                continue
            if r.get("skipped") or not r.get("rps_mean"):
                why = r.get("skipped") or r.get("error") or "no result"
                out.append("| %s | %s | n/a (%s) | | | | | | | | |" % (s, p, why))
                continue
            lat = r.get("latency") or {}
            out.append("| %s | %s | %s | %s%% | %s | %s | %s | %s | %s | %d | %s |" % (
                s, p, fmt(r["rps_mean"]), fmt(r.get("rps_spread_pct")), fmt(r.get("cpu_pct"), 0),
                fmt(r.get("cpu_us_per_req")), fmt(lat.get("p50_ms"), 2), fmt(lat.get("p99_ms"), 2),
                fmt(r.get("peak_rss_mib")), r.get("errors", 0), fmt(r.get("other_cpu_pct"), 0)))
    out.append("")
    problems = []
    for r in results:
        if r.get("error"):
            problems.append("%s / %s: %s" % (r["scenario"], r["proxy"], r["error"]))
    for n in meta.get("notes", []) + a.note:
        problems.append(n)
    if problems:
        out.append("Problems in this run:")
        out.append("")
        out += ["- " + x.replace("\n", " ") for x in problems]
    else:
        out.append("No errors, non-2xx responses or failed functional checks in this run.")
    out.append("")
    out.append(END)
    section = "\n".join(out) + "\n"

    with open(a.results_md) as f:
        text = f.read()
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + section.rstrip("\n") + tail
    elif "\n## Data plane\n" in text:
        # first recording: the section's old body (up to the next "## ") is replaced
        head, rest = text.split("\n## Data plane\n", 1)
        nxt = rest.find("\n## ")
        tail = rest[nxt:] if nxt >= 0 else ""
        text = head + "\n## Data plane\n\n" + section + tail
    else:
        text = text.rstrip("\n") + "\n\n## Data plane\n\n" + section
    with open(a.results_md, "w") as f:
        f.write(text)
    print("recorded %s into %s" % (rel_json, a.results_md))


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes the `make bench` summary into bench/RESULTS.md: the issue's
targets with this run's figures (met or the gap), then the control-plane
scale figures (route propagation, churn, scale, microbenchmarks).

    record.py --out DIR bench/RESULTS.md [--dataplane JSON] [--commit C]

DIR holds this run's propagation-*.json, churn.json, scale.json and
micro.json (bench/run-bench.sh writes them). Only the text between this
script's BEGIN/END markers is replaced; without them the section goes
first, after the title. Standard library only.
"""

import argparse
import glob
import json
import os
import subprocess
import time

BEGIN = "<!-- BEGIN summary (written by bench/run-bench.sh) -->"
END = "<!-- END summary -->"


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def verdict(ok):
    return "met" if ok else "**not met**"


def dataplane_rows(data):
    """Ratios portico/peer from the harness JSON: (scenario, peer) -> dict."""
    by = {(r["scenario"], r["proxy"]): r for r in data["results"] if r.get("rps_mean")}
    out = {}
    for (scenario, proxy), r in by.items():
        if proxy == "portico":
            continue
        c = by.get((scenario, "portico"))
        if not c:
            continue
        out[(scenario, proxy)] = {
            "per_cpu": r["cpu_us_per_req"] / c["cpu_us_per_req"],  # >1: portico does more per CPU second
            "rps": c["rps_mean"] / r["rps_mean"],
            "p99": (c.get("latency") or {}).get("p99_ms", 0) / max((r.get("latency") or {}).get("p99_ms", 0) or 1e-9, 1e-9),
        }
    return out


def targets(out_dir, dataplane):
    rows = []
    dp = dataplane_rows(dataplane) if dataplane else {}

    def dp_row(label, scenario, peer, want):
        v = dp.get((scenario, peer))
        if v is None:
            rows.append((label, "not measured in this run", "-"))
            return
        rows.append((label, f"{v['per_cpu']:.2f}x (req/s {v['rps']:.2f}x, p99 {v['p99']:.2f}x)", verdict(v["per_cpu"] >= want)))

    dp_row("HTTP/1.1 keep-alive requests per proxy CPU second >= 1.2x nginx", "h1-small", "nginx", 1.2)
    dp_row("HTTP/1.1 keep-alive requests per proxy CPU second >= HAProxy", "h1-small", "haproxy", 1.0)
    v = dp.get(("h1-small", "nginx"))
    if v:
        rows.append(("HTTP/1.1 p99 at the fixed rate <= nginx", f"{v['p99']:.2f}x nginx", verdict(v["p99"] <= 1.0)))
    dp_row("TLS keep-alive per CPU second >= nginx", "tls-h1", "nginx", 1.0)
    dp_row("10 KiB body per CPU second >= nginx", "h1-10k", "nginx", 1.0)
    dp_row("HTTP/2 (h2c, multiplexed) per CPU second >= 1.5x nginx", "h2-mux", "nginx", 1.5)

    micro = load(os.path.join(out_dir, "micro.json"))
    if micro and "lookup" in micro:
        parts, ok = [], True
        for kind, v in micro["lookup"].items():
            r = v["10000"] / v["10"]
            ok &= r <= 1.1
            parts.append(f"{kind} {r:.2f}x")
        rows.append(("Route lookup at 10,000 routes within 10% of 10 routes", ", ".join(parts), verdict(ok)))

    for n, limit in ((3000, 30), (10000, 100)):
        p = load(os.path.join(out_dir, f"propagation-{n}.json"))
        if not p:
            continue
        worst = max(p[k]["p99_ms"] for k in ("add_quiet", "modify_quiet", "add_churn", "modify_churn"))
        rows.append((f"Route propagation p99 < {limit} ms at {n:,} routes, also under churn",
                     f"worst p99 {worst:.0f} ms (add {p['add_quiet']['p99_ms']:.0f}, modify {p['modify_quiet']['p99_ms']:.0f}, "
                     f"under churn {p['add_churn']['p99_ms']:.0f} / {p['modify_churn']['p99_ms']:.0f})", verdict(worst < limit)))

    c = load(os.path.join(out_dir, "churn.json"))
    if c:
        rows.append(("Churn: zero errors", f"{c['errors_total']} errors in {c['seconds']} s ({c['wrk_requests']:,} requests on existing "
                     f"routes, {c['new_route_requests']:,} on {c['added']} added routes)", verdict(c["errors_total"] == 0)))

    s = load(os.path.join(out_dir, "scale.json"))
    if s:
        for size in s["sizes"]:
            if size["routes"] == 5000:
                rows.append(("5,000 routes: RSS < 100 MB", f"{size['rss_after_load_mib']:.0f} MiB after load (idle {size['rss_idle_mib']:.0f})",
                             verdict(size["rss_peak_mib"] < 100)))
                rows.append(("5,000 routes: Prometheus series < 2,000 by default",
                             f"{size['prometheus_series']} idle, {size['prometheus_series_after_load']} after load",
                             verdict(size["prometheus_series_after_load"] < 2000)))
    t = load(os.path.join(out_dir, "translate.json"))
    if t:
        n = int(t["routes"])
        rows.append((f"10,000 HTTPRoutes: decode + translate < 500 ms (measured at {n:,}; bench/translate_bench.cc's config)",
                     f"{t['total_ms']:.0f} ms (decode {t['decode_ms']:.0f}, translate {t['translate_min_ms']:.0f})",
                     verdict(t["total_ms"] < 500) if n == 10000 else "-"))
    return rows


def section(out_dir, dataplane, commit):
    lines = [BEGIN, "", f"- Date: {time.strftime('%Y-%m-%dT%H:%M UTC', time.gmtime())}; commit {commit}",
             f"- Machine: {os.cpu_count()} CPUs, {cpu_model()} (shared with other sessions)",
             f"- Command: `make bench` (`bench/run-bench.sh`); raw figures in `{raw_dir(out_dir)}/`",
             "", "### Targets (issue 8)", "", "| target | this run | |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in targets(out_dir, dataplane)]
    lines += ["", "### Route propagation (bench/control/propagation.py)", "",
              "One file per HTTPRoute, `portico run` watching the directory; time from the rename that puts a file in place "
              "to the first 200 on the path it adds, polled every millisecond; churn = another route rewritten every 100 ms.", "",
              "| routes | startup s | add p50 / p99 ms | modify p50 / p99 | add under churn | modify under churn | reload p50 / p99 ms |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
    for path in sorted(glob.glob(os.path.join(out_dir, "propagation-*.json")), key=lambda p: int(p.rsplit("-", 1)[1][:-5])):
        p = load(path)
        if not p:
            continue
        f = lambda k: f"{p[k]['p50_ms']:.0f} / {p[k]['p99_ms']:.0f}"  # noqa: E731
        lines.append(f"| {p['routes']:,} | {p['startup_s']} | {f('add_quiet')} | {f('modify_quiet')} | {f('add_churn')} | "
                     f"{f('modify_churn')} | {p['reload_ms_p50']:.0f} / {p['reload_ms_p99']:.0f} |")
    c = load(os.path.join(out_dir, "churn.json"))
    if c:
        lines += ["", "### Churn (bench/control/churn.py)", "",
                  f"{c['routes']:,} routes; wrk -c16 cycling over all of them for {c['seconds']} s "
                  f"({c['wrk_requests']:,} requests, {c['wrk_rps']:,.0f}/s) while every {c['period_ms']} ms a route is added, "
                  f"changed or removed ({c['added']} added, {c['changed']} changed, {c['removed']} removed): "
                  f"non-2xx {c['wrk_non_2xx']}, socket errors {c['wrk_socket_errors']}; added routes asked "
                  f"{c['new_route_requests']:,} times after their first 200 with {c['new_route_errors']} errors; "
                  f"first 200 of an added route p50 {c['new_route_first_200_ms_p50']} ms, p99 {c['new_route_first_200_ms_p99']} ms."]
    s = load(os.path.join(out_dir, "scale.json"))
    if s:
        lines += ["", "### Scale (bench/control/scale.py)", "",
                  "100 hostnames, 2 weighted backendRefs per route, routes/20 Services of 2 endpoints; one worker; "
                  "load = wrk -c32 cycling over every route.", "",
                  "| routes | first 200 s | startup load / translate ms | RSS idle MiB | RSS after load | CPU idle % | "
                  "series idle / after load | req/s | CPU µs/req |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for z in s["sizes"]:
            lines.append(f"| {z['routes']:,} | {z['startup_s']} | {z['startup_load_ms']:.0f} / {z['startup_translate_ms']:.0f} | "
                         f"{z['rss_idle_mib']} | {z['rss_after_load_mib']} | {z['cpu_idle_pct']} | "
                         f"{z['prometheus_series']} / {z['prometheus_series_after_load']} | {z['load_rps']:,.0f} | "
                         f"{z['load_cpu_us_per_req']} |")
        idle = next((z["idle"] for z in s["sizes"] if "idle" in z), None)
        if idle:
            lines += ["", f"Idle keep-alive connections: {idle['connections']:,} open ({idle['answered_200']:,} answered 200), "
                      f"RSS {idle['rss_before_mib']} -> {idle['rss_after_mib']} MiB: **{idle['kib_per_connection']} KiB per connection**."]
    m = load(os.path.join(out_dir, "micro.json"))
    if m:
        lines += ["", "### Microbenchmarks (bench/run-microbench.sh, ns per operation)", ""]
        if "lookup" in m:
            lines += ["| route lookup | 10 routes | 1,000 | 10,000 | 10,000 / 10 |", "|---|---:|---:|---:|---:|"]
            for kind, v in m["lookup"].items():
                lines.append(f"| {kind} | {v['10']:.0f} | {v['1000']:.0f} | {v['10000']:.0f} | {v['10000'] / v['10']:.2f} |")
        for key, title in (("http1_parse", "HTTP/1 parse"), ("filters", "header filters and heads")):
            if key in m:
                lines.append("")
                lines.append(f"{title}: " + ", ".join(f"{k} {v:.0f}" for k, v in m[key].items()) + ".")
        if "translate" in m:
            lines.append("")
            lines.append("IR build (translate, ms): " + ", ".join(f"{k} routes {v:.1f}" for k, v in m["translate"].items()) + ".")
    lines += ["", END]
    return "\n".join(lines) + "\n"


def raw_dir(out_dir):
    """out_dir relative to the repository (what a reader can open)."""
    top = subprocess.run(["git", "-C", out_dir, "rev-parse", "--show-toplevel"], capture_output=True,
                         text=True).stdout.strip()
    return os.path.relpath(out_dir, top) if top else out_dir


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("results_md")
    ap.add_argument("--dataplane")
    ap.add_argument("--commit")
    ap.add_argument("--print-only", action="store_true", help="print the section, leave the file alone")
    a = ap.parse_args()
    commit = a.commit or subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dataplane = load(a.dataplane) if a.dataplane else None
    text = section(a.out, dataplane, commit)
    if a.print_only:
        print(text)
        return
    with open(a.results_md) as f:
        md = f.read()
    if BEGIN in md and END in md:
        md = md[:md.index(BEGIN)] + text + md[md.index(END) + len(END) + 1:]
    else:
        head, _, rest = md.partition("\n")
        md = head + "\n\n## `make bench` summary\n\n" + text + "\n" + rest.lstrip("\n")
    with open(a.results_md, "w") as f:
        f.write(md)
    print(text)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Runs the Google Benchmark microbenchmarks the performance issue asks for
# (HTTP/1 parse, route lookup at 10 / 1,000 / 10,000 routes for exact,
# prefix, regex and header matches, header-filter application, IR build)
# and prints ONE line of JSON on stdout:
#
#   {"lookup": {"exact": {"10": ns, "1000": ns, "10000": ns}, "prefix": {...},
#               "regex": {...}, "header": {...}},
#    "http1_parse": {"<case>": ns, ...}, "filters": {"<case>": ns, ...},
#    "translate": {"100": ms, "1000": ms}}
#
# Figures are CPU time per operation (the median of the repetitions).
# Progress, and how lookup at 10,000 routes compares with 10 routes (the
# issue's target: "within 10%"), go to stderr. Builds nothing: build
# portico_router_bench, portico_http1_bench, portico_filters_bench and
# portico_translate_microbench first.
#
#   bench/run-microbench.sh BUILD_DIR
#   QUICK=1        fewer, shorter runs (< 20 s instead of < 60 s)
#   MIN_TIME=s     --benchmark_min_time per benchmark (default 0.1, QUICK 0.05)
#   REPETITIONS=n  runs per benchmark, median reported (default 3, QUICK 1)
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
bench_dir=$1/bench

if [[ ${QUICK:-0} == 1 ]]; then
  min_time=${MIN_TIME:-0.05}
  repetitions=${REPETITIONS:-1}
else
  min_time=${MIN_TIME:-0.1}
  repetitions=${REPETITIONS:-3}
fi

# executable and --benchmark_filter (translate_microbench also has BM_Load,
# which the summary does not report).
runs=(
  "portico_router_bench:."
  "portico_http1_bench:."
  "portico_filters_bench:."
  "portico_translate_microbench:^BM_Translate/"
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for run in "${runs[@]}"; do
  exe=${run%%:*}
  filter=${run#*:}
  bin=$bench_dir/$exe
  if [[ ! -x $bin ]]; then
    echo "error: $bin not found; build it first (ninja -C $1 $exe)" >&2
    exit 1
  fi
  echo "== $exe" >&2
  # Google Benchmark's own notes (CPU scaling, library build type) go to
  # its stderr: kept in a file and shown only when the run fails.
  if ! "$bin" --benchmark_format=json --benchmark_filter="$filter" --benchmark_min_time="$min_time" \
    --benchmark_repetitions="$repetitions" --benchmark_report_aggregates_only="$([[ $repetitions -gt 1 ]] && echo true || echo false)" \
    >"$tmp/$exe.json" 2>"$tmp/$exe.err"; then
    cat "$tmp/$exe.err" >&2
    echo "error: $exe failed" >&2
    exit 1
  fi
done

python3 - "$tmp" <<'EOF'
import json
import os
import sys

tmp = sys.argv[1]
to_ns = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# run_name -> cpu time in ns: the median aggregate when there are
# repetitions, else the single iteration run.
times = {}
failed = []
for f in sorted(os.listdir(tmp)):
    if not f.endswith(".json"):
        continue
    with open(os.path.join(tmp, f)) as fh:
        data = json.load(fh)
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"])
        if b.get("error_occurred"):
            failed.append(f"{name}: {b.get('error_message', '')}")
            continue
        median = b.get("run_type") == "aggregate" and b.get("aggregate_name") == "median"
        single = b.get("run_type", "iteration") == "iteration"
        if median or (single and name not in times):
            times[name] = b["cpu_time"] * to_ns[b["time_unit"]]
if failed:
    sys.exit("error: benchmarks failed:\n  " + "\n  ".join(failed))


def group(prefix):
    """{"<rest of name>": ns} for every benchmark named prefix + rest."""
    return {n[len(prefix):]: round(t, 1) for n, t in times.items() if n.startswith(prefix)}


sizes = ["10", "1000", "10000"]
kinds = ["exact", "prefix", "regex", "header"]
summary = {
    "lookup": {k: {s: round(times[f"BM_Lookup/{k}/{s}"], 1) for s in sizes} for k in kinds},
    "http1_parse": group("BM_Http1Parse/"),
    "filters": group("BM_Filters/"),
    "translate": {s: round(times[f"BM_Translate/{s}"] / 1e6, 2) for s in ["100", "1000"]},
}

# The issue's target: "Route lookup at 10,000 routes within 10% of 10 routes".
for k in kinds:
    small, large = summary["lookup"][k]["10"], summary["lookup"][k]["10000"]
    ratio = large / small
    verdict = "within 10%" if ratio <= 1.10 else "NOT within 10%"
    print(f"lookup {k:6}: {small:7.1f} ns at 10 routes, {large:7.1f} ns at 10,000 "
          f"(x{ratio:.2f}, {verdict})", file=sys.stderr)

print(json.dumps(summary, separators=(",", ":")))
EOF

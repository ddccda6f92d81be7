#!/usr/bin/env bash
# `make bench`: every benchmark of the performance issue in one run, then
# the summary in bench/RESULTS.md (bench/control/record.py). Builds
# nothing: `make bench` builds and installs the tools first.
#
#   bench/run-bench.sh BUILD_DIR
#   QUICK=1   a short run (< 5 min): fewer sizes, changes and seconds
#   RECORD=0  do not rewrite bench/RESULTS.md (default: 1, but 0 with QUICK=1:
#             a quick run's figures are not the record)
#   SKIP=a,b  leave parts out: translate, micro, propagation, churn, scale, dataplane
#
# Parts, in order (full / QUICK):
#   translate    decode + translate at 1,000 and 10,000 HTTPRoutes (run-translate-bench.sh) / 1,000
#   micro        Google Benchmark: lookup, HTTP/1 parse, filters, IR build (run-microbench.sh)
#   propagation  100 / 3,000 / 10,000 routes, 50 changes of each kind (10 in QUICK, no 10,000)
#   churn        5 min of load while routes change every 100 ms (30 s in QUICK)
#   scale        1,000 / 5,000 / 10,000 routes + 10,000 idle connections (1,000 routes + 2,000 in QUICK)
#   dataplane    ../shared/bench: nginx and HAProxy beside Portico (skipped with a message when absent)
# Every part writes JSON under bench/results/<time>/; a part that fails is
# reported and the run goes on, exiting 1 at the end.
set -uo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build_dir=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
quick=${QUICK:-0}
record=${RECORD:-$([[ $quick == 1 ]] && echo 0 || echo 1)}
skip=",${SKIP:-},"
out=$repo/bench/results/$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$out"
portico=$build_dir/portico
echo_bin=$build_dir/portico-echo
failed=()
started=$SECONDS

part() {  # part NAME COMMAND...: runs one part unless skipped, timing it
  local name=$1
  shift
  if [[ $skip == *",$name,"* ]]; then
    echo "== $name: skipped (SKIP)"
    return
  fi
  echo "== $name ($(date -u +%H:%M:%S))"
  local t=$SECONDS
  if ! "$@"; then
    echo "== $name FAILED" >&2
    failed+=("$name")
  fi
  echo "== $name: $((SECONDS - t)) s"
}

translate() {
  rm -f "$out/translate-all.json"
  QUICK=$quick RECORD=$record JSON_OUT=$out/translate-all.json \
    "$repo/bench/run-translate-bench.sh" "$build_dir" || return 1
  # The largest size's figures, for the targets table.
  tail -1 "$out/translate-all.json" >"$out/translate.json"
}

micro() {
  QUICK=$quick "$repo/bench/run-microbench.sh" "$build_dir" >"$out/micro.json"
}

propagation() {
  local sizes=(100 3000 10000) changes=50
  [[ $quick == 1 ]] && sizes=(100 3000) && changes=10
  for n in "${sizes[@]}"; do
    python3 "$repo/bench/control/propagation.py" --portico "$portico" --echo "$echo_bin" \
      --routes "$n" --changes "$changes" >"$out/propagation-$n.json" || return 1
    cat "$out/propagation-$n.json"
  done
}

churn() {
  local seconds=300
  [[ $quick == 1 ]] && seconds=30
  python3 "$repo/bench/control/churn.py" --portico "$portico" --echo "$echo_bin" \
    --routes 1000 --seconds "$seconds" >"$out/churn.json" && cat "$out/churn.json"
}

scale() {
  local sizes=1000,5000,10000 idle=10000 seconds=5
  [[ $quick == 1 ]] && sizes=1000 && idle=2000 && seconds=3
  python3 "$repo/bench/control/scale.py" --portico "$portico" --echo "$echo_bin" --sizes "$sizes" \
    --idle-connections "$idle" --load-seconds "$seconds" >"$out/scale.json" && cat "$out/scale.json"
}

dataplane() {
  QUICK=$quick RECORD=$record "$repo/bench/dataplane/run.sh" "$build_dir" || return 1
  local json
  json=$(ls "$repo"/bench/dataplane/results/*.json 2>/dev/null | sort | tail -1)
  [[ -n $json ]] && cp "$json" "$out/dataplane.json"
  return 0
}

part translate translate
part micro micro
part propagation propagation
part churn churn
part scale scale
part dataplane dataplane

args=(--out "$out" "$repo/bench/RESULTS.md")
[[ -f $out/dataplane.json ]] && args+=(--dataplane "$out/dataplane.json")
[[ $record == 1 ]] || args+=(--print-only)
python3 "$repo/bench/control/record.py" "${args[@]}" | sed -n '/### Targets/,/^### Route/p' | sed '$d'
[[ $record == 1 ]] && echo "summary written to bench/RESULTS.md"
echo "make bench: $((SECONDS - started)) s; results in ${out#"$repo"/}"
if ((${#failed[@]})); then
  echo "failed parts: ${failed[*]}" >&2
  exit 1
fi

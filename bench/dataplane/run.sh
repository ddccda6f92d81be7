#!/usr/bin/env bash
# Data-plane benchmark: Portico (one worker) next to nginx and HAProxy (one
# worker each) with the shared proxy benchmark harness. The harness stays
# where it is (default ../shared/bench beside the repo, override with
# PORTICO_BENCH_HARNESS); this script only calls it. Builds nothing and
# installs nothing: `make bench-dataplane` does both first.
#
#   bench/dataplane/run.sh BUILD_DIR [--record]
#   QUICK=1     the harness's quick mode (2 s runs, 1 s latency run)
#   RECORD=1    (or --record) also rewrite the data-plane section of
#               bench/RESULTS.md from this run's JSON
#   PROXIES     peers (default nginx,haproxy; h2o is also available)
#   SCENARIOS   default: every scenario of the harness Portico serves
#               (h1-small,h1-10k,h1-newconn,tls-h1,routes1k, and h2load's
#               h2-mux (h2c prior knowledge) and h2-tls (ALPN h2))
#   Any other knob of the harness (DURATION, REPS, LAT_DURATION, ...) passes through.
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR [--record]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
build_dir=$(cd "$1" && pwd)
shift
record=${RECORD:-0}
for arg in "$@"; do
  case $arg in
    --record) record=1 ;;
    *) usage ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
harness=${PORTICO_BENCH_HARNESS:-$repo/../shared/bench}

if [[ ! -x $harness/run.sh ]]; then
  echo "bench-dataplane: SKIPPED: no benchmark harness at $harness" \
       "(set PORTICO_BENCH_HARNESS to the shared bench directory)"
  exit 0
fi
if [[ ! -x $build_dir/portico ]]; then
  echo "error: $build_dir/portico not found; build it first (make build)" >&2
  exit 1
fi
for tool in nginx haproxy wrk h2load; do
  if ! PATH=$PATH:/usr/sbin command -v "$tool" >/dev/null; then
    echo "error: $tool missing: run bench/dataplane/install-bench-deps.sh" >&2
    exit 1
  fi
done

# What is measured: the commit now, and the binary's identity, checked again
# at the end (a rebuild during the run would mix two versions).
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$repo" status --porcelain -- src CMakeLists.txt 2>/dev/null) ]]; then
  commit="$commit (with uncommitted changes in src/)"
fi
bin_id() { stat -c '%Y %s' "$build_dir/portico"; }
bin_before=$(bin_id)

results_dir=$repo/bench/dataplane/results
mkdir -p "$results_dir"
before=$(ls "$results_dir"/*.json 2>/dev/null | sort | tail -1 || true)

export PATH=$PATH:/usr/sbin
export PROXIES=${PROXIES:-nginx,haproxy}
export SCENARIOS=${SCENARIOS:-h1-small,h1-10k,h1-newconn,tls-h1,routes1k,h2-mux,h2-tls}
export CANDIDATE_CMD="PORTICO_BIN=$(printf %q "$build_dir/portico") $(printf %q "$here/portico-candidate.sh")"
export CANDIDATE_NAME=portico
export CANDIDATE_PORT=18400
export CANDIDATE_TLS_PORT=18401
# h2c with prior knowledge is served on the HTTP listener itself.
export CANDIDATE_H2C_PORT=18400
export RESULTS_DIR=$results_dir

"$harness/run.sh"

json=$(ls "$results_dir"/*.json 2>/dev/null | sort | tail -1 || true)
if [[ -z $json || $json == "$before" ]]; then
  echo "error: the harness wrote no result" >&2
  exit 1
fi

note=()
if [[ $(bin_id) != "$bin_before" ]]; then
  echo "WARNING: $build_dir/portico changed during the run: the figures mix two builds" >&2
  note=(--note "$build_dir/portico was rebuilt during the run: the figures mix two builds")
fi

[[ $record == 1 ]] || exit 0
python3 "$here/record.py" "$json" "$repo/bench/RESULTS.md" --build-dir "$build_dir" \
  --commit "$commit" "${note[@]}"

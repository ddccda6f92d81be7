#!/usr/bin/env bash
# Runs the control-plane benchmark (portico_translate_bench) at 1,000 and
# 10,000 HTTPRoutes over 100 Gateways and prints the figures. Builds
# nothing: `make bench` builds first.
#
#   bench/run-translate-bench.sh BUILD_DIR [--record]
#   QUICK=1   only the 1,000-route run
#   RECORD=1  (or --record) also rewrite the control-plane section of
#             bench/RESULTS.md with these figures
#   REPEAT=N  translate runs per size (default 5)
#   JSON_OUT=FILE  also write each size's figures there, one JSON line each
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR [--record]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
build_dir=$1
shift
record=${RECORD:-0}
for arg in "$@"; do
  case $arg in
    --record) record=1 ;;
    *) usage ;;
  esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$build_dir/bench/portico_translate_bench
if [[ ! -x $bin ]]; then
  echo "error: $bin not found; build it first (make build, or ninja -C $build_dir portico_translate_bench)" >&2
  exit 1
fi

# The issue's target, for the 10,000-route run.
target_routes=10000
target_translate_ms=1000
target_rss_mib=300

sizes=(1000 10000)
[[ ${QUICK:-0} == 1 ]] && sizes=(1000)
gateways=100
repeat=${REPEAT:-5}

# One field of the bench's flat JSON line (numbers only).
field() { sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" <<<"$1"; }
# awk does the float comparisons bash cannot.
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

results=()
for routes in "${sizes[@]}"; do
  echo "== $routes HTTPRoutes over $gateways Gateways"
  out=$("$bin" --routes "$routes" --gateways "$gateways" --repeat "$repeat") || {
    echo "$out"
    echo "error: the benchmark failed at $routes routes" >&2
    exit 1
  }
  grep -v '^{' <<<"$out"
  results+=("$(grep '^{' <<<"$out")")
  [[ -n ${JSON_OUT:-} ]] && grep '^{' <<<"$out" >>"$JSON_OUT"
  echo
done

verdict_for() {
  local json=$1
  if [[ $(field "$json" routes) != "$target_routes" ]]; then
    echo "-"
  elif below "$(field "$json" translate_median_ms)" "$target_translate_ms" &&
       below "$(field "$json" peak_rss_mib)" "$target_rss_mib"; then
    echo "yes"
  else
    echo "**no**"
  fi
}

for json in "${results[@]}"; do
  if [[ $(field "$json" routes) == "$target_routes" ]]; then
    echo "target (translate < ${target_translate_ms} ms, peak RSS < ${target_rss_mib} MiB at ${target_routes} routes): met: $(verdict_for "$json")"
  fi
done

[[ $record == 1 ]] || exit 0

results_md=$repo/bench/RESULTS.md
begin='<!-- BEGIN control-plane (written by bench/run-translate-bench.sh --record) -->'
end='<!-- END control-plane -->'
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$repo" status --porcelain -- src bench CMakeLists.txt 2>/dev/null) ]]; then
  commit="$commit (with uncommitted changes)"
fi
cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -1)
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)

section=$(mktemp)
trap 'rm -f "$section"' EXIT
{
  echo "$begin"
  echo
  echo "- Date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- Commit: $commit"
  echo "- Machine: $(nproc) CPUs, ${cpu:-unknown CPU}; load average at start $(cut -d' ' -f1-3 /proc/loadavg) (shared machine)"
  echo "- Build: ${build_type:-unknown} ($build_dir)"
  echo "- Command: \`make bench\` (\`bench/run-translate-bench.sh $build_dir --record\`), translate repeated $repeat times"
  echo "- Target (foundation issue): 10,000 HTTPRoutes translated in under ${target_translate_ms} ms (median), peak RSS under ${target_rss_mib} MiB"
  echo
  echo "| HTTPRoutes | Gateways | Objects | IR routes | Decode+validate ms | Translate ms min / median | Total ms | Peak RSS MiB | IR+status heap MiB | Target met |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"
  for json in "${results[@]}"; do
    echo "| $(field "$json" routes) | $(field "$json" gateways) | $(field "$json" objects) | $(field "$json" ir_routes)" \
         "| $(field "$json" decode_ms) | $(field "$json" translate_min_ms) / $(field "$json" translate_median_ms)" \
         "| $(field "$json" total_ms) | $(field "$json" peak_rss_mib) | $(field "$json" result_heap_mib) | $(verdict_for "$json") |"
  done
  echo
  echo "Total = decode+validate + the first (cold) translate. Peak RSS is the whole"
  echo "process (getrusage), including the generated YAML and the loaded snapshot."
  echo
  echo "$end"
} >"$section"

if [[ -f $results_md ]] && grep -qF "$begin" "$results_md"; then
  # Replace the marked section, keep everything else as written.
  awk -v begin="$begin" -v end="$end" -v file="$section" '
    $0 == begin { while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == end { skip = 0; next }
    !skip { print }' "$results_md" >"$results_md.tmp"
  mv "$results_md.tmp" "$results_md"
else
  {
    echo "# Benchmark results"
    echo
    echo "## Control plane"
    echo
    cat "$section"
    echo
    echo "## Data plane"
    echo
    echo "Not yet (issue 3)."
  } >"$results_md"
fi
echo "recorded in $results_md"

#!/usr/bin/env bash
# Where a proxied request's CPU goes, in numbers that do not depend on how
# busy the machine is: user-space instructions per request (valgrind
# callgrind) and system calls per request (strace -c), for Portico and for
# nginx (the harness's peer config) in front of the harness's backend, on
# HTTP/1.1 keep-alive with 19-byte answers (the h1-small scenario).
# Instruction counts repeat to within a few percent whatever else runs;
# wall-clock benchmarks (run.sh) need a quiet machine.
#
#   bench/dataplane/profile.sh BUILD_DIR
#   KEEP=1     keep the callgrind files (callgrind_annotate them) in the temp dir
#   SECONDS_UNDER_LOAD (default 10), CONNECTIONS (default 10)
#
# Needs valgrind, strace, wrk, nginx and curl (make bench-dataplane installs
# all but valgrind and strace, which every machine of this kind has).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build_dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
harness=${PORTICO_BENCH_HARNESS:-$repo/../shared/bench}
duration=${SECONDS_UNDER_LOAD:-10}
conns=${CONNECTIONS:-10}

if [[ ! -d $harness/lib || ! -d $harness/gateway/basic ]]; then
  echo "bench-profile: SKIPPED: no benchmark harness at $harness (set PORTICO_BENCH_HARNESS)"
  exit 0
fi
for tool in valgrind callgrind_control callgrind_annotate strace wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "bench-profile: $tool not found" >&2; exit 1; }
done
[[ -x $build_dir/portico ]] || { echo "bench-profile: $build_dir/portico not built" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/portico-profile.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ ${KEEP:-0} == 1 ]] && echo "kept: $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT

# The harness's own backend and nginx peer configs (read in place).
python3 - "$harness/lib" "$tmp" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import confgen
confgen.write_backend(sys.argv[2])
confgen.write_nginx_peer(sys.argv[2], "basic", ports={"h1": 18100})
PY
# nginx in one process under valgrind: no master, the worker is the process.
sed 's/^master_process on;/master_process off;/' "$tmp/nginx-basic/nginx.conf" >"$tmp/nginx-basic/nginx-1.conf"

nginx -p "$tmp/backend/" -c "$tmp/backend/nginx.conf" -e "$tmp/backend/logs/error.log" &
pids+=($!)

portico_cmd=("$build_dir/portico" run -c "$harness/gateway/basic" --controller-name gateway.bench.test/candidate
  --workers 1 --listen-address 127.0.0.1 --access-log off --admin-address off)
nginx_cmd=(nginx -p "$tmp/nginx-basic/" -c "$tmp/nginx-basic/nginx-1.conf" -e "$tmp/nginx-basic/logs/error.log")

wait_ready() {  # port
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/" && return 0
    sleep 0.1
  done
  echo "bench-profile: nothing answers on $1" >&2
  return 1
}

load() {  # port seconds -> prints the number of requests wrk completed
  wrk -t1 -c"$conns" -d"$2s" "http://127.0.0.1:$1/" | awk '/requests in/ {print $1}'
}

# callgrind: instructions while under load only (instrumentation switched
# on after start-up and warm-up, counters zeroed), divided by requests.
instructions() {  # name port cmd...
  local name=$1 port=$2
  shift 2
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$tmp/callgrind.$name" "$@" \
    >"$tmp/$name-callgrind.log" 2>&1 &
  local vg=$!
  pids+=($vg)
  wait_ready "$port"
  load "$port" 2 >/dev/null
  callgrind_control -i on "$vg" >/dev/null 2>&1
  callgrind_control -z "$vg" >/dev/null 2>&1
  local n
  n=$(load "$port" "$duration")
  callgrind_control -d "$vg" >/dev/null 2>&1
  kill "$vg"
  wait "$vg" 2>/dev/null || true
  local total
  total=$(callgrind_annotate "$(ls -t "$tmp/callgrind.$name".* | head -1)" 2>/dev/null |
    awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}')
  echo "$n $total"
}

# strace -c: system calls per request, natively (strace slows the process;
# counts, not times, are used).
syscalls() {  # name port cmd...
  local name=$1 port=$2
  shift 2
  "$@" >"$tmp/$name-native.log" 2>&1 &
  local p=$!
  pids+=($p)
  wait_ready "$port"
  load "$port" 1 >/dev/null
  strace -c -f -p "$p" -o "$tmp/strace.$name" 2>/dev/null &
  local st=$!
  sleep 0.5
  local n
  n=$(load "$port" 4)
  kill -INT "$st"
  wait "$st" 2>/dev/null || true
  kill "$p"
  wait "$p" 2>/dev/null || true
  # strace -c rows: % time, seconds, usecs/call, calls, [errors,] syscall.
  awk -v n="$n" '
    $1 ~ /^[0-9.]+$/ && NF >= 5 {calls[$NF] = $4}
    END {
      printf "%s %.2f", n, calls["total"] / n
      # Every call made at least once per 20 requests, most frequent first.
      m = 0
      for (c in calls) if (c != "total" && calls[c] / n >= 0.05) names[++m] = c
      for (i = 1; i <= m; i++)
        for (j = i + 1; j <= m; j++)
          if (calls[names[j]] > calls[names[i]]) { t = names[i]; names[i] = names[j]; names[j] = t }
      for (i = 1; i <= m; i++) printf " %s=%.2f", names[i], calls[names[i]] / n
      printf "\n"
    }' "$tmp/strace.$name"
}

echo "bench-profile: $(git -C "$repo" rev-parse --short HEAD), wrk -c$conns, ${duration}s under callgrind"
printf '| proxy | instructions / request | syscalls / request | by call |\n|---|---:|---:|---|\n'
declare -A ir sc detail
for name in portico nginx; do
  if [[ $name == portico ]]; then port=18400; cmd=("${portico_cmd[@]}"); else port=18100; cmd=("${nginx_cmd[@]}"); fi
  read -r n total < <(instructions "$name" "$port" "${cmd[@]}")
  ir[$name]=$(awk -v t="$total" -v n="$n" 'BEGIN {printf "%.0f", t / n}')
  read -r _ per rest < <(syscalls "$name" "$port" "${cmd[@]}")
  sc[$name]=$per
  detail[$name]=$rest
  printf '| %s | %s | %s | %s |\n' "$name" "${ir[$name]}" "${sc[$name]}" "${detail[$name]}"
done
awk -v a="${ir[portico]}" -v b="${ir[nginx]}" -v c="${sc[portico]}" -v d="${sc[nginx]}" \
  'BEGIN {printf "portico / nginx: instructions %.2fx, syscalls %.2fx\n", a / b, c / d}'

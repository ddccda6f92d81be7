#!/usr/bin/env bash
# `make run`: start the two echo backends of examples/quickstart on
# 127.0.0.1:9001/9002, then Portico in the foreground. Ctrl-C (or SIGTERM)
# stops everything.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

"$build/portico-echo" --listen 127.0.0.1:9001 --pod echo-v1 --namespace default --service echo-v1 >/dev/null &
pids+=($!)
"$build/portico-echo" --listen 127.0.0.1:9002 --pod echo-v2 --namespace default --service echo-v2 >/dev/null &
pids+=($!)

cat <<'TXT'
Portico quickstart: Gateway "quickstart" on http://127.0.0.1:8080, admin on http://127.0.0.1:9901
Try, in another terminal:
  curl -H 'Host: echo.example.com' http://127.0.0.1:8080/api/hello     # 80% echo-v1, 20% echo-v2
  curl -i -H 'Host: echo.example.com' http://127.0.0.1:8080/old        # 301 to /api
  curl -H 'Host: other.example.com' http://127.0.0.1:8080/             # 404: no route for that host
  curl http://127.0.0.1:9901/metrics
  build/portico status -c examples/quickstart
Edit examples/quickstart/*.yaml and Portico reloads; Ctrl-C stops.
TXT
"$build/portico" run -c examples/quickstart --listen-address 127.0.0.1 &
portico=$!
pids+=($portico)
trap 'kill -TERM $portico 2>/dev/null; wait $portico; cleanup' INT TERM
wait $portico

#!/usr/bin/env bash
# Portico as the harness's candidate proxy (../shared/bench, CANDIDATE_CMD).
# Runs in the foreground (exec) so the harness measures Portico's own process.
#
# Input: the harness's environment (see ../shared/bench/README.md):
#   BENCH_GATEWAY_DIR  gateway/basic or gateway/routes1k of the harness: loaded as is
#   BENCH_PORT         HTTP listener (the harness's YAML already says 18400)
#   BENCH_TLS_PORT     optional: an extra Gateway with an HTTPS listener on this
#                      port (Secret from BENCH_TLS_CERT/KEY) and a PathPrefix /
#                      route to the same backend is written to BENCH_TMP
#   BENCH_WORKERS      --workers (1, like the peers)
#   BENCH_TMP          where the extra YAML goes
# Optional: PORTICO_BIN (default <repo>/build/portico).
#
# The harness's GatewayClass names controller gateway.bench.test/candidate, so
# Portico is told to act for it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=${PORTICO_BIN:-$repo/build/portico}

: "${BENCH_GATEWAY_DIR:?run by the harness: BENCH_GATEWAY_DIR unset}"
[ -x "$bin" ] || { echo "portico-candidate: $bin not built" >&2; exit 1; }

configs=(-c "$BENCH_GATEWAY_DIR")
# The harness's YAML fixes the HTTP listener port; Portico cannot be told
# another one from the command line, so a different CANDIDATE_PORT is an error.
if [ -n "${BENCH_PORT:-}" ] && ! grep -qs "port: $BENCH_PORT\$" "$BENCH_GATEWAY_DIR"/00-common.yaml; then
  echo "portico-candidate: $BENCH_GATEWAY_DIR does not listen on BENCH_PORT=$BENCH_PORT" \
    "(use CANDIDATE_PORT=18400 or regenerate with gen_routes.py --port)" >&2
  exit 1
fi

if [ -n "${BENCH_TLS_PORT:-}" ] && [ "${BENCH_VARIANT:-basic}" = basic ]; then
  extra="${BENCH_TMP:?BENCH_TMP unset}/portico-${BENCH_VARIANT:-basic}"
  mkdir -p "$extra"
  b64() { base64 -w0 < "$1"; }
  cat > "$extra/50-tls.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: bench-tls
  namespace: default
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$BENCH_TLS_CERT")
  tls.key: $(b64 "$BENCH_TLS_KEY")
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: bench-gateway-tls
  namespace: default
spec:
  gatewayClassName: bench
  listeners:
  - name: https
    protocol: HTTPS
    port: $BENCH_TLS_PORT
    tls:
      mode: Terminate
      certificateRefs:
      - name: bench-tls
    allowedRoutes:
      namespaces:
        from: Same
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: backend-tls
  namespace: default
spec:
  parentRefs:
  - name: bench-gateway-tls
    sectionName: https
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /
    backendRefs:
    - name: backend
      port: 80
YAML
  configs+=(-c "$extra")
fi

exec "$bin" run "${configs[@]}" \
  --controller-name gateway.bench.test/candidate \
  --workers "${BENCH_WORKERS:-1}" \
  --listen-address 127.0.0.1 \
  --access-log off \
  --admin-address off

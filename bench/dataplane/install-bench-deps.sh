#!/usr/bin/env bash
# Installs the Debian 12 packages the data-plane benchmark harness
# (../shared/bench, see its setup.sh) needs: the peer proxies and the load
# generators. Idempotent: packages already present are skipped, and apt is not
# touched at all when nothing is missing. Never starts the distro services:
# if the machine has no /usr/sbin/policy-rc.d, a temporary one (exit 101) is
# in place for the install, so nginx/haproxy/h2o do not start on ports 80/443.
set -euo pipefail

PACKAGES=(
  nginx            # backend + peer
  haproxy          # peer
  h2o              # peer
  wrk              # HTTP/1.1 load at saturation
  nghttp2-client   # h2load: fixed-rate latency runs, HTTP/2 scenarios
  openssl          # the harness's self-signed certificate
  python3          # the harness itself (standard library only)
  util-linux       # taskset
  coreutils        # timeout
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bench-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "bench-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
cleanup() { if [ "$made_policy" = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

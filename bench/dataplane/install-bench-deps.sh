#!/usr/bin/env bash
# Installs the Debian 12 packages the data-plane benchmark harness
# (../shared/bench, see its setup.sh) needs: the peer proxies and the load
# generators. Idempotent: packages already present are skipped, and apt is not
# touched at all when nothing is missing. Never starts the distro services:
# if the machine has no /usr/sbin/policy-rc.d, a temporary one (exit 101) is
# in place for the install, so nginx/haproxy/h2o do not start on ports 80/443.
set -euo pipefail
# shellcheck source=../../scripts/apt-ensure.sh
source "$(dirname "$0")/../../scripts/apt-ensure.sh"

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
  valgrind         # profile.sh: instructions per request (callgrind)
  strace           # profile.sh: system calls per request
  curl             # profile.sh: readiness probe
)

apt_ensure bench-deps --no-services "${PACKAGES[@]}"

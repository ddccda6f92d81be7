# Sourced by the install scripts: apt_ensure LABEL [--no-services] PACKAGE...
# installs the Debian packages that are missing. Idempotent: apt is not
# touched at all when everything is present. --no-services keeps the
# distro's services from starting during the install (a temporary
# /usr/sbin/policy-rc.d answering 101, when the machine has none), so peers
# like nginx/haproxy do not grab ports 80/443.
apt_ensure() {
  local label=$1
  shift
  local no_services=0
  if [ "${1:-}" = "--no-services" ]; then
    no_services=1
    shift
  fi
  local missing=() p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "$label: all $# packages present"
    return 0
  fi
  echo "$label: installing ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  local made_policy=0
  if [ "$no_services" = 1 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=$?
  if [ "$made_policy" = 1 ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
  return $rc
}

#!/usr/bin/env bash
# The dashboard's end-to-end test (dashboard.test.mjs) in headless Chromium:
#   tests/ui/run.sh PORTICO_BIN PORTICO_ECHO_BIN WORK_DIR
# Installs playwright-core from tests/ui/package-lock.json into WORK_DIR
# (npm ci, once per lockfile) and drives Debian's /usr/bin/chromium with it.
# Exits 77 (CTest SKIP_RETURN_CODE) when chromium, node or npm is missing
# or the npm registry cannot be reached, so an offline machine skips cleanly.
# PORTICO_UI_SCREENSHOTS=DIR writes the screenshots of docs/dashboard.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
portico=${1:?portico binary}
echo_bin=${2:?portico-echo binary}
work=${3:?work directory}
chromium=${PORTICO_CHROMIUM:-/usr/bin/chromium}

skip() {
  echo "SKIPPED: $*" >&2
  exit 77
}
[ -x "$chromium" ] || skip "no $chromium (make deps installs Debian's chromium)"
command -v node >/dev/null || skip "no node"
command -v npm >/dev/null || skip "no npm"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' || skip "node >= 18 needed"

mkdir -p "$work"
# Absolute paths: the test resolves modules and starts binaries from elsewhere.
work=$(cd "$work" && pwd)
portico=$(realpath "$portico")
echo_bin=$(realpath "$echo_bin")
# Concurrent runs (build and build-asan) share nothing but the lockfile.
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/playwright-core" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error --fetch-timeout=20000 --fetch-retries=1) ||
    skip "npm ci failed (offline?): playwright-core is not installed"
fi
export PORTICO_BIN=$portico PORTICO_ECHO_BIN=$echo_bin PORTICO_CHROMIUM=$chromium
export PORTICO_UI_MODULES=$work/node_modules PORTICO_SOURCE_DIR=$here/../..
exec node "$here/dashboard.test.mjs"

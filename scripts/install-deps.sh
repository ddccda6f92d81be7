#!/usr/bin/env bash
# Installs exactly the Debian 12 packages Portico builds and tests with.
# Idempotent: packages already present are skipped, and apt is not touched
# at all when nothing is missing.
set -euo pipefail
# shellcheck source=scripts/apt-ensure.sh
source "$(dirname "$0")/apt-ensure.sh"

PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config make clang-format
  # libraries
  libyaml-dev          # manifest parsing (libyaml: fast, event-based)
  libyaml-cpp-dev      # kubeconfig files, diagnose --fix patches, test tools
  nlohmann-json3-dev   # JSON manifests, status and IR output
  libre2-dev           # RegularExpression matches: linear time, no ReDoS
  libssl-dev           # certificate Secret parsing, TLS
  libfmt-dev           # formatting of errors and tables
  libcli11-dev         # command line
  zlib1g-dev           # portico bundle (.tar.gz); libprotobuf-dev pulls it in already, listed because portico links it
  libboost1.81-dev     # Asio (C++20 coroutines) for the data plane and portico-echo
  libnghttp2-dev       # HTTP/2 framing (h2c and h2) in portico-echo
  libjemalloc-dev      # portico's allocator: no arena-lock contention between reloads and the history thread
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc  # portico-grpc-echo and its test client
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  nghttp2-client       # h2load: HTTP/2 multiplexing test (tests/dataplane/h2_limits_test.cc)
  chromium chromium-driver  # headless browser for the dashboard's end-to-end test (tests/ui/)
  # fuzzing (make fuzz): clang 14 with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
)

apt_ensure deps "${PACKAGES[@]}"

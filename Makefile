# Portico: the two set-up commands are `make run` and `make test`.
# Every target installs what it needs first (make deps is idempotent).

BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
BUILD_TYPE     ?= RelWithDebInfo
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=

.PHONY: all deps build build-asan build-tsan test test-unit test-asan test-tsan run bench bench-build bench-dataplane bench-profile conformance fuzz format format-check clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

$(ASAN_BUILD_DIR)/build.ninja:
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPORTICO_SANITIZE=ON \
	  -DPORTICO_SHARED_LIBS=ON -DPORTICO_BUILD_BENCH=OFF $(CMAKE_FLAGS)

build-asan: deps $(ASAN_BUILD_DIR)/build.ninja
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)

# ThreadSanitizer over the tests that run threads against each other: the
# data plane (workers, config swaps, health checks), the run loop, the
# Kubernetes source and the loader's parallel parsing. Not part of `make
# test` (TSan roughly triples the data-plane tests' time); run it after
# touching worker, controller or loader threads.
# tests/tsan.supp hides races reported inside Debian's uninstrumented gRPC
# and abseil (the tests' gRPC client, portico-grpc-echo).
TSAN_BUILD_DIR ?= build-tsan
TSAN_TESTS     ?= dataplane_test run_test kube_test source_test

$(TSAN_BUILD_DIR)/build.ninja:
	cmake -S . -B $(TSAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPORTICO_TSAN=ON \
	  -DPORTICO_BUILD_BENCH=OFF $(CMAKE_FLAGS)

build-tsan: deps $(TSAN_BUILD_DIR)/build.ninja
	cmake --build $(TSAN_BUILD_DIR) -j $(JOBS) --target $(TSAN_TESTS) portico portico-echo portico-grpc-echo

test-tsan: build-tsan
	cd $(TSAN_BUILD_DIR)/tests && for t in $(TSAN_TESTS); do \
	  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp ./$$t || exit 1; done

# The whole suite, then the same unit tests again under ASan+UBSan.
test: test-unit test-asan

test-unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

test-asan: build-asan
	cd $(ASAN_BUILD_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

# The quickstart: two echo backends and Portico serving examples/quickstart.
run: build
	$(BUILD_DIR)/portico validate -c examples/quickstart
	./scripts/quickstart.sh $(BUILD_DIR)

# Every benchmark of the performance issue (bench/run-bench.sh: translate,
# microbenchmarks, route propagation, churn, scale, data plane vs nginx and
# HAProxy) and the summary in bench/RESULTS.md. ~20 min; QUICK=1 < 5 min;
# RECORD=0 leaves RESULTS.md alone; SKIP=churn,... leaves parts out.
bench: bench-build
	./bench/dataplane/install-bench-deps.sh
	./bench/run-bench.sh $(BUILD_DIR)

# What the benchmarks run, without the test suite: on a fresh machine the
# tests are most of a build.
BENCH_TARGETS = portico portico-echo portico_translate_bench portico_translate_microbench \
  portico_router_bench portico_http1_bench portico_filters_bench
bench-build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target $(BENCH_TARGETS)

# Data plane: Portico next to nginx and HAProxy (one worker each) with the
# shared proxy benchmark harness (../shared/bench, or PORTICO_BENCH_HARNESS);
# skipped with a message when the harness is absent. ~6 min; QUICK=1 ~1 min;
# RECORD=1 rewrites the data-plane section of bench/RESULTS.md.
bench-dataplane: bench-build
	./bench/dataplane/install-bench-deps.sh
	./bench/dataplane/run.sh $(BUILD_DIR)

# Instructions (callgrind) and system calls (strace) per proxied request,
# Portico and nginx side by side: numbers that hold on a busy machine.
# ~1 min; see docs/performance.md.
bench-profile: bench-build
	./bench/dataplane/install-bench-deps.sh
	./bench/dataplane/profile.sh $(BUILD_DIR)

# The Gateway API conformance suite (../shared/conformance, or
# PORTICO_CONFORMANCE_DIR) against a real `portico run`, with the suite's
# timeouts; writes $(BUILD_DIR)/conformance/report.yaml (upstream
# ConformanceReport) and prints "N passed, N failed, N skipped". `make test`
# runs the same cases with shorter timeouts.
CONFORMANCE_DIR ?= $(or $(PORTICO_CONFORMANCE_DIR),../shared/conformance)
conformance: build
	@if [ ! -f "$(CONFORMANCE_DIR)/cases.json" ]; then \
	  echo "conformance: no cases.json in $(CONFORMANCE_DIR) (set PORTICO_CONFORMANCE_DIR); skipped"; exit 0; fi; \
	mkdir -p $(BUILD_DIR)/conformance; \
	PORTICO_CONFORMANCE_DIR="$$(realpath $(CONFORMANCE_DIR))" PORTICO_CONFORMANCE_FULL=1 \
	  $(BUILD_DIR)/tests/conformance_test --gtest_output=json:$(BUILD_DIR)/conformance/results.json \
	  > $(BUILD_DIR)/conformance/run.log 2>&1; \
	$(BUILD_DIR)/tests/conformance-report --results $(BUILD_DIR)/conformance/results.json \
	  --cases $(CONFORMANCE_DIR)/cases.json --out $(BUILD_DIR)/conformance/report.yaml \
	  --version "$$(git describe --always --dirty 2>/dev/null || echo unknown)" \
	  --date "$$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# libFuzzer on the HTTP/1 codec: a separate clang build (build-fuzz) of just
# the fuzz target, run for FUZZ_SECONDS (default 600) on a copy of the seed
# corpus so the checked-in seeds stay small. Crashes land in build-fuzz/artifacts.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPORTICO_FUZZ=ON -DPORTICO_BUILD_TESTS=OFF -DPORTICO_BUILD_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS) --target http1_request_fuzz
	mkdir -p build-fuzz/corpus build-fuzz/artifacts
	cp -n tests/fuzz/corpus/http1/* build-fuzz/corpus/
	build-fuzz/http1_request_fuzz -max_total_time=$(or $(FUZZ_SECONDS),600) -print_final_stats=1 \
	  -artifact_prefix=build-fuzz/artifacts/ build-fuzz/corpus
	cmake --build build-fuzz -j $(JOBS) --target client_hello_fuzz
	mkdir -p build-fuzz/corpus-hello
	cp -n tests/fuzz/corpus/client_hello/* build-fuzz/corpus-hello/
	build-fuzz/client_hello_fuzz -max_total_time=$(or $(FUZZ_HELLO_SECONDS),120) -print_final_stats=1 \
	  -artifact_prefix=build-fuzz/artifacts/ build-fuzz/corpus-hello

format:
	find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

format-check:
	find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)

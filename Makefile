# Portico: the two set-up commands are `make run` and `make test`.
# Every target installs what it needs first (make deps is idempotent).

BUILD_DIR      ?= build
ASAN_BUILD_DIR ?= build-asan
BUILD_TYPE     ?= RelWithDebInfo
JOBS           ?= $(shell nproc)
CMAKE_FLAGS    ?=

.PHONY: all deps build build-asan test test-unit test-asan run bench bench-dataplane conformance fuzz format format-check clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

$(ASAN_BUILD_DIR)/build.ninja:
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPORTICO_SANITIZE=ON \
	  -DPORTICO_BUILD_BENCH=OFF $(CMAKE_FLAGS)

build-asan: deps $(ASAN_BUILD_DIR)/build.ninja
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)

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

bench: build
	./bench/run-translate-bench.sh $(BUILD_DIR)

# Data plane: Portico next to nginx and HAProxy (one worker each) with the
# shared proxy benchmark harness (../shared/bench, or PORTICO_BENCH_HARNESS);
# skipped with a message when the harness is absent. ~6 min; QUICK=1 ~1 min;
# RECORD=1 rewrites the data-plane section of bench/RESULTS.md.
bench-dataplane: build
	./bench/dataplane/install-bench-deps.sh
	./bench/dataplane/run.sh $(BUILD_DIR)

conformance:
	@echo "conformance: not yet (issue 4)"

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

format:
	find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

format-check:
	find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)

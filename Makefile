# tipwatch: the two commands a new user needs are `make demo` and `make test`.
# Everything is built with CMake + Ninja under build/ (release, gcc) and
# build-asan/ (clang, ASan + UBSan). Each target installs missing Debian
# packages first through scripts/install-deps.sh; build, test and demo then
# fetch the web UI's npm libraries through scripts/web-deps.sh.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
DEMO_DIR   ?= demo
DEMO_APPS  ?= 20000
DEMO_LISTEN ?= 127.0.0.1:8080
FUZZ_SECS  ?= 60
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build test test-release test-asan demo bench bench-http fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@bash scripts/web-deps.sh
	@cmake -S . -B $(BUILD) -G Ninja -DTW_WERROR=ON >/dev/null
	@ninja -C $(BUILD)

test: deps
	bash scripts/web-deps.sh
	cmake -S . -B $(BUILD) -G Ninja -DTW_WERROR=ON
	ninja -C $(BUILD)
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_C_COMPILER=clang \
	      -DCMAKE_BUILD_TYPE=Debug -DTW_WERROR=ON -DTW_SANITIZE=ON
	ninja -C $(ASAN_BUILD)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j $(JOBS)

# demo: ends by serving the web UI on http://$(DEMO_LISTEN) until Ctrl-C,
# with the demo account it prints
demo:
	@bash scripts/demo-port.sh $(DEMO_LISTEN)
	@$(MAKE) --no-print-directory build
	@bash scripts/web-deps.sh
	$(BUILD)/tipwatch demo --dir $(DEMO_DIR) --applications $(DEMO_APPS) --listen $(DEMO_LISTEN)

# bench: import and screening benchmarks at BENCH_APPS applications (default
# 1000000); the screen is checked against its SQL peers on SQLite and on a
# private PostgreSQL 15 cluster (BENCH_PG=0 leaves PostgreSQL out)
bench: deps
	@bash scripts/install-deps.sh --bench
	@cmake -S . -B $(BUILD) -G Ninja -DTW_WERROR=ON >/dev/null
	@ninja -C $(BUILD)
	bash bench/run.sh $(BUILD)/tipwatch
	bash bench/http.sh $(BUILD)/tipwatch

# bench-http: the HTTP load benchmark alone (wrk on loopback against the score
# endpoint and the alert list, nginx serving the same bytes as the peer;
# BENCH_HTTP_APPS=100000, BENCH_HTTP_SECONDS=20); rewrites only its section
# of bench/RESULTS.md
bench-http: deps
	@bash scripts/install-deps.sh --bench
	@cmake -S . -B $(BUILD) -G Ninja -DTW_WERROR=ON >/dev/null
	@ninja -C $(BUILD)
	bash bench/http.sh $(BUILD)/tipwatch

fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_C_COMPILER=clang \
	      -DCMAKE_BUILD_TYPE=Debug -DTW_FUZZ=ON -DTW_TESTS=OFF
	ninja -C $(FUZZ_BUILD)
	@# new inputs go to $(FUZZ_BUILD)/corpus/NAME; the committed seeds in
	@# fuzz/corpus/NAME are only read; crashes land in fuzz/findings/
	@for f in $(FUZZ_BUILD)/fuzz_*; do \
	    name=$${f##*/fuzz_}; mkdir -p $(FUZZ_BUILD)/corpus/$$name fuzz/findings; \
	    echo "fuzz: $$name for $(FUZZ_SECS)s"; \
	    $$f -max_total_time=$(FUZZ_SECS) -artifact_prefix=fuzz/findings/$$name- \
	        $(FUZZ_BUILD)/corpus/$$name fuzz/corpus/$$name || exit 1; \
	done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

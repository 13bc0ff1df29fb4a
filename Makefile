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

.PHONY: all deps build test test-release test-asan demo bench bench-http bench-link bench-report bench-outreach eval fuzz reliability reliability-short clean

all: build

deps:
	@bash scripts/install-deps.sh
	@bash scripts/sqlite-src.sh

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
	bash bench/report.sh $(BUILD)/tipwatch
	bash bench/link.sh $(BUILD)/tipwatch
	bash bench/outreach.sh $(BUILD)/tipwatch

# bench-link: the record-linkage benchmark alone (FEBRL4 against its truth and
# exact-match peers, BENCH_LINK_APPS=1000000 synthetic applications linked,
# persons against synth's truth at BENCH_LINK_EVAL_APPS=100000 for
# BENCH_LINK_SEEDS="1 2 3"); rewrites only its section of bench/RESULTS.md
bench-link: deps
	@cmake -S . -B $(BUILD) -G Ninja -DTW_WERROR=ON >/dev/null
	@ninja -C $(BUILD)
	bash bench/link.sh $(BUILD)/tipwatch

# eval: calibration's held-out quality - a config learnt from one synthetic
# register's outcome labels (as written, half, noisy, confirmed only) against
# the built-in one on registers of other seeds, with the ground truth; and
# calibrate's speed (EVAL_TRAIN_APPS=1000000, EVAL_APPS=200000,
# EVAL_SEEDS="3101 3102 3103", EVAL_WORLDS for synth's world options);
# rewrites the "Calibration" section of bench/RESULTS.md
eval: deps
	@cmake -S . -B $(BUILD) -G Ninja -DTW_WERROR=ON >/dev/null
	@ninja -C $(BUILD)
	bash bench/eval.sh $(BUILD)/tipwatch

# bench-report: the pattern report over 1,000,000 applications against the
# same table as SQL on SQLite (bench/report.sh)
bench-report: deps
	@cmake -S . -B $(BUILD) -G Ninja -DTW_WERROR=ON >/dev/null
	@ninja -C $(BUILD)
	bash bench/report.sh $(BUILD)/tipwatch

# bench-http: the HTTP load benchmark alone (wrk on loopback against the score
# endpoint and the alert list, nginx serving the same bytes as the peer;
# BENCH_HTTP_APPS=100000, BENCH_HTTP_SECONDS=20); rewrites only its section
# of bench/RESULTS.md
bench-http: deps
	@bash scripts/install-deps.sh --bench
	@cmake -S . -B $(BUILD) -G Ninja -DTW_WERROR=ON >/dev/null
	@ninja -C $(BUILD)
	bash bench/http.sh $(BUILD)/tipwatch

# bench-outreach: outreach plan and send (dir sink) at BENCH_OUTREACH_APPS
# applications (default 1000000) against the same event selection in SQL;
# rewrites only its section of bench/RESULTS.md
bench-outreach: deps
	@bash scripts/install-deps.sh --bench
	@cmake -S . -B $(BUILD) -G Ninja -DTW_WERROR=ON >/dev/null
	@ninja -C $(BUILD)
	bash bench/outreach.sh $(BUILD)/tipwatch

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

# reliability: fuzzing (an hour per target), kill -9 at 50 random points of an
# import, a screening, a key rotation and a server under write load, an
# hour's soak under wrk, and the test suite beside stress-ng; each writes its
# section of bench/RESULTS.md (bench/reliability.sh). reliability-short: the
# same in minutes (FUZZ_SECS=60, KILL_POINTS=10, SOAK_SECS=300)
reliability: deps
	@bash scripts/install-deps.sh --reliability
	@cmake -S . -B $(BUILD) -G Ninja -DTW_WERROR=ON >/dev/null
	@ninja -C $(BUILD)
	bash bench/reliability.sh $(BUILD)/tipwatch load kill9 fuzz soak

reliability-short: deps
	@bash scripts/install-deps.sh --reliability
	@cmake -S . -B $(BUILD) -G Ninja -DTW_WERROR=ON >/dev/null
	@ninja -C $(BUILD)
	FUZZ_SECS=$${FUZZ_SECS:-60} KILL_POINTS=$${KILL_POINTS:-10} SOAK_SECS=$${SOAK_SECS:-300} \
	    bash bench/reliability.sh $(BUILD)/tipwatch load kill9 fuzz soak

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

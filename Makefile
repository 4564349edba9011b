# wirt — the two commands: `make demo` and `make test` (each installs, builds, then runs).
BUILD ?= build
JOBS ?= $(shell nproc)
WIRT := $(BUILD)/bin/wirt

.PHONY: all deps build demo test bench clean

all: build

deps:
	@WIRT_BUILD=$(BUILD) bash scripts/bootstrap

$(BUILD)/build.ninja: CMakeLists.txt
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@bash examples/run-demo.sh $(WIRT)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Runs every bench script, then bench/report.py turns their ROW lines (bench/README.md) into
# bench/REPORT.md and its chart.
bench: build
	@mkdir -p $(BUILD)/bench
	@bash -o pipefail -c 'bash bench/run.sh $(WIRT) | tee $(BUILD)/bench/run.log'
	@python3 bench/report.py $(BUILD)/bench/run.log bench

clean:
	rm -rf $(BUILD)

# libFuzzer targets (tests/fuzz, clang + ASan + UBSan) built in their own tree, run one after
# another for FUZZ_SECONDS each with one job: the component decoder, canonical-ABI lifting, JSON,
# the WIT parser, YAML entry files, WAT/the front end, and the differential engine fuzzer (tier 1
# / tier 2 / wabt's interpreter on binaryen -ttf modules). Crashes land in $(FUZZ_BUILD)/fuzz/crashes.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 600
SHARED_DIR ?= ../shared
FUZZ_TARGETS ?= component_decoder_fuzz canonical_abi_fuzz json_fuzz wit_parser_fuzz yaml_entry_fuzz \
  wat_fuzz engine_diff_fuzz
.PHONY: fuzz
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DWIRT_FUZZ=ON -DWIRT_SHARED_DIR=$(abspath $(SHARED_DIR)) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZ_TARGETS)
	@bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(abspath $(SHARED_DIR)) $(FUZZ_TARGETS)

# Conformance suites only, with their counts: the core spec suite on both tiers (every file,
# tier-2 objects cached in $(BUILD)/wasm-cache) and the component-model suite (needs node + jco:
# scripts/build-components installs them, else skipped), then WASI p1 on tier 2. `make test` runs
# the same tests (WASI p1 on tier 1).
.PHONY: conformance
conformance: build
	@cd $(BUILD) && ctest -j $(JOBS) -R 'SpecTest|CmSpecTest' -V > conformance.log 2>&1; status=$$?; \
	  grep -E '^[0-9]+: (spec |component-model )|tests passed|Total Test time' conformance.log; \
	  echo "(full output: $(BUILD)/conformance.log)"; [ $$status -eq 0 ] || exit $$status; \
	  $(MAKE) --no-print-directory conformance-wasi-tier2

# WASI preview1 conformance on tier 2 (ctest runs it on tier 1): wasi-testsuite through
# `wirt exec --tier2`.
.PHONY: conformance-wasi-tier2
conformance-wasi-tier2: build
	python3 tests/wasi/p1_conformance.py $(BUILD)/bin/wirt $(SHARED_DIR)/testsuite/wasi-p1 tests/wasi/p1-exclusions.txt --tier2

# Sanitizers (issue 9 item 4): the suite under ASan+UBSan, and the interruption stress test
# (tests/stress) under TSan for STRESS_SECONDS (default 60). Debian's Boost.Context is built for
# fcontext, whose stack switches carry no sanitizer annotations (the ucontext back end has
# them but its library symbols are missing), hence detect_stack_use_after_return=0.
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
STRESS_SECONDS ?= 60
SAN_FLAGS := -fno-omit-frame-pointer
.PHONY: sanitize
sanitize:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS="$(SAN_FLAGS) -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:detect_stack_use_after_return=0 \
	  UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) -E 'peak_rss'
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS="$(SAN_FLAGS) -fsanitize=thread" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread"
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target wirt_stress
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 $(TSAN_BUILD)/wirt_stress $(STRESS_SECONDS)

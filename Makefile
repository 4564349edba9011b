# wirt — the two commands: `make demo` and `make test` (each installs, builds, then runs).
BUILD ?= build
JOBS ?= $(shell nproc)
WIRT := $(BUILD)/bin/wirt

.PHONY: all deps build demo test bench clean

all: build

deps:
	@bash scripts/bootstrap

$(BUILD)/build.ninja: CMakeLists.txt
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@bash examples/run-demo.sh $(WIRT)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@bash bench/run.sh $(WIRT)

clean:
	rm -rf $(BUILD)

# Fuzz the component binary decoder (libFuzzer + ASan/UBSan, clang), seeded with the fixture
# components; runs FUZZ_SECONDS (default 600). Crashes are written to $(FUZZ_BUILD)/.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 600
SHARED_DIR ?= ../shared
FUZZ_SRCS := tests/fuzz/component_decoder_fuzz.cc src/component/binary_reader.cc \
  src/component/binary_decoder.cc src/component/binary_types.cc src/component/types.cc \
  src/core/error.cc src/core/value.cc
.PHONY: fuzz
fuzz:
	@mkdir -p $(FUZZ_BUILD)/corpus
	clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  -Isrc $(FUZZ_SRCS) -lfmt -o $(FUZZ_BUILD)/component_decoder_fuzz
	@for f in $(SHARED_DIR)/fixtures/wippy/*.wasm; do [ -f "$$f" ] && cp -n "$$f" $(FUZZ_BUILD)/corpus/ || true; done
	cd $(FUZZ_BUILD) && ./component_decoder_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=80000 \
	  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 corpus

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

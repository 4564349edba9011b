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

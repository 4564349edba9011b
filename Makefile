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

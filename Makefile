# pampax — the two commands that matter on a fresh machine:
#   make demo   set up, build, index this repository and run a search
#   make test   set up, build, run every test (release + ASan/UBSan builds, then each fuzz
#               target for FUZZ_SECONDS)
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
DEMO_QUERY ?= parse gitignore patterns
FUZZ_SECONDS ?= 60

.PHONY: setup build test test-release test-asan test-fuzz demo bench clean

setup:
	@scripts/bootstrap

$(BUILD)/build.ninja: CMakeLists.txt | setup
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: setup $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS)

test-release: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(ASAN_BUILD)/build.ninja: CMakeLists.txt | setup
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPAMPAX_SANITIZE=ON -DPAMPAX_BENCH=OFF

test-asan: setup $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD) -j $(JOBS) pampax pampax_tests
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# libFuzzer targets (clang; build-fuzz/), each run for FUZZ_SECONDS from the committed corpus.
test-fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) fuzz/run

test: test-release test-asan test-fuzz

demo: build
	@echo "== indexing $(CURDIR) ==" >&2
	$(BUILD)/pampax index $(CURDIR)
	@echo "== pampax search '$(DEMO_QUERY)' ==" >&2
	$(BUILD)/pampax search --path $(CURDIR) --limit 5 "$(DEMO_QUERY)"

bench: build
	bench/run

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz

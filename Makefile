# Tandem: the two commands an operator needs are `make run` and `make test`.
JOBS ?= $(shell nproc)
MAKEFLAGS += --no-print-directory
BUILD ?= build
ASAN_BUILD ?= build-asan

.PHONY: all deps build build-asan test test-unit test-integration test-asan run fuzz bench clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null

build: deps $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/Makefile: CMakeLists.txt
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTANDEM_SANITIZE=ON >/dev/null

build-asan: deps $(ASAN_BUILD)/Makefile
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# Everything: unit tests and integration tests on the release build, then the
# same suites again on the AddressSanitizer + UBSan build.
test: build build-asan
	@bash tests/run-all.sh $(BUILD) $(ASAN_BUILD)

test-unit: build
	@$(BUILD)/unit_tests

test-integration: build
	@TANDEM_BIN=$(BUILD)/tandem /usr/bin/python3 -m unittest discover -s tests/integration -p 'test_*.py' -v

run: build
	@bash scripts/demo.sh $(BUILD)/tandem

fuzz: deps
	@bash fuzz/run.sh

bench: build
	@bash bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz

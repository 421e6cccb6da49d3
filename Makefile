# hearth: the README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
APT_PACKAGES := g++ cmake make ninja-build pkg-config python3 python3-numpy git \
  nlohmann-json3-dev libcli11-dev libcpp-httplib-dev libcurl4-openssl-dev libgtest-dev \
  libgmock-dev libbenchmark-dev tmux
NPM_STAMP := tests/reference/node_modules/.installed

.PHONY: deps build test test-full test-asan demo clean

# Installs only what is missing (needs root or sudo on a fresh Debian 12 machine).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@$(MAKE) --no-print-directory $(NPM_STAMP)

$(NPM_STAMP): tests/reference/package.json tests/reference/package-lock.json
	@# npm ci refuses this lock (node-llama-cpp lists prebuilt packages for platforms the registry does
	@# not serve here), so install from the lock with npm install; versions are pinned exactly.
	cd tests/reference && npm install --no-audit --no-fund --loglevel=error
	touch $@

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEARTH_CONFORMANCE_FULL=OFF
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

# Every tiny preset x every weight type against llama.cpp (about 40 minutes on 2 cores).
test-full: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEARTH_CONFORMANCE_FULL=ON
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

test-asan: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_SANITIZE=address,undefined
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS) --timeout 1800

demo: build
	./tools/demo.sh $(BUILD)/hearth

clean:
	rm -rf $(BUILD) build-asan

# libFuzzer targets (tests/fuzz; needs the Debian packages clang and libclang-rt-14-dev):
# FUZZ_SECONDS per target, run one after another; non-zero exit on any finding.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := gguf_fuzz tokenizer_fuzz chat_template_fuzz output_parser_fuzz api_request_fuzz
.PHONY: fuzz fuzz-build
FUZZ_PACKAGES := clang libclang-rt-14-dev
fuzz-build: deps
	@missing=$$(for p in $(FUZZ_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DHEARTH_FUZZ=ON -DHEARTH_BUILD_TESTS=OFF -DHEARTH_WERROR=OFF
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS) make_seeds

fuzz: fuzz-build
	tests/fuzz/run_fuzzers.sh $(FUZZ_SECONDS) build-fuzz

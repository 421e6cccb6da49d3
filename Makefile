# hearth: the README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
# clang and libclang-rt-14-dev build the libFuzzer targets (tests/fuzz) that `make test` runs.
APT_PACKAGES := g++ cmake make ninja-build pkg-config python3 python3-numpy git \
  nlohmann-json3-dev libcli11-dev libcpp-httplib-dev libcurl4-openssl-dev libgtest-dev \
  libgmock-dev libbenchmark-dev tmux clang libclang-rt-14-dev
NPM_STAMP := tests/reference/node_modules/.installed

.PHONY: deps build test test-full test-asan test-asan-unit demo clean

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

# fuzz-build first, so ctest's fuzz_smoke (10 s per libFuzzer target) runs instead of skipping.
test: build fuzz-build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

# Every tiny preset x every weight type against llama.cpp (about 40 minutes on 2 cores).
test-full: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEARTH_CONFORMANCE_FULL=ON
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

ASAN_CONFIGURE := cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_SANITIZE=address,undefined
# Every ctest but fuzz_smoke under ASan+UBSan: the fuzz targets are sanitizer builds themselves
# and run in `make test`.
test-asan: deps
	$(ASAN_CONFIGURE)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS) --timeout 1800 -E '^fuzz_smoke$$'

# The GoogleTest binaries only (ctest label `unit`) under ASan+UBSan: what CI (.ci/run) adds to
# `make test`. Builds just those targets and the libraries under them.
test-asan-unit: deps
	$(ASAN_CONFIGURE)
	cmake --build build-asan -j $(JOBS) --target $$(ninja -C build-asan -t targets all | sed -n 's/^\(hearth_[a-z0-9_]*_tests\): .*/\1/p')
	cd build-asan && ctest --output-on-failure -j $(JOBS) --timeout 1800 -L unit

demo: build
	./tools/demo.sh $(BUILD)/hearth

clean:
	rm -rf $(BUILD) build-asan build-fuzz

# libFuzzer targets (tests/fuzz; clang and libclang-rt-14-dev come with `make deps`): a separate
# clang build in build-fuzz holding only the fuzz targets and the libraries under them.
# `make fuzz`: FUZZ_SECONDS per target, run one after another; non-zero exit on any finding.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := gguf_fuzz tokenizer_fuzz chat_template_fuzz output_parser_fuzz api_request_fuzz \
  modelfile_fuzz store_names_fuzz
.PHONY: fuzz fuzz-build
fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DHEARTH_FUZZ=ON -DHEARTH_BUILD_TESTS=OFF -DHEARTH_WERROR=OFF
	cmake --build build-fuzz -j $(JOBS) --target $(FUZZ_TARGETS) make_seeds

fuzz: fuzz-build
	tests/fuzz/run_fuzzers.sh $(FUZZ_SECONDS) build-fuzz

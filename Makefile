# pollstream: build, test and benchmark commands. `make serve` to try the app, `make test` for everything CI
# checks. Tools are installed on demand by scripts/install-tools.sh (each only where missing).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

TOOLS_DIR ?= $(HOME)/.cache/pollstream-tools
export PATH := $(TOOLS_DIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export POLLSTREAM_TOOLS_DIR := $(TOOLS_DIR)

WASM := wasm32-unknown-unknown

# The wasm keeps the source path of every panic location. Short, machine-independent paths for the
# crates.io sources (`yew-0.23.0/src/…` instead of `$CARGO_HOME/registry/src/index.crates.io-…/yew-…`)
# make the build 65 bytes smaller gzipped, and its size the same whatever $CARGO_HOME is. Evaluated
# when a recipe runs (after the tools are installed), for every wasm32 build made through this Makefile.
# (The standard library's `/rustc/<commit>/` paths come precompiled; remapping them changes nothing.)
CARGO_HOME_DIR := $(or $(CARGO_HOME),$(HOME)/.cargo)
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS = \
	$(foreach d,$(wildcard $(CARGO_HOME_DIR)/registry/src/*),--remap-path-prefix=$(d)/=)

ADDRESS ?= 127.0.0.1
PORT ?= 8080
BENCH_ARGS ?=

# Headless Chromium for wasm-bindgen-test (see webdriver.json for the flags TOOLCHAIN.md asks for), through a
# ChromeDriver that scripts/with-chromedriver.sh starts (it says why).
BROWSER_ENV := WASM_BINDGEN_TEST_WEBDRIVER_JSON=$(CURDIR)/webdriver.json scripts/with-chromedriver.sh

.PHONY: help tools tools-wasm tools-web tools-browser serve dist test fmt clippy clippy-wasm test-native \
	test-wasm-engine test-fuzz test-browser test-e2e golden bench bench-native bench-browser perf-browser \
	size soak clean

help:
	@echo "make serve              build the app and serve it on http://$(ADDRESS):$(PORT)/"
	@echo "make dist               release build of the app into dist/"
	@echo "make test               everything CI checks: fmt, clippy (native + wasm32), tests, wasm and browser tests"
	@echo "make test-native        cargo test --workspace"
	@echo "make test-wasm-engine   the engine's cross-platform digests on wasm32 under Node"
	@echo "make test-fuzz          300 random scenarios through every runner flag, in a release build"
	@echo "make test-browser       the web crate's wasm-bindgen tests in headless Chromium"
	@echo "make test-e2e           the end-to-end browser test (tests/e2e/run.sh)"
	@echo "make golden             regenerate crates/engine/tests/golden/digests.txt from a native run"
	@echo "make bench              engine throughput and memory, natively then in headless Chromium"
	@echo "make bench-native       native only (BENCH_ARGS=--quick for a 10x smaller run)"
	@echo "make bench-browser      the engine compiled to wasm32, flat out in headless Chromium"
	@echo "make perf-browser       the app's figures in Chromium: size, first chart, frame times, largest N, long tasks"
	@echo "make size               raw and gzipped sizes of dist/; fails over the 200 KB gzipped budget"
	@echo "make soak               an hour of 1 M clients per strategy (memory flat, nothing lost), 1,200 fuzz scenarios"
	@echo "make clean              remove build outputs"

# --- tools -----------------------------------------------------------------------------------------------

# `make test` installs everything once, then runs its checks with TOOLS_READY=1 so that they skip this.
ifeq ($(TOOLS_READY),1)
tools tools-wasm tools-web tools-browser:
	@:
else
tools-wasm:
	scripts/install-tools.sh wasm

tools-web:
	scripts/install-tools.sh web

tools-browser tools:
	scripts/install-tools.sh browser
endif

# --- the app ---------------------------------------------------------------------------------------------

serve: tools-web
	@echo "serving the default scenario on http://$(ADDRESS):$(PORT)/"
	trunk serve --offline --address $(ADDRESS) --port $(PORT)

# Trunk's post_build hook (scripts/post-build.mjs, see Trunk.toml) makes dist/ self-contained and CSP-clean
# and copies the example post into it.
dist: tools-web
	trunk build --release --offline

# The gzipped transfer of HTML + JS + wasm + CSS; fails over SIZE_BUDGET bytes (default 200000).
size:
	scripts/size.sh dist

# --- tests -----------------------------------------------------------------------------------------------

# Installs everything first, then runs each check in order; the first failure stops the run.
test: tools-browser
	$(MAKE) --no-print-directory TOOLS_READY=1 fmt clippy clippy-wasm test-native test-fuzz test-wasm-engine \
		test-browser test-e2e size
	@echo "make test: all checks passed"

fmt:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets --all-features -- -D warnings

clippy-wasm: tools-wasm
	cargo clippy --target $(WASM) -p pollstream -p pollstream-engine --all-targets --all-features -- -D warnings

test-native:
	cargo test --workspace --no-fail-fast

test-wasm-engine: tools-wasm
	cargo test -p pollstream-engine --target $(WASM) --test cross_platform

# Release: ten million clients take seconds each in a debug build (which runs 30 of them in test-native).
test-fuzz:
	cargo test --release -p pollstream-cli --test fuzz

test-browser: tools-browser
	$(BROWSER_ENV) cargo test -p pollstream --target $(WASM)

test-e2e: tools-browser
	tests/e2e/run.sh

golden:
	POLLSTREAM_WRITE_GOLDEN=1 cargo test -p pollstream-engine --test cross_platform
	@git --no-pager diff --stat -- crates/engine/tests/golden/digests.txt || true

# --- performance -----------------------------------------------------------------------------------------

bench: bench-native bench-browser

bench-native:
	cargo bench -p pollstream-engine --bench throughput -- $(BENCH_ARGS)

# Both build the app apart from dist/ (target/perf-dist), so that they never race a test's build.
PERF_DIST := target/perf-dist

bench-browser: tools-browser
	trunk build --release --offline --all-features --dist $(PERF_DIST)
	PERF_DIST=$(PERF_DIST) node tests/e2e/perf.mjs bench

perf-browser: tools-browser
	trunk build --release --offline --all-features --dist $(PERF_DIST)
	PERF_DIST=$(PERF_DIST) node tests/e2e/perf.mjs $(PERF_ARGS)

# Long runs, not in `make test`: one simulated hour per strategy at 1 M clients with restarts and live changes
# (crates/engine/examples/soak.rs), then 1,200 fuzz scenarios.
soak:
	cargo run --release -p pollstream-engine --example soak
	POLLSTREAM_FUZZ_CASES=1200 cargo test --release -p pollstream-cli --test fuzz -- --nocapture

clean:
	cargo clean
	rm -rf dist

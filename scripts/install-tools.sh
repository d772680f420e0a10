#!/usr/bin/env bash
# Installs what the build and the tests need, each tool only where it is missing or of the wrong version,
# so that a warm machine takes seconds and a cold one a few minutes. See ../shared/TOOLCHAIN.md for why
# each pin is what it is.
#
# Usage: scripts/install-tools.sh [wasm|web|browser|all]
#   wasm     the wasm32 target and wasm-bindgen's CLI and test runner
#   web      wasm plus Trunk and wasm-opt (for serving and building the app)
#   browser  web plus Chromium and ChromeDriver (for the browser tests)
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.130
TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
TOOLS_DIR="${POLLSTREAM_TOOLS_DIR:-$HOME/.cache/pollstream-tools}"

what="${1:-all}"
export PATH="$HOME/.cargo/bin:$TOOLS_DIR/node_modules/.bin:$PATH"

log() { printf 'install-tools: %s\n' "$*" >&2; }

install_wasm() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$" ||
     ! command -v wasm-bindgen-test-runner >/dev/null; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes on 2 cores)"
    # Not --locked: a locked dependency of the CLI is missing from the registry.
    cargo install --force wasm-bindgen-cli@"$WASM_BINDGEN_VERSION"
  fi
}

install_web() {
  install_wasm
  if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION\$"; then
    log "installing trunk $TRUNK_VERSION (about 6 minutes on 2 cores)"
    cargo install --locked --force trunk@"$TRUNK_VERSION"
  fi
  if ! "$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    log "installing wasm-opt (npm binaryen@$BINARYEN_VERSION) into $TOOLS_DIR"
    mkdir -p "$TOOLS_DIR"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" binaryen@"$BINARYEN_VERSION"
  fi
}

install_browser() {
  install_web
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    log "installing Debian's chromium and chromium-driver"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

case "$what" in
  wasm) install_wasm ;;
  web) install_web ;;
  browser|all) install_browser ;;
  *) log "unknown target '$what': expected wasm, web, browser or all"; exit 2 ;;
esac

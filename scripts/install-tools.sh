#!/usr/bin/env bash
# Installs what the build and the tests need, each tool only where it is missing or of the wrong version,
# so that a warm machine takes seconds and a cold one about 10 minutes (2 cores). Why each pin is what it
# is: see "Tools" in README.md.
#
# Usage: scripts/install-tools.sh [rust|wasm|web|browser|all]
#   rust     rustfmt and clippy
#   wasm     rust plus the wasm32 target, wasm-bindgen's CLI and test runner, and Node (the runner's host)
#   web      wasm plus Trunk and wasm-opt (for serving and building the app)
#   browser  web plus Chromium and ChromeDriver (for the browser tests)
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.130
TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
TERSER_VERSION="${TERSER_VERSION:-5.51.2}"
TOOLS_DIR="${POLLSTREAM_TOOLS_DIR:-$HOME/.cache/pollstream-tools}"

what="${1:-all}"
export PATH="$HOME/.cargo/bin:$TOOLS_DIR/node_modules/.bin:$PATH"

log() { printf 'install-tools: %s\n' "$*" >&2; }

# One install at a time: `make -j`, or two make commands at once, must not run two `cargo install`s of the
# same tool into ~/.cargo/bin.
mkdir -p "$TOOLS_DIR"
if command -v flock >/dev/null; then
  exec 9>"$TOOLS_DIR/.install.lock"
  flock 9
fi

apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ -z "${APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

install_rust() {
  local missing=()
  cargo fmt --version >/dev/null 2>&1 || missing+=(rustfmt)
  cargo clippy --version >/dev/null 2>&1 || missing+=(clippy)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "adding the rustup components ${missing[*]}"
    rustup component add "${missing[@]}"
  fi
}

install_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "installing Debian's nodejs and npm"
    apt_install nodejs npm
  fi
}

install_wasm() {
  install_rust
  install_node
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$" ||
     ! wasm-bindgen-test-runner --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
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
    npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" binaryen@"$BINARYEN_VERSION"
  fi
  # terser minifies the wasm-bindgen JS glue in scripts/post-build.mjs (Trunk's minify-js cannot parse it).
  if ! "$TOOLS_DIR/node_modules/.bin/terser" --version 2>/dev/null | grep -q "terser $TERSER_VERSION\$"; then
    log "installing terser $TERSER_VERSION (npm) into $TOOLS_DIR"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" terser@"$TERSER_VERSION"
  fi
}

install_browser() {
  install_web
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    log "installing Debian's chromium and chromium-driver"
    apt_install chromium chromium-driver
  fi
}

case "$what" in
  rust) install_rust ;;
  wasm) install_wasm ;;
  web) install_web ;;
  browser|all) install_browser ;;
  *) log "unknown target '$what': expected rust, wasm, web, browser or all"; exit 2 ;;
esac

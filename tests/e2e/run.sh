#!/usr/bin/env bash
# The end-to-end browser test (`make test-e2e`): builds the release app into dist/ (`make dist`), serves it
# on 127.0.0.1 (tests/e2e/serve.mjs), starts ChromeDriver on a free port and runs tests/e2e/e2e.mjs, which
# drives headless Chromium through the W3C WebDriver API. Screenshots and the browser console go to
# target/e2e/. Ends with "N passed, M failed" alone on a line; exits non-zero on any failure.
#
# Environment (all optional):
#   E2E_DIST=DIR        test this already built directory instead of running `make dist`
#   E2E_CSP=1           also load the page under the strict Content-Security-Policy
#   E2E_SPEED=10        the simulation speed to choose in the app
#   E2E_TIMEOUT=600     seconds the browser part may take in all
#   CHROMIUM=/usr/bin/chromium  CHROMEDRIVER=/usr/bin/chromedriver
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
E2E_TIMEOUT="${E2E_TIMEOUT:-600}"
out="$root/target/e2e"

say() { printf 'e2e: %s\n' "$*" >&2; }
die() {
  say "$*"
  echo "0 passed, 1 failed"
  exit 1
}

for tool in node "$CHROMIUM" "$CHROMEDRIVER"; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-tools.sh browser installs it)"
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/pollstream-e2e.XXXXXX")"
server_pid=""
driver_pid=""
test_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -n "$test_pid" ] && kill -TERM "$test_pid" 2>/dev/null || true
  if [ -n "$driver_pid" ]; then
    # ChromeDriver runs in its own process group (setsid): end it and the Chromium it started.
    kill -TERM -- "-$driver_pid" 2>/dev/null || kill -TERM "$driver_pid" 2>/dev/null || true
  fi
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null || true
  sleep 0.3
  # Anything still running with this run's own profile directory in its command line is ours.
  if command -v pgrep >/dev/null; then
    local left
    left="$(pgrep -f -- "$tmp/profile" || true)"
    [ -n "$left" ] && kill -KILL $left 2>/dev/null || true
  fi
  [ -n "$driver_pid" ] && kill -KILL -- "-$driver_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill -KILL "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'say "interrupted"; echo "0 passed, 1 failed"; exit 130' INT TERM

# --- the app ---------------------------------------------------------------------------------------------
if [ -n "${E2E_DIST:-}" ]; then
  dist="$(cd "$E2E_DIST" && pwd)"
  say "testing the build in $dist (E2E_DIST)"
else
  say "building the release app (make dist)"
  make --no-print-directory dist || die "make dist failed"
  dist="$root/dist"
fi
[ -f "$dist/index.html" ] || die "$dist/index.html is missing: the build produced no app"
compgen -G "$dist/*.wasm" >/dev/null || die "no .wasm file in $dist"

mkdir -p "$out"
rm -f "$out"/*.png "$out"/console.log "$out"/chromedriver.log

# --- the static server -------------------------------------------------------------------------------------
node "$here/serve.mjs" "$dist" --port 0 --port-file "$tmp/server.port" >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/server.port" ] && break
  kill -0 "$server_pid" 2>/dev/null || die "the static server exited: $(cat "$tmp/server.log")"
  sleep 0.1
done
[ -s "$tmp/server.port" ] || die "the static server did not start within 10 s: $(cat "$tmp/server.log")"
base_url="http://127.0.0.1:$(cat "$tmp/server.port")/"
say "serving $dist at $base_url"

# --- ChromeDriver ----------------------------------------------------------------------------------------------
driver_port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
setsid "$CHROMEDRIVER" --port="$driver_port" --log-path="$tmp/chromedriver.log" >"$tmp/chromedriver.out" 2>&1 &
driver_pid=$!
say "$("$CHROMEDRIVER" --version | head -n1) on port $driver_port; $("$CHROMIUM" --version 2>/dev/null | head -n1)"

# --- the browser test ------------------------------------------------------------------------------------------
# In the background, and waited for, so that Ctrl-C or a TERM from CI reaches the trap at once.
E2E_DRIVER_URL="http://127.0.0.1:$driver_port" E2E_BASE_URL="$base_url" E2E_TMP="$tmp" E2E_OUT="$out" \
  E2E_SUMMARY_FILE="$tmp/summary" CHROMIUM="$CHROMIUM" \
  timeout --kill-after=10 "$E2E_TIMEOUT" node "$here/e2e.mjs" &
test_pid=$!
status=0
wait "$test_pid" || status=$?
test_pid=""

if [ "$status" -ne 0 ]; then
  cp "$tmp/chromedriver.log" "$out/chromedriver.log" 2>/dev/null || true
  grep -h '^serve: ' "$tmp/server.log" | grep -v ' on http' | head -20 >&2 || true
  [ "$status" -eq 124 ] && say "the browser test took longer than E2E_TIMEOUT=${E2E_TIMEOUT}s and was stopped"
  say "FAILED (exit $status); ChromeDriver's log: $out/chromedriver.log; the console and screenshots: $out/"
  if [ -s "$tmp/summary" ]; then cat "$tmp/summary"; else echo "0 passed, 1 failed"; fi
  exit 1
fi
say "screenshots and the browser console in $out/"
cat "$tmp/summary"

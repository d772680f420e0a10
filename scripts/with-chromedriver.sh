#!/usr/bin/env bash
# Runs a command with a ChromeDriver of its own, for `make test-browser`: starts /usr/bin/chromedriver on a
# free local port, waits until it accepts connections, runs the command with CHROMEDRIVER_REMOTE pointing
# at it, and stops the driver afterwards.
#
# Why not let wasm-bindgen-test-runner start the driver (CHROMEDRIVER=...)? It takes any output on the
# driver's stderr during start-up for a failure, kills the driver and, after a few tries, gives up with
# "driver failed to bind port during startup" (wasm-bindgen issue #5110; seen here now and then on a busy
# machine). Started here, the driver gets a few seconds and up to three attempts.
#
# Usage: scripts/with-chromedriver.sh COMMAND [ARGS...]
set -euo pipefail

driver="${CHROMEDRIVER:-/usr/bin/chromedriver}"
log="$(mktemp -t chromedriver.XXXXXX.log)"
pid=""
stop() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap stop EXIT

free_port() {
  node -e "const s = require('net').createServer(); s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}

for attempt in 1 2 3; do
  port="$(free_port)"
  "$driver" --port="$port" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      break 2
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "with-chromedriver: attempt $attempt: ChromeDriver did not listen on port $port:" >&2
  cat "$log" >&2
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
done
if [ -z "$pid" ]; then
  echo "with-chromedriver: ChromeDriver ($driver) would not start" >&2
  exit 1
fi

# The runner starts no driver of its own when it is given one to use.
unset CHROMEDRIVER
CHROMEDRIVER_REMOTE="http://127.0.0.1:$port" "$@"

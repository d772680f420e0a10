#!/usr/bin/env bash
# `make size`: prints the raw and gzipped (gzip -9) size of every file in dist/ and the total gzipped
# transfer of what a browser downloads to start the app (HTML, JavaScript, WebAssembly and CSS), and
# fails when that total is over the budget (issue #4: 200 KB, counted as 200,000 bytes).
#
# The example post (example-post.*) is listed but not counted: it is a demo page, not part of the app.
#
# Usage: scripts/size.sh [DIST_DIR]   (default: dist)
# Environment: SIZE_BUDGET=BYTES (default 200000; 0 turns the check off).
set -euo pipefail

dist="${1:-dist}"
budget="${SIZE_BUDGET:-200000}"
if [ ! -d "$dist" ] || [ -z "$(find "$dist" -type f -print -quit)" ]; then
  echo "size: $dist/ is empty or missing; run 'make dist' first" >&2
  exit 1
fi

total_raw=0 total_gz=0 app_raw=0 app_gz=0
printf '%-40s %12s %12s  %s\n' "file" "bytes" "gzip -9" "counted"
while IFS= read -r -d '' file; do
  name="${file#"$dist"/}"
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  counted=""
  case "$name" in
    example-post.*) counted="(example post)" ;;
    *.html | *.js | *.mjs | *.wasm | *.css)
      app_raw=$((app_raw + raw))
      app_gz=$((app_gz + gz))
      counted="yes"
      ;;
  esac
  printf '%-40s %12d %12d  %s\n' "$name" "$raw" "$gz" "$counted"
done < <(find "$dist" -type f -print0 | sort -z)
printf '%-40s %12d %12d\n' "all files" "$total_raw" "$total_gz"
printf '%-40s %12d %12d\n' "transfer: HTML + JS + wasm + CSS" "$app_raw" "$app_gz"
awk -v b="$app_gz" 'BEGIN { printf "gzipped transfer of HTML + JS + wasm + CSS: %d bytes (%.1f kB, %.1f KiB)\n", b, b / 1000, b / 1024 }'

if [ "$budget" -gt 0 ]; then
  if [ "$app_gz" -gt "$budget" ]; then
    echo "size: FAIL: the gzipped transfer is $app_gz bytes, $((app_gz - budget)) over the budget of $budget bytes (issue #4)" >&2
    exit 1
  fi
  echo "size: ok: $app_gz bytes gzipped, $((budget - app_gz)) under the budget of $budget bytes"
fi

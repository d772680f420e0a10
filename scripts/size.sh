#!/usr/bin/env bash
# Prints the raw and gzipped (gzip -9) size of every file in dist/, and the total gzipped transfer of what
# a browser downloads to start the app: HTML, JavaScript, WebAssembly and CSS.
#
# Usage: scripts/size.sh [DIST_DIR]   (default: dist)
set -euo pipefail

dist="${1:-dist}"
if [ ! -d "$dist" ] || [ -z "$(find "$dist" -type f -print -quit)" ]; then
  echo "size: $dist/ is empty or missing; run 'make dist' first" >&2
  exit 1
fi

total_raw=0 total_gz=0 app_raw=0 app_gz=0
printf '%-56s %12s %12s\n' "file" "bytes" "gzip -9"
while IFS= read -r -d '' file; do
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  printf '%-56s %12d %12d\n' "${file#"$dist"/}" "$raw" "$gz"
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  case "$file" in
    *.html | *.js | *.mjs | *.wasm | *.css)
      app_raw=$((app_raw + raw))
      app_gz=$((app_gz + gz))
      ;;
  esac
done < <(find "$dist" -type f -print0 | sort -z)
printf '%-56s %12d %12d\n' "all files" "$total_raw" "$total_gz"
printf '%-56s %12d %12d\n' "transfer: HTML + JS + wasm + CSS" "$app_raw" "$app_gz"
awk -v b="$app_gz" 'BEGIN { printf "gzipped transfer of HTML + JS + wasm + CSS: %d bytes (%.1f KiB)\n", b, b / 1024 }'

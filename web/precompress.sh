#!/usr/bin/env bash
#! trunk post-build hook: writes .br and .gz next to the wasm, JS and HTML in the staging dir,
#! which the server serves to browsers that send the matching Accept-Encoding. First it corrects
#! the wasm size trunk wrote into index.html for the loading bar: trunk 0.21 takes it before
#! wasm-opt, so the bar stopped at two thirds and jumped to the end.
set -euo pipefail
dir="${TRUNK_STAGING_DIR:?run by trunk}"
[ "${TRUNK_PROFILE:-}" = "release" ] || exit 0
for wasm in "$dir"/*_bg.wasm; do
  name=$(basename "$wasm")
  sed -i -E "s|('/$name', )[0-9]+|\1$(stat -c %s "$wasm")|" "$dir/index.html"
  grep -q "'/$name', $(stat -c %s "$wasm")" "$dir/index.html" || { echo "precompress: no size of $name in index.html" >&2; exit 1; }
done
find "$dir" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.html' -o -name '*.svg' \) | while read -r f; do
  gzip -9 -k -f "$f"
  brotli -q 11 -k -f "$f"
done

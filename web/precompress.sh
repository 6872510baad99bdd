#!/usr/bin/env bash
#! trunk post-build hook: writes .br and .gz next to the wasm, JS and HTML in the staging dir,
#! which the server serves to browsers that send the matching Accept-Encoding.
set -euo pipefail
dir="${TRUNK_STAGING_DIR:?run by trunk}"
[ "${TRUNK_PROFILE:-}" = "release" ] || exit 0
find "$dir" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.html' -o -name '*.svg' \) | while read -r f; do
  gzip -9 -k -f "$f"
  brotli -q 11 -k -f "$f"
done

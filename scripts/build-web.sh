#!/usr/bin/env bash
#! Builds the browser bundle into dist/ (release, wasm-opt, precompressed). A finished bundle is
#! also kept in ~/.cache/driftfire/web/<hash of its sources>/, so a second run — or a fresh
#! clone of the same commit, as in CI — copies it instead of spending minutes in cargo + wasm-opt.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$root"

# Everything the bundle is made from: tracked files of these paths plus their working-tree edits.
sources=(client shared web vendor Cargo.toml Cargo.lock Trunkfile.toml)
key=$( { git ls-files -z -- "${sources[@]}" | sort -z | xargs -0 sha256sum; rustc --version; trunk --version; } | sha256sum | cut -c1-16)
cache="${DRIFTFIRE_WEB_CACHE:-$HOME/.cache/driftfire/web}/$key"

if [ -f dist/.built ] && [ "$(cat dist/.built)" = "$key" ]; then
  echo "web bundle is up to date (dist/, sources $key)" >&2
  exit 0
fi
if [ -f "$cache/.built" ]; then
  echo "web bundle restored from $cache" >&2
  rm -rf dist && cp -a "$cache" dist
  exit 0
fi

echo "building the web bundle (from scratch: about 6 min on 2 cores — cargo's wasm32 build with fat LTO, then wasm-bindgen and wasm-opt -O1; after a change to the client: about 3–4 min)…" >&2
started=$(date +%s)
trunk --config Trunkfile.toml build --release
echo "$key" > dist/.built
echo "web bundle built in $(( $(date +%s) - started )) s" >&2
# Keep only the newest few bundles in the cache.
mkdir -p "$(dirname "$cache")"
rm -rf "$cache.tmp" && cp -a dist "$cache.tmp" && rm -rf "$cache" && mv "$cache.tmp" "$cache"
ls -1dt "$(dirname "$cache")"/*/ 2>/dev/null | tail -n +4 | xargs -r rm -rf

#!/usr/bin/env bash
#! Builds the browser bundle into dist/ (release, wasm-opt, precompressed), unless dist/ is
#! already newer than every source it is made from.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$root"
stamp=dist/.built
if [ -f "$stamp" ] && [ -z "$(find client shared web Cargo.toml Cargo.lock Trunkfile.toml -newer "$stamp" -type f -print -quit)" ]; then
  echo "web bundle is up to date (dist/)" >&2
  exit 0
fi
echo "building the web bundle (first time ~12 min on 2 cores)…" >&2
trunk --config Trunkfile.toml build --release
touch "$stamp"

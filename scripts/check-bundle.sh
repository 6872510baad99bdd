#!/usr/bin/env bash
#! Fails when the built browser bundle (dist/) grows past its budget: the brotli-compressed wasm
#! is what a player downloads, the raw size what the browser compiles. The budgets sit just above
#! what the bundle measures now (BENCHMARKS.md, "Bundle size"): lower them as the bundle shrinks.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$root"

# Bytes. Measured 2026-12-07: 1,940,226 brotli, 8,919,569 raw (wasm-opt -O1; the UI kit instead of
# bevy_ui/bevy_text, no bevy_log in the browser, no 3D pipelines in the browser: see
# vendor/README.md). The issue's goal is 2.0 MB; the budget keeps ~15 KB of it for what comes.
budget_brotli=1955000
budget_raw=9000000

wasm=$(ls dist/*_bg.wasm 2>/dev/null | head -n 1)
[ -n "$wasm" ] && [ -f "$wasm.br" ] || { echo "no built bundle in dist/ (run scripts/build-web.sh)" >&2; exit 1; }
brotli_bytes=$(stat -c %s "$wasm.br")
raw_bytes=$(stat -c %s "$wasm")
echo "bundle: $brotli_bytes bytes brotli (budget $budget_brotli), $raw_bytes bytes raw (budget $budget_raw)"
if [ "$brotli_bytes" -gt "$budget_brotli" ] || [ "$raw_bytes" -gt "$budget_raw" ]; then
  echo "the browser bundle is over its budget: find what grew (BENCHMARKS.md, "Bundle size", says how it was measured)" >&2
  exit 1
fi

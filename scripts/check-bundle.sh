#!/usr/bin/env bash
#! Fails when the built browser bundle (dist/) grows past its budget: the brotli-compressed wasm
#! is what a player downloads, the raw size what the browser compiles. The budgets sit just above
#! what the bundle measures now (BENCHMARKS.md, "Bundle size"): lower them as the bundle shrinks.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$root"

# Bytes. Measured 2026-12-02: 1,986,240 brotli, 9,279,097 raw (wasm-opt -O1; the UI kit instead of
# bevy_ui/bevy_text, no bevy_log in the browser). The brotli budget was the 2.0 MB goal itself
# (2,000,000) until 2026-12-07: protocol 12's acknowledged deltas (issue 24) took the bundle to
# 2,001,257, and the budget to 2,002,000 until a cut brings it back under 2,000,000 (issue 24 is
# not resolved while it is over; BENCHMARKS.md, "Bundle size").
budget_brotli=2002000
budget_raw=9450000

wasm=$(ls dist/*_bg.wasm 2>/dev/null | head -n 1)
[ -n "$wasm" ] && [ -f "$wasm.br" ] || { echo "no built bundle in dist/ (run scripts/build-web.sh)" >&2; exit 1; }
brotli_bytes=$(stat -c %s "$wasm.br")
raw_bytes=$(stat -c %s "$wasm")
echo "bundle: $brotli_bytes bytes brotli (budget $budget_brotli), $raw_bytes bytes raw (budget $budget_raw)"
if [ "$brotli_bytes" -gt "$budget_brotli" ] || [ "$raw_bytes" -gt "$budget_raw" ]; then
  echo "the browser bundle is over its budget: find what grew (BENCHMARKS.md, "Bundle size", says how it was measured)" >&2
  exit 1
fi

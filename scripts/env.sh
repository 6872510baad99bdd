#!/usr/bin/env bash
#! Sourced by the other scripts: one stable cargo target dir outside the clone (warm rebuilds,
#! shared with CI) and the project's tool folders on PATH.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/driftfire/target}"
export PATH="$root/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

#!/usr/bin/env bash
#! Sourced by the other scripts: one stable cargo target dir outside the clone (warm rebuilds,
#! shared with CI) and the project's tool folders on PATH.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/driftfire/target}"
export PATH="$root/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# Cargo rebuilds a path dependency (vendor/*) when its files are newer than its last build, and
# in a fresh clone every file is new: each clone would rebuild Bevy from naga_oil up. When
# vendor/ has no local edits, its files get the time of the last commit that changed them (an
# edit, or a commit that changes them, still rebuilds).
if git -C "$root" diff --quiet HEAD -- vendor 2>/dev/null && [ -z "$(git -C "$root" ls-files --others --exclude-standard -- vendor)" ]; then
  vendor_time=$(git -C "$root" log -1 --format=%ct -- vendor)
  [ -n "$vendor_time" ] && find "$root/vendor" -exec touch -h -d "@$vendor_time" {} +
fi

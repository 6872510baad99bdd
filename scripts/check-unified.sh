#!/usr/bin/env bash
#! Fails when `cargo build -p driftfire-client` (or `cargo run`) would resolve a crate's features
#! differently from `cargo test --workspace`: cargo would then rebuild Bevy from wgpu up instead
#! of reusing the test build. client/Cargo.toml lists the features that keep them equal.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$root"
host=$(rustc -vV | sed -n 's/^host: //p')
format=(--target "$host" -f '{p}|{f}' --prefix none -e features,normal,build)
tree() { cargo tree "${format[@]}" "$@" | grep '|' | sed 's/ (\*)$//' | sort -u; }
client=$(tree -p driftfire-client)
# tokio's `test-util` (the server's tests run on paused time) is the one allowed difference:
# no Bevy crate depends on tokio, so the desktop build rebuilds only tokio and its few users.
tests=$(tree -e dev --workspace | sed '/^tokio v/s/,test-util//' | grep -F -f <(cut -d'|' -f1 <<<"$client" | sed 's/$/|/'))
diff <(echo "$client") <(echo "$tests") || { echo "the client alone and the tests resolve different features (above)" >&2; exit 1; }

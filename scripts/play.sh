#!/usr/bin/env bash
#! Installs what is missing, builds the server and the browser bundle (reusing earlier builds),
#! and starts the game server at a printed URL. Flags:
#!   --bind ADDR   listen address (default 127.0.0.1:8080)
#!   --bots N      also start N bots so the arena is lively (default 0)
#! Any other flags go to driftfire-server (see `driftfire-server --help`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$root"
bind="${DRIFTFIRE_BIND:-127.0.0.1:8080}"; bots=0; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bind) bind="$2"; shift 2 ;;
    --bots) bots="$2"; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
# Each step says what it costs the first time on a 2-core machine (measured, README) so a long
# compile is not mistaken for a hang; later runs reuse the builds and take seconds.
step() { printf '\n\033[1;32m== %s\033[0m\n' "$*" >&2; }
step "1/4 tools: system packages, wasm32 target, trunk, wasm-bindgen, wasm-opt (first run: about 6 min)"
bash .ci/install-deps.sh --web
step "2/4 the game server, optimised (first run: 2 to 4 min)"
bins=(--bin driftfire-server)
[ "$bots" -gt 0 ] && bins+=(--bin driftfire-bots)
cargo build --release -p driftfire-server "${bins[@]}"
step "3/4 the browser bundle (first run: about 8 min; cached by its sources after that)"
bash scripts/build-web.sh
step "4/4 starting the server"
bin="$CARGO_TARGET_DIR/release"
if [ "$bots" -gt 0 ]; then
  # The bots all connect from this machine: leave room for them under the per-address cap.
  extra+=(--max-conns-per-ip 0)
  ( sleep 2; exec "$bin/driftfire-bots" --url "ws://$bind/ws" --count "$bots" --seconds 86400 >/dev/null ) &
  trap 'kill %1 2>/dev/null || true' EXIT
fi
echo
echo "  Open http://$bind/ in a browser (Ctrl-C stops the server)."
echo
"$bin/driftfire-server" --bind "$bind" --web-dir "$root/dist" "${extra[@]}"

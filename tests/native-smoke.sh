#!/usr/bin/env bash
#! Native desktop smoke test: a real server on a free port, the desktop game under Xvfb with
#! Mesa's software Vulkan (lavapipe), joining by itself (--autoplay) and quitting by itself
#! (--exit-after-secs) in a small arena the server keeps at 20 ships (AI pilots). Passes when
#! the game exits 0, the server counted the player and the game played over WebTransport; prints
#! the game's frame times.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
out="$root/e2e-artifacts"; mkdir -p "$out"
server_log="$out/native-smoke-server.log"; game_log="$out/native-smoke-game.log"
rm -rf "$out/native-smoke-data"
"$CARGO_TARGET_DIR/debug/driftfire-server" --bind 127.0.0.1:0 --admin-bind off --data-dir "$out/native-smoke-data" \
  --arena-side 700 --min-ships 20 >"$server_log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://[0-9.:]*/' "$server_log" | head -n1 || true)
  [ -n "$url" ] && break; sleep 0.1
done
[ -n "$url" ] || { echo "server did not start"; cat "$server_log"; exit 1; }
ws="ws://${url#http://}ws"
echo "server at $url"
xvfb-run -a -s "-screen 0 1280x720x24" \
  "$CARGO_TARGET_DIR/debug/driftfire" --server "$ws" --name native-smoke --autoplay --exit-after-secs 12 >"$game_log" 2>&1 &
game=$!
max_players=0
while kill -0 $game 2>/dev/null; do
  players=$(curl -sf "${url}api/status" | grep -o '"players":[0-9]*' | head -n1 | cut -d: -f2 || echo 0)
  [ "${players:-0}" -gt "$max_players" ] && max_players=$players
  sleep 0.5
done
set +e; wait $game; code=$?; set -e
echo "game exited with $code; the server saw at most $max_players player(s)"
grep -E '^driftfire:' "$game_log" | head -n 20 || true
grep -E '^driftfire: frames=' "$game_log" || true
grep -E '^driftfire: transport' "$game_log" || true
# The desktop races WebTransport against the WebSocket like the page; on loopback WebTransport wins.
if [ "$code" -ne 0 ] || [ "$max_players" -lt 1 ] || ! grep -Eq 'driftfire: ships=[1-9]' "$game_log" \
  || ! grep -Eq '^driftfire: transport webtransport' "$game_log"; then
  echo "native smoke FAILED; game log:"; tail -n 60 "$game_log"; exit 1
fi
echo "native smoke: 1 passed, 0 failed"

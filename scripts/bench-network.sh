#!/usr/bin/env bash
#! Netcode on real lossy links: a release server, and 10 bots in a network namespace behind
#! ../shared/tools/lossy_link.py (a user-space relay that drops and delays real packets, so real
#! TCP and real QUIC run over it), once over the WebSocket and once over WebTransport per link.
#! Prints one markdown table row per link and transport (the bots' own figures, see
#! `driftfire-bots`: snapshot lateness against each bot's best case, input ack, delivered share).
#! Usage (root: it makes a network namespace): bash scripts/bench-network.sh [SECONDS=35]
#!
#! Environment (all optional):
#!   NET_LINKS="0:1 1:1 2:1 2:3"  LOSS:BURST pairs (percent a packet is dropped each way; a drop
#!                                also drops the next BURST-1 packets of that direction)
#!   NET_RTT_MS=60 NET_JITTER_MS=5 the path's added round trip and its jitter
#!   NET_BOTS=10                   bots per run
#!   NET_TRANSPORTS="ws wt"        which transports
#!   BENCH_BIN_DIR=DIR             use driftfire-server and driftfire-bots from DIR instead of building
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/driftfire/target}"
secs="${1:-35}"
links="${NET_LINKS:-0:1 1:1 2:1 2:3}"; rtt="${NET_RTT_MS:-60}"; jitter="${NET_JITTER_MS:-5}"
bots="${NET_BOTS:-10}"; transports="${NET_TRANSPORTS:-ws wt}"
relay="$root/../shared/tools/lossy_link.py"
[[ -f "$relay" ]] || { echo "bench-network: $relay not found" >&2; exit 1; }
if [[ -z "${BENCH_BIN_DIR:-}" ]]; then
    (cd "$root" && cargo build --release -p driftfire-server --bins >&2)
    bin="$CARGO_TARGET_DIR/release"
else
    bin="$BENCH_BIN_DIR"
fi
port=18650; ns=dfnet
data="$(mktemp -d)"; trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$data"' EXIT
echo "| link | transport | lateness p50 / p95 / p99 / max (ms) | input ack p50 / p99 (ms) | delivered | down B/s per bot | up B/s per bot |"
echo "|---|---|---|---|---|---|---|"
for link in $links; do
    loss="${link%%:*}"; burst="${link##*:}"
    "$bin/driftfire-server" --bind "0.0.0.0:$port" --admin-bind off --data-dir "$data" --min-ships 8 >"$data/server.log" 2>&1 &
    server=$!
    python3 "$relay" "$ns" --loss "$loss" --burst "$burst" --rtt-ms "$rtt" --jitter-ms "$jitter" >"$data/relay.log" 2>&1 &
    relay_pid=$!
    sleep 2
    for transport in $transports; do
        report="$(ip netns exec "$ns" "$bin/driftfire-bots" --url "ws://10.77.0.1:$port/ws" --count "$bots" --seconds "$secs" \
            --transport "$transport" 2>>"$data/bots.log" | tail -n 1)"
        python3 - "$loss" "$burst" "$rtt" "$jitter" "$transport" "$report" <<'PY'
import json, sys
loss, burst, rtt, jitter, transport, report = sys.argv[1:]
r = json.loads(report)
name = "no loss" if float(loss) == 0 else f"{loss} % loss" + (f" in bursts of {burst}" if int(burst) > 1 else "")
over = f"{r['over_webtransport']}/{r['connected']} over WT" if transport == "wt" else "WebSocket"
print(f"| {name}, RTT {rtt} ± {jitter} ms | {over} | {r['lateness_p50_ms']:.1f} / {r['lateness_p95_ms']:.1f} / "
      f"{r['lateness_p99_ms']:.1f} / {r['lateness_max_ms']:.0f} | {r['input_ack_p50_ms']:.1f} / {r['input_ack_p99_ms']:.1f} | "
      f"{100 * r['delivered_ratio']:.1f} % | {r['down_bytes_per_s']:.0f} | {r['up_bytes_per_s']:.0f} |")
PY
    done
    kill "$relay_pid"; wait "$relay_pid" 2>/dev/null || true
    kill "$server"; wait "$server" 2>/dev/null || true
    sleep 1
done

#!/usr/bin/env bash
#! Load benchmark: a release server on loopback, N bots for S seconds, then the server's own
#! figures (/api/status), its CPU use (from /proc), and the bots' JSON report.
#! Usage: bash scripts/bench.sh [BOTS=200] [SECONDS=20] [extra server flags...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/driftfire/target}"
bots="${1:-200}"; secs="${2:-20}"; shift $(( $# > 2 ? 2 : $# )) || true
# A thousand bots need a thousand sockets on each side of loopback.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
cargo build --release -q -p driftfire-server --manifest-path "$root/Cargo.toml"
bin="$CARGO_TARGET_DIR/release"
port=$(( 20000 + RANDOM % 20000 ))
# Every bot comes from 127.0.0.1: lift the per-address connection cap.
"$bin/driftfire-server" --bind "127.0.0.1:$port" --max-conns-per-ip 0 "$@" >/tmp/driftfire-bench-server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
hz=$(getconf CLK_TCK)
"$bin/driftfire-bots" --url "ws://127.0.0.1:$port/ws" --count "$bots" --seconds "$secs" --ramp-seconds 2 >/tmp/driftfire-bench-bots.log &
bots_pid=$!
# Measure the steady state: skip the 3 s ramp, sample for the middle of the run.
sleep 3
t0=$(ticks); s0=$(date +%s.%N)
sleep $(( secs - 5 ))
t1=$(ticks); s1=$(date +%s.%N)
status=$(curl -sf "http://127.0.0.1:$port/api/status")
wait $bots_pid || echo "bots exited non-zero" >&2
cpu=$(echo "($t1 - $t0) / $hz / ($s1 - $s0) * 100" | bc -l)
echo "server_status: $status"
printf 'server_cpu_percent_of_one_core: %.1f\n' "$cpu"
echo "bots_report: $(tail -n 1 /tmp/driftfire-bench-bots.log)"

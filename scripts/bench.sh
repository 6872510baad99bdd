#!/usr/bin/env bash
#! Load benchmark: a release server on loopback, N bots for S seconds, then the server's own
#! figures (/api/status), its CPU use (from /proc), and the bots' JSON report.
#! Usage: bash scripts/bench.sh [BOTS=100] [SECONDS=25] [extra server flags...]
#!
#! The headline figure is `server_cpu_us_per_player_tick`: the server process's CPU time (user +
#! system, from /proc/PID/stat) over the steady window, divided by players × room ticks in that
#! window. Also printed: tick mean/p99 and overruns (/api/status), RSS per connected player
#! (VmRSS with N players minus VmRSS right after start, over N), bytes/s per client down and up,
#! and bots connected/failed/dropped (the bots' report).
#!
#! Environment (all optional):
#!   BENCH_PIN=1             pin the server to BENCH_SERVER_CPUS and the bots to BENCH_BOTS_CPUS
#!                           with taskset (default 1; 0 = both unpinned, as before issue 11)
#!   BENCH_SERVER_CPUS=0     taskset CPU list of the server
#!   BENCH_BOTS_CPUS=1       taskset CPU list of the bots
#!   BENCH_WARMUP=5          seconds after the bots start before the window opens (ramp 2 s + settling)
#!   BENCH_TAIL=2            seconds before the bots stop at which the window closes
#!   BENCH_RAMP=2            the bots' --ramp-seconds
#!   BENCH_BIN_DIR=DIR       use driftfire-server and driftfire-bots from DIR instead of building
#!   BENCH_PERF=FILE         `perf record -g` the server over the window into FILE
#!   BENCH_LOG_DIR=/tmp      where the server and bots logs go
#!   BENCH_TRANSPORT=ws      the bots' transport: ws, or wt (WebTransport datagrams)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/driftfire/target}"
bots="${1:-100}"; secs="${2:-25}"; shift $(( $# > 2 ? 2 : $# )) || true
pin="${BENCH_PIN:-1}"; server_cpus="${BENCH_SERVER_CPUS:-0}"; bots_cpus="${BENCH_BOTS_CPUS:-1}"
warmup="${BENCH_WARMUP:-5}"; tail_s="${BENCH_TAIL:-2}"; ramp="${BENCH_RAMP:-2}"
logs="${BENCH_LOG_DIR:-/tmp}"
if (( secs - warmup - tail_s < 5 )); then
    echo "bench: SECONDS=$secs leaves less than a 5 s window after BENCH_WARMUP=$warmup and BENCH_TAIL=$tail_s" >&2
    exit 2
fi
# A thousand bots need a thousand sockets on each side of loopback.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
if [[ -n "${BENCH_BIN_DIR:-}" ]]; then
    bin="$BENCH_BIN_DIR"
else
    cargo build --release -q -p driftfire-server --manifest-path "$root/Cargo.toml"
    bin="$CARGO_TARGET_DIR/release"
fi
server_pin=(); bots_pin=()
if [[ "$pin" == 1 ]]; then
    server_pin=(taskset -c "$server_cpus"); bots_pin=(taskset -c "$bots_cpus")
    echo "pinning: server on CPU $server_cpus, bots on CPU $bots_cpus (taskset -c)"
else
    echo "pinning: none (server and bots share every CPU)"
fi
port=$(( 20000 + RANDOM % 20000 ))
# Every bot comes from 127.0.0.1: lift the per-address connection cap.
# A fresh hall of fame per run (every bot's life is a result), and no admin listener.
data_dir=$(mktemp -d)
"${server_pin[@]}" "$bin/driftfire-server" --bind "127.0.0.1:$port" --admin-bind off --data-dir "$data_dir" --max-conns-per-ip 0 "$@" >"$logs/driftfire-bench-server.log" 2>&1 &
server=$!
perf_pid=""
trap 'kill $server 2>/dev/null || true; rm -rf "$data_dir"; [[ -n "$perf_pid" ]] && kill -INT $perf_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$server/status"; }
status_field() { grep -o "\"$1\":[0-9.e+-]*" <<<"$2" | head -n 1 | cut -d: -f2; }
hz=$(getconf CLK_TCK)
rss_idle=$(rss_kib)
"${bots_pin[@]}" "$bin/driftfire-bots" --url "ws://127.0.0.1:$port/ws" --count "$bots" --seconds "$secs" --ramp-seconds "$ramp" \
    --transport "${BENCH_TRANSPORT:-ws}" >"$logs/driftfire-bench-bots.log" &
bots_pid=$!
# The steady window: after the ramp has settled, until shortly before the bots stop.
sleep "$warmup"
status0=$(curl -sf "http://127.0.0.1:$port/api/status")
if [[ -n "${BENCH_PERF:-}" ]]; then
    perf record -g -o "$BENCH_PERF" -p "$server" >"$logs/driftfire-bench-perf.log" 2>&1 &
    perf_pid=$!
fi
t0=$(cpu_ticks); s0=$(date +%s.%N)
sleep $(( secs - warmup - tail_s ))
t1=$(cpu_ticks); s1=$(date +%s.%N)
rss_loaded=$(rss_kib)
status=$(curl -sf "http://127.0.0.1:$port/api/status")
if [[ -n "$perf_pid" ]]; then kill -INT "$perf_pid" 2>/dev/null || true; wait "$perf_pid" || true; perf_pid=""; fi
wait $bots_pid || echo "bots exited non-zero" >&2
report=$(tail -n 1 "$logs/driftfire-bench-bots.log")
players0=$(status_field players "$status0"); players1=$(status_field players "$status")
tick_hz=$(status_field tick_hz "$status")
window=$(echo "$s1 - $s0" | bc -l)
cpu_s=$(echo "($t1 - $t0) / $hz" | bc -l)
players=$(echo "($players0 + $players1) / 2" | bc -l)
echo "server_status: $status"
echo "bots_report: $report"
printf 'window_s: %.1f (bots start +%d s .. stop -%d s)\n' "$window" "$warmup" "$tail_s"
printf 'players: %s at window start, %s at window end\n' "$players0" "$players1"
printf 'server_cpu_percent_of_one_core: %.1f\n' "$(echo "$cpu_s / $window * 100" | bc -l)"
if [[ "$players1" != 0 ]]; then
    printf 'server_cpu_us_per_player_tick: %.2f\n' "$(echo "$cpu_s * 1000000 / ($players * $tick_hz * $window)" | bc -l)"
    printf 'rss_per_player_kib: %.1f (VmRSS %s KiB idle, %s KiB with %s players)\n' \
        "$(echo "($rss_loaded - $rss_idle) / $players1" | bc -l)" "$rss_idle" "$rss_loaded" "$players1"
fi
printf 'tick_mean_ms: %.3f\ntick_p99_ms: %.3f\ntick_overruns: %s\n' \
    "$(status_field tick_mean_ms "$status")" "$(status_field tick_p99_ms "$status")" "$(status_field tick_overruns "$status")"
printf 'down_bytes_per_s_per_client: %.0f\nup_bytes_per_s_per_client: %.0f\n' \
    "$(status_field down_bytes_per_s "$report")" "$(status_field up_bytes_per_s "$report")"
printf 'bots: connected %s, failed %s, dropped %s\n' \
    "$(status_field connected "$report")" "$(status_field failed "$report")" "$(status_field disconnected "$report")"
